"""Findings 9 (Slack part) and 12: what a signed request may still get wrong, and what it may not reach.

- A garbled timestamp header is a 401, never an OverflowError.
- A signed body of the wrong shape is a 400 with one log line, never a 500 with a traceback.
- A bulk upload is fetched only from Slack's file host, never where a payload (or a redirect) points,
  so the bot token reaches nobody else.
- Requests from a workspace other than the bot token's are refused and create nothing.
- An invitation id, upload id or address from a payload only ever finds rows of the asker's workspace.
"""
from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localsmtp import free_port
from bot.slack import ids
from bot.slack.origins import SlackOrigins, is_at, slack_origins
from bot.slack.payloads import ModalContext, Ref
from commands import invitations
from commands.actor import Actor
from storage.models import Customer, Invitation, Workspace

from conftest import TEAM
from fuzz.strategies import examples
from slack.conftest import ADMIN, AGENT, CHANNEL, SECRET, row_counts, visible_text

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EVIL = "T0EVIL"
CSV = b"Account Number,Customer Email\r\nA1,ann@example.com\r\n"


# --- signing and posting raw bytes -------------------------------------------------------------------
def _post(stack, raw: bytes | str, content_type: str, *, timestamp: str | None = None,
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


def _form(payload) -> str:
    return urllib.parse.urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)})


def _app_lines(caplog) -> list[logging.LogRecord]:
    """What the operator reads: every record at INFO or above, except the one access line per request."""
    return [r for r in caplog.records if r.levelno >= logging.INFO and r.name != "invitebot.access"]


def _no_traceback(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text


# --- finding 9: the timestamp header -----------------------------------------------------------------
@pytest.mark.parametrize("timestamp", ["9" * 400, "9" * 13, str(2 ** 64), "0" * 50 + "1"])
def test_an_absurdly_long_timestamp_is_refused_with_a_401_not_an_overflow(stack, db, caplog, timestamp):
    caplog.set_level(logging.INFO)
    body = stack.sim.command_body(AGENT, "help")
    for signature in (None, "v0=" + "0" * 64):  # signed with that timestamp, and not signed at all
        caplog.clear()
        status, _ = _post(stack, body, FORM, timestamp=timestamp, signature=signature)
        assert status == 401
        _no_traceback(caplog)
        assert [r.getMessage() for r in _app_lines(caplog)] == [
            "refused a request to /slack/events from 127.0.0.1: missing, wrong or stale signature"]


# --- finding 9: signed bodies of the wrong shape -----------------------------------------------------
def _base(user: str = ADMIN, team: str = TEAM) -> dict:
    return {"team": {"id": team, "domain": "local"}, "user": {"id": user, "team_id": team},
            "api_app_id": "A0LOCAL", "token": "deprecated", "trigger_id": "1.trigger"}


def _click(**changes) -> dict:
    payload = {"type": "block_actions", **_base(), "response_url": "{standin}/response/1",
               "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1.1"},
               "channel": {"id": CHANNEL},
               "actions": [{"type": "button", "action_id": ids.STATUS, "block_id": "b",
                            "value": Ref(e="pat@example.com").dump()}]}
    payload.update(changes)
    return payload


def _submission(state=None, **view_changes) -> dict:
    values = {ids.EMAIL: {ids.EMAIL: {"type": "plain_text_input", "value": "pat@example.com"}}}
    view = {"id": "V1", "type": "modal", "callback_id": ids.STATUS_MODAL, "hash": "h", "private_metadata": "",
            "state": {"values": values} if state is None else state}
    view.update(view_changes)
    return {"type": "view_submission", **_base(), "view": view}


def _event(**changes) -> dict:
    body = {"token": "deprecated", "team_id": TEAM, "api_app_id": "A0LOCAL", "type": "event_callback",
            "event_id": "Ev1", "event_time": 1, "event": {"type": "app_home_opened", "user": ADMIN, "tab": "home"}}
    body.update(changes)
    return body


