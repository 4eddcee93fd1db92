"""What a page refers to, read with the stdlib ``html.parser`` (design checks-web.md §6, §9).

One pass over the HTML collects every subresource reference with its W3C Mixed Content class
(``blockable`` / ``upgradable``, w3.org/TR/mixed-content), navigation links, ``rel=canonical``,
``og:url``, a ``<meta http-equiv=Content-Security-Policy>``, ``<base href>`` and a few hints the
subdomain and cache checks use (title, password fields). Tolerant of broken markup and of bytes
that are not UTF-8 (the caller decodes with replacement). Scripts' own fetch()/XHR/WebSocket
requests need a browser and are out of scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

# Elements whose http:// subresource a browser blocks outright.
_BLOCKABLE: dict[str, tuple[str, ...]] = {
    "script": ("src",), "iframe": ("src",), "frame": ("src",), "object": ("data",), "embed": ("src",),
    "form": ("action",), "track": ("src",),
}
# Passive content that browsers upgrade to https (Chrome since M80-86) or show with a warning.
_UPGRADABLE: dict[str, tuple[str, ...]] = {
    "img": ("src", "srcset"), "audio": ("src",), "video": ("src", "poster"), "source": ("src", "srcset"),
    "input": ("src",),  # <input type=image>
}
_BLOCKABLE_LINK_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon",
                        "manifest"}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""", re.I)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)


@dataclass(slots=True)
class Ref:
    tag: str
    attr: str
    url: str  # absolute (resolved against the page / <base>)
    kind: str  # "blockable" | "upgradable" | "navigation"
    rel: str = ""
    as_: str = ""  # <link as=...>

    def to_json(self) -> dict[str, str]:
        return {"tag": self.tag, "attr": self.attr, "url": self.url, "kind": self.kind}


@dataclass(slots=True)
class PageRefs:
    base_url: str
    refs: list[Ref] = field(default_factory=list)
    canonical: str | None = None
    og_url: str | None = None
    meta_csp: list[str] = field(default_factory=list)
    title: str = ""
    headings: list[str] = field(default_factory=list)
    password_fields: int = 0

    def subresources(self) -> list[Ref]:
        return [r for r in self.refs if r.kind != "navigation"]


def _srcset_urls(value: str) -> list[str]:
    out = []
    for candidate in value.split(","):
        url = candidate.strip().split(" ")[0].strip()
        if url:
            out.append(url)
    return out


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageRefs(base_url=page_url)
        self._base = page_url
        self._in_style = False
        self._in_title = False
        self._in_heading = False

    def _abs(self, url: str) -> str:
        return urljoin(self._base, url.strip())

    def _add(self, tag: str, attr: str, raw: str, kind: str, rel: str = "", as_: str = "") -> None:
        raw = raw.strip()
        if not raw or raw.startswith(("data:", "javascript:", "mailto:", "tel:", "#", "about:", "blob:")):
            return
        self.page.refs.append(Ref(tag, attr, self._abs(raw), kind, rel, as_))

    def _css(self, text: str, tag: str, attr: str, kind: str) -> None:
        for m in _CSS_URL.finditer(text):
            url = m.group(1) or m.group(2)
            is_import = m.group(2) is not None
            self._add(tag, "@import" if is_import else attr, url, "blockable" if is_import else kind)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and self._base == self.page.base_url:
            self._add(tag, "href", a["href"], "blockable")
            self._base = self._abs(a["href"])
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if "canonical" in rels and a.get("href"):
                self.page.canonical = self._abs(a["href"])
            kind_rels = rels & _BLOCKABLE_LINK_RELS
            if kind_rels and a.get("href"):
                self._add(tag, "href", a["href"], "blockable", rel=sorted(kind_rels)[0], as_=a.get("as", ""))
        elif tag == "meta":
            prop = (a.get("property") or a.get("name") or "").lower()
            equiv = a.get("http-equiv", "").lower()
            if prop == "og:url" and a.get("content"):
                self.page.og_url = self._abs(a["content"])
            elif equiv == "content-security-policy":
                self.page.meta_csp.append(a.get("content", ""))
            elif equiv == "refresh":
                m = _REFRESH_URL.search(a.get("content", ""))
                if m:
                    self._add(tag, "http-equiv=refresh", m.group(1), "blockable")
        elif tag == "a" and a.get("href"):
            self._add(tag, "href", a["href"], "navigation")
        elif tag == "style":
            self._in_style = True
        elif tag == "title":
            self._in_title = True
        elif tag in ("h1", "h2"):
            self._in_heading = True
        elif tag == "input" and a.get("type", "").lower() == "password":
            self.page.password_fields += 1
        if tag in _BLOCKABLE:
            for attr in _BLOCKABLE[tag]:
                if a.get(attr):
                    self._add(tag, attr, a[attr], "blockable")
        if tag in _UPGRADABLE and not (tag == "input" and a.get("type", "").lower() != "image"):
            for attr in _UPGRADABLE[tag]:
                value = a.get(attr)
                if not value:
                    continue
                for url in (_srcset_urls(value) if attr == "srcset" else [value]):
                    self._add(tag, attr, url, "upgradable")
        if a.get("style"):
            self._css(a["style"], tag, "style", "upgradable")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        elif tag == "title":
            self._in_title = False
        elif tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data, "style", "inline", "blockable")  # design §6: fonts and imports live here
        elif self._in_title:
            self.page.title += data.strip()
        elif self._in_heading and data.strip():
            self.page.headings.append(data.strip())


def parse_page(html: str, page_url: str) -> PageRefs:
    """Every reference of ``html`` (loaded from ``page_url``), resolved to absolute URLs."""
    parser = _Parser(page_url)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some pathological markup
        pass
    return parser.page
