"""R4: an agent's request goes to the admins; only an admin's click counts, and only the first one."""
from __future__ import annotations

import pytest

from bot.slack import ids
from storage.models import Event, Invitation, OutboxEmail

from slack.conftest import ADMIN, ADMIN2, AGENT, AGENT2, CHANNEL, buttons, visible_text


def _kinds(invitation) -> list[str]:
    return [e.kind for e in Event.select().where(Event.customer == invitation.customer).order_by(Event.id)]


@pytest.mark.parametrize("clicker", [AGENT, AGENT2])
def test_a_non_admins_approve_click_is_refused_naming_the_admins_and_changes_nothing(stack, db, clicker):
    invitation, request = stack.agent_request()
    clicked = stack.click_request(clicker, ids.APPROVE, invitation, request[ids.APPROVE])
    assert (clicked.status, clicked.body) == (200, "")
    text = visible_text(clicked.reply())
    assert "Only team admins can approve invitation requests. Ask Ada Admin, Bea Admin" in text

    assert Invitation.get_by_id(invitation.id).status == "requested"
    assert OutboxEmail.select().count() == 0
    assert _kinds(invitation) == ["requested"]
    assert stack.calls("chat.update") == []
    assert stack.dms_to(AGENT) == []


def test_admin_approval_updates_the_request_dms_the_requester_and_sends_the_email(stack, db):
    invitation, request = stack.agent_request()
    assert stack.click_request(ADMIN, ids.APPROVE, invitation, request[ids.APPROVE]).status == 200

    [update] = stack.wait("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, invitation.request_message_ts)
    decided = visible_text(update.args)
    assert "Approved by <@U0ADMIN>" in decided and "pat@example.com" in decided
    assert buttons(update.args) == {}  # nobody can click the decided request again

    dm = stack.wait("chat.postMessage", where=lambda c: c.args["channel"] == AGENT)[0].args
    assert "Your request to invite pat@example.com was approved by <@U0ADMIN>" in visible_text(dm)
    stack.settle()
    approved = Invitation.get_by_id(invitation.id)
    assert (approved.status, approved.approver, approved.approver_name) == ("pending", ADMIN, "Ada Admin")
    assert _kinds(invitation) == ["requested", "approved", "sent"]
    assert stack.deliver().sent == 1
    assert len(stack.mail_to("pat@example.com")) == 1


def test_deny_opens_the_reason_modal_and_the_reason_reaches_the_requester(stack, db):
    invitation, request = stack.agent_request()
    assert stack.click_request(ADMIN, ids.DENY, invitation, request[ids.DENY]).status == 200
    opened = stack.wait("views.open")[0].args["view"]
    assert opened["callback_id"] == ids.DENY_MODAL
    filled = stack.wait("views.update")[0].args["view"]
    assert "Deny the invitation request for *pat@example.com*?" in visible_text(filled)

    submitted = stack.submit(ADMIN, ids.DENY_MODAL, {ids.REASON: "Not one of our customers"},
                             private_metadata=opened["private_metadata"])
    assert (submitted.status, submitted.body) == (200, "")

    update = stack.wait("chat.update")[0].args
    assert update["ts"] == invitation.request_message_ts
    assert "Denied by <@U0ADMIN>" in visible_text(update)
    assert "Reason: Not one of our customers" in visible_text(update)
    dm = stack.wait("chat.postMessage", where=lambda c: c.args["channel"] == AGENT)[0].args
    assert "was denied by <@U0ADMIN>. Reason: Not one of our customers" in visible_text(dm)
    told = stack.wait("chat.postEphemeral")[0].args
    assert (told["channel"], told["user"]) == (CHANNEL, ADMIN)
    assert "Denied: pat@example.com was not invited." in visible_text(told)

    denied = Invitation.get_by_id(invitation.id)
    assert (denied.status, denied.deny_reason) == ("denied", "Not one of our customers")
    assert OutboxEmail.select().count() == 0


def test_a_non_admin_pressing_deny_sees_a_refusal_in_the_modal_and_a_forged_submission_is_refused(stack, db):
    invitation, request = stack.agent_request()
    stack.click_request(AGENT2, ids.DENY, invitation, request[ids.DENY])
    opened = stack.wait("views.open")[0].args["view"]
    refusal = stack.wait("views.update")[0].args["view"]
    assert "Only team admins can deny invitation requests. Ask Ada Admin, Bea Admin." in visible_text(refusal)
    assert "submit" not in refusal

    stack.submit(AGENT2, ids.DENY_MODAL, {ids.REASON: "no"}, private_metadata=opened["private_metadata"])
    told = stack.wait("chat.postEphemeral")[0].args
    assert "Only team admins can deny invitation requests" in visible_text(told)
    assert Invitation.get_by_id(invitation.id).status == "requested"
    assert stack.calls("chat.update") == []


def test_requests_go_to_the_approval_channel_when_one_is_set(stack, db):
    ws = stack.workspace()
    ws.approval_channel = "C0APPROVALS"
    ws.save()
    invitation, _ = stack.agent_request()
    assert invitation.request_message_channel == "C0APPROVALS"
    assert [c.args["channel"] for c in stack.calls("chat.postMessage")] == ["C0APPROVALS"]


def test_an_approval_channel_the_bot_cannot_post_in_falls_back_to_the_typed_channel(stack, db):
    ws = stack.workspace()
    ws.approval_channel = "C0APPROVALS"
    ws.save()
    stack.slack.not_in_channel.add("C0APPROVALS")
    invitation, _ = stack.agent_request()
    assert invitation.request_message_channel == CHANNEL


def test_when_the_bot_is_not_in_the_channel_the_request_goes_to_each_admin_by_dm(stack, db):
    stack.slack.not_in_channel.add(CHANNEL)
    invitation, request = stack.agent_request()
    for admin in (ADMIN, ADMIN2):
        [dm] = stack.dms_to(admin)
        assert "pat@example.com" in visible_text(dm) and set(buttons(dm)) == {ids.APPROVE, ids.DENY}
    assert invitation.request_message_channel == "D0ADMIN"  # the first admin's DM with the bot

    stack.click_request(ADMIN, ids.APPROVE, invitation, request[ids.APPROVE])
    updates = [c.args for c in stack.wait("chat.update", 2)]
    assert sorted(u["channel"] for u in updates) == ["D0ADMIN", "D0ADMIN2"], "each admin's copy shows it"
    assert all("Approved by <@U0ADMIN>" in visible_text(u) and not buttons(u) for u in updates)
    stack.settle()
    assert Invitation.get_by_id(invitation.id).status == "pending"
    assert len(stack.calls("chat.update")) == 2
