"""The engine against gitleaks' own labelled examples, the Go-regex translation and the rule-file loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchready_tui.checks.secrets.engine import WINDOW_MODE_MIN, Scanner
from launchready_tui.checks.secrets.regex_go import GoRegexError, compile_go, translate
from launchready_tui.checks.secrets.rules import (
    RuleFileError,
    build_ruleset,
    builtin_ruleset,
    ruleset_from_text,
)

DATA = Path(__file__).parent / "data" / "gitleaks"
EXAMPLES = [json.loads(line) for line in (DATA / "rule_examples_static.jsonl").read_text().splitlines()]


def _hits(scanner: Scanner, text: str, rule_id: str) -> list[str]:
    return [m.secret for m in scanner.scan(text) if m.rule.id == rule_id]


@pytest.fixture(scope="module")
def gitleaks_scanner() -> Scanner:
    return Scanner(builtin_ruleset("gitleaks.toml"))


@pytest.fixture(scope="module")
def curated_scanner() -> Scanner:
    return Scanner(builtin_ruleset())


def test_gitleaks_default_config_examples(gitleaks_scanner: Scanner) -> None:
    """Every true positive of gitleaks' default rules found, every false positive silent (248 / 291)."""
    rows = [r for r in EXAMPLES if r["in_default_config"]]
    tps = [r for r in rows if r["label"] == "tp"]
    fps = [r for r in rows if r["label"] == "fp"]
    assert (len(tps), len(fps)) == (248, 291)
    missed = [r["rule_id"] for r in tps if not _hits(gitleaks_scanner, r["text"], r["rule_id"])]
    noisy = [r["rule_id"] for r in fps if _hits(gitleaks_scanner, r["text"], r["rule_id"])]
    assert missed == []
    assert noisy == []


def test_curated_rules_keep_gitleaks_examples(curated_scanner: Scanner) -> None:
    """The rules we ship that came from gitleaks keep every example of theirs."""
    ours = {r.id for r in curated_scanner.rules}
    rows = [r for r in EXAMPLES if r["in_default_config"] and r["rule_id"] in ours]
    assert len(rows) > 200  # openai, anthropic, stripe, aws, github, slack, generic, private keys …
    for r in rows:
        found = _hits(curated_scanner, r["text"], r["rule_id"])
        assert bool(found) == (r["label"] == "tp"), (r["rule_id"], r["label"])


