"""A tiny cookie-keeping HTTP client that fills the portal's forms (used by the demo)."""
from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_TITLE = re.compile(r"<h1>(.*?)</h1>", re.S)
_TEXT = re.compile(r"<main>(.*?)</main>", re.S)
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Page:
    status: int
    body: str

    @property
    def title(self) -> str:
        m = _TITLE.search(self.body)
        return html.unescape(m.group(1).strip()) if m else ""

    @property
    def text(self) -> str:
        m = _TEXT.search(self.body)
        words = _TAGS.sub(" ", m.group(1) if m else self.body)
        return " ".join(html.unescape(words).split())

    @property
    def hidden_fields(self) -> dict:
        return {name: html.unescape(value) for name, value in _HIDDEN.findall(self.body)}

    @property
    def csrf_token(self) -> str | None:
        m = _CSRF.search(self.body)
        return m.group(1) if m else None


class Browser:
    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def _open(self, req) -> Page:
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Page(resp.status, resp.read().decode())
        except urllib.error.HTTPError as err:
            return Page(err.code, err.read().decode())

    def get(self, url: str) -> Page:
        return self._open(url)

    def post(self, url: str, fields: dict) -> Page:
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(url, data=data, method="POST"))

    def submit(self, url: str, fields: dict) -> Page:
        """GET the form, then POST it with its hidden fields (CSRF token…), as a person's browser would."""
        form = self.get(url)
        return self.post(url, {**form.hidden_fields, **fields})
