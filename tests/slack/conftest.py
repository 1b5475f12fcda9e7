"""The Slack side running for real: LocalSlack (Slack's Web API over HTTP), an SMTP sink, the app on a
socket and SlackSim posting signed slash commands, clicks, submissions and events into it."""
from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass

import pytest

from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localslack.server import Call
from bot.localsmtp import SmtpSink, free_port
from bot.server import ThreadServer
from bot.slack import ids
from commands.clock import clock
from storage import schema
from storage.db import database, open_database
from storage.schema import ALL_MODELS
from storage.models import Customer, Invitation, Workspace

from slackkit import bolt_executor, buttons, visible_text  # noqa: F401 (re-exported)
from conftest import TEAM, _reset_postgres, deliver

SECRET = "slack-signing-secret-for-tests"
CHANNEL = "C0GENERAL"
ADMIN, ADMIN2, AGENT, AGENT2 = "U0ADMIN", "U0ADMIN2", "U0AGENT", "U0AGENT2"
PEOPLE = {ADMIN: ("Ada Admin", True), ADMIN2: ("Bea Admin", True),
          AGENT: ("Sam Agent", False), AGENT2: ("Kim Agent", False)}


def row_counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in ALL_MODELS}


@dataclass
class Sent:
    """One request as posted, the HTTP answer, and (for commands) its own response_url."""

    stack: "SlackStack"
    status: int
    body: str
    seconds: float
    key: str | None = None
    after: float = 0.0

    def json(self):
        return json.loads(self.body) if self.body else None

    def reply(self, timeout: float = 10) -> dict:
        """The ephemeral reply the person saw for this request (posted to its response_url)."""
        if self.key is not None:
            call = self.stack.slack.wait_for("response_url", where=lambda c: c.args["key"] == self.key,
                                             timeout=timeout)[0]
        else:
            call = self.stack.slack.wait_for(
                "response_url", timeout=timeout,
                where=lambda c: c.at >= self.after and c.args["key"] not in self.stack.command_keys)[0]
        return call.args


class SlackStack:
    def __init__(self, slack: LocalSlack, smtp: SmtpSink, config: Config, server: ThreadServer, executor):
        self.slack = slack
        self.smtp = smtp
        self.config = config
        self.server = server
        self.executor = executor
        self.sim = SlackSim(server.url, SECRET, slack, team_id=TEAM)
        self.command_keys: set[str] = set()

    def reset(self) -> None:
        self.slack.reset_calls()
        self.slack.latency = 0
        self.slack.not_in_channel.clear()
        with self.smtp.lock:
            self.smtp.messages.clear()
            self.smtp.attempts = 0
        self.smtp.behaviour = None
        self.command_keys.clear()

    def settle(self) -> None:
        """Wait for the work Bolt does after each ack (lazy listeners) to finish."""
        self.slack.latency = 0
        _wait_until_idle(self.executor)

    # --- what a person does -------------------------------------------------------------------
    def command(self, user: str, text: str, *, command: str | None = None, channel: str = CHANNEL) -> Sent:
        body = self.sim.command_body(user, text, command or self.config.invite_command, channel)
        key = urllib.parse.parse_qs(body)["response_url"][0].rsplit("/", 1)[-1]
        self.command_keys.add(key)
        return self._timed(lambda: self.sim.post(body, "application/x-www-form-urlencoded"), key=key)

    def click(self, user: str, action_id: str, value: str, **where) -> Sent:
        return self._timed(lambda: self.sim.click(user, action_id, value, **where))

    def submit(self, user: str, callback_id: str, values: dict, private_metadata: str = "") -> Sent:
        return self._timed(lambda: self.sim.submit(user, callback_id, values, private_metadata))

    def event(self, event: dict, **kw) -> Sent:
        return self._timed(lambda: self.sim.event(event, **kw))

    def _timed(self, post, key: str | None = None) -> Sent:
        after = time.monotonic()
        reply = post()
        return Sent(self, reply.status, reply.body, time.monotonic() - after, key=key, after=after)

    # --- what Slack and the mail server saw ---------------------------------------------------
    def wait(self, method: str, count: int = 1, where=None, timeout: float = 10) -> list[Call]:
        return self.slack.wait_for(method, count, timeout=timeout, where=where)

    def calls(self, method: str, where=None) -> list[Call]:
        return [c for c in self.slack.calls_to(method) if where is None or where(c)]

    def approval_request(self, email: str, channel: str | None = None) -> Call:
        """The approval request for `email` as posted (R4), with its Approve / Deny buttons."""
        return self.wait("chat.postMessage", where=lambda c: email in (c.args.get("text") or "")
                         and ids.APPROVE in buttons(c.args)
                         and (channel is None or c.args["channel"] == channel))[0]

    def agent_request(self, email: str = "pat@example.com", channel: str = CHANNEL):
        """An agent asks to invite `email`; the invitation and the approval request's buttons."""
        self.command(AGENT, f"{email} Pat Quinn", channel=channel).reply()
        posted = self.approval_request(email)
        self.settle()  # the message's place is recorded once Slack has answered
        invitation = Invitation.get(Invitation.customer == Customer.get(Customer.email == email))
        return invitation, buttons(posted.args)

    def click_request(self, user: str, action_id: str, invitation, value: str) -> Sent:
        """`user` presses a button of the approval request message for `invitation`."""
        return self.click(user, action_id, value, channel=invitation.request_message_channel,
                          message_ts=invitation.request_message_ts)

    def dms_to(self, user: str) -> list[dict]:
        return [c.args for c in self.calls("chat.postMessage", lambda c: c.args.get("channel") == user)]

    def deliver(self):
        """One pass of the outbox job through the SMTP sink."""
        return deliver(self.config)

    def mail_to(self, address: str, count: int = 1):
        messages = self.smtp.wait_for(count)
        return [m for m in messages if m["To"] == address]

    # --- the workspace ------------------------------------------------------------------------
    def workspace(self) -> Workspace:
        return Workspace.for_team(TEAM, clock.now())


