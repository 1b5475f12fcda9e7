"""Behind a TLS-terminating reverse proxy (issue 11, findings 1 and 2).

The app runs behind devkit's TLS proxy, which adds X-Forwarded-* the way nginx does. Clients come
from distinct loopback addresses (127.0.0.2, .3, …: Linux routes all of 127/8 to the loopback), so
"one client" and "another customer" are really different addresses, as on the internet."""
from __future__ import annotations

import logging
import re

import pytest
import requests
from requests.adapters import HTTPAdapter

from bot.browser import Page
from bot.config import Config
from bot.server import ThreadServer
from commands import invitations, signup
from devkit.tlsproxy import TlsProxy

from support import PASSWORD, branded_workspace, counts, invite_and_enrol, queued_token

ATTACKER, CUSTOMER, THIRD = "127.0.0.2", "127.0.0.3", "127.0.0.4"


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str, ca_file: str) -> requests.Session:
    """A browser-like client at `address` that trusts the proxy's certificate."""
    session = requests.Session()
    session.verify = ca_file
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the test's own authority
    for scheme in ("http://", "https://"):
        session.mount(scheme, _FromAddress(address))
    return session


@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


@pytest.fixture
def ca_file(tls):
    with tls.ca.cert_pem.tempfile() as path:
        yield path


def _behind_proxy(tls, db_url, smtp, proxied_env: dict, **limits):
    """The app (with the shipped limits unless given) on a socket, the TLS proxy in front of it."""
    from bot.localsmtp import free_port
    from bot.web import create_app
    port = free_port()
    proxy = TlsProxy(f"http://127.0.0.1:{port}", tls.server_context())
    env = {"DATABASE_URL": db_url, "SMTP_URL": smtp.url, "PUBLIC_URL": proxy.url(),
           "SLACK_SIGNING_SECRET": "test-signing-secret", **proxied_env}
    app = create_app(Config.from_env(env), **limits)
    return proxy, ThreadServer(app, port=port)


@pytest.fixture
def trusted(tls, db_url, smtp):
    """The proxy is named in FORWARDED_ALLOW_IPS."""
    proxy, server = _behind_proxy(tls, db_url, smtp, {"FORWARDED_ALLOW_IPS": "127.0.0.1"},
                                  SIGNUP_MIN_SECONDS=0)
    with server, proxy:
        proxy.app = server
        yield proxy


@pytest.fixture
def untrusted(tls, db_url, smtp):
    """FORWARDED_ALLOW_IPS unset (the default): nobody's forwarded headers count."""
    proxy, server = _behind_proxy(tls, db_url, smtp, {})
    with server, proxy:
        proxy.app = server
        yield proxy


def form(session: requests.Session, url: str) -> dict:
    shown = Page(*(lambda r: (r.status_code, r.text))(session.get(url)))
    assert shown.status == 200, (url, shown.status)
    return shown.hidden_fields


def post_as_browser(session, url: str, fields: dict, origin: str | None) -> requests.Response:
    """A form post with what Chromium sends over HTTPS under our referrer policy: an Origin, a Referer
    that is the origin alone (strict-origin), never the page's path."""
    headers = {} if origin is None else {"Origin": origin, "Referer": origin + "/"}
    return session.post(url, data={**form(session, url), **fields}, headers=headers)


def title(response: requests.Response) -> str:
    return Page(response.status_code, response.text).title


def _registration(admin, base):
    invitations.invite(admin, "pat@example.com")
    return f"{base}/i/{queued_token('pat@example.com')}", {"name": "Pat", "password": PASSWORD,
                                                           "password2": PASSWORD}


def _login(admin, base):
    invite_and_enrol(admin, "lee@example.com")
    return f"{base}/login", {"email": "lee@example.com", "password": PASSWORD}


def _join(admin, base):
    return base + signup.new_link(admin).url_path, {"name": "Kim", "email": "kim@example.com"}


def _self_signup(admin, base):
    return base + signup.link_status(admin).signup_path, {"name": "Jo", "email": "jo@example.com"}


FORMS = {"registration": _registration, "login": _login, "sign-up link": _join, "self sign-up": _self_signup}
ACCEPTED = {"registration": "You are enrolled", "login": "Signed in",
            "sign-up link": "Thank you — check your email", "self sign-up": "Thank you — check your email"}


@pytest.mark.parametrize("name", FORMS)
def test_every_customer_form_is_accepted_over_https_with_a_browsers_headers(trusted, admin, ca_file, name):
    url, fields = FORMS[name](admin, trusted.url())
    answer = post_as_browser(client(CUSTOMER, ca_file), url, fields, origin=trusted.url())
    assert (answer.status_code, title(answer)) == (200, ACCEPTED[name])


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost", None])
def test_a_post_from_another_origin_or_none_is_refused_over_https(trusted, admin, ca_file, name, origin):
    url, fields = FORMS[name](admin, trusted.url())
    session = client(CUSTOMER, ca_file)
    hidden = form(session, url)  # opening a link is recorded; the post must add nothing
    before = counts()
    # None: neither Origin nor Referer, which over HTTPS a browser always sends one of.
    answer = session.post(url, data={**hidden, **fields}, headers={} if origin is None else {"Origin": origin})
    assert (answer.status_code, title(answer)) == (400, "This form has expired")
    assert counts() == before


