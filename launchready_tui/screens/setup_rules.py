"""Validation of the setup form, one pure function per field (no Textual, so it is tested directly).

Each returns a ``Checked``: the clean value to store, or a plain error message to show under the field, plus an
optional note saying what was changed ("took the host from the pasted URL"). The rules are the project file's
(core/project.py) so the form never writes something the loader would reject.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from launchready_tui.core.project import EMAIL_PROVIDERS, HTTP_METHODS, ProjectError, normalize_domain
from launchready_tui.core.redact import looks_like_secret, redact_text

_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Checked:
    value: Any = None
    error: str | None = None
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _secret(text: str, what: str) -> Checked | None:
    kind = looks_like_secret(text)
    if kind:
        return Checked(error=f"{what} looks like a {kind}: never put a secret here. Store it in the vault and "
                             "write {secret:NAME} in its place")
    return None


def check_product(text: str) -> Checked:
    value = text.strip()
    if len(value) > 80:
        return Checked(error=f"keep the product name under 80 characters (it has {len(value)})")
    return _secret(value, "the product name") or Checked(value)


def check_domain(text: str) -> Checked:
    try:
        domain, note = normalize_domain(text)
    except ProjectError as exc:
        return Checked(error=str(exc))
    return Checked(domain, note=note)


def check_url(text: str, what: str, *, required: bool = False, domain: str | None = None) -> Checked:
    """A full http(s) URL. A bare host ("app.acme.example") gets https:// and says so."""
    value = text.strip()
    if not value:
        return Checked(error=f"{what} is required") if required else Checked(None)
    hit = _secret(value, what)
    if hit:
        return hit
    note = None
    if "://" not in value:
        value = "https://" + value
        note = f"added https:// ({value})"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        return Checked(error=f"{what} cannot be read as a URL ({exc})")
    try:
        port = parts.port
    except ValueError:
        raw = parts.netloc.rpartition(":")[2]
        return Checked(error=f"{what} has the port {raw!r}; a port is a number from 1 to 65535")
    if parts.scheme not in ("http", "https") or not host:
        return Checked(error=f"{what} must be a full http(s) URL like https://app.acme.example/, "
                             f"not {redact_text(text.strip())!r}")
    if " " in value:
        return Checked(error=f"{what} cannot contain spaces")
    if "." not in host and host != "localhost" and ":" not in host:
        return Checked(error=f"{what}: {host!r} is not a full host name; enter a full http(s) URL like "
                             "https://app.acme.example/")
    if port == 0:
        return Checked(error=f"{what} has the port 0; a port is a number from 1 to 65535")
    if domain and host != domain and not host.endswith("." + domain):
        extra = f"note: {host} is not under {domain}; fine if that is where it runs"
        note = f"{note}; {extra}" if note else extra
    return Checked(value, note=note)


def check_health(text: str, api_url: str | None, domain: str | None) -> Checked:
    """A path ("/health", joined to the API URL or the domain) or a full URL."""
    value = text.strip()
    if not value:
        return Checked(None)
    if value.startswith("/"):
        base = (api_url or (f"https://{domain}" if domain else "")).rstrip("/")
        if not base:
            return Checked(error="enter the domain first, or a full URL like https://api.acme.example/health")
        return Checked(base + value, note=f"checks {base + value}")
    if "://" not in value and "." not in value.split("/")[0]:
        return Checked(error=f"start a path with /, like /{value.lstrip('/')}, or enter a full http(s) URL")
    return check_url(value, "the health URL", domain=domain)


def check_method(text: str) -> Checked:
    method = text.strip().upper() or "GET"
    if method not in HTTP_METHODS:
        return Checked(error=f"method must be one of {', '.join(sorted(HTTP_METHODS))}")
    return Checked(method)


def check_endpoint_name(text: str, taken: set[str]) -> Checked:
    name = text.strip()
    if not name:
        return Checked(error="give the endpoint a short name, like login (used by --endpoint NAME)")
    if not _ENDPOINT_NAME.match(name):
        return Checked(error="use letters, digits, '-', '_' or '.' in the name (up to 40)")
    if name in taken:
        return Checked(error=f"the name {name!r} is already used by another endpoint")
    return Checked(name)


def check_body(text: str, what: str) -> Checked:
    value = text.strip()
    if not value:
        return Checked(None)
    return _secret(value, what) or Checked(value)


def check_ai_template(text: str) -> Checked:
    value = text.strip()
    if not value:
        return Checked(error='the request template is required, like {"message": "{prompt}"}')
    if "{prompt}" not in value:
        return Checked(error="the template needs {prompt} where the test question goes, "
                             'like {"message": "{prompt}"}')
    return _secret(value, "the request template") or Checked(value)


def check_response_path(text: str) -> Checked:
    value = text.strip()
    if value and not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", value):
        return Checked(error="a dotted path into the JSON answer, like reply or choices.0.message.content")
    return Checked(value)


def check_repo(text: str, base: Path) -> Checked:
    value = text.strip()
    if not value:
        return Checked(None)
    path = Path(value).expanduser()
    full = path if path.is_absolute() else base / path
    if not full.exists():
        return Checked(error=f"no folder at {full}")
    if not full.is_dir():
        return Checked(error=f"{full} is a file; enter the folder of the git repository")
    if not (full / ".git").exists():
        return Checked(value, note="this folder is not a git repository (no .git): history checks will skip")
    return Checked(value)


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\s]+", text) if p.strip()]


def check_senders(text: str) -> Checked:
    senders = [s.lower() for s in _split_list(text)]
    for s in senders:
        if s not in EMAIL_PROVIDERS:
            close = difflib.get_close_matches(s, sorted(EMAIL_PROVIDERS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return Checked(error=f"{s!r} is not a known e-mail provider{hint}; known: "
                                 + ", ".join(sorted(EMAIL_PROVIDERS)))
    return Checked(list(dict.fromkeys(senders)))


def check_environments(text: str) -> Checked:
    envs = [e.lower() for e in _split_list(text)]
    if not envs:
        return Checked(error="name at least one environment, like production")
    for e in envs:
        if not _ENV_NAME.match(e):
            return Checked(error=f"{e!r}: use lower-case letters, digits, '-' or '_' (like production, staging)")
    return Checked(list(dict.fromkeys(envs)))
