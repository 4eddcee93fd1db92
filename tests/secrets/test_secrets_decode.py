"""Secrets inside base64 / hex / percent-encoded text (decode.py): found, reported at the encoded span with
how they were found, never printed; and the false-positive controls — random blobs, images in data: URLs,
source maps, hashes — stay silent."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
from pathlib import Path
from urllib.parse import quote

import pytest

from launchready_tui.checks.secrets import decode
from launchready_tui.checks.secrets.decode import decoded_matches, find_segments
from launchready_tui.checks.secrets.engine import Scanner
from launchready_tui.checks.secrets.rules import builtin_ruleset
from launchready_tui.checks.secrets.scan import head_probe, text_findings

DATA = Path(__file__).parent / "data" / "gitleaks"
EXAMPLES = [json.loads(line) for line in (DATA / "rule_examples_static.jsonl").read_text().splitlines()]
ALNUM = string.ascii_letters + string.digits


def _stripe(rng: random.Random) -> str:
    return "sk_" + "live_" + "".join(rng.choice(ALNUM) for _ in range(32))  # built at run time: no literal key


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(builtin_ruleset())


@pytest.fixture(scope="module")
def gitleaks_scanner() -> Scanner:
    return Scanner(builtin_ruleset("gitleaks.toml"))


ENCODINGS = {
    "base64": lambda t: _b64(t),
    "base64url": lambda t: base64.urlsafe_b64encode(t.encode()).decode().rstrip("="),
    "hex": lambda t: t.encode().hex(),
    "percent": lambda t: quote(t, safe=""),
    "base64 twice": lambda t: _b64(_b64(t)),
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_every_gitleaks_example_is_found_encoded_and_every_false_positive_stays_silent(
        gitleaks_scanner: Scanner, name: str) -> None:
    """gitleaks' own labelled examples, each encoded inside a JS string: all true positives found by the
    same rule, all false positives still silent (the plain-text run is test_secrets_engine's 248/291)."""
    encode = ENCODINGS[name]
    rows = [r for r in EXAMPLES if r["in_default_config"] and r["text"].isascii()]
    assert len(rows) > 500
    missed, noisy = [], []
    for r in rows:
        text = f'const cfg = "{encode(r["text"])}";\n'
        hits = [m for m in gitleaks_scanner.scan(text) if m.rule.id == r["rule_id"]]
        # percent-encoding leaves letters and digits alone: a key can still be found as-is there
        if r["label"] == "tp" and not (hits and (name == "percent" or all(m.depth >= 1 for m in hits))):
            missed.append(r["rule_id"])
        if r["label"] == "fp" and hits:
            noisy.append(r["rule_id"])
    assert missed == [] and noisy == []


def test_env_file_base64_in_a_kubernetes_secret(scanner: Scanner) -> None:
    key = _stripe(random.Random(1))
    manifest = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n"
                f"  .env: {_b64(f'STRIPE_SECRET_KEY={key}' + chr(10) + 'PORT=3000' + chr(10))}\n")
    [m] = [m for m in scanner.scan(manifest, "k8s/secret.yaml") if m.rule.id == "stripe-access-token"]
    assert (m.secret, m.encoding, m.depth, m.line) == (key, "base64", 1, 6)
    value_at = manifest.index(".env: ") + len(".env: ")
    assert m.start == value_at and manifest[m.end - 1] != "\n" and m.encoded == manifest[m.start:m.end]
    assert head_probe(m) == m.encoded  # "still in HEAD?" looks for the encoded text, not the secret


def test_wrapped_base64_is_joined_across_lines(scanner: Scanner) -> None:
    """`base64` wraps at 76 columns: a key split by a line break is still found."""
    rng = random.Random(2)
    key = _stripe(rng)
    filler = "".join(rng.choice(ALNUM) for _ in range(50))
    wrapped = base64.encodebytes(f"NOTE={filler}\nSTRIPE_SECRET_KEY={key}\n".encode()).decode()
    assert wrapped.count("\n") >= 2
    yaml_text = "data:\n  env: |\n" + "".join(f"    {line}\n" for line in wrapped.splitlines())
    [m] = [m for m in scanner.scan(yaml_text) if m.rule.id == "stripe-access-token"]
    assert m.secret == key and m.line == 3 and m.encoding == "base64"


def test_data_url_hex_percent_and_nested(scanner: Scanner) -> None:
    key = _stripe(random.Random(3))
    cases = {
        f'fetch("data:text/plain;base64,{_b64(key)}")': "base64",
        f'const k = "{key.encode().hex()}";': "hex",
        f"const u = '/cb?cfg=token%3D{quote(key, safe='')}%0A';": "percent",
        f'x = "{_b64(_b64(key))}"': "base64 > base64",
        f"u = 'https://x.test/?c={quote(_b64('key=' + key), safe='')}'": "percent > base64",
    }
    for text, chain in cases.items():
        hits = [m for m in scanner.scan(text) if m.rule.id == "stripe-access-token"]
        assert [(m.secret, m.encoding, m.depth) for m in hits] == [(key, chain, chain.count(">") + 1)], text


