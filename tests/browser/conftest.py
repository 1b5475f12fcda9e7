"""Headless Chromium for the page tests: Debian's /usr/bin/chromium, driven by Playwright for Python.

Playwright's own browser download is never used (`playwright install` cannot run here); the system
Chromium is launched by path. Without it or without the playwright package the tests skip on a
laptop, and fail under CI=true, where .ci/run installs both."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tlskit import spki_pin

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() == "true"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _missing() -> list[str]:
    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    return missing


@pytest.fixture(scope="session")
def playwright():
    """Playwright for the session (skips on a laptop without Chromium, fails under CI=true)."""
    missing = _missing()
    if missing:
        reason = "the browser tests need " + " and ".join(missing)
        if IN_CI:
            pytest.fail(f"{reason}; under CI=true they must run, not skip")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        yield pw


@contextmanager
def _launched(playwright, *extra_args: str):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def chromium(playwright):
    """One headless Chromium for the session; each test gets its own context (cookies, storage)."""
    with _launched(playwright) as browser:
        yield browser


@pytest.fixture(scope="session")
def chromium_https(playwright, tls):
    """A second Chromium that trusts the test's throwaway certificate (by its public key, as a
    certificate from a real authority would be trusted), for the pages behind the TLS proxy."""
    with _launched(playwright, f"--ignore-certificate-errors-spki-list={spki_pin(tls.leaf)}") as browser:
        yield browser


@pytest.fixture(autouse=True)
def _chromium_first(chromium):
    """Skip (or, under CI, fail) before the app and its database are set up for nothing."""


@dataclass
class Trouble:
    """What the page reported: console errors and warnings, uncaught errors, failed or refused loads."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_status: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.console + self.page_errors + self.failed + self.bad_status


# Chromium logs a document's own 4xx status (e.g. a dead link's 410 Gone) as a console error on that
# document. That is the page's intended status, not a blocked resource; subresources are checked
# separately (bad_status), so only this exact message for the top document is let through.
_OWN_STATUS = re.compile(r"^Failed to load resource: the server responded with a status of (401|403|404|410|422|400) ")


@pytest.fixture
def browser_page(chromium):
    """A fresh page that records trouble; `shot(name)` keeps a screenshot under test-artifacts/."""
    with recording_page(chromium) as page:
        yield page


@pytest.fixture
def https_page(chromium_https):
    """The same, in the Chromium that trusts the TLS proxy's certificate."""
    with recording_page(chromium_https) as page:
        yield page


@contextmanager
def recording_page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 760}, java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    trouble = Trouble()
    documents: set[str] = set()

    def on_console(msg):
        if msg.type not in ("error", "warning"):
            return
        where = (msg.location or {}).get("url", "")
        if msg.type == "error" and where in documents and _OWN_STATUS.match(msg.text):
            return
        trouble.console.append(f"{msg.type}: {msg.text} ({where})")

    def on_response(response):
        req = response.request
        if req.resource_type == "document" and req.frame == page.main_frame:
            documents.add(response.url)
        elif response.status >= 400:
            trouble.bad_status.append(f"{response.status} {req.resource_type} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: trouble.page_errors.append(str(exc)))
    page.on("requestfailed", lambda req: trouble.failed.append(
        f"{req.resource_type} {req.url}: {req.failure}"))
    page.on("response", on_response)
    page.trouble = trouble

    def shot(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    page.shot = shot
    try:
        yield page
    finally:
        context.close()
