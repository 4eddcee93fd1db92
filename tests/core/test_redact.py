"""core/redact.py: previews, fingerprints, detection and text redaction."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from launchready_tui.core.redact import (
    find_secrets,
    fingerprint,
    looks_like_secret,
    preview,
    redact_text,
    shannon_entropy,
)

# Fake values assembled at run time, so this file itself does not trip secret scanners.
OPENAI = "sk-proj-" + "abcdEFGH1234ijklMNOP5678"
GITHUB = "ghp_" + "a1B2c3D4" * 5
SLACK_TOKEN = "xoxb-" + "1234567890-abcdefghij"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
SLACK_HOOK = "https://hooks.slack.com/services/" + "T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX"
DISCORD_HOOK = "https://discord.com/api/webhooks/" + "123456789/abcdefghijklmnopqrstuvwxyz012345"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
RANDOM_KEY = "9f3Kq7ZpL2xW8vR4tY6uB1nM0cH5jD"


def test_preview_first_four_and_last_three() -> None:
    assert preview("sk-pABCDEFGHIJ3kQ") == "sk-p…3kQ"


def test_preview_short_secret_fully_masked() -> None:
    assert preview("hunter2") == "••••"
    assert "hunter2" not in preview("hunter2")
    assert preview("") == "••••"


def test_preview_presenter_keeps_first_four_only() -> None:
    assert preview("sk-pABCDEFGHIJ3kQ", presenter=True) == "sk-p…"


def test_fingerprint_format_and_salt() -> None:
    fp = fingerprint("s3cret-value")
    assert fp.startswith("sha256:") and len(fp) == len("sha256:") + 16
    int(fp.split(":", 1)[1], 16)
    assert fp == "sha256:" + hashlib.sha256(b"s3cret-value").hexdigest()[:16]
    # secrets.md §9: rule id + ":" + secret
    salted = fingerprint("s3cret-value", "stripe-access-token")
    assert salted == "sha256:" + hashlib.sha256(b"stripe-access-token:s3cret-value").hexdigest()[:16]
    assert salted != fp
    assert fingerprint("s3cret-value") == fp  # stable


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (OPENAI, "API key (sk-…)"),
        (GITHUB, "GitHub token"),
        (SLACK_TOKEN, "Slack token"),
        (AWS, "AWS access key"),
        (SLACK_HOOK, "Slack webhook URL"),
        (DISCORD_HOOK, "Discord webhook URL"),
        (JWT, "JWT"),
        (STRIPE, "Stripe key"),
        ("postgres://app:pa55word@db.internal:5432/app", "URL with a password"),
        ("Bearer abcdefghijklmnop1234", "bearer token"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private key"),
        (RANDOM_KEY, "high-entropy string"),
        (f"token is {GITHUB} here", "GitHub token"),
    ],
)
def test_looks_like_secret_kinds(value: str, kind: str) -> None:
    assert looks_like_secret(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "{secret:ai_token}",
        "Bearer {secret:ai_token}",
        "postgres://app:{secret:db_password}@db.internal/app",
        "LR-CANARY-1a2b3c4d",
        "sk-lrcanary-0123456789abcdef",
        "https://api.acme.example/v1/login",
        '{"email": "demo@acme.example", "password": "demo"}',
        "4b6f0a9e-5c1d-4e2f-8a3b-1c2d3e4f5a6b",  # project_id (UUID4)
        "0123456789abcdef0123456789abcdef01234567",  # a commit sha
        "sha256:0123456789abcdef",
        "AcmeAI2024ProductionLaunchPlan",
        "MyCompanyName2025ReleaseV2Final",
        "acme.example:443:127.0.0.1:8443",
        "/home/ann/projects/acme/launchready-production-config2024.yaml",
        "",
    ],
)
def test_not_secrets(value: str) -> None:
    assert looks_like_secret(value) is None


def test_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_find_secrets_spans_in_order() -> None:
    text = f"a={AWS} b={OPENAI}"
    hits = list(find_secrets(text))
    assert [h[0] for h in hits] == ["AWS access key", "API key (sk-…)"]
    assert [text[s:e] for _k, s, e in hits] == [AWS, OPENAI]


def test_redact_text_replaces_tokens_with_previews() -> None:
    text = f"key {OPENAI} and {GITHUB}; aws={AWS}"
    out = redact_text(text)
    for secret in (OPENAI, GITHUB, AWS):
        assert secret not in out
        assert preview(secret) in out
    assert out.startswith("key sk-p…")


def test_redact_text_url_password_only_masks_the_password() -> None:
    out = redact_text("DATABASE_URL=postgres://app:pa55word@db.internal:5432/app")
    assert out == "DATABASE_URL=postgres://app:••••@db.internal:5432/app"


def test_redact_text_webhooks_always_masked() -> None:
    out = redact_text(f"slack {SLACK_HOOK} discord {DISCORD_HOOK}")
    assert "https://hooks.slack.com/services/T…/****" in out
    assert "https://discord.com/api/webhooks/1…/****" in out
    assert "XXXXXXXX" not in out and "abcdefghijklmnop" not in out


def test_redact_text_keeps_references_and_canaries() -> None:
    text = "Authorization: Bearer {secret:ai_token} canary LR-CANARY-1a2b3c4d"
    assert redact_text(text) == text
    assert redact_text(text, presenter=True) == text


def test_redact_text_leaves_plain_text_alone() -> None:
    text = "apex acme.example resolves to 203.0.113.7; see https://app.acme.example/login"
    assert redact_text(text) == text


def test_presenter_mode_emails_keep_domain() -> None:
    out = redact_text("owner ann.lee+ops@acme.example, backup bob@mail.acme.example", presenter=True)
    assert out == "owner •••@acme.example, backup •••@mail.acme.example"
    assert redact_text("owner ann@acme.example") == "owner ann@acme.example"  # not outside presenter mode


def test_presenter_mode_home_paths() -> None:
    home = str(Path.home())
    text = f"repo at {home}/code/acme, other /home/bob/x and /Users/carol/y"
    out = redact_text(text, presenter=True)
    assert "~/code/acme" in out
    assert "/home/•••/x" in out and "/Users/•••/y" in out
    assert "bob" not in out and "carol" not in out
    assert redact_text(text) == text


def test_presenter_mode_token_preview_is_first_four_only() -> None:
    out = redact_text(f"key {OPENAI}", presenter=True)
    assert out == "key sk-p…"


def test_redaction_never_contains_the_secret_for_any_kind() -> None:
    for secret in (OPENAI, GITHUB, SLACK_TOKEN, AWS, SLACK_HOOK, DISCORD_HOOK, JWT, STRIPE, RANDOM_KEY):
        for presenter in (False, True):
            assert secret not in redact_text(f"x {secret} y", presenter=presenter)


def test_presenter_mode_leaves_url_paths_named_home() -> None:
    text = "see https://acme.example/home/pricing"
    assert redact_text(text, presenter=True) == text
    assert redact_text(r"C:\Users\dana\acme", presenter=True) == r"C:\Users\•••\acme"