def test_depth_cap_and_off_switch() -> None:
    key = _stripe(random.Random(4))
    text = f'x = "{_b64(_b64(_b64(key)))}"'
    rules = builtin_ruleset()
    assert [m.depth for m in Scanner(rules).scan(text)] == [3]
    assert Scanner(rules, decode_depth=2).scan(text) == []
    assert Scanner(rules, decode_depth=0).scan(f'x = "{_b64(key)}"') == []


def test_plain_secret_is_not_reported_twice(scanner: Scanner) -> None:
    """A key present as-is and also base64-encoded in the same text: one finding for the plain one (the
    encoded copy is the same secret); a JWT — base64url JSON — gives its usual finding and nothing more."""
    key = _stripe(random.Random(5))
    text = f"a = '{key}'\nb = '{_b64(key)}'\n"
    assert [(m.rule.id, m.depth) for m in scanner.scan(text)] == [("stripe-access-token", 0)]
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(json.dumps({"iss": "supabase", "ref": "abcdefghijklmnopqrst",
                                                   "role": "anon", "iat": 1700000000}).encode()).decode().rstrip("=")
    jwt = f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip('=')}"
    found = scanner.scan(f"const SUPABASE_ANON_KEY = '{jwt}';\n")
    assert {m.rule.id for m in found} <= {"jwt", "supabase-jwt"} and all(m.depth == 0 for m in found)


def test_false_positive_controls_stay_silent(scanner: Scanner) -> None:
    """What real bundles and repos are full of: none of it decodes to a finding."""
    rng = random.Random(6)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(600))).decode()
    blobs = [base64.b64encode(bytes(rng.randrange(256) for _ in range(rng.randint(12, 400)))).decode()
             for _ in range(300)]
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(100)]
    sri = ["sha384-" + base64.b64encode(hashlib.sha384(str(i).encode()).digest()).decode() for i in range(50)]
    mappings = ";".join(",".join("".join(rng.choice(string.ascii_letters + string.digits + "+/")
                                         for _ in range(rng.choice((4, 5, 6, 8))))
                                 for _ in range(rng.randint(1, 12))) for _ in range(400))
    source_map = json.dumps({"version": 3, "sources": ["src/a.ts"], "names": ["x"], "mappings": mappings,
                             "sourcesContent": ["export const x = 1\n"]})
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>').decode()
    bundle = (f'img.src="data:image/png;base64,{png}";' + "".join(f'b{i}="{b}";' for i, b in enumerate(blobs))
              + "".join(f'h("{h}");' for h in hashes) + "".join(f'<script integrity="{s}">' for s in sri)
              + f'i.src="data:image/svg+xml;base64,{svg}";'
              + "u='https://x.test/search?q=hello%20world%26lang%3Den';")
    assert scanner.scan(bundle, "app.js") == []
    assert scanner.scan(source_map, "app.js.map") == []
    commits = "\n".join(hashlib.sha1(str(i).encode()).hexdigest() for i in range(200))
    assert scanner.scan(commits, "CHANGELOG.md") == []


def test_bundle_finding_points_at_the_encoded_bytes_and_never_prints_the_secret(scanner: Scanner) -> None:
    rng = random.Random(7)
    key = _stripe(rng)
    encoded = _b64(json.dumps({"stripe": key}))
    text = "é" * 10 + "var a=1;" * 50 + f"var CFG=JSON.parse(atob('{encoded}'));" + "var b=2;" * 50
    [f] = text_findings(text, scanner.ruleset, url="https://app.test/app.js")
    assert f.offset == len(text[:text.index(encoded)].encode()) and f.found_inside == "found inside base64 (depth 1)"
    assert f.verdict == "secret" and f.rule_id == "stripe-access-token"
    out = json.dumps(f.to_json()) + f.where
    assert key not in out and encoded not in out and "found inside base64 (depth 1)" in out


def test_work_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile file full of decodable segments stops at the segment cap instead of rescanning them all."""
    monkeypatch.setattr(decode, "MAX_SEGMENTS", 50)
    text = "\n".join(f'v{i}="{_b64(f"harmless text number {i} padded out")}"' for i in range(500))
    calls = []

    def scan_plain(snippet: str) -> list:  # type: ignore[type-arg]
        calls.append(snippet)
        return []

    assert decoded_matches(scan_plain, text, [], lambda _o: (1, 1, "")) == []
    assert len(find_segments(text)) == 500 and len(calls) == 50


def test_inline_allow_on_the_encoded_line(scanner: Scanner) -> None:
    key = _stripe(random.Random(8))
    assert scanner.scan(f"k = '{_b64(key)}'  # gitleaks:allow\n") == []
    # the same blob again on a line that is not allowed: reported there (and a repeat costs no second finding)
    text = f"k = '{_b64(key)}'  # gitleaks:allow\nj = '{_b64(key)}'\nm = '{_b64(key)}'\n"
    assert [(m.line, m.depth) for m in scanner.scan(text)] == [(2, 1)]
