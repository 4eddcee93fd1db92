"""One place that turns secrets into safe text: previews, fingerprints, detection and text redaction.

Every output path (screen, logs, reports, exports, the project-file save gate) goes through here, so a
new token shape only has to be taught once. The raw secret never leaves these functions: callers get a
preview (``sk-p…3kQ``), a fingerprint (``sha256:…``) or a kind name.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ELLIPSIS = "…"
MASK = "••••"
# Shorter than this and first-4 + last-3 would reveal most of the value, so it is masked whole.
MIN_PREVIEW_LEN = 12


@dataclass(frozen=True, slots=True)
class SecretPattern:
    kind: str  # plain words, shown to the user ("GitHub token")
    regex: re.Pattern[str]
    group: int = 0  # the part that is secret; the rest of the match is kept as context


def _p(kind: str, pattern: str, group: int = 0, flags: int = 0) -> SecretPattern:
    return SecretPattern(kind, re.compile(pattern, flags), group)


# The one table of token shapes. Order matters: specific shapes first so the reported kind is precise,
# URLs before bare tokens so a webhook is masked as a URL rather than piecemeal.
SECRET_PATTERNS: tuple[SecretPattern, ...] = (
    # Private keys pasted whole: the header alone is proof enough.
    _p("private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    # Slack incoming webhooks: anyone holding the URL can post to the channel.
    _p("Slack webhook URL", r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{8,}"),
    # Discord webhooks: id + token in the path.
    _p(
        "Discord webhook URL",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{16,}",
    ),
    # scheme://user:password@host (database URLs, SMTP, Redis). The password is group 1.
    _p("URL with a password", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@'\"]*:([^\s/@'\"]+)@[^\s/'\"]", 1),
    # OpenAI / Anthropic style keys (sk-, sk-proj-, sk-ant-…).
    _p("API key (sk-…)", r"\bsk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    # Stripe secret, restricted and webhook-signing keys.
    _p("Stripe key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    _p("webhook signing secret", r"\bwhsec_[A-Za-z0-9+/=]{20,}"),
    # GitHub classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained tokens.
    _p("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    _p("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{40,}"),
    _p("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    # Slack bot/user/app tokens.
    _p("Slack token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}"),
    # AWS access key ids: fixed prefix + 16 upper-case base32.
    _p("AWS access key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    _p("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
    _p("SendGrid key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    _p("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    # JWTs: three base64url parts, the first two JSON objects ("eyJ" = '{"').
    _p("JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # A literal bearer credential in a header value; {secret:NAME} references are excluded below.
    _p("bearer token", r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)", 1),
)

# Values that look credential-shaped on purpose and are not secrets: vault references, planted AI
# canaries (ai-probes.md: LR-CANARY-<hex>, the marked fake key sk-lrcanary-<16 hex>).
_REFERENCE = re.compile(r"\{secret:[A-Za-z0-9_.:-]+\}")
_ALLOWED = re.compile(r"\bLR-CANARY-[0-9a-fA-F]{4,}\b|\bsk-lrcanary-[0-9a-f]{16}\b")

# Generic catch-all: long runs of base64/base62 characters. "/" and "." are left out so paths, URLs
# and host names split into short pieces.
_LONG_RUN = re.compile(r"[A-Za-z0-9+_=-]{24,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MIN_ENTROPY = 3.7  # bits per character; random base62 is ~5.9, English camel-case ~3.5-4
_MIN_SWITCH_RATE = 0.4  # share of adjacent characters changing class: random base62 ~0.6, CamelWords ~0.3
_WORDISH = re.compile(r"[A-Z]?[a-z]{3,}")
_MAX_WORDY_SHARE = 0.5  # random base62: ~0.2 of the characters sit in such runs; CamelCase names: ~0.8

# Presenter-mode extras (screen sharing): addresses, webhooks and home folders name people.
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b")
# Not after a word character, so a URL path like https://acme.example/home/pricing is left alone.
_HOME = re.compile(r"(?<![\w.-])(?P<prefix>/home/|/Users/|[A-Za-z]:\\Users\\)(?P<name>[^/\\\s'\"]+)")


def preview(secret: str, presenter: bool = False) -> str:
    """A safe preview: first 4 + "…" + last 3 ("sk-p…3kQ"); presenter mode keeps only the first 4."""
    if len(secret) < MIN_PREVIEW_LEN:
        return MASK
    if presenter:
        return secret[:4] + ELLIPSIS
    return secret[:4] + ELLIPSIS + secret[-3:]


def fingerprint(secret: str, salt: str | None = None) -> str:
    """Stable, position-free id of a secret: "sha256:" + 16 hex (secrets.md §9 uses rule_id as salt)."""
    material = f"{salt}:{secret}" if salt else secret
    return "sha256:" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


def shannon_entropy(text: str) -> float:
    """Bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _char_class(ch: str) -> int:
    if ch.isdigit():
        return 0
    if ch.isupper():
        return 1
    if ch.islower():
        return 2
    return 3


