"""The sign-up side running for real: the app (bot.web.create_app) on a socket, the local Slack
stand-in answering its Web API calls over HTTP, SlackSim posting signed commands, clicks and modal
submissions, a real SMTP sink, and a cookie-keeping Browser filling in the customer pages.

Every test gets a fresh database (tests/conftest.py's db_url) and a stack of its own, so rate
limits and Slack's recorded calls never leak from one test into the next.

The second workspace (Borealis) is a second single-workspace app on the same database, with a bot
token of its own: an app refuses requests from any workspace but its token's (finding 12)."""
from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field, replace

import pytest

from bot.browser import Browser, Page
from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localsmtp import SmtpSink, free_port
from bot.server import ThreadServer
from bot.slack import ids
from commands.clock import clock
from storage.db import session
from storage.models import Workspace

from slackkit import bolt_executor, buttons, visible_text  # noqa: F401 (re-exported)
from conftest import TEAM, deliver

SECRET = "signup-tests-signing-secret"
OTHER_TEAM = "T0OTHER"
OTHER_TOKEN = "xoxb-local-stand-in-borealis"
ADMIN, AGENT = "U0ADMIN", "U0AGENT"
BRAND = "Acme Field Services"
OTHER_BRAND = "Borealis Heating"
PASSWORD = "blue-harbour-42"
# Limits high enough never to get in the way; the tests of the limits themselves use the defaults.
EASY = dict(SIGNUP_MIN_SECONDS=0, SIGNUP_RATE_LIMIT="1000 per minute",
            LINK_RATE_LIMIT="1000 per minute", LOGIN_RATE_LIMIT="1000 per minute")

_TOKENS = re.compile(r'(name="(?:csrf_token|form_token)" value=")[^"]*(")')


def without_tokens(body: str) -> str:
    """A page as it is the same for everyone: the per-request CSRF and form tokens blanked out."""
    return _TOKENS.sub(r"\1\2", body)


def text_part(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_part(message) -> str:
    return message.get_body(("html",)).get_content().replace("\r\n", "\n")


def link_in(message) -> str:
    """The one-time /i/ link an email carries (in its plain-text part)."""
    found = re.search(r"(https?://\S+/i/[A-Za-z0-9_-]+)", text_part(message))
    assert found, f"no /i/ link in {message['Subject']!r}"
    return found.group(1)


def _state_of(element: dict, value) -> dict:
    """What Slack puts in view.state for one input element holding `value`."""
    kind = element["type"]
    if kind in ("plain_text_input", "number_input"):
        return {"type": kind, "value": value}
    if kind == "timepicker":
        return {"type": kind, "selected_time": value}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    options = {o["value"]: o for o in element.get("options", [])}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [options.get(v, {"value": v}) for v in value or []]}
    if kind in ("radio_buttons", "static_select"):
        return {"type": kind, "selected_option": options.get(value, {"value": value}) if value else None}
    raise AssertionError(f"no state for a {kind}")


def initial_values(view: dict) -> dict:
    """The form as the person first sees it: each input's initial value."""
    out = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        el = block["element"]
        out[block["block_id"]] = (
            el.get("initial_value") if el["type"] in ("plain_text_input", "number_input") else
            el.get("initial_time") if el["type"] == "timepicker" else
            el.get("initial_conversation") if el["type"] == "conversations_select" else
            [o["value"] for o in el.get("initial_options", [])] if el["type"] == "checkboxes" else
            (el.get("initial_option") or {}).get("value"))
    return out


