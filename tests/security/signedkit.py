"""Signed requests to /slack/events as raw bytes, and what the operator's log shows of them: shared by
the security tests of the Slack endpoint (test_slack_edges, test_slack_downloads, test_slack_workspaces)."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from bot.slack import ids
from bot.slack.payloads import Ref

from conftest import TEAM
from slack.conftest import ADMIN, CHANNEL, SECRET

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def post_signed(stack, raw: bytes | str, content_type: str, *, timestamp: str | None = None,
          signature: str | None = None) -> tuple[int, str]:
    raw = raw.encode() if isinstance(raw, str) else raw
    ts = timestamp if timestamp is not None else str(int(time.time()))
    if signature is None:
        signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    request = urllib.request.Request(stack.sim.events_url, data=raw, method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def as_form(payload) -> str:
    return urllib.parse.urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)})


def app_lines(caplog) -> list[logging.LogRecord]:
    """What the operator reads: every record at INFO or above, except the one access line per request."""
    return [r for r in caplog.records if r.levelno >= logging.INFO and r.name != "invitebot.access"]


def no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text


# --- well-formed bodies to start from (a test changes what it is about) ---------------------------------
def base_payload(user: str = ADMIN, team: str = TEAM) -> dict:
    return {"team": {"id": team, "domain": "local"}, "user": {"id": user, "team_id": team},
            "api_app_id": "A0LOCAL", "token": "deprecated", "trigger_id": "1.trigger"}


def click_payload(**changes) -> dict:
    payload = {"type": "block_actions", **base_payload(), "response_url": "{standin}/response/1",
               "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1.1"},
               "channel": {"id": CHANNEL},
               "actions": [{"type": "button", "action_id": ids.STATUS, "block_id": "b",
                            "value": Ref(e="pat@example.com").dump()}]}
    payload.update(changes)
    return payload


def submission_payload(state=None, **view_changes) -> dict:
    values = {ids.EMAIL: {ids.EMAIL: {"type": "plain_text_input", "value": "pat@example.com"}}}
    view = {"id": "V1", "type": "modal", "callback_id": ids.STATUS_MODAL, "hash": "h", "private_metadata": "",
            "state": {"values": values} if state is None else state}
    view.update(view_changes)
    return {"type": "view_submission", **base_payload(), "view": view}


def event_body(**changes) -> dict:
    body = {"token": "deprecated", "team_id": TEAM, "api_app_id": "A0LOCAL", "type": "event_callback",
            "event_id": "Ev1", "event_time": 1, "event": {"type": "app_home_opened", "user": ADMIN, "tab": "home"}}
    body.update(changes)
    return body
