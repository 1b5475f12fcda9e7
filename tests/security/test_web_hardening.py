"""The customer-facing web app against forged forms, framing, cookie theft, guessing and weak hashes.

Every form (registration, login, sign-up link, self sign-up) refuses a post without its own CSRF token;
every page carries the security headers; the session cookie is HttpOnly, SameSite and (on https)
Secure; links and logins are rate limited; passwords are stored as Argon2id at OWASP's strength or more.
"""
from __future__ import annotations

import re

import pytest
import requests

from bot.browser import Browser, Page
from bot.config import Config
from bot.server import ThreadServer
from commands import invitations, signup
from storage.models import Customer, Invitation
from storage.signups import SignupLink

from support import PASSWORD, branded_workspace, counts, invite_and_enrol, queued_token

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin",  # the origin only: never a path, which may hold a link token
}
FORGED_CSRF = "IjEyMzQ1Njc4OTAi.ZZZZZZ.not-a-real-signature"


@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


@pytest.fixture
def site(db_url, smtp):
    """The app on a socket; sign-up forms may be sent back at once (no typing-speed check here)."""
    from bot.web import create_app
    config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": smtp.url,
                              "SLACK_SIGNING_SECRET": "test-signing-secret"})
    app = create_app(config, LINK_RATE_LIMIT="1000 per minute", LOGIN_RATE_LIMIT="1000 per minute",
                     SIGNUP_RATE_LIMIT="1000 per minute", SIGNUP_MIN_SECONDS=0)
    with ThreadServer(app) as server:
        yield server


def page(response: requests.Response) -> Page:
    return Page(response.status_code, response.text)


def _registration(admin, base: str) -> tuple[str, dict]:
    invitations.invite(admin, "pat@example.com")
    return f"{base}/i/{queued_token('pat@example.com')}", {"name": "Pat", "password": PASSWORD,
                                                           "password2": PASSWORD}


def _login(admin, base: str) -> tuple[str, dict]:
    invite_and_enrol(admin, "pat@example.com")
    return f"{base}/login", {"email": "pat@example.com", "password": PASSWORD}


def _join(admin, base: str) -> tuple[str, dict]:
    return base + signup.new_link(admin).url_path, {"name": "Kim", "email": "kim@example.com"}


def _self_signup(admin, base: str) -> tuple[str, dict]:
    return base + signup.link_status(admin).signup_path, {"name": "Kim", "email": "kim@example.com"}


FORMS = {"registration": _registration, "login": _login, "sign-up link": _join, "self sign-up": _self_signup}
ACCEPTED = {"registration": "You are enrolled", "login": "Signed in",
            "sign-up link": "Thank you — check your email", "self sign-up": "Thank you — check your email"}


def _state() -> dict:
    return {**counts(), "enrolled": Customer.select().where(Customer.enrolled_at.is_null(False)).count(),
            "link uses": sum(link.uses for link in SignupLink.select())}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("csrf", ["missing", "wrong", "from another browser"])
def test_every_form_refuses_a_post_without_its_own_csrf_token_and_changes_nothing(site, admin, form, csrf):
    url, fields = FORMS[form](admin, site.url)
    browser = requests.Session()
    hidden = page(browser.get(url)).hidden_fields
    assert hidden.get("csrf_token"), f"the {form} form carries a CSRF token"
    del hidden["csrf_token"]
    if csrf == "wrong":
        hidden["csrf_token"] = FORGED_CSRF
    elif csrf == "from another browser":
        hidden["csrf_token"] = Browser().get(url).csrf_token
    before = _state()

    refused = page(browser.post(url, data={**hidden, **fields}))

    assert (refused.status, refused.title) == (400, "This form has expired")
    assert "Go back, reload the page and submit it again." in refused.text
    assert _state() == before
    # The same person, with the form as served, gets through: the token was all that was missing.
    accepted = Browser()
    accepted.get(url)
    assert accepted.submit(url, fields).title == ACCEPTED[form]