@dataclass
class Site:
    slack: LocalSlack
    smtp: SmtpSink
    config: Config
    server: ThreadServer
    executor: object
    others: dict = field(default_factory=dict)  # team -> (server, executor) of that workspace's own app

    def __post_init__(self):
        self.sims = {team: SlackSim(self.others.get(team, (self.server,))[0].url, SECRET, self.slack, team_id=team)
                     for team in (TEAM, OTHER_TEAM)}
        shared = itertools.count(1)  # response_url keys and trigger ids unique across both teams
        for sim in self.sims.values():
            sim._ids = shared

    @property
    def url(self) -> str:
        return self.server.url

    # --- Slack ------------------------------------------------------------------------------
    def command(self, user: str, text: str, team: str = TEAM) -> dict:
        """Type `/invite <text>` and return the private reply the person sees."""
        sim = self.sims[team]
        body = sim.command_body(user, text, self.config.invite_command)
        key = urllib.parse.parse_qs(body)["response_url"][0].rsplit("/", 1)[-1]
        answer = sim.post(body, "application/x-www-form-urlencoded")
        assert answer.status == 200, answer.body
        return self.slack.wait_for("response_url", where=lambda c: c.args["key"] == key)[0].args

    def open_modal(self, user: str, text: str, callback_id: str, team: str = TEAM) -> dict:
        """Type a command that opens a modal; the modal as it ends up once loaded."""
        sim = self.sims[team]
        assert sim.command(user, text, self.config.invite_command).status == 200
        self.settle()
        return self.last_view(callback_id)

    def last_view(self, callback_id: str | None = None) -> dict:
        views = [c.args["view"] for c in self.slack.calls
                 if c.method in ("views.open", "views.update")
                 and (callback_id is None or c.args["view"]["callback_id"] == callback_id)]
        assert views, f"no {callback_id or 'view'} was shown"
        return views[-1]

    def submit_view(self, user: str, view: dict, values: dict, team: str = TEAM) -> tuple[int, dict | None]:
        """Press the modal's submit button with `values` (block_id -> value) as Slack would send it."""
        elements = {b["block_id"]: b["element"] for b in view["blocks"] if b.get("type") == "input"}
        state = {bid: {bid: _state_of(elements[bid], v)} for bid, v in values.items()}
        sim = self.sims[team]
        payload = {"type": "view_submission", **sim._base(user),
                   "view": {"id": view.get("id", "VMODAL"), "type": "modal", "callback_id": view["callback_id"],
                            "private_metadata": view.get("private_metadata", ""),
                            "state": {"values": state}, "hash": "h"}}
        answer = sim.interaction(payload)
        assert answer.status == 200, answer.body
        return answer.status, answer.json()

    def click_in_view(self, user: str, view: dict, action_id: str, selected: str | None = None,
                      values: dict | None = None) -> dict:
        """Press a button (or choose an option) inside a modal; the modal as it is redrawn."""
        before = len(self.slack.calls_to("views.update"))
        action = {"action_id": action_id, "block_id": action_id, "action_ts": str(time.time())}
        if selected is None:
            action.update(type="button", value=buttons(view)[action_id])
        else:
            action.update(type="static_select", selected_option={"value": selected})
        elements = {b["block_id"]: b["element"] for b in view["blocks"] if b.get("type") == "input"}
        state = {bid: {bid: _state_of(elements[bid], v)} for bid, v in (values or {}).items()}
        sim = self.sims[TEAM]
        payload = {"type": "block_actions", **sim._base(user), "actions": [action],
                   "container": {"type": "view", "view_id": view.get("id", "VMODAL")},
                   "view": {**view, "id": view.get("id", "VMODAL"), "state": {"values": state}}}
        assert sim.interaction(payload).status == 200
        self.settle()
        updates = self.slack.calls_to("views.update")
        assert len(updates) > before, "the modal was not redrawn"
        return updates[-1].args["view"]

    def click(self, user: str, action_id: str, value: str, channel: str = "C0GENERAL", ts: str = "1.1",
              team: str = TEAM) -> dict | None:
        """Press a button in a message; the private reply it brought (through its response_url), if any."""
        before = len(self.slack.calls_to("response_url"))
        assert self.sims[team].click(user, action_id, value, channel=channel, message_ts=ts).status == 200
        self.settle()
        replies = self.slack.calls_to("response_url")[before:]
        return replies[-1].args if replies else None

    def change_settings(self, team: str = TEAM, flags_on=(), flags_off=(), **fields) -> dict:
        """An admin opens `/invite settings`, changes some fields and presses Save (view_submission)."""
        view = self.open_modal(ADMIN, "settings", ids.SETTINGS_MODAL, team=team)
        values = initial_values(view)
        values.update(fields)
        values["flags"] = sorted((set(values["flags"] or []) | set(flags_on)) - set(flags_off))
        _, answer = self.submit_view(ADMIN, view, values, team=team)
        assert not answer, answer  # no inline errors
        self.settle()
        return values

    def approval_request(self, email: str) -> dict:
        """The sign-up request as posted for the admins, with its Approve / Deny buttons."""
        posted = [c.args for c in self.slack.calls_to("chat.postMessage")
                  if email in (c.args.get("text") or "") and ids.APPROVE in buttons(c.args)]
        assert posted, f"no approval request for {email} was posted"
        return posted[-1]

    def dms_to(self, user: str) -> list[dict]:
        return [c.args for c in self.slack.calls_to("chat.postMessage") if c.args.get("channel") == user]

    def settle(self) -> None:
        """Wait until the work Bolt runs after each ack has finished (in each workspace's app)."""
        for executor in [self.executor] + [executor for _, executor in self.others.values()]:
            workers = executor._max_workers
            barrier = threading.Barrier(workers + 1, timeout=30)
            for _ in range(workers):
                executor.submit(barrier.wait)
            barrier.wait()

    # --- the jobs -----------------------------------------------------------------------------
    def announce(self) -> int:
        """One run of the job that posts sign-up requests for approval."""
        from bot.slack.app import web_client
        from bot.slack.notices import SlackNotices
        from jobs import tasks
        return tasks.announce(SlackNotices(web_client(self.config), command=self.config.invite_command))

    def deliver(self) -> None:
        deliver(self.config)

    def mails_to(self, address: str) -> list:
        with self.smtp.lock:
            return [m for m in self.smtp.messages if m["To"] == address]

    def only_mail_to(self, address: str):
        """Deliver the outbox; exactly one email went to `address` since the last look."""
        self.deliver()
        mails = self.mails_to(address)
        assert len(mails) == 1, [m["Subject"] for m in mails]
        with self.smtp.lock:
            self.smtp.messages.remove(mails[0])
        return mails[0]

    # --- the customer's side ------------------------------------------------------------------
    def new_link(self, team: str = TEAM) -> str:
        """An admin makes a fresh sign-up link; the /join/ URL as shown to them."""
        reply = self.command(ADMIN, "link", team=team)
        if "/join/" not in json.dumps(reply):
            reply = self.click(ADMIN, ids.LINK_NEW, buttons(reply)[ids.LINK_NEW], team=team)
        return re.search(r"(http://\S+?/join/[A-Za-z0-9_-]+)", json.dumps(reply)).group(1)

    def signup_page(self, team: str = TEAM) -> str:
        reply = self.command(ADMIN, "link", team=team)
        return re.search(r"(http://\S+?/signup/[A-Za-z0-9_-]+)", json.dumps(reply)).group(1)

    def sign_up(self, url: str, email: str, name: str = "Jo New", account: str = "", **extra) -> Page:
        return Browser().submit(url, {"name": name, "email": email, "account": account, **extra})

    def set_password(self, link: str, name: str = "Jo New", password: str = PASSWORD) -> Page:
        return Browser().submit(link, {"name": name, "password": password, "password2": password})

    def log_in(self, email: str, password: str = PASSWORD) -> Page:
        return Browser().submit(f"{self.url}/login", {"email": email, "password": password})