def _with_element(element) -> dict:
    return _submission({"values": {ids.EMAIL: {ids.EMAIL: element}}})


# (raw body, content type): each signed correctly, each of a shape no listener can act on.
MALFORMED = [
    pytest.param("payload={not json", FORM, id="payload-not-json"),
    pytest.param(_form("1"), FORM, id="payload-a-number"),
    pytest.param(_form("[]"), FORM, id="payload-a-list"),
    pytest.param(_form('"block_actions"'), FORM, id="payload-a-string"),
    pytest.param(_form("null"), FORM, id="payload-null"),
    pytest.param(_form("{}"), FORM, id="payload-empty-object"),
    pytest.param(_form({"type": "not_a_thing_slack_sends", **_base()}), FORM, id="payload-unknown-type"),
    pytest.param("[]", JSON, id="events-a-list"),
    pytest.param("17", JSON, id="events-a-number"),
    pytest.param("{not json", JSON, id="events-not-json"),
    pytest.param('{"type": "event_callback"} trailing', JSON, id="events-trailing-garbage"),
    pytest.param("[" * 100_000 + "]" * 100_000, JSON, id="events-nested-too-deep"),
    pytest.param(json.dumps(_event(event="app_home_opened")), JSON, id="event-a-string"),
    pytest.param(json.dumps(_event(event={"type": 5, "user": ADMIN})), JSON, id="event-type-a-number"),
    pytest.param(json.dumps(_event(event={"type": "app_home_opened", "user": ["U0ADMIN"]})), JSON,
                 id="event-user-a-list"),
    pytest.param(json.dumps(_event(team_id=["T0TEST"])), JSON, id="event-team-a-list"),
    pytest.param(json.dumps(_event(authorizations=5)), JSON, id="event-authorizations-a-number"),
    pytest.param(json.dumps(_event(authorizations=[5])), JSON, id="event-authorization-a-number"),
    pytest.param(json.dumps(_event(enterprise=5)), JSON, id="event-enterprise-a-number"),
    pytest.param(_form(_click(actions="approve")), FORM, id="actions-a-string"),
    pytest.param(_form(_click(actions=[])), FORM, id="actions-empty"),
    pytest.param(_form(_click(actions=[1])), FORM, id="action-a-number"),
    pytest.param(_form(_click(actions=[{"type": "button", "action_id": 5}])), FORM, id="action-id-a-number"),
    pytest.param(_form(_click(actions=[{"type": "button", "action_id": ids.STATUS, "value": {"e": "x"}}])),
                 FORM, id="action-value-an-object"),
    pytest.param(_form(_click(user="U0ADMIN")), FORM, id="user-a-string"),
    pytest.param(_form(_click(user={"id": ["U0ADMIN"], "team_id": TEAM})), FORM, id="user-id-a-list"),
    pytest.param(_form(_click(team="T0TEST")), FORM, id="team-a-string"),
    pytest.param(_form(_click(team=[TEAM])), FORM, id="team-a-list"),
    pytest.param(_form(_click(channel="C0GENERAL")), FORM, id="channel-a-string"),
    pytest.param(_form(_click(container="message")), FORM, id="container-a-string"),
    pytest.param(_form(_click(response_url=5)), FORM, id="response-url-a-number"),
    pytest.param(_form(_click(response_urls="x")), FORM, id="response-urls-a-string"),
    pytest.param(_form(_click(view=[])), FORM, id="click-view-a-list"),
    pytest.param(_form(_submission("state")), FORM, id="state-a-string"),
    pytest.param(_form(_submission({"values": []})), FORM, id="state-values-a-list"),
    pytest.param(_form(_submission({"values": None})), FORM, id="state-values-null"),
    pytest.param(_form(_submission({"values": {ids.EMAIL: "pat@example.com"}})), FORM, id="state-block-a-string"),
    pytest.param(_form(_with_element("pat@example.com")), FORM, id="state-element-a-string"),
    pytest.param(_form(_with_element({"type": "plain_text_input", "value": 5})), FORM, id="input-value-a-number"),
    pytest.param(_form(_with_element({"type": "plain_text_input", "value": ["pat@example.com"]})), FORM,
                 id="input-value-a-list"),
    pytest.param(_form(_with_element({"type": "checkboxes", "selected_options": "yes"})), FORM,
                 id="selected-options-a-string"),
    pytest.param(_form(_with_element({"type": "checkboxes", "selected_options": [5]})), FORM,
                 id="selected-option-a-number"),
    pytest.param(_form(_with_element({"type": "static_select", "selected_option": "x"})), FORM,
                 id="selected-option-a-string"),
    pytest.param(_form(_with_element({"type": "file_input", "files": "x"})), FORM, id="files-a-string"),
    pytest.param(_form(_with_element({"type": "file_input", "files": [7]})), FORM, id="file-a-number"),
    pytest.param(_form(_submission(private_metadata={"invitation": 1})), FORM, id="private-metadata-an-object"),
    pytest.param(_form(_submission(private_metadata=7)), FORM, id="private-metadata-a-number"),
    pytest.param(_form(_submission(callback_id=7)), FORM, id="callback-id-a-number"),
    pytest.param(_form({**_submission(), "view": "status_modal"}), FORM, id="view-a-string"),
    pytest.param(_form({**_submission(), "view": None}), FORM, id="view-null"),
    pytest.param(json.dumps({"command": "/invite", "text": 5, "team_id": TEAM, "user_id": AGENT,
                             "trigger_id": "1.t", "response_url": "{standin}/response/1"}), JSON,
                 id="command-text-a-number"),
    pytest.param(urllib.parse.urlencode({"command": "/invite", "text": "help", "team_id": TEAM, "user_id": AGENT,
                                         "response_url": "https://attacker.example/collect"}), FORM,
                 id="command-response-url-elsewhere"),
    pytest.param(_form(_click(response_url="https://attacker.example/collect")), FORM,
                 id="click-response-url-elsewhere"),
    pytest.param(_form(_submission(private_metadata=ModalContext(
        response_url="file:///etc/hostname").dump())), FORM, id="modal-response-url-elsewhere"),
]