def _is_random_looking(run: str) -> bool:
    """Heuristic for an unlabelled key: mixed case and digits, high entropy, and no word structure."""
    if _UUID.fullmatch(run) or re.fullmatch(r"[0-9a-f]+", run):
        return False  # ids and hashes (project_id, commit shas, fingerprints) are not credentials
    core = run.rstrip("=")
    if not (any(c.isdigit() for c in core) and any(c.isupper() for c in core) and any(c.islower() for c in core)):
        return False
    if shannon_entropy(core) < _MIN_ENTROPY:
        return False
    # Readable identifiers ("MyCompanyName2025Release") are mostly capitalised words; keys are not.
    wordy = sum(len(w) for w in _WORDISH.findall(core))
    if wordy / len(core) >= _MAX_WORDY_SHARE:
        return False
    switches = sum(1 for a, b in zip(core, core[1:], strict=False) if _char_class(a) != _char_class(b))
    return switches / max(len(core) - 1, 1) >= _MIN_SWITCH_RATE


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _REFERENCE.finditer(text)] + [m.span() for m in _ALLOWED.finditer(text)]


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def find_secrets(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield (kind, start, end) of each secret-looking substring, non-overlapping, in text order."""
    protected = _protected_spans(text)
    taken: list[tuple[int, int]] = []
    hits: list[tuple[str, int, int]] = []
    for pat in SECRET_PATTERNS:
        for m in pat.regex.finditer(text):
            span = m.span(pat.group)
            if span[0] < 0 or _overlaps(span, protected) or _overlaps(m.span(), taken):
                continue
            taken.append(m.span())
            hits.append((pat.kind, *span))
    for m in _LONG_RUN.finditer(text):
        if _overlaps(m.span(), taken) or _overlaps(m.span(), protected):
            continue
        if _is_random_looking(m.group()):
            taken.append(m.span())
            hits.append(("high-entropy string", *m.span()))
    yield from sorted(hits, key=lambda h: h[1])


def looks_like_secret(value: str) -> str | None:
    """The kind of secret ``value`` contains ("GitHub token"), or None. ``{secret:NAME}`` refs are fine."""
    for kind, _start, _end in find_secrets(value):
        return kind
    return None


def _mask_webhook(url: str) -> str:
    # Keep the host and the first character of the first path part, so people can still tell which
    # workspace it is: https://hooks.slack.com/services/T…/****
    m = re.match(r"(https://[^/]+/(?:services|workflows|triggers|api/webhooks)/)(.)", url)
    if not m:
        return preview(url)
    return f"{m.group(1)}{m.group(2)}{ELLIPSIS}/****"


def redact_text(text: str, presenter: bool = False) -> str:
    """Replace secret-looking substrings with previews; presenter mode also hides people's details.

    Webhook URLs are always masked to ``https://hooks.slack.com/services/T…/****`` (handover.md §3: never
    printed in full). With ``presenter`` it additionally masks e-mail local parts (``•••@acme.example``),
    other people's home folders and the current user's home (``~``).
    """
    out: list[str] = []
    pos = 0
    for kind, start, end in find_secrets(text):
        out.append(text[pos:start])
        value = text[start:end]
        if kind.endswith("webhook URL"):
            out.append(_mask_webhook(value))
        else:
            out.append(preview(value, presenter=presenter))
        pos = end
    out.append(text[pos:])
    result = "".join(out)
    if presenter:
        result = _redact_people(result)
    return result


def _redact_people(text: str) -> str:
    protected = _protected_spans(text)

    def email(m: re.Match[str]) -> str:
        if _overlaps(m.span(), protected):
            return m.group(0)
        return f"•••@{m.group(1)}"

    text = _EMAIL.sub(email, text)
    try:
        home = str(Path.home())
    except RuntimeError:  # no HOME and no passwd entry (some containers)
        home = ""
    if len(home) > 1:
        # Only whole path components: /home/ann must not eat /home/anna.
        text = re.sub(re.escape(home) + r"(?=[/\\\s'\"]|$)", "~", text)
    return _HOME.sub(lambda m: f"{m.group('prefix')}•••", text)
