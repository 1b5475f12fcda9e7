"""Fixtures and helpers for the timed-jobs tests.

There is deliberately no conftest.py in tests/jobs: a second non-package conftest.py replaces
sys.modules["conftest"], which breaks `from conftest import ...` in the folders collected after this
one. The test modules import the fixtures they use from here instead.

Everything is real except Slack's servers: the jobs run as the scheduler runs them (bot.runtime's
Wiring: SlackNotices on the retrying WebClient, the SMTP transport), against the local Slack
stand-in over HTTP, the app on a socket (so buttons are clicked as Slack clicks them), a real SMTP
sink and a real database. Time moves by moving the clock, never by sleeping.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.browser import Browser, Page
from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localslack.server import Call
from bot.localsmtp import SmtpSink, free_port
from bot.runtime import job_wiring
from bot.server import ThreadServer
from bot.web import create_app
from bot.slack import ids
from commands.actor import Actor
from commands.clock import clock
from jobs import tasks
from jobs.scheduler import Wiring
from storage.models import Workspace

TEAM = "T0TEST"  # the team of the shared `admin` fixture
OTHER_TEAM = "T0OTHER"
SECRET = "jobs-signing-secret"
ADMIN, OWNER, AGENT = "U0ADMIN", "U0OWNER", "U0AGENT"
ADA = Actor(TEAM, ADMIN, "Ada Admin", is_admin=True)
OLGA = Actor(TEAM, OWNER, "Olga Owner", is_admin=True)
INVITEBOT = Path(sys.executable).with_name("invitebot")
ROOT = Path(__file__).resolve().parents[2]


class StandIn(LocalSlack):
    """The Slack stand-in, plus Slack's answers the tests need: an archived channel, an outage, and
    an outage that starts after some calls went through."""

    def __init__(self, team_id: str = TEAM):
        super().__init__(team_id)
        self.archived: set[str] = set()
        self.down = False  # while True, every Web API call answers 500 (an outage)
        self._later: list[dict] = []

    def fail_after(self, method: str, ok: int, *, status: int = 500, times: int = 1) -> None:
        """Once `ok` calls of `method` were answered, the next `times` calls get `status`."""
        with self._lock:
            self._later.append({"method": method, "after": ok, "status": status, "retry_after": 1,
                                "left": times})

    def _fault_for(self, method: str):
        if self.down:
            return {"method": method, "status": 500, "retry_after": 1, "left": 1}
        with self._lock:
            done = sum(1 for c in self.calls if c.method == method)
            for fault in self._later:
                if fault["method"] == method and done >= fault["after"] and fault["left"] > 0:
                    fault["left"] -= 1
                    return fault
        return super()._fault_for(method)

    def _m_chat_postMessage(self, args):
        if args.get("channel") in self.archived:
            return {"ok": False, "error": "is_archived"}
        return super()._m_chat_postMessage(args)


@dataclass
class Bot:
    """The app wired to the stand-in and the sink, and its jobs, one tick per call."""

    config: Config
    url: str
    slack: StandIn
    smtp: SmtpSink
    sim: SlackSim
    wiring: Wiring

    def expire(self) -> int:
        return tasks.expire(self.wiring.notices)

    def remind(self) -> int:
        return tasks.remind(self.wiring.notices)

    def announce(self) -> int:
        return tasks.announce(self.wiring.notices)

    def deliver(self, wiring: Wiring | None = None) -> int:
        w = wiring or self.wiring
        return tasks.deliver(w.notices, w.transport(), w.public_url, w.mail_from)

    def click(self, user: str, button: dict, call: Call | None = None) -> None:
        """`user` presses `button` in the message `call` posted, as Slack sends the click."""
        channel = (call.args.get("channel") if call else None) or "C0GENERAL"
        if channel.startswith("U"):
            channel = "D" + channel[1:]
        self.sim.click(user, button["action_id"], button["value"], channel=channel, message_ts="1.0")

    def reply_to_click(self, count: int) -> dict:
        """The private reply (response_url) to the count-th click or command."""
        return self.slack.wait_for("response_url", count, timeout=15)[count - 1].args


@pytest.fixture
def slack():
    with StandIn(TEAM) as standin:
        standin.add_user(ADMIN, "Ada Admin", admin=True)
        standin.add_user(OWNER, "Olga Owner", owner=True)
        standin.add_user(AGENT, "Sam Agent")
        yield standin


def app_config(db_url: str, smtp_url: str, slack: LocalSlack, port: int) -> Config:
    return Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": smtp_url,
                            "PUBLIC_URL": f"http://127.0.0.1:{port}",
                            "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
                            "SLACK_API_URL": slack.api_url})


@pytest.fixture
def app(db, db_url, smtp, slack) -> Bot:
    """The real app (portal pages and /slack/events) on a socket, and the jobs as the scheduler wires them."""
    port = free_port()
    config = app_config(db_url, smtp.url, slack, port)
    app = create_app(config, LINK_RATE_LIMIT="1000 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    with ThreadServer(app, port=port) as server:
        yield Bot(config, server.url, slack, smtp, SlackSim(server.url, SECRET, slack), job_wiring(config))


# --- the clock ----------------------------------------------------------------------------------
def set_clock(when: dt.datetime) -> None:
    """Move the clock so that it reads `when` (naive UTC, as stored)."""
    clock.advance(seconds=(when - clock.now()).total_seconds())


def local_time(tz: str, day: dt.date, hhmm: str) -> dt.datetime:
    """The naive UTC moment at which the wall clock in `tz` shows `hhmm` on `day`."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    aware = dt.datetime.combine(day, dt.time(hours, minutes), ZoneInfo(tz))
    return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)


