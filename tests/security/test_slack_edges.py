"""Finding 9 (Slack part): what a signed request may still get wrong.

- A garbled timestamp header is a 401, never an OverflowError.
- A signed body of the wrong shape is a 400 with one log line, never a 500 with a traceback.
"""
from __future__ import annotations

import json
import logging
import urllib.parse

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.slack import ids
from bot.slack.payloads import ModalContext

from conftest import TEAM
from fuzz.strategies import examples
from security.signedkit import (FORM, JSON, app_lines, as_form, base_payload, click_payload, event_body,
                                no_traceback, post_signed, submission_payload)
from slack.conftest import ADMIN, AGENT, row_counts, visible_text

EVIL = "T0EVIL"



# --- finding 9: the timestamp header -----------------------------------------------------------------
@pytest.mark.parametrize("timestamp", ["9" * 400, "9" * 13, str(2 ** 64), "0" * 50 + "1"])
def test_an_absurdly_long_timestamp_is_refused_with_a_401_not_an_overflow(stack, db, caplog, timestamp):
    caplog.set_level(logging.INFO)
    body = stack.sim.command_body(AGENT, "help")
    for signature in (None, "v0=" + "0" * 64):  # signed with that timestamp, and not signed at all
        caplog.clear()
        status, _ = post_signed(stack, body, FORM, timestamp=timestamp, signature=signature)
        assert status == 401
        no_traceback(caplog)
        assert [r.getMessage() for r in app_lines(caplog)] == [
            "refused a request to /slack/events from 127.0.0.1: missing, wrong or stale signature"]


# --- finding 9: signed bodies of the wrong shape -----------------------------------------------------
def _with_element(element) -> dict:
    return submission_payload({"values": {ids.EMAIL: {ids.EMAIL: element}}})


