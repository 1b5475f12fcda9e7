"""Only requests signed by Slack with the signing secret, and fresh, get in: anything else gets 401,
writes no row, calls nothing, and leaves no trace of its body in the logs."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.slack import ids

from slack.conftest import ADMIN, AGENT, SECRET, row_counts

FORM = "application/x-www-form-urlencoded"


def _sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _bodies(sim) -> list[tuple[str, str]]:
    """A slash command, a button click and an event, as Slack would send them."""
    click = {"type": "block_actions", "team": {"id": sim.team_id}, "user": {"id": ADMIN, "team_id": sim.team_id},
             "trigger_id": "1.trigger", "response_url": f"{sim.standin.url}/response/forged",
             "actions": [{"type": "button", "action_id": ids.APPROVE, "value": '{"i":1}'}],
             "container": {"type": "message", "channel_id": "C0GENERAL", "message_ts": "1.1"}}
    event = {"type": "event_callback", "team_id": sim.team_id, "event_id": "Ev0FORGED",
             "event": {"type": "app_home_opened", "user": ADMIN, "tab": "home"}}
    return [(sim.command_body(ADMIN, "forged@example.com"), FORM),
            (sim.command_body(ADMIN, "admins add <@U0AGENT|sam>"), FORM),
            (urllib.parse.urlencode({"payload": json.dumps(click)}), FORM),
            (json.dumps(event), "application/json")]


def _stale(sim, count: int):
    """`count` replays: real signatures, but more than five minutes old (or ahead)."""
    bodies = _bodies(sim)
    now = int(time.time())
    for n in range(count):
        body, kind = bodies[n % len(bodies)]
        ts = now - 301 - n if n % 2 else now + 301 + n
        yield body, kind, ts, _sign(body, ts)


def _tampered(sim, count: int):
    """`count` fresh requests whose body, signature, secret or timestamp header do not match."""
    bodies = _bodies(sim)
    now = int(time.time())
    for n in range(count):
        body, kind = bodies[n % len(bodies)]
        trick = (n // len(bodies)) % 4
        if trick == 0:    # signed, then the body changed (still well-formed)
            tampered = body.replace("forged", "f0rged").replace(ADMIN, AGENT)
            assert tampered != body
            yield tampered, kind, now, _sign(body, now)
        elif trick == 1:  # signed, then the signature altered
            good = _sign(body, now)
            yield body, kind, now, good[:-1] + ("0" if good[-1] != "0" else "1")
        elif trick == 2:  # signed with another app's secret
            yield body, kind, now, _sign(body, now, "someone-elses-secret")
        else:             # a signature for this body, but another timestamp header
            yield body, kind, now, _sign(body, now - 1)


# Pieces of the forged bodies: none may reach a log line.
BODY_MARKERS = ("forged@example.com", "f0rged", "admins add", "Ev0FORGED", "trigger_id", "response_url",
                "app_home_opened", "U0ADMIN", "U0AGENT", "command=")


@pytest.mark.parametrize("forgeries", [_stale, _tampered], ids=["1000 stale", "1000 tampered"])
def test_a_thousand_forged_requests_are_all_refused_change_nothing_and_their_body_is_not_logged(
        stack, db, caplog, forgeries):
    stack.command(ADMIN, "pat@example.com").reply()  # some real state to leave alone
    stack.settle()
    stack.slack.reset_calls()
    before = row_counts()
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    statuses = {}
    for body, kind, ts, signature in forgeries(stack.sim, 1000):
        status = stack.sim.post(body, kind, timestamp=ts, signature=signature).status
        statuses[status] = statuses.get(status, 0) + 1
    assert statuses == {401: 1000}
    stack.settle()
    assert row_counts() == before
    assert stack.slack.calls == []
    refusals = [r for r in caplog.records if r.name == "invitebot.web" and "stale signature" in r.getMessage()]
    assert len(refusals) == 1000, "each refusal is logged, for the operator"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not [m for m in BODY_MARKERS if m in logged]


def _post_raw(url: str, body: str, headers: dict) -> int:
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.parametrize("headers", [
    {},
    {"X-Slack-Request-Timestamp": "{now}"},
    {"X-Slack-Signature": "{signature}"},
    {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": ""},
    {"X-Slack-Request-Timestamp": "0", "X-Slack-Signature": "{signature}"},
])
def test_an_unsigned_or_half_signed_request_is_refused(stack, db, headers):
    body = stack.sim.command_body(AGENT, "unsigned@example.com")
    now = int(time.time())
    filled = {k: v.format(now=now, signature=_sign(body, now)) for k, v in headers.items()}
    before = row_counts()
    assert _post_raw(stack.sim.events_url, body, {"Content-Type": FORM, **filled}) == 401
    stack.settle()
    assert row_counts() == before
    assert [c.method for c in stack.slack.calls if c.method != "auth.test"] == []


def test_a_correctly_signed_request_is_let_in(stack):
    body = stack.sim.command_body(AGENT, "help")
    now = int(time.time())
    assert _post_raw(stack.sim.events_url, body, {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(now),
                                                  "X-Slack-Signature": _sign(body, now)}) == 200


# Bolt reads the body and the timestamp header before it checks the signature, so bot/web.py checks
# the signature first: garbage there must get a 401, never a 500 with a traceback in the log.
def test_an_unsigned_request_with_a_malformed_json_body_is_refused_not_an_error(stack, db):
    body = '{"type": "event_callback", "event": {"type": "app_home_opened"}} trailing'
    now = int(time.time())
    status = _post_raw(stack.sim.events_url, body, {"Content-Type": "application/json",
                                                     "X-Slack-Request-Timestamp": str(now),
                                                     "X-Slack-Signature": _sign("{}", now)})
    assert status == 401


@pytest.mark.parametrize("timestamp", ["yesterday", ""])
def test_a_request_with_a_timestamp_that_is_not_a_number_is_refused_not_an_error(stack, db, timestamp):
    body = stack.sim.command_body(AGENT, "help")
    status = _post_raw(stack.sim.events_url, body, {"Content-Type": FORM,
                                                     "X-Slack-Request-Timestamp": timestamp,
                                                     "X-Slack-Signature": _sign(body, int(time.time()))})
    assert status == 401