def test_behind_a_trusted_proxy_one_client_guessing_does_not_lock_out_another(trusted, admin, ca_file):
    invite_and_enrol(admin, "pat@example.com")
    attacker = client(ATTACKER, ca_file)
    token = form(attacker, trusted.url("127.0.0.1") + "/login")["csrf_token"]
    # Each guess names another account, so the per-account limit stays out of it.
    statuses = [attacker.post(trusted.url("127.0.0.1") + "/login", headers={"Origin": trusted.url("127.0.0.1")},
                              data={"csrf_token": token, "email": f"x{n}@example.com",
                                    "password": "wrong-guess"}).status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]

    answer = post_as_browser(client(CUSTOMER, ca_file), trusted.url() + "/login",
                             {"email": "pat@example.com", "password": PASSWORD}, origin=trusted.url())
    assert (answer.status_code, title(answer)) == (200, "Signed in")


def test_logs_name_the_real_client_behind_a_trusted_proxy(trusted, ca_file, caplog):
    caplog.set_level(logging.INFO, logger="invitebot.access")
    client(CUSTOMER, ca_file).get(trusted.url() + "/login")
    lines = [r.getMessage() for r in caplog.records if r.name == "invitebot.access"]
    assert any(line.startswith(f'{CUSTOMER} "GET /login"') for line in lines), lines


def test_forwarded_headers_from_anyone_but_the_named_proxy_are_ignored(trusted, admin, ca_file, caplog):
    """The app's own port, reached directly from 127.0.0.2 with made-up headers: they count for nothing."""
    caplog.set_level(logging.INFO, logger="invitebot.access")
    direct = client(ATTACKER, ca_file)
    base = trusted.app.url
    token = form(direct, base + "/login")["csrf_token"]
    cookie = f"session={direct.cookies['session']}"  # Secure: the client would not send it over http itself
    statuses = [direct.post(base + "/login", data={"csrf_token": token, "email": f"x{n}@example.com",
                                                   "password": "wrong-guess"},
                            headers={"X-Forwarded-For": f"10.9.9.{n}", "X-Forwarded-Proto": "https",
                                     "X-Forwarded-Host": "evil.example", "Cookie": cookie}).status_code
                for n in range(11)]
    assert statuses == [401] * 10 + [429]
    lines = [r.getMessage() for r in caplog.records if r.name == "invitebot.access"]
    assert lines and all("10.9.9." not in line for line in lines)
    assert any(line.startswith(f'{ATTACKER} "POST /login"') for line in lines)


def test_without_forwarded_allow_ips_the_proxys_headers_are_ignored(untrusted, ca_file, caplog):
    caplog.set_level(logging.INFO, logger="invitebot.access")
    client(CUSTOMER, ca_file).get(untrusted.url() + "/login")
    lines = [r.getMessage() for r in caplog.records if r.name == "invitebot.access"]
    assert any(line.startswith('127.0.0.1 "GET /login"') for line in lines), lines


def _guess(session, base: str, email: str, password: str) -> requests.Response:
    return post_as_browser(session, base + "/login", {"email": email, "password": password}, origin=base)


def test_password_guesses_for_one_account_are_limited_whatever_the_client(trusted, admin, ca_file):
    invite_and_enrol(admin, "pat@example.com")
    base = trusted.url()
    guesses = [_guess(client(f"127.0.1.{n}", ca_file), base, "Pat@Example.com ", f"guess-{n}").status_code
               for n in range(5)]
    assert guesses == [401] * 5
    limited = _guess(client(THIRD, ca_file), base, "pat@example.com", "guess-6")
    assert (limited.status_code, title(limited)) == (429, "Too many attempts")
    assert int(limited.headers["Retry-After"]) <= 300  # out for five minutes at the most
    # Another account is untouched.
    invite_and_enrol(admin, "lee@example.com")
    assert title(_guess(client(THIRD, ca_file), base, "lee@example.com", PASSWORD)) == "Signed in"


def test_the_account_limit_lifts_by_itself_and_counts_only_failures(tls, db_url, smtp, admin, ca_file):
    proxy, server = _behind_proxy(tls, db_url, smtp, {"FORWARDED_ALLOW_IPS": "127.0.0.1"},
                                  ACCOUNT_LOGIN_LIMIT="3 per 2 seconds")
    invite_and_enrol(admin, "pat@example.com")
    with server, proxy:
        base = proxy.url()
        customer = client(CUSTOMER, ca_file)
        # Signing in again and again is never limited: only failed passwords count.
        assert {_guess(customer, base, "pat@example.com", PASSWORD).status_code for _ in range(6)} == {200}
        assert [_guess(client(ATTACKER, ca_file), base, "pat@example.com", "wrong").status_code
                for _ in range(4)] == [401, 401, 401, 429]
        assert _guess(customer, base, "pat@example.com", PASSWORD).status_code == 429
        import time
        time.sleep(2.2)  # the (shortened) window passes: the customer is back in
        assert title(_guess(customer, base, "pat@example.com", PASSWORD)) == "Signed in"


def test_a_bad_forwarded_allow_ips_stops_start_with_one_line():
    with pytest.raises(SystemExit) as stopped:
        Config.from_env({"FORWARDED_ALLOW_IPS": "10.0.0.1, proxy.internal"})
    message = str(stopped.value)
    assert message.startswith("invitebot: FORWARDED_ALLOW_IPS: 'proxy.internal' is not an IP address")
    assert "\n" not in message
    assert re.search(r"127\.0\.0\.1|10\.0\.0\.0/8", message)
