"""Link tokens and passwords never reach a log (R5): the whole flow at DEBUG, and the access-log redaction."""
from __future__ import annotations

import datetime as dt
import logging
import socket

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.http import wsgi
from gunicorn.http.parser import RequestParser

from bot.browser import Browser
from bot.server import RedactingLogger, redact_path
from commands import invitations
from storage.db import database

from conftest import deliver, link_in
from support import PASSWORD, branded_workspace

# aiosmtpd stands in for the customer's mail server, which of course logs the email it receives.
OUTSIDE_THE_PRODUCT = ("mail.log",)


def test_full_flow_logged_at_debug_never_shows_the_token_or_the_password(portal, admin, caplog):
    caplog.set_level(logging.DEBUG)
    with database.connection_context():
        branded_workspace()
        invitations.invite(admin, "pat@example.com", name="Pat")
    assert deliver(portal.config).sent == 1
    link = link_in(portal.smtp.wait_for(1)[0])
    token = link.rsplit("/", 1)[-1]
    browser = Browser()
    assert browser.get(link).title == "Set up your account"
    assert browser.submit(link, {"name": "Pat", "password": PASSWORD,
                                 "password2": PASSWORD}).title == "You are enrolled"
    assert browser.submit(f"{portal.url}/login", {"email": "pat@example.com",
                                                  "password": PASSWORD}).title == "Signed in"

    records = [r for r in caplog.records if r.name not in OUTSIDE_THE_PRODUCT]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in records)
    # The capture really saw the SQL, the delivery job and the request log:
    assert {"peewee", "invitebot.delivery", "invitebot.access"} <= {r.name for r in records}
    assert '"GET /i/[redacted]" 200' in logged and '"POST /login" 200' in logged
    assert logged.count(token) == 0
    assert logged.count(PASSWORD) == 0


@pytest.mark.parametrize("path, shown", [
    ("/i/Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg", "/i/[redacted]"),
    ("/i/Zm9vYmFy?utm=mail", "/i/[redacted]"),
    ("/join/c2lnbnVwLXRva2Vu/extra", "/join/[redacted]/extra"),
    ("/login?email=pat@example.com", "/login"),
    ("/healthz", "/healthz"),
    ("/slack/events", "/slack/events"),
    ("", ""),
])
def test_redact_path_keeps_the_route_and_drops_tokens_and_query_strings(path, shown):
    assert redact_path(path) == shown


TOKEN = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg"


def _gunicorn_access_line(tmp_path, access_log_format: str) -> tuple[str, dict]:
    """What gunicorn's access log writes for one request to an invitation link, with RedactingLogger."""
    cfg = GunicornConfig()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", access_log_format)
    log = RedactingLogger(cfg)
    raw = (f"GET /i/{TOKEN}?from=email HTTP/1.1\r\nHost: portal.example.com\r\n"
           "User-Agent: test\r\n\r\n").encode()
    request = next(iter(RequestParser(cfg, iter([raw]), ("127.0.0.1", 40000))))
    left, right = socket.socketpair()
    with left, right:
        response, environ = wsgi.create(request, left, ("127.0.0.1", 40000), ("127.0.0.1", 8000), cfg)
        response.start_response("410 GONE", [("Content-Type", "text/html")])
        atoms = log.atoms(response, request, environ, dt.timedelta(milliseconds=12))
        log.access(response, request, environ, dt.timedelta(milliseconds=12))
    for handler in log.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text(), atoms


def test_gunicorn_access_log_in_the_format_serve_uses_hides_the_token(tmp_path):
    line, _ = _gunicorn_access_line(tmp_path, '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %(U)s %(q)s')
    assert '"GET /i/[redacted] HTTP/1.1" 410' in line
    assert TOKEN not in line and "from=email" not in line


# gunicorn offers every environ variable as an atom too (%({path_info}e)s…): none may carry the token.
def test_no_gunicorn_access_log_atom_carries_the_token(tmp_path):
    _, atoms = _gunicorn_access_line(tmp_path, '%(r)s')
    leaking = sorted(name for name, value in atoms.items() if TOKEN in str(value))
    assert leaking == []
