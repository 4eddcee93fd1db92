"""Fake, pattern-valid secrets and canaries for the lab, generated at runtime.

LAB FAKES: none of these is a real credential. They are built here rather than written as literals so
that secret scanners running over this repository do not flag the source, while the lab still serves
strings that match the real providers' formats (gitleaks rules) to exercise our detectors.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

_ALNUM = string.ascii_letters + string.digits


def _chars(n: int, prefix: str = "LabFake") -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(n - len(prefix)))


def openai_project_key() -> str:
    """LAB FAKE ``sk-proj-`` key: 74 chars + "T3BlbkFJ" (base64 "OpenAI") + 74 chars, as OpenAI issues them."""
    return "sk-" + "proj-" + _chars(74) + "T3Blbk" + "FJ" + _chars(74)


def stripe_secret_key() -> str:
    """LAB FAKE Stripe secret key (``sk_live_`` + 24+ alphanumerics)."""
    return "sk_" + "live_" + _chars(40)


def stripe_publishable_key() -> str:
    """LAB FAKE Stripe publishable key: public by design, a scanner must call it "public", not "secret"."""
    return "pk_" + "live_" + _chars(40)


def aws_access_key_id() -> str:
    """LAB FAKE AWS access key id (AKIA + 16 upper-case alphanumerics)."""
    return "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))


def github_token() -> str:
    """LAB FAKE GitHub classic token (``ghp_`` + 36 alphanumerics): planted only in encoded form (base64)."""
    return "ghp" + "_" + _chars(36)


@dataclass(frozen=True, slots=True)
class Fakes:
    """One set per lab run."""

    openai_key: str = field(default_factory=openai_project_key)
    stripe_secret: str = field(default_factory=stripe_secret_key)
    stripe_public: str = field(default_factory=stripe_publishable_key)
    aws_key_id: str = field(default_factory=aws_access_key_id)
    github_token: str = field(default_factory=github_token)
    db_password: str = field(default_factory=lambda: _chars(20, "labfakepw"))
    canary_good: str = field(default_factory=lambda: "LR-CANARY-" + secrets.token_hex(4))
    canary_flawed: str = field(default_factory=lambda: "LR-CANARY-" + secrets.token_hex(4))
    customer_canary: str = field(default_factory=lambda: "LR-CUSTOMER-" + secrets.token_hex(4))
