"""URLs that ``urlsplit`` accepts but no request can use: refused where they are typed, with the reason.

Before: ``https://host:0/`` was sent to port 443 ("nothing listening at host:443"), port 65536 and an unclosed
``[::1`` became "could not run this check (ExceptionGroup …/InvalidURL …)", and ``https://exa mple.com/`` was
looked up in DNS as ``exa%20mple.com``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from badinput_support import run_cli

from launchready_tui.core.project import ProjectError, http_url_problem, parse_project
from launchready_tui.lab import Lab

BAD = [
    ("https://", "no host name"),
    ("https://[::1", "invalid ipv6 url"),
    ("https://exa mple.com/", "a character a host name cannot have"),
    ("https://127.0.0.1:0/", "the port must be 1 to 65535"),
    ("https://127.0.0.1:65536/", "the port must be 1 to 65535"),
    ("https://shop.test:abc/", "port"),
    ("ftp://shop.test/", "must start with https:// or http://"),
]


@pytest.mark.parametrize("url, says", BAD)
def test_http_url_problem_names_the_reason(url: str, says: str) -> None:
    problem = http_url_problem(url)
    assert problem is not None and says in problem


@pytest.mark.parametrize("url", ["https://shop.test/", "http://[::1]:8080/x?y=1", "https://bücher.example/",
                                 "https://shop.test:443"])
def test_usable_urls_pass(url: str) -> None:
    assert http_url_problem(url) is None


@pytest.mark.parametrize("url, says", BAD)
def test_project_file_urls_are_checked_the_same_way(url: str, says: str) -> None:
    text = yaml.safe_dump({"version": 1, "domain": "shop.test",
                           "endpoints": [{"name": "home", "method": "GET", "url": url}]})
    with pytest.raises(ProjectError) as info:
        parse_project(text)
    assert "endpoints[0].url" in str(info.value) and says in str(info.value)


@pytest.mark.parametrize("url, says", BAD[:5])
async def test_secrets_url_is_refused_before_any_request(tmp_path: Path, url: str, says: str) -> None:
    run = await run_cli("secrets", str(tmp_path), "--url", url, "--nameserver", "127.0.0.1:9")
    assert run.code == 2 and run.out == ""
    assert says in run.err


async def test_a_password_in_a_typed_url_never_reaches_stderr_or_the_report(tmp_path: Path) -> None:
    # Before: `--url https://u:PASSWORD@host/` was echoed in error lines, and a valid one was printed with every
    # finding and progress line of the report (reports end up in CI logs).
    run = await run_cli("secrets", str(tmp_path), "--url", "https://u:hunter2pass@127.0.0.1:0/",
                        "--nameserver", "127.0.0.1:9")
    assert run.code == 2 and "hunter2pass" not in run.err + run.out
    run = await run_cli("secrets", str(tmp_path), "--url", "https://u:hunter2pass@shop.test/",
                        "--nameserver", "127.0.0.1:9")
    assert run.code == 2 and "carries a password" in run.err
    assert "hunter2pass" not in run.err + run.out


@pytest.mark.parametrize("fmt", ["text", "sarif", "json"])
async def test_a_project_url_with_a_password_is_masked_in_secrets_reports(lab: Lab, tmp_path: Path,
                                                                          fmt: str) -> None:
    # Before: app_url https://u:PASSWORD@app… was printed in every finding's location and progress line.
    data = lab.project_dict(lab.flawed_domain)
    data["app_url"] = f"https://u:hunter2pass@app.{lab.flawed_domain}"
    project = tmp_path / "launchready.yaml"
    project.write_text(yaml.safe_dump(data), encoding="utf-8")
    empty = tmp_path / "repo"
    empty.mkdir()
    run = await run_cli("secrets", str(empty), "--project", str(project), "--no-history", "--format", fmt,
                        "--url", f"https://{lab.flawed_domain}/")
    assert run.code == 1, run.err  # the lab's app bundle holds keys
    assert "hunter2pass" not in run.out + run.err
    assert f"u:••••@app.{lab.flawed_domain}" in run.out
