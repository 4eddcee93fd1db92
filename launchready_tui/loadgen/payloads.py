"""What each kind of endpoint sends: prepared once per run, so building a request costs nothing under load.

* ``core`` / ``ai``: the endpoint's body as configured (JSON content type when it looks like JSON).
* ``upload``: a multipart form with a generated file of the chosen size. The bytes are pseudo-random (not
  compressible, like a real photo or PDF) and built once; every request sends the same prepared body.
* ``auth_callback``: the OAuth redirect a provider sends back, ``?code=…&state=…``, with a fresh code and
  state on every request (as real sign-ins do, so no cache can answer it).
* ``webhook_retry``: the same event re-sent with the same event id and idempotency key, as a payment or
  e-mail provider does when the first delivery was not acknowledged in time.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from launchready_tui import __version__
from launchready_tui.loadgen.plan import LoadEndpoint, LoadPlan


@dataclass(slots=True)
class Prepared:
    method: str
    url: str
    body: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    fresh_query: bool = False  # auth_callback: a new code/state per request

    def url_for_request(self) -> str:
        if not self.fresh_query:
            return self.url
        parts = urlsplit(self.url)
        query = urlencode({"code": secrets.token_urlsafe(24), "state": secrets.token_urlsafe(12)})
        return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


def _looks_like_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _has(headers: dict[str, str], name: str) -> bool:
    return any(k.lower() == name.lower() for k in headers)


def upload_body(size: int, field_name: str, seed: int = 7) -> tuple[bytes, str]:
    """(multipart body, content type) with one generated file of ``size`` bytes."""
    boundary = "launchready-" + secrets.token_hex(8)
    content = random.Random(seed).randbytes(size)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field_name}\"; "
            f"filename=\"launchready-load-{size}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + content + tail, f"multipart/form-data; boundary={boundary}"


def prepare(ep: LoadEndpoint, plan: LoadPlan) -> Prepared:
    headers = {"User-Agent": f"{plan.user_agent}/{__version__}", "X-Launchready-Run": plan.run_id}
    headers.update(ep.headers)
    body: bytes | None = ep.body.encode("utf-8") if ep.body is not None else None
    method = ep.method.upper()
    if ep.kind == "upload":
        body, ctype = upload_body(ep.upload_bytes, ep.upload_field)
        headers["Content-Type"] = ctype
        if method == "GET":
            method = "POST"
    elif ep.kind == "webhook_retry":
        event_id = f"evt_launchready_{plan.run_id}"
        if body is None:
            body = json.dumps({"id": event_id, "type": "launchready.load_test", "retry": True}).encode()
        headers.setdefault("Idempotency-Key", event_id)
        headers.setdefault("X-Launchready-Event-Id", event_id)
        if method == "GET":
            method = "POST"
    if body is not None and not _has(headers, "content-type") and _looks_like_json(body.decode("utf-8", "replace")):
        headers["Content-Type"] = "application/json"
    return Prepared(method, ep.url, body, headers, fresh_query=ep.kind == "auth_callback")
