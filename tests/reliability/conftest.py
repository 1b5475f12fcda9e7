"""Shared by the reliability tests: the Slack side in-process (the real app behind LocalSlack), one
database that several processes open, and the real `invitebot serve` as its own process."""
from __future__ import annotations

import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

import pytest

from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localsmtp import free_port
from storage import schema
from storage.db import database, open_database

from conftest import TEAM
from jobkit import cli_env, spawn, stop, wait_until
from slack.conftest import running_stack

SECRET = "reliability-signing-secret"


@pytest.fixture
def stack(db_url):
    """The app in this process, on this test's own database (a new SQLite file, or a reset PostgreSQL)."""
    with running_stack(db_url) as running:
        yield running
        running.settle()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request, tmp_path):
    """One database that every process opens: a SQLite file, or the PostgreSQL test database."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        open_database(url)
        schema.upgrade()
        database.close()
    open_database(url)
    with database.connection_context():
        yield url


@dataclass
class Served:
    """`invitebot serve` running as its own process group, and Slack's side of talking to it."""

    proc: Popen
    url: str
    log: Path
    sim: SlackSim


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextmanager
def serving(db_url: str, slack: LocalSlack, log: Path, *, workers: int = 1, **env: str):
    """`invitebot serve` on a free port, as an operator starts it; killed (with its workers) at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = cli_env(DATABASE_URL=db_url, SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=BOT_TOKEN,
                          SLACK_API_URL=slack.api_url, PUBLIC_URL=url, **env)
    proc = spawn(["serve", "--port", str(port), "--workers", str(workers)], environment, log)
    try:
        def up() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"serve stopped (exit {proc.returncode}):\n{log.read_text()}")
            return _healthy(url)

        wait_until(up, 60, "serve to answer /healthz")
        yield Served(proc, url, log, SlackSim(url, SECRET, slack, team_id=TEAM))
    finally:
        stop([proc])