def _wait_until_idle(executor, timeout: float = 30) -> None:
    """Return once every listener submitted so far has finished: occupy every worker at once."""
    workers = executor._max_workers
    barrier = threading.Barrier(workers + 1, timeout=timeout)
    for _ in range(workers):
        executor.submit(barrier.wait)
    barrier.wait()


@contextlib.contextmanager
def running_stack(db_url: str, **env):
    """LocalSlack with four people, an SMTP sink and the real app (bot.web.create_app) on a socket."""
    from bot.web import create_app

    with LocalSlack(TEAM) as slack, SmtpSink() as smtp:
        for user_id, (name, admin) in PEOPLE.items():
            slack.add_user(user_id, name, admin=admin)
        port = free_port()
        config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": smtp.url,
                                  "PUBLIC_URL": f"http://127.0.0.1:{port}",
                                  "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
                                  "SLACK_API_URL": slack.api_url, **env})
        app = create_app(config)
        executor = bolt_executor(app)
        try:
            with ThreadServer(app, port=port) as server:
                yield SlackStack(slack, smtp, config, server, executor)
        finally:
            slack.latency = 0
            executor.shutdown(wait=True)


@pytest.fixture(scope="session")
def _slack_database(tmp_path_factory) -> dict:
    url = os.environ.get("INVITEBOT_TEST_DATABASE") or ""
    if not url.startswith("postgres"):
        url = f"sqlite:///{tmp_path_factory.mktemp('slack') / 'invitebot.db'}"
    return {"url": url, "order": None, "sequences": []}


def _emptied(database_info: dict) -> str:
    """The database with every table emptied; built (migrated) first if it is new or was dropped."""
    url = database_info["url"]
    open_database(url)
    with database.connection_context():
        tables = {t for t in database.get_tables() if t != "migratehistory"}
        if tables and tables == set(database_info["order"] or ()):
            with database.atomic():
                if url.startswith("postgres"):
                    for table in database_info["order"]:
                        database.execute_sql(f'DELETE FROM "{table}"')
                    for sequence in database_info["sequences"]:
                        database.execute_sql(f'ALTER SEQUENCE "{sequence}" RESTART')
                else:  # SQLite: rowids start again at 1 in an empty table
                    for table in database_info["order"]:
                        database.execute_sql(f'DELETE FROM "{table}"')
            return url
    if url.startswith("postgres"):
        _reset_postgres(url)
        open_database(url)
    with database.connection_context():
        schema.upgrade()
        database_info["order"] = _children_first([t for t in database.get_tables() if t != "migratehistory"])
        database_info["sequences"] = [r[0] for r in database.execute_sql(
            "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public' "
            "AND sequence_name <> 'migratehistory_id_seq'")] if url.startswith("postgres") else []
    return url


def _children_first(tables: list[str]) -> list[str]:
    """Tables in an order that deletes every row that points at a row before the row it points at."""
    parents = {t: {fk.dest_table for fk in database.get_foreign_keys(t)} - {t} for t in tables}
    order = []
    while parents:
        free = sorted(t for t in parents if not any(t in p for other, p in parents.items() if other != t))
        assert free, f"foreign keys in a cycle among {sorted(parents)}"
        order += free
        for t in free:
            del parents[t]
    return order


@pytest.fixture
def db_url(_slack_database):
    """Like tests/conftest.py's db_url (an empty, upgraded database), but emptied instead of rebuilt
    for each test: rebuilding the schema costs about a second a test on PostgreSQL."""
    yield _emptied(_slack_database)
    if not database.is_closed():
        database.close()


@pytest.fixture(scope="session")
def _shared_stack(_slack_database):
    # The app uses whatever database the models are bound to: each test's own (see db_url).
    with running_stack(_slack_database["url"]) as running:
        yield running


@pytest.fixture
def stack(_shared_stack, db_url):
    """The running stack, with a fresh database, no recorded calls and no mail, for this test."""
    _shared_stack.reset()
    yield _shared_stack
    _shared_stack.settle()


@pytest.fixture
def make_stack(db_url):
    """A stack of its own, for tests that need different settings (e.g. INVITE_COMMAND)."""
    return lambda **env: running_stack(db_url, **env)
