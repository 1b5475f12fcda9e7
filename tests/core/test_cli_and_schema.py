"""The `invitebot` command as an operator runs it: schema upgrades and the refusals before serving."""
from __future__ import annotations

import socket

import pytest

from bot.localsmtp import free_port
from storage import schema
from storage.db import database, open_database

from support import run_cli

SLACK = {"SLACK_SIGNING_SECRET": "test-signing-secret", "SLACK_BOT_TOKEN": "xoxb-test-token"}


def _nothing_listens_on(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_db_upgrade_on_a_fresh_sqlite_file_applies_the_migrations_then_says_up_to_date(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'invitebot.db'}"
    first = run_cli("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Applied: 001_initial")
    again = run_cli("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert (again.returncode, again.stdout.strip()) == (0, "The schema is up to date.")
    open_database(url)
    with database.connection_context():
        assert {"workspace", "customer", "invitation", "event", "outbox_email"} <= set(database.get_tables())
        assert schema.pending_migrations() == []


def test_serve_refuses_an_outdated_postgresql_schema_and_names_db_upgrade(pg_url, tmp_path):
    with database.connection_context():
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    port = free_port()
    refused = run_cli("serve", "--port", str(port),
                      env={"DATABASE_URL": pg_url, **SLACK},
                      cwd=tmp_path, timeout=30)  # run_cli kills it (and fails) if it starts serving
    assert refused.returncode != 0
    assert "The database schema is out of date" in refused.stderr
    assert "001_initial" in refused.stderr
    assert "Run `invitebot db upgrade`, then start again." in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _nothing_listens_on(port)
    with database.connection_context():
        assert "invitation" not in database.get_tables()  # serve never upgrades PostgreSQL by itself


def test_serve_without_the_signing_secret_prints_one_line_naming_it(tmp_path):
    port = free_port()
    refused = run_cli("serve", "--port", str(port),
                      env={"DATABASE_URL": f"sqlite:///{tmp_path / 'invitebot.db'}",
                           "SLACK_BOT_TOKEN": SLACK["SLACK_BOT_TOKEN"]},
                      cwd=tmp_path, timeout=30)
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        "invitebot: set the environment variable SLACK_SIGNING_SECRET "
        "(the app's Signing Secret from api.slack.com/apps)."]
    assert refused.stdout == ""
    assert _nothing_listens_on(port)


@pytest.mark.parametrize("url", ["nosuchdb://somewhere/invitebot",
                                 "postgresql://postgres@127.0.0.1:1/nowhere"],
                         ids=["unknown-scheme", "unreachable-server"])
@pytest.mark.parametrize("command", [("db", "upgrade"), ("deliver",), ("serve", "--port", "0")],
                         ids=["db-upgrade", "deliver", "serve"])
def test_bad_database_url_gives_a_clear_message_without_a_traceback(tmp_path, url, command):
    refused = run_cli(*command, env={"DATABASE_URL": url, **SLACK},
                      cwd=tmp_path, timeout=30)
    assert refused.returncode == 1
    assert "Error: Cannot open the database at DATABASE_URL" in refused.stderr
    assert "Check the URL (peewee db_url form, e.g. postgresql://user@host:5432/db)" in refused.stderr
    assert "Traceback" not in refused.stderr