@pytest.mark.parametrize("raw, content_type", MALFORMED)
def test_a_signed_body_of_the_wrong_shape_gets_a_400_and_one_log_line(stack, db, caplog, raw, content_type):
    if isinstance(raw, str):
        raw = raw.replace("{standin}", stack.slack.url).replace(urllib.parse.quote("{standin}"),
                                                                 urllib.parse.quote(stack.slack.url, safe=""))
    stack.slack.reset_calls()
    before = row_counts()
    caplog.set_level(logging.INFO)
    caplog.clear()

    status, _ = _post(stack, raw, content_type)
    stack.settle()

    assert status == 400
    _no_traceback(caplog)
    lines = _app_lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].getMessage().startswith("refused a signed request to /slack/events")
    assert "pat@example.com" not in caplog.text  # never the body
    assert row_counts() == before
    assert stack.slack.calls == []


def test_a_signed_body_that_is_not_utf8_is_refused_with_one_log_line(stack, db, caplog):
    """slack_sdk's verifier reads the body as UTF-8 text (as Slack sends it): other bytes never verify."""
    caplog.set_level(logging.INFO)
    status, _ = _post(stack, b"\xff\xfe{\x00", JSON)
    assert status == 401
    _no_traceback(caplog)
    assert len(_app_lines(caplog)) == 1


