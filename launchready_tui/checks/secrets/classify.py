"""From a raw rule match to a verdict: public by design or a secret, how bad, and which provider.

secrets.md §3: some keys are meant to be public (Stripe and Clerk publishable keys, Supabase anon and
publishable keys, PostHog project keys, Sentry DSNs, Mapbox ``pk.`` tokens); they are reported with
verdict ``public`` and the reason, never as leaks. Two shapes need decoding to decide: a Supabase JWT
(``role: anon`` is public, ``service_role`` is a master key) and a Clerk publishable key (base64 of its
frontend host followed by ``$``). Google ``AIza`` keys are public in a Firebase web config but also
unlock Gemini when the API is not restricted, so they carry a caveat. Placeholders (``xxxx``,
``your_key_here``, ``${VAR}``, ``<token>``) are dropped: a founder stops reading after the third
``sk_live_xxxxxxxx``. Nothing is sent anywhere: decoding is local, keys are never "verified" online.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from launchready_tui.checks.secrets.engine import Match
from launchready_tui.checks.secrets.rules import RuleSet

SEVERITIES = ("critical", "high", "medium", "low", "review")

_PLACEHOLDER = re.compile(
    r"(?i)(?:x{5,}|\*{4,}|\.{4,}|_{5,}|0{8,}|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|"
    r"(?:replace|change)[_-]?me|example[_-]?(?:key|token|secret)|placeholder|dummy[_-]?(?:key|token|secret)|"
    r"insert[_-]?(?:key|token)|redacted)"
)
_TEMPLATED = re.compile(r"^(?:\$\{.*\}|\{\{.*\}\}|<[^<>]+>|%\(.*\)s|\$[A-Z_][A-Z0-9_]*)$")
_SEQUENTIAL = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "1234567890")
_LOCAL_HOSTS = re.compile(r"(?i)^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|db|database|postgres|mysql|mongo|redis|"
                          r"host\.docker\.internal|\[::1\])$")
_GEMINI_CONTEXT = re.compile(r"(?i)gemini|generativelanguage|google_?(?:ai|genai|generative)|genai|GOOGLE_API_KEY")
_FIREBASE_CONTEXT = re.compile(r"(?i)firebase|authDomain|projectId|messagingSenderId|appId|storageBucket")
_CLERK_CONTEXT = re.compile(r"(?i)clerk")
# Rules whose hits are only worth a look: a specific rule on the same text always wins over them.
GENERIC_RULES = frozenset({"generic-api-key", "jwt", "app-session-secret", "jwt-base64"})


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: str  # "secret" | "public"
    severity: str
    provider: str
    note: str = ""  # why it is public, or the caveat that goes with it
    warn_in_bundle: bool = False  # public, but worth a warning when it ships to browsers (AIza)
    ask_rls: bool = False  # Supabase anon key: public only if Row Level Security is on


def is_placeholder(secret: str) -> bool:
    """True for values that only look like keys: templates, x-runs, "your_key_here", sequences."""
    if _TEMPLATED.match(secret) or _PLACEHOLDER.search(secret):
        return True
    low = secret.lower()
    core = re.sub(r"^[a-z]{2,4}[_-](?:(?:test|live|proj|prod)[_-])?", "", low)
    if len(set(core)) <= 2:
        return True
    return any(seq[:8] in core for seq in _SEQUENTIAL) and len(set(core)) < 12


def decode_jwt_payload(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, decoded locally (never verified, never sent); None when it is not one."""
    parts = token.split(".")
    if len(parts) < 2:
        return None
    raw = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return data if isinstance(data, dict) else None


def clerk_frontend_host(key: str) -> str | None:
    """Clerk publishable keys are pk_test_/pk_live_ + base64("<frontend host>$")."""
    body = key.split("_", 2)[-1]
    try:
        text = base64.b64decode(body + "=" * (-len(body) % 4), validate=True).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if text.endswith("$") and "." in text and re.fullmatch(r"[A-Za-z0-9.-]+\$", text):
        return text[:-1]
    return None


