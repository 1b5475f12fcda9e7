"""Fixtures: a real database (a fresh SQLite file, or PostgreSQL with INVITEBOT_TEST_DATABASE),
a real SMTP sink on loopback, and the real app on a socket."""
from __future__ import annotations

import os
import re

import peewee
import pytest

from bot.config import Config
from bot.localsmtp import SmtpSink, free_port
from bot.server import ThreadServer
from commands.actor import Actor
from commands.clock import clock as the_clock
from storage import schema
from storage.db import database, open_database
from tlskit import tls  # noqa: F401 (the throwaway certificate authority, for every suite)

TEAM = "T0TEST"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def pytest_report_header(config):
    return f"invitebot test database: {os.environ.get('INVITEBOT_TEST_DATABASE') or 'SQLite file per test'}"


def _reset_postgres(url: str) -> None:
    open_database(url)
    try:
        database.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {url} is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {url} ({exc}); start it or unset INVITEBOT_TEST_DATABASE")
    database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    database.close()


@pytest.fixture
def db_url(tmp_path) -> str:
    """The URL of an empty, upgraded database for this test."""
    url = os.environ.get("INVITEBOT_TEST_DATABASE")
    if url and url.startswith("postgres"):
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'invitebot.db'}"
    open_database(url)
    schema.upgrade()
    database.close()
    yield url
    if not database.is_closed():
        database.close()


@pytest.fixture
def pg_url() -> str:
    """A reset PostgreSQL database, for tests that need PostgreSQL itself (skips on a laptop, fails in CI)."""
    url = os.environ.get("INVITEBOT_TEST_PG") or PG_URL_DEFAULT
    _reset_postgres(url)
    open_database(url)
    schema.upgrade()
    database.close()
    return url


@pytest.fixture
def db(db_url):
    """A connection for the test's own thread."""
    with database.connection_context():
        yield database


@pytest.fixture(autouse=True)
def clock():
    the_clock.reset()
    yield the_clock
    the_clock.reset()


@pytest.fixture
def admin() -> Actor:
    return Actor(TEAM, "U0ADMIN", "Ada Admin", is_admin=True)


@pytest.fixture
def agent() -> Actor:
    return Actor(TEAM, "U0AGENT", "Sam Agent", is_admin=False, admin_names=("Ada Admin",))


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def portal(db_url, smtp):
    """The real app on a socket, its config, and its mail sink."""
    port = free_port()
    config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": smtp.url,
                              "PUBLIC_URL": f"http://127.0.0.1:{port}",
                              "SLACK_SIGNING_SECRET": "test-signing-secret"})
    from bot.web import create_app
    app = create_app(config, LINK_RATE_LIMIT="1000 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    with ThreadServer(app, port=port) as server:
        server.config = config
        server.smtp = smtp
        yield server


def deliver(config: Config) -> None:
    """Run one delivery pass through the configured SMTP server."""
    from jobs.delivery import deliver_pending
    from jobs.mailer import transport_from_url
    return deliver_pending(transport_from_url(config.smtp_url), config.public_url, config.mail_from)


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"(https?://\S+/i/[A-Za-z0-9_-]+)", body).group(1)