def test_every_page_carries_the_security_headers(site, admin):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    join = signup.new_link(admin).url_path
    self_signup = signup.link_status(admin).signup_path
    brand_css = f"/brand/{branded_workspace().id}.css"
    paths = ["/login", f"/i/{token}", "/i/not-a-token", join, "/join/not-a-token", self_signup,
             "/signup/nowhere", brand_css, "/healthz", "/no-such-page"]
    responses = [requests.get(f"{site.url}{path}") for path in paths]
    responses.append(requests.post(f"{site.url}/login", data={}))
    assert [r.status_code for r in responses] == [200, 200, 410, 200, 410, 200, 410, 200, 200, 404, 400]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.url, name)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, response.url
        if response.headers["Content-Type"].startswith("text/html"):  # the brand's CSS may be cached
            assert "no-store" in response.headers["Cache-Control"], response.url


def test_session_cookie_is_http_only_and_same_site(site):
    cookie = requests.get(f"{site.url}/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in this test: a Secure cookie would never come back


def test_session_cookie_is_secure_when_the_public_url_is_https(db_url):
    from bot.web import create_app
    app = create_app(Config.from_env({"DATABASE_URL": db_url, "PUBLIC_URL": "https://portal.example.com",
                                      "SLACK_SIGNING_SECRET": "test-signing-secret"}))
    cookie = app.test_client().get("/login", base_url="https://portal.example.com").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def strict_site(db_url):
    """The app with its shipped rate limits (the `site` fixture raises them for the other tests)."""
    from bot.web import create_app
    app = create_app(Config.from_env({"DATABASE_URL": db_url, "SLACK_SIGNING_SECRET": "test-signing-secret"}))
    with ThreadServer(app) as server:
        yield server


def test_link_pages_are_rate_limited_with_a_friendly_page(strict_site):
    statuses = [requests.get(f"{strict_site.url}/i/{'B' * 43}").status_code for _ in range(31)]
    assert statuses == [410] * 30 + [429]
    shown = page(requests.get(f"{strict_site.url}/i/{'B' * 43}"))
    assert (shown.status, shown.title) == (429, "Too many attempts")
    assert "Please wait a few minutes before trying again." in shown.text


def test_login_attempts_from_one_client_are_rate_limited_with_a_friendly_page(strict_site):
    # Each attempt names another account, so only the per-client limit is at work here
    # (tests/security/test_proxies.py has the per-account one).
    browser = requests.Session()
    csrf = page(browser.get(f"{strict_site.url}/login")).csrf_token
    statuses = [browser.post(f"{strict_site.url}/login",
                             data={"csrf_token": csrf, "email": f"pat{n}@example.com",
                                   "password": f"guess-number-{n}"}).status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]
    shown = page(browser.get(f"{strict_site.url}/login"))
    assert shown.status == 200  # only the attempts are limited, not the form


# OWASP Password Storage Cheat Sheet: Argon2id with at least one of these (memory KiB, iterations),
# parallelism 1 or more.
OWASP_ARGON2ID = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]


def test_stored_passwords_are_argon2id_at_owasp_strength_and_salted(site, admin):
    for email in ("pat@example.com", "lee@example.com"):
        invite_and_enrol(admin, email)  # the same password for both
    hashes = [c.password_hash for c in Customer.select().order_by(Customer.id)]
    for stored in hashes:
        found = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)", stored)
        assert found, f"an Argon2id PHC string: {stored[:30]}…"
        memory, iterations, lanes = (int(found.group(n)) for n in (1, 2, 3))
        assert lanes >= 1 and any(memory >= m and iterations >= t for m, t in OWASP_ARGON2ID), \
            (memory, iterations, lanes)
        assert len(found.group(4)) >= 22, "a salt of 16 bytes or more"
        assert PASSWORD not in stored
    assert hashes[0] != hashes[1], "each hash has its own salt"
    assert Invitation.select().where(Invitation.status == "accepted").count() == 2