def _quick_to_stop(server: ThreadServer) -> ThreadServer:
    """Serve with a short poll interval, so stopping takes milliseconds rather than half a second."""
    server.thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.02},
                                     daemon=True)
    return server


@dataclass
class _Stopper:
    slack: LocalSlack

    def close(self) -> None:
        self.slack.stop()


@contextlib.contextmanager
def running_site(db_url: str, **overrides):
    """Two workspaces (Acme and Borealis) sharing one installation, an admin and an agent."""
    from bot.web import create_app

    with session():
        Workspace.for_team(TEAM, clock.now(), name=BRAND)
        Workspace.for_team(OTHER_TEAM, clock.now(), name=OTHER_BRAND)
    slack = LocalSlack(TEAM)
    slack.server = _quick_to_stop(ThreadServer(slack.app)).__enter__()
    with contextlib.closing(_Stopper(slack)), SmtpSink() as smtp:
        slack.add_user(ADMIN, "Ada Admin", admin=True)
        slack.add_user(AGENT, "Sam Agent")
        port = free_port()
        config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": smtp.url,
                                  "PUBLIC_URL": f"http://127.0.0.1:{port}", "SLACK_SIGNING_SECRET": SECRET,
                                  "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url})
        app = create_app(config, **overrides)
        executor = bolt_executor(app)
        other_app = create_app(replace(config, bot_token=slack.add_team(OTHER_TEAM, OTHER_TOKEN)), **overrides)
        other_executor = bolt_executor(other_app)
        try:
            with _quick_to_stop(ThreadServer(app, port=port)) as server, \
                    _quick_to_stop(ThreadServer(other_app)) as other_server:
                yield Site(slack, smtp, config, server, executor, {OTHER_TEAM: (other_server, other_executor)})
        finally:
            executor.shutdown(wait=True)
            other_executor.shutdown(wait=True)


@pytest.fixture
def site(db_url):
    """The stack with limits that stay out of the way (SIGNUP_MIN_SECONDS=0, generous rate limits)."""
    with running_site(db_url, **EASY) as running:
        yield running


@pytest.fixture
def make_site(db_url):
    """A stack with other app settings, e.g. the shipped defaults: `with make_site() as site:`."""
    return lambda **overrides: running_site(db_url, **overrides)