# (raw body, content type): each signed correctly, each of a shape no listener can act on.
MALFORMED = [
    pytest.param("payload={not json", FORM, id="payload-not-json"),
    pytest.param(as_form("1"), FORM, id="payload-a-number"),
    pytest.param(as_form("[]"), FORM, id="payload-a-list"),
    pytest.param(as_form('"block_actions"'), FORM, id="payload-a-string"),
    pytest.param(as_form("null"), FORM, id="payload-null"),
    pytest.param(as_form("{}"), FORM, id="payload-empty-object"),
    pytest.param(as_form({"type": "not_a_thing_slack_sends", **base_payload()}), FORM, id="payload-unknown-type"),
    pytest.param(as_form(click_payload(user=None)), FORM, id="click-by-nobody"),  # found by the hunt below
    pytest.param(as_form(submission_payload() | {"user": {"team_id": TEAM}}), FORM, id="submission-by-no-id"),
    pytest.param("[]", JSON, id="events-a-list"),
    pytest.param("17", JSON, id="events-a-number"),
    pytest.param("{not json", JSON, id="events-not-json"),
    pytest.param('{"type": "event_callback"} trailing', JSON, id="events-trailing-garbage"),
    pytest.param("[" * 100_000 + "]" * 100_000, JSON, id="events-nested-too-deep"),
    pytest.param(json.dumps(event_body(event="app_home_opened")), JSON, id="event-a-string"),
    pytest.param(json.dumps(event_body(event={"type": 5, "user": ADMIN})), JSON, id="event-type-a-number"),
    pytest.param(json.dumps(event_body(event={"type": "app_home_opened", "user": ["U0ADMIN"]})), JSON,
                 id="event-user-a-list"),
    pytest.param(json.dumps(event_body(team_id=["T0TEST"])), JSON, id="event-team-a-list"),
    pytest.param(json.dumps(event_body(authorizations=5)), JSON, id="event-authorizations-a-number"),
    pytest.param(json.dumps(event_body(authorizations=[5])), JSON, id="event-authorization-a-number"),
    pytest.param(json.dumps(event_body(enterprise=5)), JSON, id="event-enterprise-a-number"),
    pytest.param(as_form(click_payload(actions="approve")), FORM, id="actions-a-string"),
    pytest.param(as_form(click_payload(actions=[])), FORM, id="actions-empty"),
    pytest.param(as_form(click_payload(actions=[1])), FORM, id="action-a-number"),
    pytest.param(as_form(click_payload(actions=[{"type": "button", "action_id": 5}])), FORM, id="action-id-a-number"),
    pytest.param(as_form(click_payload(actions=[{"type": "button", "action_id": ids.STATUS, "value": {"e": "x"}}])),
                 FORM, id="action-value-an-object"),
    pytest.param(as_form(click_payload(user="U0ADMIN")), FORM, id="user-a-string"),
    pytest.param(as_form(click_payload(user={"id": ["U0ADMIN"], "team_id": TEAM})), FORM, id="user-id-a-list"),
    pytest.param(as_form(click_payload(team="T0TEST")), FORM, id="team-a-string"),
    pytest.param(as_form(click_payload(team=[TEAM])), FORM, id="team-a-list"),
    pytest.param(as_form(click_payload(channel="C0GENERAL")), FORM, id="channel-a-string"),
    pytest.param(as_form(click_payload(container="message")), FORM, id="container-a-string"),
    pytest.param(as_form(click_payload(response_url=5)), FORM, id="response-url-a-number"),
    pytest.param(as_form(click_payload(response_urls="x")), FORM, id="response-urls-a-string"),
    pytest.param(as_form(click_payload(view=[])), FORM, id="click-view-a-list"),
    pytest.param(as_form(submission_payload("state")), FORM, id="state-a-string"),
    pytest.param(as_form(submission_payload({"values": []})), FORM, id="state-values-a-list"),
    pytest.param(as_form(submission_payload({"values": None})), FORM, id="state-values-null"),
    pytest.param(as_form(submission_payload({"values": {ids.EMAIL: "pat@example.com"}})), FORM, id="state-block-a-string"),
    pytest.param(as_form(_with_element("pat@example.com")), FORM, id="state-element-a-string"),
    pytest.param(as_form(_with_element({"type": "plain_text_input", "value": 5})), FORM, id="input-value-a-number"),
    pytest.param(as_form(_with_element({"type": "plain_text_input", "value": ["pat@example.com"]})), FORM,
                 id="input-value-a-list"),
    pytest.param(as_form(_with_element({"type": "checkboxes", "selected_options": "yes"})), FORM,
                 id="selected-options-a-string"),
    pytest.param(as_form(_with_element({"type": "checkboxes", "selected_options": [5]})), FORM,
                 id="selected-option-a-number"),
    pytest.param(as_form(_with_element({"type": "static_select", "selected_option": "x"})), FORM,
                 id="selected-option-a-string"),
    pytest.param(as_form(_with_element({"type": "file_input", "files": "x"})), FORM, id="files-a-string"),
    pytest.param(as_form(_with_element({"type": "file_input", "files": [7]})), FORM, id="file-a-number"),
    pytest.param(as_form(submission_payload(private_metadata={"invitation": 1})), FORM, id="private-metadata-an-object"),
    pytest.param(as_form(submission_payload(private_metadata=7)), FORM, id="private-metadata-a-number"),
    pytest.param(as_form(submission_payload(callback_id=7)), FORM, id="callback-id-a-number"),
    pytest.param(as_form({**submission_payload(), "view": "status_modal"}), FORM, id="view-a-string"),
    pytest.param(as_form({**submission_payload(), "view": None}), FORM, id="view-null"),
    pytest.param(json.dumps({"command": "/invite", "text": 5, "team_id": TEAM, "user_id": AGENT,
                             "trigger_id": "1.t", "response_url": "{standin}/response/1"}), JSON,
                 id="command-text-a-number"),
    pytest.param(urllib.parse.urlencode({"command": "/invite", "text": "help", "team_id": TEAM, "user_id": AGENT,
                                         "response_url": "https://attacker.example/collect"}), FORM,
                 id="command-response-url-elsewhere"),
    pytest.param(as_form(click_payload(response_url="https://attacker.example/collect")), FORM,
                 id="click-response-url-elsewhere"),
    pytest.param(as_form(submission_payload(private_metadata=ModalContext(
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

    status, _ = post_signed(stack, raw, content_type)
    stack.settle()

    assert status == 400
    no_traceback(caplog)
    lines = app_lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].getMessage().startswith("refused a signed request to /slack/events")
    assert "pat@example.com" not in caplog.text  # never the body
    assert row_counts() == before
    assert stack.slack.calls == []


def test_a_signed_body_that_is_not_utf8_is_refused_with_one_log_line(stack, db, caplog):
    """slack_sdk's verifier reads the body as UTF-8 text (as Slack sends it): other bytes never verify."""
    caplog.set_level(logging.INFO)
    status, _ = post_signed(stack, b"\xff\xfe{\x00", JSON)
    assert status == 401
    no_traceback(caplog)
    assert len(app_lines(caplog)) == 1


def test_a_well_formed_click_and_submission_still_work(stack, db):
    """The same skeletons as above, unharmed, get through (so each 400 above is for its one flaw)."""
    stack.command(ADMIN, "pat@example.com Pat Quinn").reply()
    stack.settle()
    status, body = post_signed(stack, as_form(click_payload(response_url=f"{stack.slack.url}/response/77")), FORM)
    assert status == 200
    stack.settle()
    [shown] = stack.calls("response_url", lambda c: c.args["key"] == "77")
    assert "pat@example.com" in visible_text(shown.args)
    status, body = post_signed(stack, as_form(submission_payload()), FORM)
    assert status == 200 and json.loads(body)["response_action"] == "update"
    status, _ = post_signed(stack, json.dumps(event_body(event_id="Ev2")), JSON)
    assert status == 200
    stack.wait("views.publish")


def test_a_click_with_an_unused_field_set_to_null_is_not_a_500(stack, db, caplog):
    """Found by the hunt below: Bolt read a null `view` on a click as an object and failed logging it."""
    caplog.set_level(logging.INFO)
    status, _ = post_signed(stack, as_form(click_payload(
        view=None, response_url=f"{stack.slack.url}/response/1",
        actions=[{"type": "button", "action_id": "no-such-action", "block_id": "b", "value": "1"}])), FORM)
    assert status in (200, 404)
    no_traceback(caplog)


def test_slacks_own_checks_still_get_their_answers(stack, db):
    """Slack's URL verification (Events API set-up) and SSL check (slash commands) name no workspace."""
    status, body = post_signed(stack, json.dumps({"token": "deprecated", "challenge": "c-123",
                                            "type": "url_verification"}), JSON)
    assert (status, json.loads(body)) == (200, {"challenge": "c-123"})
    status, _ = post_signed(stack, urllib.parse.urlencode({"ssl_check": "1", "token": "deprecated"}), FORM)
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
SKELETONS = {"click": click_payload, "submission": submission_payload, "event": event_body}
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
        status, _ = post_signed(stack, json.dumps(body), JSON)
    else:
        status, _ = post_signed(stack, as_form(body).replace(urllib.parse.quote("{standin}"),
                                                     urllib.parse.quote(stack.slack.url, safe="")), FORM)
    stack.settle()
    event(f"HTTP {status}")
    assert status in (200, 400, 404), (status, body)
    no_traceback(caplog)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