def test_a_well_formed_click_and_submission_still_work(stack, db):
    """The same skeletons as above, unharmed, get through (so each 400 above is for its one flaw)."""
    stack.command(ADMIN, "pat@example.com Pat Quinn").reply()
    stack.settle()
    status, body = _post(stack, _form(_click(response_url=f"{stack.slack.url}/response/77")), FORM)
    assert status == 200
    stack.settle()
    [shown] = stack.calls("response_url", lambda c: c.args["key"] == "77")
    assert "pat@example.com" in visible_text(shown.args)
    status, body = _post(stack, _form(_submission()), FORM)
    assert status == 200 and json.loads(body)["response_action"] == "update"
    status, _ = _post(stack, json.dumps(_event(event_id="Ev2")), JSON)
    assert status == 200
    stack.wait("views.publish")


def test_slacks_own_checks_still_get_their_answers(stack, db):
    """Slack's URL verification (Events API set-up) and SSL check (slash commands) name no workspace."""
    status, body = _post(stack, json.dumps({"token": "deprecated", "challenge": "c-123",
                                            "type": "url_verification"}), JSON)
    assert (status, json.loads(body)) == (200, {"challenge": "c-123"})
    status, _ = _post(stack, urllib.parse.urlencode({"ssl_check": "1", "token": "deprecated"}), FORM)
    assert status == 200


def test_a_command_whose_text_mentions_payload_is_still_understood(stack, db):
    """Slack's form body is parsed once, by the endpoint: the word "payload" in it is just a word."""
    reply = stack.command(AGENT, "status payload@example.com").reply()
    assert "There is no invitation for payload@example.com" in visible_text(reply)


# --- finding 9: a Hypothesis hunt over the shapes ---------------------------------------------------
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.sampled_from(["", "pat@example.com", ids.STATUS, ids.APPROVE, TEAM, ADMIN, "home",
                                       "{}", '{"i": 1}', "x" * 600]),
                      st.text(max_size=20))
KEYS = st.sampled_from(["type", "id", "value", "action_id", "team_id", "values", "email", "selected_options",
                        "files", "user", "state", "callback_id", "private_metadata", "response_url", "event"])
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)
# Half the time a value of the type the field has (so the body gets past the shape check to the
# listeners), half the time any JSON at all.
plausible = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
    ["", "pat@example.com", ids.STATUS, ids.APPROVE, ids.DENY, ids.RESEND, ids.STATUS_MODAL, ids.DENY_MODAL,
     TEAM, EVIL, ADMIN, AGENT, "home", "messages", "{}", '{"i": 1}', '{"e": "pat@example.com"}',
     '{"i": 99999999999999999999}', '{"i": -1}', "[" * 5000, "x" * 600]))
any_value = st.one_of(plausible, json_value)
SKELETONS = {"click": _click, "submission": _submission, "event": _event}
PATHS = {
    "click": [("actions",), ("actions", 0), ("actions", 0, "value"), ("actions", 0, "action_id"), ("user",),
              ("user", "id"), ("team",), ("team", "id"), ("container",), ("channel",), ("view",),
              ("response_url",), ("enterprise",), ("authorizations",), ("message",), ("trigger_id",)],
    "submission": [("view",), ("view", "state"), ("view", "state", "values"), ("view", "state", "values", "email"),
                   ("view", "state", "values", "email", "email"), ("view", "state", "values", "email", "email",
                                                                  "value"),
                   ("view", "private_metadata"), ("view", "callback_id"), ("user",), ("team",), ("response_urls",),
                   ("view", "app_installed_team_id"), ("view", "team_id")],
    "event": [("event",), ("event", "type"), ("event", "user"), ("event", "tab"), ("team_id",), ("event_id",),
              ("authorizations",), ("enterprise_id",), ("type",)],
}


def _replace(body: dict, path: tuple, value) -> dict:
    body = json.loads(json.dumps(body))
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@st.composite
def mangled_bodies(draw):
    kind = draw(st.sampled_from(sorted(SKELETONS)))
    body = SKELETONS[kind]()
    for path in draw(st.lists(st.sampled_from(PATHS[kind]), min_size=1, max_size=3, unique=True)):
        try:
            body = _replace(body, path, draw(any_value))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed the parent: that change stands
    return kind, body


