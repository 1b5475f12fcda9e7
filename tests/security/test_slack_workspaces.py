"""Finding 12.2 and 12.3: requests from a workspace other than the bot token's are refused and create
nothing, and an invitation id, upload id or address from a payload only ever finds rows of the asker's
workspace."""
from __future__ import annotations

import json
import logging

import pytest

from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localsmtp import free_port
from bot.slack import ids
from bot.slack.payloads import ModalContext, Ref
from commands import invitations
from commands.actor import Actor
from storage.models import Invitation, Workspace

from conftest import TEAM
from security.signedkit import FORM, app_lines, as_form, post_signed, submission_payload
from slack.conftest import ADMIN, AGENT, CHANNEL, SECRET, row_counts, visible_text

EVIL = "T0EVIL"



# --- finding 12.2: requests from another workspace ---------------------------------------------------
@pytest.fixture
def evil(stack):
    """Slack as it would sign requests from a workspace the bot token does not belong to."""
    return SlackSim(stack.server.url, SECRET, stack.slack, team_id=EVIL)


def _other_team_refused(caplog) -> None:
    lines = [r.getMessage() for r in app_lines(caplog)]
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
    body = submission_payload()
    if where == "user.team_id":
        body["user"]["team_id"] = EVIL
    elif where == "authorizations":
        body["authorizations"] = [{"team_id": EVIL, "enterprise_id": None, "is_enterprise_install": False}]
    else:
        body["view"][where.split(".")[1]] = EVIL
    status, answer = post_signed(stack, as_form(body), FORM)
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