def classify(match: Match, ruleset: RuleSet, *, where: str) -> Verdict | None:
    """``where``: "code" (tree, history, source-map sources) or "bundle" (JS served to browsers).

    None means "not a finding" (a placeholder)."""
    rule_id = match.rule.id
    secret = match.secret
    meta = ruleset.meta_for(rule_id)
    if is_placeholder(secret) and rule_id not in ("private-key", "gcp-service-account-json"):
        return None
    line = match.line_text
    if meta.public:
        if rule_id == "stripe-publishable-key":
            host = clerk_frontend_host(secret)
            if host:
                return Verdict("public", "low", "Clerk", f"Clerk publishable key for {host}: meant for the browser; "
                                                          "the secret key (sk_…) is the one to protect.")
        return Verdict("public", "low", meta.provider, meta.why_public)
    severity = meta.severity
    provider = meta.provider
    if rule_id in ("jwt", "jwt-base64"):
        payload = decode_jwt_payload(secret) or {}
        role = payload.get("role")
        if role == "anon" or (payload.get("iss") == "supabase" and role not in ("service_role", None)):
            return Verdict("public", "low", "Supabase", "Supabase anon key: public by design, but only safe when Row "
                                                        "Level Security is on for every table the API exposes.",
                           ask_rls=True)
        if role == "service_role":
            return Verdict("secret", "critical", "Supabase",
                           "Supabase service_role key: bypasses Row Level Security, full access to the database.")
        if payload.get("exp") and "iat" in payload and where == "bundle":
            severity = "review"
        return Verdict("secret", severity, provider, "a signed token; check whether it grants access")
    if rule_id == "gcp-api-key":
        if _GEMINI_CONTEXT.search(line):
            return Verdict("secret", "critical", "Google Gemini", "a Google AI key: anyone holding it can run up "
                                                                  "your Gemini bill")
        if where == "bundle" or _FIREBASE_CONTEXT.search(line):
            return Verdict("public", "low", "Google / Firebase",
                           "Firebase web keys identify your project and are public by design, but the same AIza key "
                           "also works for Gemini and other Google APIs unless it is restricted: in Google Cloud "
                           "console → Credentials, restrict it to your site and to the Firebase APIs only.",
                           warn_in_bundle=True)
        return Verdict("secret", "high", provider, "a Google API key in server code: restrict or rotate it")
    if rule_id == "stripe-access-token":
        if _CLERK_CONTEXT.search(line):
            provider = "Clerk"
        if re.match(r"(?:sk|rk)_test_", secret):
            return Verdict("secret", "low", provider, "a test-mode key: it cannot move real money, but rotate it "
                                                      "and keep it out of the code")
    if rule_id == "database-url-password":
        host = re.search(r"@([^/:?\s'\"]+)", match.text)
        host_name = host.group(1) if host else ""
        if _LOCAL_HOSTS.match(host_name) or host_name.endswith((".local", ".internal.test")):
            return Verdict("secret", "low", provider, "a local development database password")
    if rule_id == "clerk-secret-key" and secret.startswith("sk_test_"):
        severity = "low"
    return Verdict("secret", severity, provider, "")


def prefer(matches: list[Match]) -> list[Match]:
    """Drop a generic hit when a specific rule found the same secret (the specific one names the provider)."""
    specific = [m for m in matches if m.rule.id not in GENERIC_RULES]
    out = list(specific)
    spans = [(m.secret_start, m.secret_start + len(m.secret)) for m in specific]
    for m in matches:
        if m.rule.id not in GENERIC_RULES:
            continue
        s, e = m.secret_start, m.secret_start + len(m.secret)
        if any(s < se and ss < e for ss, se in spans):
            continue
        out.append(m)
        spans.append((s, e))
    # Two specific rules on one secret (Stripe's rule also fires on Clerk keys): keep the first by position
    # unless the later one is more specific by context.
    out.sort(key=lambda m: (m.secret_start, m.rule.id == "stripe-access-token"))
    kept: list[Match] = []
    for m in out:
        if kept and kept[-1].secret == m.secret and kept[-1].secret_start == m.secret_start:
            continue
        kept.append(m)
    return kept
