"""Static content of the lab sites: HTML pages, JS bundles, the source map, MTA-STS and status pages.

Built once per lab run from the run's fakes (so bundle hashes, like real builds, change with content).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from launchready_tui.lab.fakes import Fakes

HEALTH_GOOD = {
    "status": "pass",
    "version": "1",
    "releaseId": "lab-2026.01.1",
    "checks": {
        "postgres:connections": [{"componentType": "datastore", "status": "pass", "observedValue": 4}],
        "uptime": [{"componentType": "system", "status": "pass", "observedValue": 86400, "observedUnit": "s"}],
    },
}
STACK_TRACE = (
    'Traceback (most recent call last):\n  File "/app/server/health.py", line 12, in check\n'
    "    conn = psycopg.connect(DATABASE_URL)\n"
    "psycopg.OperationalError: connection to postgres://app@db.internal:5432/app failed\n"
)


def encoded_noise() -> str:
    """Encoded data that is NOT a secret, as real bundles carry it: false-positive controls for decoding."""
    png = base64.b64encode(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5273de40000000049454e44ae426082")).decode()
    blob = base64.b64encode(os.urandom(48)).decode()  # random bytes, as a wasm/font/cache blob would be
    sri = "sha384-" + base64.b64encode(hashlib.sha384(b"lab").digest()).decode()
    hello = base64.b64encode(b"Hello from the lab app, version 1.4.2").decode()  # decodes to harmless text
    return (f"const LOGO='data:image/png;base64,{png}';const BLOB='{blob}';const SRI='{sri}';"
            f"const HASH='{hashlib.sha256(b'lab').hexdigest()}';const HELLO=atob('{hello}');"
            "const SHARE='https://lab.test/share?text=Hello%20world%2C%20see%20https%3A%2F%2Flab.test%2F';\n")


def _h(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str


class SiteContent:
    """The two flavours of the app's front end (good / flawed) plus shared pages."""

    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes
        app_code = "function boot(){document.body.dataset.ready='1'}" + "/*pad*/" * 200 + "boot();"
        self.good_js = (f"/*! lab app (good) */\nconst STRIPE='{fakes.stripe_public}';{app_code}\n"
                        + encoded_noise()).encode()
        flawed_src = (
            "/*! lab app (flawed) */\n"
            f"const STRIPE_PK='{fakes.stripe_public}';\n"  # public by design: must be verdict "public"
            f"const OPENAI_API_KEY='{fakes.openai_key}';\n"  # LAB FAKE leaked secret in the bundle
            # LAB FAKE: a token shipped base64-encoded (atob at run time): invisible to a plain regex scan
            "const CFG=JSON.parse(atob('"
            + base64.b64encode(json.dumps({"ghToken": fakes.github_token}).encode()).decode() + "'));\n"
            f"{app_code}\n"
        )
        self.flawed_map_name = ""  # set below once the hash is known
        self.css = b"body{font-family:system-ui;margin:2rem}" + b"/*pad*/" * 100
        self.css_name = f"app.{_h(self.css)}.css"
        self.good_js_name = f"app.{_h(self.good_js)}.js"
        flawed_js = flawed_src.encode()
        self.flawed_js_name = f"app.{_h(flawed_js)}.js"
        self.flawed_map_name = self.flawed_js_name + ".map"
        self.flawed_js = flawed_js + f"//# sourceMappingURL={self.flawed_map_name}\n".encode()
        self.flawed_map = json.dumps({
            "version": 3,
            "file": self.flawed_js_name,
            "sources": ["webpack://lab/src/app.ts", "webpack://lab/src/server/openai.ts"],
            "sourcesContent": [
                "export function boot() { document.body.dataset.ready = '1' }\n",
                "import OpenAI from 'openai'\n"
                f"export const client = new OpenAI({{ apiKey: '{fakes.openai_key}', "
                "dangerouslyAllowBrowser: true })\n",
            ],
            "names": [],
            "mappings": "AAAA",
        }).encode()

    def static(self, good: bool, name: str) -> Asset | None:
        if name == self.css_name:
            return Asset(self.css, "text/css")
        if good and name == self.good_js_name:
            return Asset(self.good_js, "application/javascript")
        if not good and name == self.flawed_js_name:
            return Asset(self.flawed_js, "application/javascript")
        if not good and name == self.flawed_map_name:
            return Asset(self.flawed_map, "application/json")
        if name in ("logo.png", "analytics.js"):
            return Asset(b"/* lab placeholder */", "image/png" if name.endswith("png") else "application/javascript")
        return None

    def home(self, good: bool, host: str) -> str:
        js = self.good_js_name if good else self.flawed_js_name
        extra = "" if good else (
            # mixed content: a passive image (warn) and an active script (blockable: fail)
            f'<img src="http://{host}/static/logo.png" alt="logo">\n'
            f'<script src="http://{host}/static/analytics.js"></script>\n'
        )
        body = "<p>Welcome to the lab app.</p>" + "<p>Lorem ipsum dolor sit amet.</p>" * 60
        return (
            "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>Lab app</title>\n"
            f'<link rel="stylesheet" href="/static/{self.css_name}">\n'
            f'<script defer src="/static/{js}"></script>\n</head><body>\n{body}\n{extra}'
            '<a href="/login">Sign in</a> <a href="/account">Account</a>\n</body></html>\n'
        )

    @staticmethod
    def login_page() -> str:
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in</title></head><body>"
            '<form method=post action="/v1/login"><input name=email><input name=password type=password>'
            "<button>Sign in</button></form></body></html>\n"
        )

    @staticmethod
    def account_page(user: str) -> str:
        return f"<!doctype html><html lang=en><body><h1>Account of {user}</h1><p>Plan: Pro</p></body></html>\n"

    @staticmethod
    def mta_sts_policy() -> str:
        return "version: STSv1\nmode: enforce\nmx: aspmx.l.google.com\nmax_age: 604800\n"

    @staticmethod
    def status_page() -> str:
        return (
            "<!doctype html><html lang=en><head><title>Lab status</title></head><body>"
            "<h1>All systems operational</h1><ul><li>API: up</li><li>App: up</li></ul></body></html>\n"
        )

    @staticmethod
    def bimi_svg() -> str:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 10 10">'
            '<title>Lab</title><rect width="10" height="10" fill="#336"/></svg>\n'
        )

    def env_file(self) -> str:
        # LAB FAKE: a production .env served from the web root (flawed host only)
        return (
            f"DATABASE_URL=postgres://app:{self.fakes.db_password}@db.internal:5432/app\n"
            f"OPENAI_API_KEY={self.fakes.openai_key}\n"
        )