# --- the workspace ------------------------------------------------------------------------------
def workspace(team_id: str = TEAM, **settings) -> Workspace:
    """The workspace with some settings changed by an admin (the settings modal's command)."""
    from commands import settings as workspace_settings
    ws = Workspace.for_team(team_id, clock.now())
    if settings:
        workspace_settings.update(Actor(team_id, "U0SETTER", "Set Admin", is_admin=True), settings)
    return Workspace.get_by_id(ws.id)


# --- what Slack was sent ------------------------------------------------------------------------
def posts_to(slack: LocalSlack, channel: str) -> list[Call]:
    """Messages posted in a channel, or DMs to a user (chat.postMessage with channel=user id)."""
    return [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def all_buttons(message: dict) -> list[dict]:
    found = []
    for block in message.get("blocks") or []:
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                found.append(element)
    return found


def button(message: dict, label: str) -> dict:
    matching = [b for b in all_buttons(message) if b["text"]["text"] == label]
    assert len(matching) == 1, f"expected one {label!r} button, found {[b['text']['text'] for b in all_buttons(message)]}"
    return matching[0]


def text_of(message: dict) -> str:
    """What a person reads: the text and every text in the blocks."""
    parts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                parts.append(element.get("text", ""))
    return "\n".join(parts)


def digest_entries(message: dict) -> list[dict]:
    """The digest's one-invitation sections (each carries a Resend button)."""
    return [b for b in message.get("blocks") or []
            if b.get("type") == "section" and b.get("accessory", {}).get("action_id") == ids.RESEND]


def entry_email(entry: dict) -> str:
    return re.match(r"\*(\S+)\*", entry["text"]["text"]).group(1)


# --- email and pages ----------------------------------------------------------------------------
def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"(https?://\S+/i/[A-Za-z0-9_-]+)", body).group(1)


def mail_to(smtp: SmtpSink, address: str) -> list:
    return [m for m in smtp.messages if m["To"] == address]


def open_page(url: str) -> Page:
    return Browser().get(url)


# --- subprocesses -------------------------------------------------------------------------------
def cli_env(**extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONUNBUFFERED": "1", **extra}


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """The installed `invitebot` command in its own process group, its output in `log`."""
    with open(log, "w") as out:
        return subprocess.Popen([str(INVITEBOT), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=str(ROOT), start_new_session=True)


def spawn_python(code: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """This interpreter running `code` from the project folder, in its own process group."""
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=str(ROOT), start_new_session=True)


def stop(procs: list[subprocess.Popen]) -> None:
    """Kill each process we started (and its group), and reap it."""
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    """Poll `condition` (for subprocesses working to the wall clock) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