def _fake(prefix: str, n: int, alphabet: str = "aB3dE5fG7hJ9kLmN2pQ4rS6tU8vW0xYz") -> str:
    return prefix + (alphabet * (n // len(alphabet) + 1))[:n]


# Our own rules: true and false positives written for them (LAB FAKES, built at runtime).
OWN_TP = [
    ("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET=" + _fake("whsec_", 32)),
    ("resend-api-key", "const resend = new Resend('" + _fake("re_", 8) + "_" + _fake("", 24) + "')"),
    ("database-url-password", "DATABASE_URL=postgres://app:" + _fake("", 18) + "@db.prod.example.com:5432/app"),
    ("database-url-password", "MONGO=mongodb+srv://u:" + _fake("", 14) + "@cluster0.abcde.mongodb.net/db"),
    ("app-session-secret", "NEXTAUTH_SECRET=" + _fake("", 32)),
    ("supabase-publishable-key", "key: '" + _fake("sb_publishable_", 31) + "'"),
    ("stripe-publishable-key", "Stripe('" + _fake("pk_live_", 30) + "')"),
    ("sentry-dsn", "dsn: 'https://0123456789abcdef0123456789abcdef@o12345.ingest.sentry.io/678'"),
    ("aws-secret-access-key", "aws_secret_access_key = " + _fake("", 40, "aB3dE5/fG7+hJ9kLmN2pQ4rS6tU8vW0xYz1C")),
    ("twilio-auth-token", "TWILIO_AUTH_TOKEN=" + "9f3a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"),
    ("postmark-server-token", "POSTMARK_SERVER_TOKEN=1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
]
OWN_FP = [
    ("database-url-password", "DATABASE_URL=postgres://user:password@localhost:5432/app"),
    ("database-url-password", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app"),
    ("database-url-password", "url: postgres://postgres:<password>@host/db"),
    ("app-session-secret", "JWT_SECRET=process.env.JWT_SECRET_VALUE"),
    ("app-session-secret", "SESSION_SECRET=change-me-to-a-long-random-string"),
    ("resend-api-key", "score_re_computed_total = re_run_all"),
    ("stripe-webhook-secret", "whsec_"),
]


@pytest.mark.parametrize(("rule_id", "text"), OWN_TP)
def test_own_rules_find(curated_scanner: Scanner, rule_id: str, text: str) -> None:
    assert _hits(curated_scanner, text, rule_id)


@pytest.mark.parametrize(("rule_id", "text"), OWN_FP)
def test_own_rules_stay_silent(curated_scanner: Scanner, rule_id: str, text: str) -> None:
    assert not _hits(curated_scanner, text, rule_id)


def test_translation_cases() -> None:
    assert translate(r"\bEZAK(?i)[a-z0-9]{54}\b") == r"\bEZAK(?i:[a-z0-9]{54}\b)"
    assert translate(r"(?i)abc(?i)def") == r"(?i)abcdef"
    assert translate(r"[[:alnum:]]{3}\z") == r"[0-9A-Za-z]{3}\Z"
    # Go applies a mid-pattern flag to every later branch of its group
    rx = compile_go(r"x(?:a(?i)b|c)")
    assert rx.fullmatch("xaB") and rx.fullmatch("xC")
    with pytest.raises(GoRegexError):
        compile_go(r"[[:nope:]]")
    with pytest.raises(GoRegexError):
        compile_go("(unclosed")


def test_window_mode_matches_whole_text_mode(curated_scanner: Scanner) -> None:
    """A multi-MB one-line bundle is scanned in keyword windows; the findings are the same as a whole scan."""
    key = "sk-proj-" + _fake("", 74) + "T3BlbkFJ" + _fake("", 74)
    pk = _fake("pk_live_", 40)
    filler = "function a(b){return b.map(function(c){return c*2})};var token=n.auth;" * 2000
    bundle = filler + f'const k="{key}";' + filler + f'var s="{pk}";' + filler * 30
    assert len(bundle) > WINDOW_MODE_MIN and "\n" not in bundle
    windowed = {(m.rule.id, m.secret) for m in curated_scanner.scan(bundle)}
    whole = {(m.rule.id, m.secret) for m in curated_scanner.scan(bundle[:WINDOW_MODE_MIN - 1])}
    assert ("openai-api-key", key) in windowed
    assert ("stripe-publishable-key", pk) in windowed
    assert ("openai-api-key", key) in whole


def test_keyword_fallback_without_automaton() -> None:
    rs = builtin_ruleset()
    text = "k = '" + _fake("ghp_", 36) + "'"
    fast = {m.secret for m in Scanner(rs).scan(text)}
    slow = {m.secret for m in Scanner(rs, use_automaton=False).scan(text)}
    assert fast == slow and fast


def test_malformed_user_rule_file_names_the_rule() -> None:
    bad = '[[rules]]\nid = "my-token"\nregex = "(unclosed"\nkeywords = ["x"]\n'
    with pytest.raises(RuleFileError, match=r"\.gitleaks\.toml: rule 'my-token': regex .* does not compile"):
        build_ruleset([(".gitleaks.toml", bad)])
    with pytest.raises(RuleFileError, match=r"rule #1: the rule has no id"):
        build_ruleset([("u.toml", '[[rules]]\nregex = "a"\n')])
    with pytest.raises(RuleFileError, match="not valid TOML"):
        build_ruleset([("u.toml", "[[rules]\n")])
    with pytest.raises(RuleFileError, match="secretGroup 3"):
        build_ruleset([("u.toml", '[[rules]]\nid = "g"\nregex = "(a)"\nsecretGroup = 3\n')])
    with pytest.raises(RuleFileError, match="'nope', which does not exist"):
        build_ruleset([("u.toml", '[[rules]]\nid = "g"\nregex = "a"\n[[rules.required]]\nid = "nope"\n')])


def test_user_rules_extend_and_disable() -> None:
    user = ('[extend]\ndisabledRules = ["generic-api-key"]\n'
            '[[rules]]\nid = "acme-internal"\nregex = \'\'\'acme_[a-z0-9]{20}\'\'\'\nkeywords = ["acme_"]\n')
    rs = build_ruleset([("repo/.gitleaks.toml", user)])
    ids = {r.id for r in rs.rules}
    assert "acme-internal" in ids and "generic-api-key" not in ids and "openai-api-key" in ids
    with_default = build_ruleset([("u.toml", "[extend]\nuseDefault = true\n")])
    assert len(with_default.rules) > 200  # gitleaks' full default set joined ours


def test_allowlists_and_inline_allow() -> None:
    rs = ruleset_from_text(
        '[[rules]]\nid = "t"\nregex = \'\'\'tok_([a-z0-9]{12})\'\'\'\nkeywords = ["tok_"]\n'
        '[[rules.allowlists]]\nregexes = [\'\'\'^test\'\'\']\n'
        '[[rules.allowlists]]\ncondition = "AND"\npaths = [\'\'\'fixtures/\'\'\']\nstopwords = ["dead"]\n')
    sc = Scanner(rs)
    assert [m.secret for m in sc.scan("tok_a1b2c3d4e5f6")] == ["a1b2c3d4e5f6"]
    assert sc.scan("tok_test12345678") == []  # regex allowlist on the secret
    assert sc.scan("tok_a1b2c3d4e5f6 // gitleaks:allow") == []
    assert sc.scan("tok_deadbeef1234", path="fixtures/a.txt") == []  # AND: path and stopword
    assert sc.scan("tok_deadbeef1234", path="src/a.txt") != []