@settings(max_examples=examples(60), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mangled=mangled_bodies())
def test_any_mangled_signed_body_gets_a_4xx_or_a_200_never_a_500_or_a_traceback(stack, caplog, mangled):
    kind, body = mangled
    caplog.set_level(logging.INFO)
    caplog.clear()
    if kind == "event":
        status, _ = _post(stack, json.dumps(body), JSON)
    else:
        status, _ = _post(stack, _form(body).replace(urllib.parse.quote("{standin}"),
                                                     urllib.parse.quote(stack.slack.url, safe="")), FORM)
    stack.settle()
    event(f"HTTP {status}")
    assert status in (200, 400, 404), (status, body)
    _no_traceback(caplog)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# --- finding 12.1: the bulk upload's download ---------------------------------------------------------
class Listener:
    """Someone else's web server: records each request it gets (path and headers), answers with a CSV."""

    def __init__(self, redirect_to: str | None = None):
        self.requests: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append({"path": self.path, "headers": dict(self.headers)})
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.end_headers()
                self.wfile.write(b"Account Number,Customer Email\r\nX9,stolen@example.com\r\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Listener":
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    with Listener() as running:
        yield running


def _upload(stack, file: dict):
    """An admin submits the bulk modal with `file` in its file_input, as Slack would send it."""
    view = {"id": "VBULK", "type": "modal", "callback_id": ids.BULK_MODAL, "hash": "h",
            "private_metadata": ModalContext(channel=CHANNEL).dump(),
            "state": {"values": {ids.FILE: {ids.FILE: {"type": "file_input", "files": [file]}},
                                 ids.SEND_NOW: {ids.SEND_NOW: {"type": "checkboxes", "selected_options": []}}}}}
    status, _ = _post(stack, _form({"type": "view_submission", **_base(), "view": view}), FORM)
    assert status == 200
    stack.settle()


def _progress(stack) -> str:
    """The last text of the upload's progress DM to the admin."""
    texts = [c.args.get("text") or "" for c in stack.calls("chat.update")]
    texts += [c.args.get("text") or "" for c in stack.calls("chat.postMessage")]
    return "\n".join(texts)


def _token_nowhere(caplog, listener) -> None:
    assert BOT_TOKEN not in caplog.text
    assert not any(BOT_TOKEN in json.dumps(r) for r in listener.requests)


@pytest.mark.parametrize("api_url, files, hooks", [
    ("https://slack.com/api/", "https://files.slack.com", "https://hooks.slack.com"),
    ("https://slack-gov.com/api/", "https://files.slack-gov.com", "https://hooks.slack-gov.com"),
    ("http://127.0.0.1:5005/api/", "http://127.0.0.1:5005", "http://127.0.0.1:5005"),  # the stand-in
])
def test_slacks_file_and_reply_hosts_follow_from_slack_api_url(api_url, files, hooks):
    assert slack_origins(api_url) == SlackOrigins(files=files, hooks=hooks)


@pytest.mark.parametrize("url, allowed", [
    ("https://files.slack.com/files-pri/T0-F0/download/customers.csv", True),
    ("https://FILES.slack.com:443/files-pri/T0-F0/customers.csv", True),
    ("http://files.slack.com/files-pri/T0-F0/customers.csv", False),
    ("https://files.slack.com:8443/x.csv", False),
    ("https://files.slack.com.attacker.example/x.csv", False),
    ("https://files.slack.com@attacker.example/x.csv", False),
    ("https://attacker.example@files.slack.com/x.csv", False),
    ("https://slack.com/x.csv", False),
    ("file:///etc/hostname", False),
    ("//files.slack.com/x.csv", False),
    ("https://files.slack.com:99999/x.csv", False),
    ("", False),
    (None, False),
])
def test_only_slacks_own_file_host_counts_as_slacks(url, allowed):
    assert is_at(url, "https://files.slack.com") is allowed


def test_the_upload_is_fetched_from_what_slack_says_not_the_url_in_the_payload(stack, db, caplog, listener):
    caplog.set_level(logging.DEBUG)
    file = stack.slack.add_file("customers.csv", CSV)
    _upload(stack, {**file, "url_private": f"{listener.url}/steal", "url_private_download": f"{listener.url}/steal"})
    assert listener.requests == []
    assert Customer.get_or_none(Customer.email == "ann@example.com") is not None
    assert Customer.get_or_none(Customer.email == "stolen@example.com") is None
    _token_nowhere(caplog, listener)


def _refused_and_nothing_sent_out(stack, caplog, listener) -> None:
    """The uploader is told the file was not imported, nothing was, and the token went nowhere."""
    assert listener.requests == []
    told = _progress(stack)
    assert "customers.csv was not imported" in told and "not stored in Slack" in told
    assert Customer.select().count() == 0
    _token_nowhere(caplog, listener)
    _no_traceback(caplog)


@pytest.mark.parametrize("where", ["listener", "file", "userinfo", "https-elsewhere"])
def test_a_file_slack_reports_somewhere_else_is_refused_and_the_token_goes_nowhere(stack, db, caplog, listener,
                                                                                   where):
    caplog.set_level(logging.DEBUG)
    url = {"listener": f"{listener.url}/files/F1/customers.csv",
           "file": "file:///etc/hostname",
           "userinfo": f"{stack.slack.url}@127.0.0.1:{listener.server.server_address[1]}/x.csv",
           "https-elsewhere": "https://files.slack.com.attacker.example/x.csv"}[where]
    file = stack.slack.add_file("customers.csv", CSV, url=url)
    _upload(stack, file)
    _refused_and_nothing_sent_out(stack, caplog, listener)


def test_a_redirect_to_another_host_is_not_followed(stack, db, caplog, listener):
    caplog.set_level(logging.DEBUG)
    file = stack.slack.add_file("customers.csv", CSV, redirect=f"{listener.url}/files/stolen.csv")
    _upload(stack, file)
    _refused_and_nothing_sent_out(stack, caplog, listener)


def test_a_redirect_within_slacks_file_host_is_followed(stack, db):
    real = stack.slack.add_file("real.csv", CSV)
    file = stack.slack.add_file("customers.csv", b"", redirect=real["url_private_download"])
    _upload(stack, file)
    assert Customer.get_or_none(Customer.email == "ann@example.com") is not None


def test_a_file_slack_does_not_know_is_refused_clearly(stack, db, listener):
    _upload(stack, {"id": "F0NOSUCH", "name": "customers.csv", "url_private": f"{listener.url}/steal"})
    assert listener.requests == []
    assert "customers.csv was not imported" in _progress(stack)
    assert Customer.select().count() == 0


# --- finding 12.2: requests from another workspace ---------------------------------------------------
@pytest.fixture
def evil(stack):
    """Slack as it would sign requests from a workspace the bot token does not belong to."""
    return SlackSim(stack.server.url, SECRET, stack.slack, team_id=EVIL)


def _other_team_refused(caplog) -> None:
    lines = [r.getMessage() for r in _app_lines(caplog)]
    assert len(lines) == 1, lines
    assert "another workspace" in lines[0] and EVIL in lines[0]


def _evil_saw_nothing(stack) -> None:
    seen = json.dumps([c.args for c in stack.slack.calls])
    assert "pat@example.com" not in seen and "Pat Quinn" not in seen
    assert Workspace.get_or_none(Workspace.team_id == EVIL) is None


def test_a_command_from_another_workspace_is_refused_and_creates_nothing(stack, db, caplog, evil):
    invitation, _ = stack.agent_request("pat@example.com")
    stack.slack.reset_calls()
    before = row_counts()
    caplog.set_level(logging.INFO)
    caplog.clear()

    answer = evil.command(ADMIN, "status pat@example.com")
    stack.settle()

    assert answer.status == 200
    reply = answer.json()
    assert reply["response_type"] == "ephemeral"
    assert "This app is installed for another workspace" in reply["text"]
    _other_team_refused(caplog)
    assert row_counts() == before
    assert [c.method for c in stack.slack.calls] == []
    _evil_saw_nothing(stack)


def test_a_deny_click_from_another_workspace_opens_nothing(stack, db, caplog, evil):
    invitation, buttons = stack.agent_request("pat@example.com")
    stack.slack.reset_calls()
    before = row_counts()
    caplog.set_level(logging.INFO)
    caplog.clear()

    answer = evil.click(ADMIN, ids.DENY, buttons[ids.DENY], channel=CHANNEL, message_ts="1.1")
    stack.settle()

    assert answer.status == 200 and not answer.body
    _other_team_refused(caplog)
    assert row_counts() == before
    assert stack.slack.calls == []
    _evil_saw_nothing(stack)
    assert Invitation.get_by_id(invitation.id).status == "requested"


def test_a_modal_submission_from_another_workspace_is_answered_in_the_modal(stack, db, caplog, evil):
    stack.agent_request("pat@example.com")
    stack.slack.reset_calls()
    caplog.set_level(logging.INFO)
    caplog.clear()

    answer = evil.submit(ADMIN, ids.STATUS_MODAL, {ids.EMAIL: "pat@example.com"})

    assert answer.status == 200
    shown = answer.json()
    assert shown["response_action"] == "update"
    assert "This app is installed for another workspace" in visible_text(shown["view"])
    assert "pat@example.com" not in json.dumps(shown)
    _other_team_refused(caplog)
    _evil_saw_nothing(stack)


def test_an_event_from_another_workspace_is_acknowledged_and_ignored(stack, db, caplog, evil):
    before = row_counts()
    caplog.set_level(logging.INFO)
    caplog.clear()
    answer = evil.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    stack.settle()
    assert answer.status == 200 and not answer.body
    _other_team_refused(caplog)
    assert row_counts() == before  # not even the event's receipt
    assert stack.slack.calls_to("views.publish") == []


@pytest.mark.parametrize("where", ["user.team_id", "view.app_installed_team_id", "view.team_id",
                                   "authorizations"])
def test_a_request_naming_another_workspace_anywhere_is_refused(stack, db, caplog, where):
    stack.agent_request("pat@example.com")
    stack.slack.reset_calls()
    caplog.set_level(logging.INFO)
    caplog.clear()
    body = _submission()
    if where == "user.team_id":
        body["user"]["team_id"] = EVIL
    elif where == "authorizations":
        body["authorizations"] = [{"team_id": EVIL, "enterprise_id": None, "is_enterprise_install": False}]
    else:
        body["view"][where.split(".")[1]] = EVIL
    status, answer = _post(stack, _form(body), FORM)
    assert status == 200
    assert "pat@example.com" not in answer
    _other_team_refused(caplog)
    _evil_saw_nothing(stack)


def test_the_app_asks_slack_for_its_workspace_once_at_start_not_per_request(stack):
    assert len(stack.slack.calls_to("auth.test")) == 1
    for _ in range(3):
        answer = stack.command(AGENT, "help")
        assert answer.status == 200 and "status" in answer.json()["text"]
    assert len(stack.slack.calls_to("auth.test")) == 1


def test_a_bot_token_slack_refuses_stops_the_start_with_one_clear_line(db_url):
    from bot.web import create_app

    with LocalSlack(TEAM) as slack:
        config = Config.from_env({"DATABASE_URL": db_url, "SLACK_SIGNING_SECRET": SECRET,
                                  "SLACK_BOT_TOKEN": "xoxb-revoked-token", "SLACK_API_URL": slack.api_url})
        with pytest.raises(SystemExit) as stopped:
            create_app(config)
    message = str(stopped.value)
    assert message.startswith("invitebot: ") and "\n" not in message
    assert "SLACK_BOT_TOKEN" in message and "invalid_auth" in message
    assert "xoxb-revoked-token" not in message


def test_serve_with_a_token_slack_refuses_stops_at_once_instead_of_restarting_workers(db_url):
    import subprocess

    from jobkit import INVITEBOT, cli_env
    with LocalSlack(TEAM) as slack:
        env = cli_env(DATABASE_URL=db_url, SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-revoked-token",
                      SLACK_API_URL=slack.api_url)
        done = subprocess.run([str(INVITEBOT), "serve", "--port", str(free_port())], env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert [line for line in said if "SLACK_BOT_TOKEN" in line] == [
        "invitebot: Slack refused SLACK_BOT_TOKEN (invalid_auth); set it to the app's Bot User OAuth Token "
        "(xoxb-…)."]
    assert not [line for line in said if "Booting worker" in line or "Traceback" in line], said


def test_slack_out_of_reach_at_start_stops_the_start_with_one_clear_line(db_url):
    from bot.web import create_app

    url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    config = Config.from_env({"DATABASE_URL": db_url, "SLACK_SIGNING_SECRET": SECRET,
                              "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": url})
    with pytest.raises(SystemExit) as stopped:
        create_app(config)
    message = str(stopped.value)
    assert message.startswith("invitebot: could not reach Slack") and "\n" not in message
    assert BOT_TOKEN not in message


# --- finding 12.3: ids from a payload find only the asker's workspace ---------------------------------
@pytest.fixture
def elsewhere(db):
    """Another workspace in the same database, with a pending request for a customer of its own."""
    agent = Actor("T0OTHER", "U0OTHERAGENT", "Olga Other", is_admin=False)
    outcome = invitations.invite(agent, "zed@example.net", name="Zed Secret", account="ZED-1")
    return outcome.invitation


def _everything_said(stack) -> str:
    return json.dumps([c.args for c in stack.slack.calls])


@pytest.mark.parametrize("press", [
    pytest.param(lambda s, inv: s.click(ADMIN, ids.DENY, Ref(i=inv.id).dump(), channel=CHANNEL, message_ts="1.1"),
                 id="deny-button"),
    pytest.param(lambda s, inv: s.click(ADMIN, ids.APPROVE, Ref(i=inv.id).dump(), channel=CHANNEL,
                                        message_ts="1.1"), id="approve-button"),
    pytest.param(lambda s, inv: s.submit(ADMIN, ids.DENY_MODAL, {ids.REASON: "no"}, ModalContext(
        invitation=inv.id, channel=CHANNEL).dump()), id="deny-submission"),
    pytest.param(lambda s, inv: s.click(ADMIN, ids.STATUS, Ref(e="zed@example.net").dump(),
                                        channel=CHANNEL, message_ts="1.1"), id="status-button"),
    pytest.param(lambda s, inv: s.click(ADMIN, ids.RESEND, Ref(e="zed@example.net").dump(),
                                        channel=CHANNEL, message_ts="1.1"), id="resend-button"),
    pytest.param(lambda s, inv: s.click(ADMIN, ids.REVOKE, Ref(e="zed@example.net").dump(),
                                        channel=CHANNEL, message_ts="1.1"), id="revoke-button"),
    pytest.param(lambda s, inv: s.command(ADMIN, "status zed@example.net"), id="status-command"),
])
def test_an_id_of_another_workspaces_row_finds_nothing(stack, db, elsewhere, press):
    stack.slack.reset_calls()
    press(stack, elsewhere)
    stack.settle()
    said = _everything_said(stack)
    assert "Zed Secret" not in said and "ZED-1" not in said
    if "zed@example.net" in said:  # echoed back only in "there is no invitation for …"
        assert "There is no invitation for zed@example.net" in said
    views = [visible_text(c.args["view"]) for c in stack.calls("views.open") + stack.calls("views.update")]
    assert not [v for v in views if "zed@example.net" in v]
    assert Invitation.get_by_id(elsewhere.id).status == "requested"
