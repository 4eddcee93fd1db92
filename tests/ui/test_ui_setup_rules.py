"""The setup form's field rules (pure functions): what passes, what is changed and said, what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchready_tui.screens import setup_rules as rules


@pytest.mark.parametrize(
    ("text", "value", "note"),
    [
        ("acme.example", "acme.example", None),
        ("https://Acme.Example/pricing?x=1", "acme.example", "took the host acme.example from the pasted URL"),
        ("ops@acme.example", "acme.example", "took the domain acme.example from the e-mail address"),
        ("bücher.example", "xn--bcher-kva.example", "converted the international name"),
    ],
)
def test_domain_accepted(text: str, value: str, note: str | None) -> None:
    checked = rules.check_domain(text)
    assert checked.ok and checked.value == value
    assert (note is None and checked.note is None) or (note is not None and note in (checked.note or ""))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the domain is empty"),
        ("10.0.0.1", "an IP address is not a domain"),
        ("localhost", "single name"),
        ("bad_domain.com", "cannot contain"),
        ("a..b.com", "empty part"),
        ("co.uk", "public suffix"),
    ],
)
def test_domain_refused_with_a_reason(text: str, message: str) -> None:
    checked = rules.check_domain(text)
    assert not checked.ok and message in (checked.error or "")


def test_url_rules() -> None:
    assert rules.check_url("", "the app URL").value is None
    assert not rules.check_url("", "the endpoint URL", required=True).ok
    bare = rules.check_url("app.acme.example", "the app URL", domain="acme.example")
    assert bare.value == "https://app.acme.example" and "added https://" in (bare.note or "")
    elsewhere = rules.check_url("https://x.other.example", "u", domain="acme.example")
    assert elsewhere.ok and "not under acme.example" in (elsewhere.note or "")
    assert "full http(s) URL" in (rules.check_url("ftp://acme.example", "the app URL").error or "")
    assert "port" in (rules.check_url("https://acme.example:99999/", "the app URL").error or "").lower()
    secret = rules.check_url("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX", "the app URL")
    assert not secret.ok and "Slack webhook URL" in (secret.error or "") and "vault" in (secret.error or "")


def test_health_path_joins_the_api_or_the_domain() -> None:
    assert rules.check_health("/health", "https://api.acme.example/", "acme.example").value == \
        "https://api.acme.example/health"
    assert rules.check_health("/up", None, "acme.example").value == "https://acme.example/up"
    assert not rules.check_health("/up", None, None).ok
    assert rules.check_health("https://status.acme.example/health", None, "acme.example").ok


def test_lists_and_names() -> None:
    assert rules.check_senders("Google-Workspace, resend resend").value == ["google-workspace", "resend"]
    assert "did you mean sendgrid" in (rules.check_senders("sendgird").error or "")
    assert rules.check_environments("production, Staging").value == ["production", "staging"]
    assert not rules.check_environments("").ok
    assert not rules.check_environments("prod uction!").ok
    assert not rules.check_endpoint_name("login", {"login"}).ok
    assert not rules.check_endpoint_name("log in", set()).ok
    assert rules.check_method("post").value == "POST"
    assert not rules.check_method("FETCH").ok


def test_ai_template_needs_prompt_and_no_secret() -> None:
    assert rules.check_ai_template('{"message": "{prompt}"}').ok
    assert "{prompt}" in (rules.check_ai_template('{"message": "hi"}').error or "")
    token = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    assert "vault" in (rules.check_ai_template(f'{{"key": "{token}", "m": "{{prompt}}"}}').error or "")
    assert rules.check_response_path("choices.0.message.content").ok
    assert not rules.check_response_path("choices[0]").ok


def test_repo_folder(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "plain").mkdir()
    (tmp_path / "file.txt").write_text("x")
    assert rules.check_repo("repo", tmp_path).ok and rules.check_repo("repo", tmp_path).note is None
    assert "not a git repository" in (rules.check_repo("plain", tmp_path).note or "")
    assert "no folder" in (rules.check_repo("missing", tmp_path).error or "")
    assert "is a file" in (rules.check_repo("file.txt", tmp_path).error or "")
