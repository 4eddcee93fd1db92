"""The project file (launchready.yaml): dataclasses, load with line-numbered errors, validate, save atomically.

Rules from contract.md "The project file": plain YAML, ``version: 1``, written atomically with a ``.bak`` of the
previous version, never a secret (tokens live in the vault and appear here only as ``{secret:NAME}``), and a
corrupt or hand-broken file gives a clear error naming the line and is never overwritten.

Callers print ``str(ProjectError)`` as is: it is one plain sentence with the file and line, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from launchready_tui.core.redact import find_secrets, preview, redact_text

SCHEMA_VERSION = 1
DEFAULT_SUBDOMAINS = ("app", "api", "admin", "docs")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
EMAIL_PROVIDERS = frozenset({
    "google-workspace", "microsoft-365", "sendgrid", "mailgun", "postmark", "resend", "amazon-ses",
    "mailchimp", "mandrill", "brevo", "zoho", "fastmail",
})
# A project file is a few kilobytes; anything this big is the wrong file, and reading it whole is wasteful.
MAX_FILE_BYTES = 2 * 1024 * 1024
# Keys other parts of the design store in the project file (handover.md vault refs, monitoring.md monitor ids).
# They live in ``extra`` like unknown keys, but are expected, so they do not earn a warning.
EXTENSION_KEYS = frozenset({
    "project_id", "vault_refs", "accounts", "contacts", "monitoring", "monitors", "alerts", "handover",
    "rollback", "deploy", "rdap", "providers",
})
# ai-probes.md §5 proposes these endpoint fields; they are kept in AiEndpoint.extra without a warning.
AI_EXTENSION_KEYS = frozenset({
    "tool_calls_path", "second_user_headers", "stream", "price_in_per_mtok", "price_out_per_mtok",
    "ratelimit_codes",
})


class ProjectError(Exception):
    """A project-file or domain problem, worded for the user. ``str(err)`` is what callers print."""

    def __init__(self, message: str, *, line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.key = key


@dataclass(slots=True)
class Endpoint:
    name: str
    url: str
    method: str = "GET"
    body: str | None = None
    ai: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, kept so saving round-trips them


@dataclass(slots=True)
class AiEndpoint:
    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body_template: str = '{"message": "{prompt}"}'
    response_path: str = ""
    canaries: list[str] = field(default_factory=list)
    timeout_s: float = 15.0
    max_requests: int = 120
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class EmailSettings:
    sends_mail: bool = True
    senders: list[str] = field(default_factory=list)
    dkim_selectors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class NetworkSettings:
    nameservers: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    connect_to: list[str] = field(default_factory=list)
    ca_file: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.nameservers or self.resolve or self.connect_to or self.ca_file or self.extra)


@dataclass(slots=True)
class Project:
    domain: str
    version: int = 1
    product: str = ""
    app_url: str | None = None
    api_url: str | None = None
    subdomains: list[str] = field(default_factory=lambda: list(DEFAULT_SUBDOMAINS))
    endpoints: list[Endpoint] = field(default_factory=list)
    health_url: str | None = None
    ai_endpoint: AiEndpoint | None = None
    repo: str | None = None
    email: EmailSettings = field(default_factory=EmailSettings)
    environments: list[str] = field(default_factory=lambda: ["production"])
    network: NetworkSettings = field(default_factory=NetworkSettings)
    answers: dict[str, Any] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    load: dict[str, Any] = field(default_factory=lambda: {"confirmed_targets": []})
    extra: dict[str, Any] = field(default_factory=dict)  # keys owned by later issues (vault refs, contacts…)
    # Where the project was loaded from: relative paths (repo, network.ca_file) are relative to its folder.
    source: Path | None = field(default=None, compare=False, repr=False)

    def resolve_path(self, value: str) -> Path:
        """A path from the file (``repo``, ``network.ca_file``), made absolute against the file's folder."""
        p = Path(value).expanduser()
        if p.is_absolute() or self.source is None:
            return p
        return self.source.parent / p

    def endpoint(self, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


# --------------------------------------------------------------------------------------------------------
# Domains

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@functools.lru_cache(maxsize=1)
def _psl() -> Any:
    # Loaded on first use: the bundled list takes a few milliseconds to parse and most commands never need it.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_domain(host: str) -> str:
    """The apex (registrable domain) of a host: ``www.acme.example`` -> ``acme.example``; ``a.lab.test`` ->
    ``lab.test``. A host that is itself a public suffix is returned unchanged."""
    host = host.strip().rstrip(".").lower()
    try:
        apex = _psl().privatesuffix(host)
    except Exception:  # the PSL library raises on odd input; the host itself is the safest answer
        apex = None
    return apex or host


def _to_ascii(host: str) -> str:
    try:
        import idna  # UTS #46 / IDNA 2008: what browsers and registrars use

        return idna.encode(host, uts46=True).decode("ascii")
    except ImportError:  # pragma: no cover - idna ships with httpx, kept as a fallback
        return host.encode("idna").decode("ascii")


def normalize_domain(text: str) -> tuple[str, str | None]:
    """Turn what a person typed or pasted into a clean ASCII host name.

    Returns ``(domain, note)``; ``note`` says in plain words what was changed (URL reduced to its host, trailing
    dot dropped, international name converted to punycode), or is None. Raises ProjectError with a plain message
    when the text cannot be a domain (empty, an IP address, a single label, too long, bad characters).
    """
    raw = (text or "").strip()
    notes: list[str] = []
    if not raw:
        raise ProjectError("the domain is empty: enter your product's domain, like acme.example")
    host = raw
    if "://" in raw or raw.startswith("//") or "/" in raw:
        parsed = urlsplit(raw if "://" in raw or raw.startswith("//") else "//" + raw)
        try:
            parsed_host = parsed.hostname
        except ValueError:
            parsed_host = None
        if not parsed_host:
            raise ProjectError(f"no domain found in {redact_text(raw)!r}: enter something like acme.example")
        host = parsed_host
        notes.append(f"took the host {host} from the pasted URL")
    elif "@" in raw:
        host = raw.rsplit("@", 1)[1]
        notes.append(f"took the domain {host} from the e-mail address")
    elif re.fullmatch(r"[^:\s]+:\d{1,5}", raw):
        host = raw.rsplit(":", 1)[0]
        notes.append(f"dropped the port from {raw}")

    if host.startswith("[") or _is_ip(host.strip("[]")):
        raise ProjectError(f"an IP address is not a domain: {host.strip('[]')}; enter the name people type, "
                           "like acme.example")
    if host.endswith("."):
        host = host.rstrip(".")
        notes.append("dropped the trailing dot")
    if not host:
        raise ProjectError("the domain is empty: enter your product's domain, like acme.example")
    if any(c.isspace() for c in host):
        raise ProjectError(f"a domain has no spaces: {host!r}")

    lowered = host.lower()
    if not lowered.isascii():
        try:
            ascii_host = _to_ascii(lowered)
        except (UnicodeError, ValueError) as exc:
            raise ProjectError(f"{host!r} is not a valid international domain name ({exc})") from None
        notes.append(f"converted the international name {host} to {ascii_host}")
        lowered = ascii_host
    host = lowered

    if len(host) > 253:
        raise ProjectError(f"the domain is {len(host)} characters long; the limit is 253")
    labels = host.split(".")
    for label in labels:
        if not label:
            raise ProjectError(f"{host!r} has an empty part (two dots in a row, or a leading dot)")
        if len(label) > 63:
            raise ProjectError(f"the part {label[:20]}… of the domain is {len(label)} characters long; "
                               "each part between dots can have at most 63")
        if not _LABEL.match(label):
            bad = next((c for c in label if not (c.isalnum() or c == "-")), None)
            if bad is not None:
                raise ProjectError(f"{host!r} contains {bad!r}, which a domain name cannot contain "
                                   "(letters, digits and hyphens only)")
            raise ProjectError(f"{host!r}: a part of a domain cannot start or end with a hyphen")
    if len(labels) < 2:
        typed = raw if not raw.isascii() else host  # say it as typed, not as punycode (xn--mnchen-3ya)
        raise ProjectError(f"{typed!r} is a single name, not a domain: include the ending, like {typed}.com")
    if labels[-1].isdigit():
        raise ProjectError(f"{host!r} is not a domain: its last part is all digits")
    public = False
    with contextlib.suppress(Exception):  # a PSL hiccup must not block the user
        public = bool(_psl().is_public(host))
    if public:
        raise ProjectError(f"{host} is a public suffix that anyone can register under, not your domain; "
                           f"enter the full name, like acme.{host}")
    return host, ("; ".join(notes) if notes else None)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def project_from_domain(domain: str) -> Project:
    """The defaults used when there is only a domain (``audit --domain D``, a new project in the wizard).

    Only the apex home page is assumed to exist: app/api hosts are left unset because guessing them turns every
    check that uses them into an error on products that have none; stage 2 still probes ``subdomains``.
    """
    host, _note = normalize_domain(domain)
    return Project(domain=host, endpoints=[Endpoint(name="home", url=f"https://{host}/", method="GET")])


# --------------------------------------------------------------------------------------------------------
# Loading


class _Reader:
    """Validation helper that knows the line of every key path, so errors and warnings can name it."""

    def __init__(self, source: str, lines: dict[str, int]) -> None:
        self.source = source
        self.lines = lines
        self.warnings: list[str] = []

    def line(self, path: str) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = _parent(path)
        return 1

    def where(self, path: str) -> str:
        return f"{self.source}, line {self.line(path)}"

    def error(self, path: str, message: str) -> ProjectError:
        return ProjectError(f"{self.where(path)}: {message}", line=self.line(path), key=path or None)

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{self.where(path)}: {message}")

    def wrong_type(self, path: str, value: Any, expected: str) -> ProjectError:
        return self.error(path, f"{path} must be {expected}, not {_describe(value)}")


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rfind("[")]
    return path.rpartition(".")[0]


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({redact_text(value)[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value pairs)"
    return type(value).__name__


def _index_lines(node: yaml.Node, path: str, lines: dict[str, int], dups: list[tuple[str, int, int]],
                 seen: set[int]) -> None:
    # Aliases reuse nodes; visiting each node once keeps this linear even for "billion laughs" files.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            sub = _join(path, key)
            line = key_node.start_mark.line + 1
            if sub in lines and isinstance(key_node, yaml.ScalarNode):
                dups.append((sub, lines[sub], line))
            lines[sub] = line
            _index_lines(value_node, sub, lines, dups, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = f"{path}[{i}]"
            lines[sub] = item.start_mark.line + 1
            _index_lines(item, sub, lines, dups, seen)


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        if path.is_dir():
            raise ProjectError(f"{name} is a folder, not a project file")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except ProjectError:
        raise
    except FileNotFoundError:
        raise ProjectError(f"no project file at {name}") from None
    except PermissionError:
        raise ProjectError(f"cannot read {name}: permission denied") from None
    except IsADirectoryError:
        raise ProjectError(f"{name} is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ProjectError(f"{name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                           "that is not a launchready project file")
    try:
        return data.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProjectError(f"{name}, line {line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                           "save it as UTF-8", line=line) from None


def _yaml_error(name: str, exc: yaml.YAMLError) -> ProjectError:
    # Built from the marks only: str(exc) quotes the offending line, which might hold a secret.
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or "it cannot be parsed"
    context = getattr(exc, "context", None)
    detail = f"{context}, {problem}" if context else problem
    hint = ""
    if "'\\t'" in detail or "\\t" in detail:
        hint = " (YAML does not allow tabs for indentation: use spaces)"
    if mark is None:
        return ProjectError(f"{name}: the file is not valid YAML: {detail}{hint}")
    line, column = mark.line + 1, mark.column + 1
    return ProjectError(f"{name}, line {line}, column {column}: the file is not valid YAML: {detail}{hint}",
                        line=line)


def _parse(text: str, name: str) -> tuple[Any, dict[str, int], list[tuple[str, int, int]]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(name, exc) from None
    except RecursionError:
        raise ProjectError(f"{name}: the file is nested too deeply to be a project file") from None
    lines: dict[str, int] = {}
    dups: list[tuple[str, int, int]] = []
    if node is not None:
        _index_lines(node, "", lines, dups, set())
    return data, lines, dups


def load_project(path: str | os.PathLike[str]) -> tuple[Project, list[str]]:
    """Read and validate a project file. Returns ``(project, warnings)``; raises ProjectError on any problem.

    Warnings (plain sentences naming file and line) cover unknown keys (kept in ``extra`` so saving round-trips
    them), duplicate keys, a domain that was normalised, and values that look like secrets.
    """
    p = Path(path)
    text = _read_text(p)
    data, lines, dups = _parse(text, str(p))
    project, warnings = _project_from_data(data, _Reader(str(p), lines), dups)
    project.source = p
    return project, warnings


def parse_project(text: str, source: str = "launchready.yaml") -> tuple[Project, list[str]]:
    """Like load_project, from text (for pasted YAML and tests)."""
    data, lines, dups = _parse(text, source)
    return _project_from_data(data, _Reader(source, lines), dups)


_T = TypeVar("_T")


def _opt_str(r: _Reader, d: dict[str, Any], key: str, path: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise r.wrong_type(_join(path, key), value, "text")
    return value


def _str(r: _Reader, d: dict[str, Any], key: str, path: str, default: str) -> str:
    value = _opt_str(r, d, key, path)
    return default if value is None else value


def _url(r: _Reader, d: dict[str, Any], key: str, path: str, required: bool = False) -> str | None:
    kp = _join(path, key)
    value = _opt_str(r, d, key, path)
    if value is None or not value.strip():
        if required:
            raise r.error(kp, f"{kp} is required: the full URL, like https://api.acme.example/v1/login")
        return None
    value = value.strip()
    problem = http_url_problem(value)
    if problem:
        raise r.error(kp, f"{kp} must be a full http(s) URL like https://app.acme.example/, "
                          f"not {redact_text(value)!r} ({problem})")
    return value


_BAD_HOST_CHARS = re.compile(r"[\s<>\"{}|\\^`%/?#@]")


def http_url_problem(value: str) -> str | None:
    """Why ``value`` is not a usable http(s) URL, in a few words, or None. Catches what ``urlsplit`` lets through
    and the HTTP client later trips on: no host, a space in the host, an unclosed IPv6 bracket, port 0 or above
    65535 (port 0 was silently sent to 443)."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a non-numeric port
        return str(exc).lower().replace("port out of range 0-65535", "the port must be 1 to 65535")
    if parts.scheme not in ("http", "https"):
        return "it must start with https:// or http://"
    host = parts.hostname or ""
    if not host:
        return "there is no host name after the ://"
    if _BAD_HOST_CHARS.search(host):
        return f"the host name {host!r} has a character a host name cannot have"
    if port == 0:
        return "the port must be 1 to 65535"
    return None


def _bool(r: _Reader, d: dict[str, Any], key: str, path: str, default: bool) -> bool:
    value = d.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise r.wrong_type(_join(path, key), value, "true or false")
    return value


def _number(r: _Reader, d: dict[str, Any], key: str, path: str, default: _T, kind: type,
            minimum: float) -> _T:
    value = d.get(key)
    kp = _join(path, key)
    if value is None:
        return default
    allowed = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise r.wrong_type(kp, value, "a whole number" if kind is int else "a number")
    if value < minimum:
        raise r.error(kp, f"{kp} must be at least {minimum:g}, not {value}")
    return kind(value)  # type: ignore[no-any-return]


def _str_list(r: _Reader, d: dict[str, Any], key: str, path: str, default: list[str]) -> list[str]:
    value = d.get(key)
    kp = _join(path, key)
    if value is None:
        return list(default)
    if isinstance(value, str):
        raise r.wrong_type(kp, value, f"a list (write it as {key}: [{value}])")
    if not isinstance(value, list):
        raise r.wrong_type(kp, value, "a list")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise r.wrong_type(f"{kp}[{i}]", item, "text")
    return list(value)


def _str_map(r: _Reader, d: dict[str, Any], key: str, path: str) -> dict[str, str]:
    value = d.get(key)
    kp = _join(path, key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise r.wrong_type(kp, value, "a mapping (Name: value pairs)")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(v, str | int | float) or isinstance(v, bool):
            raise r.wrong_type(_join(kp, k), v, "text")
        out[str(k)] = str(v)
    return out


def _mapping(r: _Reader, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise r.wrong_type(path, value, "a mapping (key: value pairs)")
    return value


def _unknown(r: _Reader, d: dict[str, Any], path: str, known: tuple[str, ...],
             silent: frozenset[str] = frozenset()) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for key, value in d.items():
        if key in known:
            continue
        extra[key] = value
        if key not in silent:
            where = _join(path, key)
            hint = _did_you_mean(str(key), known)
            r.warn(where, f"unknown key {where!r}{hint}; kept as is")
    return extra


def _did_you_mean(key: str, known: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


_TOP_KEYS = ("version", "product", "domain", "app_url", "api_url", "subdomains", "endpoints", "health_url",
             "ai_endpoint", "repo", "email", "environments", "network", "answers", "accepted", "load")
_ENDPOINT_KEYS = ("name", "method", "url", "body", "ai", "headers")
# loadtest.md: per-endpoint load settings (kind: upload|auth_callback|webhook_retry, upload_kb, weight, timeout_s)
ENDPOINT_EXTENSION_KEYS = frozenset({"load"})
_AI_KEYS = ("url", "method", "headers", "body_template", "response_path", "canaries", "timeout_s",
            "max_requests")
_EMAIL_KEYS = ("sends_mail", "senders", "dkim_selectors")
_NETWORK_KEYS = ("nameservers", "resolve", "connect_to", "ca_file")


def _method(r: _Reader, d: dict[str, Any], path: str, default: str) -> str:
    kp = _join(path, "method")
    method = _str(r, d, "method", path, default).strip().upper()
    if method not in HTTP_METHODS:
        raise r.error(kp, f"{kp} must be one of {', '.join(sorted(HTTP_METHODS))}, not {method!r}")
    return method


def _project_from_data(data: Any, r: _Reader, dups: list[tuple[str, int, int]]) -> tuple[Project, list[str]]:
    if data is None:
        raise ProjectError(f"{r.source} is empty: it needs at least 'version: 1' and 'domain: acme.example'",
                           line=1)
    if not isinstance(data, dict):
        raise r.error("", f"the project file must be a mapping of keys (like 'domain: acme.example'), "
                          f"not {_describe(data)}")
    for key, first, again in dups:
        r.warnings.append(f"{r.source}, line {again}: {key!r} is given twice (first on line {first}); "
                          "the last one is used")

    version = data.get("version")
    if version is None:
        r.warn("", "no 'version:' key; read as version 1 (it will be added when saved)")
        version = SCHEMA_VERSION
    elif isinstance(version, bool) or not isinstance(version, int):
        raise r.wrong_type("version", version, f"the number {SCHEMA_VERSION}")
    elif version != SCHEMA_VERSION:
        newer = " (written by a newer launchready: upgrade it)" if version > SCHEMA_VERSION else ""
        raise r.error("version", f"unsupported version {version}{newer}; this launchready reads version "
                                 f"{SCHEMA_VERSION}")

    raw_domain = data.get("domain")
    if raw_domain is None or (isinstance(raw_domain, str) and not raw_domain.strip()):
        raise r.error("domain", "the 'domain:' key is missing; add your product's domain, like "
                                "'domain: acme.example'")
    if not isinstance(raw_domain, str):
        raise r.wrong_type("domain", raw_domain, "text (a domain like acme.example)")
    try:
        domain, note = normalize_domain(raw_domain)
    except ProjectError as exc:
        raise r.error("domain", f"domain: {exc}") from None
    if note:
        r.warn("domain", f"domain: {note}; using {domain}")

    project = Project(
        domain=domain,
        version=version,
        product=_str(r, data, "product", "", ""),
        app_url=_url(r, data, "app_url", ""),
        api_url=_url(r, data, "api_url", ""),
        subdomains=_subdomains(r, data),
        endpoints=_endpoints(r, data),
        health_url=_url(r, data, "health_url", ""),
        ai_endpoint=_ai_endpoint(r, data.get("ai_endpoint")),
        repo=_opt_str(r, data, "repo", ""),
        email=_email(r, data.get("email")),
        environments=_str_list(r, data, "environments", "", ["production"]),
        network=_network(r, data.get("network")),
        answers=_answers(r, data.get("answers")),
        accepted=_accepted(r, data.get("accepted")),
        load=_load(r, data.get("load")),
        extra=_unknown(r, data, "", _TOP_KEYS, EXTENSION_KEYS),
    )
    for kp, kind in _secret_paths(project_to_dict(project)):
        r.warn(kp, f"{kp} looks like a {kind}: move it to the vault and write {{secret:NAME}} instead "
                   "(the file cannot be saved until then)")
    return project, r.warnings


def _subdomains(r: _Reader, data: dict[str, Any]) -> list[str]:
    subs = _str_list(r, data, "subdomains", "", list(DEFAULT_SUBDOMAINS))
    out: list[str] = []
    for i, sub in enumerate(subs):
        value = sub.strip().lower()
        if not all(_LABEL.match(part) for part in value.split(".")):
            raise r.error(f"subdomains[{i}]", f"subdomains[{i}] must be a name like 'app' or 'api', "
                                              f"not {sub!r}")
        out.append(value)
    return out


def _endpoints(r: _Reader, data: dict[str, Any]) -> list[Endpoint]:
    raw = data.get("endpoints")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise r.wrong_type("endpoints", raw, "a list of endpoints (each with name and url)")
    out: list[Endpoint] = []
    names: dict[str, int] = {}
    for i, item in enumerate(raw):
        path = f"endpoints[{i}]"
        d = _mapping(r, item, path)
        name = _opt_str(r, d, "name", path)
        if not name or not name.strip():
            raise r.error(path, f"{path} needs a name (used by --endpoint NAME), like 'name: login'")
        name = name.strip()
        if name in names:
            raise r.error(_join(path, "name"), f"{path}.name {name!r} is already used by endpoints[{names[name]}]")
        names[name] = i
        url = _url(r, d, "url", path, required=True)
        assert url is not None  # required=True raises instead
        out.append(Endpoint(
            name=name,
            url=url,
            method=_method(r, d, path, "GET"),
            body=_opt_str(r, d, "body", path),
            ai=_bool(r, d, "ai", path, False),
            headers=_str_map(r, d, "headers", path),
            extra=_unknown(r, d, path, _ENDPOINT_KEYS, ENDPOINT_EXTENSION_KEYS),
        ))
    return out


def _ai_endpoint(r: _Reader, raw: Any) -> AiEndpoint | None:
    if raw is None:
        return None
    path = "ai_endpoint"
    d = _mapping(r, raw, path)
    url = _url(r, d, "url", path, required=True)
    assert url is not None
    return AiEndpoint(
        url=url,
        method=_method(r, d, path, "POST"),
        headers=_str_map(r, d, "headers", path),
        body_template=_str(r, d, "body_template", path, AiEndpoint.__dataclass_fields__["body_template"].default),
        response_path=_str(r, d, "response_path", path, ""),
        canaries=_str_list(r, d, "canaries", path, []),
        timeout_s=_number(r, d, "timeout_s", path, 15.0, float, 0.001),
        max_requests=_number(r, d, "max_requests", path, 120, int, 1),
        extra=_unknown(r, d, path, _AI_KEYS, AI_EXTENSION_KEYS),
    )


def _email(r: _Reader, raw: Any) -> EmailSettings:
    if raw is None:
        return EmailSettings()
    path = "email"
    d = _mapping(r, raw, path)
    senders = _str_list(r, d, "senders", path, [])
    for i, sender in enumerate(senders):
        if sender not in EMAIL_PROVIDERS:
            kp = f"email.senders[{i}]"
            hint = _did_you_mean(sender, tuple(sorted(EMAIL_PROVIDERS)))
            r.warn(kp, f"{kp}: {sender!r} is not a known e-mail provider id{hint}; its DKIM selectors will not "
                       "be guessed")
    return EmailSettings(
        sends_mail=_bool(r, d, "sends_mail", path, True),
        senders=senders,
        dkim_selectors=_str_list(r, d, "dkim_selectors", path, []),
        extra=_unknown(r, d, path, _EMAIL_KEYS),
    )


def _network(r: _Reader, raw: Any) -> NetworkSettings:
    if raw is None:
        return NetworkSettings()
    path = "network"
    d = _mapping(r, raw, path)
    return NetworkSettings(
        nameservers=_str_list(r, d, "nameservers", path, []),
        resolve=_str_list(r, d, "resolve", path, []),
        connect_to=_str_list(r, d, "connect_to", path, []),
        ca_file=_opt_str(r, d, "ca_file", path),
        extra=_unknown(r, d, path, _NETWORK_KEYS),
    )


def _answers(r: _Reader, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    return dict(_mapping(r, raw, "answers"))


def _accepted(r: _Reader, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise r.wrong_type("accepted", raw, "a list of accepted findings")
    return [dict(_mapping(r, item, f"accepted[{i}]")) for i, item in enumerate(raw)]


def _load(r: _Reader, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {"confirmed_targets": []}
    d = dict(_mapping(r, raw, "load"))
    d["confirmed_targets"] = _str_list(r, d, "confirmed_targets", "load", [])
    return d


# --------------------------------------------------------------------------------------------------------
# Saving


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _with_extra(d: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    # Known keys win: an extra key that shadows one would silently change meaning on the next load.
    d.update({k: v for k, v in extra.items() if k not in d})
    return d


def _endpoint_dict(e: Endpoint) -> dict[str, Any]:
    d: dict[str, Any] = {"name": e.name, "method": e.method, "url": e.url, "body": e.body, "ai": e.ai}
    if e.headers:
        d["headers"] = dict(e.headers)
    return _with_extra(_drop_none(d), e.extra)


def _ai_dict(a: AiEndpoint) -> dict[str, Any]:
    d: dict[str, Any] = {"url": a.url, "method": a.method}
    if a.headers:
        d["headers"] = dict(a.headers)
    d["body_template"] = a.body_template
    if a.response_path:
        d["response_path"] = a.response_path
    if a.canaries:
        d["canaries"] = list(a.canaries)
    d["timeout_s"] = a.timeout_s
    d["max_requests"] = a.max_requests
    return _with_extra(d, a.extra)


def project_to_dict(project: Project) -> dict[str, Any]:
    """The project as plain data in the contract's key order; unset optional values are left out."""
    d: dict[str, Any] = {"version": project.version}
    if project.product:
        d["product"] = project.product
    d["domain"] = project.domain
    d["app_url"] = project.app_url
    d["api_url"] = project.api_url
    # Always written: an empty list means "check none", which differs from the default four.
    d["subdomains"] = list(project.subdomains)
    if project.endpoints:
        d["endpoints"] = [_endpoint_dict(e) for e in project.endpoints]
    d["health_url"] = project.health_url
    d["ai_endpoint"] = _ai_dict(project.ai_endpoint) if project.ai_endpoint else None
    d["repo"] = project.repo
    d["email"] = _with_extra({
        "sends_mail": project.email.sends_mail,
        "senders": list(project.email.senders),
        "dkim_selectors": list(project.email.dkim_selectors),
    }, project.email.extra)
    d["environments"] = list(project.environments)
    if not project.network.is_empty():
        n = project.network
        d["network"] = _with_extra(_drop_none({
            "nameservers": list(n.nameservers), "resolve": list(n.resolve),
            "connect_to": list(n.connect_to), "ca_file": n.ca_file,
        }), n.extra)
    if project.answers:
        d["answers"] = dict(project.answers)
    if project.accepted:
        d["accepted"] = [dict(a) for a in project.accepted]
    if project.load != {"confirmed_targets": []}:
        d["load"] = dict(project.load)
    return _with_extra(_drop_none(d), project.extra)


_MAX_SCAN_ITEMS = 100_000


def _secret_paths(data: Any) -> Iterator[tuple[str, str]]:
    """(key path, kind) for every key or value that looks like a secret."""
    budget = [_MAX_SCAN_ITEMS]
    seen: set[int] = set()  # YAML aliases share containers: check each once, or a small file can explode

    def walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
        budget[0] -= 1
        if budget[0] < 0:
            raise ProjectError("the project is too large to check for secrets; it was not saved")
        if isinstance(value, dict | list | tuple):
            if id(value) in seen:
                return
            seen.add(id(value))
        if isinstance(value, dict):
            for k, v in value.items():
                sub = _join(path, k)
                if isinstance(k, str):
                    for kind, _s, _e in find_secrets(k):
                        yield sub, kind
                        break
                yield from walk(v, sub)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                yield from walk(item, f"{path}[{i}]")
        elif isinstance(value, str):
            for kind, _s, _e in find_secrets(value):
                yield path, kind
                break

    yield from walk(data, "")


def _first_secret(data: dict[str, Any]) -> tuple[str, str, str] | None:
    for kp, kind in _secret_paths(data):
        value = _lookup(data, kp)
        shown = ""
        if isinstance(value, str):
            for _kind, start, end in find_secrets(value):
                shown = f" ({preview(value[start:end])})"
                break
        return kp, kind, shown
    return None


def _lookup(data: Any, path: str) -> Any:
    # Best effort (keys may contain dots); only used to show a redacted preview in the error.
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            data = data[int(part[1:-1])] if part.startswith("[") else data[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return data


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes short scalar lists inline (``[app, api]``, as in the contract) and multi-line
    text as ``|`` blocks, so the file stays readable by hand."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    scalars = all(isinstance(x, str | int | float | bool) or x is None for x in data)
    inline = scalars and sum(len(str(x)) + 2 for x in data) <= 80 and not any(
        isinstance(x, str) and "\n" in x for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, lambda d, data: _represent_list(d, list(data)))
_Dumper.add_representer(str, _represent_str)

HEADER = ("# launchready project file. Never put a secret here: tokens and webhook URLs live in the vault\n"
          "# and are referenced as {secret:NAME}.\n")


def dump_project(project: Project) -> str:
    """The YAML text save_project writes (refuses secrets the same way)."""
    data = project_to_dict(project)
    hit = _first_secret(data)
    if hit:
        kp, kind, shown = hit
        raise ProjectError(f"not saved: {kp} looks like a {kind}{shown}. Store it in the vault and write "
                           f"{{secret:NAME}} in its place", key=kp)
    try:
        body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                         width=110)
    except yaml.YAMLError as exc:  # e.g. a set or an object put into answers/extra by code
        raise ProjectError(f"not saved: a value cannot be written as YAML ({exc})") from None
    return HEADER + body


def _atomic_write(path: Path, content: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open folders, and it is best effort anyway.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def backup_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".bak")


def save_project(project: Project, path: str | os.PathLike[str], *, force: bool = False) -> list[str]:
    """Write the project atomically (temp file in the same folder, fsync, os.replace), keeping the previous file
    as ``<name>.bak``. Returns notes for the user (e.g. that a broken file was replaced under ``force``).

    Refuses (ProjectError naming the key) to write anything that looks like a secret, and refuses to replace an
    existing file that does not load (so hand edits are never lost) unless ``force=True``.
    """
    p = Path(path)
    if p.is_symlink():
        p = p.resolve()  # write through the link, keep the link
    notes: list[str] = []
    text = dump_project(project)  # raises before touching the disk if a secret is in there
    mode = 0o644
    old: bytes | None = None
    if p.exists():
        if p.is_dir():
            raise ProjectError(f"{p} is a folder, not a project file; nothing was saved")
        try:
            load_project(p)
        except ProjectError as exc:
            if not force:
                raise ProjectError(f"{p} was not overwritten because it does not load ({exc}). Fix it by hand, "
                                   "or save anyway to replace it (a .bak copy is kept)") from None
            notes.append(f"replaced the broken {p.name}; the old content is in {backup_path(p).name}")
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
            old = p.read_bytes()
        except OSError as exc:
            raise ProjectError(f"cannot read {p} to back it up: {exc.strerror or exc}; nothing was saved") from None
    try:
        if not p.parent.is_dir():
            raise ProjectError(f"the folder {p.parent} does not exist; nothing was saved")
        if old is not None:
            _atomic_write(backup_path(p), old, mode)
        _atomic_write(p, text.encode("utf-8"), mode)
    except PermissionError:
        raise ProjectError(f"cannot write {p}: permission denied") from None
    except OSError as exc:
        raise ProjectError(f"cannot write {p}: {exc.strerror or exc}") from None
    project.source = p
    return notes


def check_no_secrets(project: Project) -> list[tuple[str, str]]:
    """(key path, kind) of every value that would stop save_project: for the wizard to highlight fields."""
    return list(_secret_paths(project_to_dict(project)))


__all__ = [
    "AiEndpoint", "EmailSettings", "Endpoint", "NetworkSettings", "Project", "ProjectError",
    "backup_path", "check_no_secrets", "dump_project", "load_project", "normalize_domain", "parse_project",
    "project_from_domain", "project_to_dict", "registrable_domain", "save_project",
]
