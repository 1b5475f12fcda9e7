"""The modals: field errors come back inline in the HTTP answer, the work happens after the ack."""
from __future__ import annotations

import pytest

from bot.slack import ids
from storage.models import Customer, Invitation, OutboxEmail

from slack.conftest import ADMIN, AGENT, CHANNEL, buttons, row_counts, visible_text

SEND = {ids.SEND_NOW: ["yes"]}


def _open(stack, user: str, text: str, callback_id: str):
    """Type the command that opens a modal; returns the command (for its reply) and the modal's metadata."""
    sent = stack.command(user, text)
    opened = stack.wait("views.open", where=lambda c: c.args["view"]["callback_id"] == callback_id)[0]
    return sent, opened.args["view"]["private_metadata"]


def test_invite_modal_with_an_invalid_email_answers_with_an_inline_error_on_the_email_block(stack, db):
    submitted = stack.submit(AGENT, ids.INVITE_MODAL, {ids.EMAIL: "pat@@example", ids.NAME: "Pat", **SEND})
    assert submitted.status == 200
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {ids.EMAIL}
    assert "is not a valid email address" in answer["errors"][ids.EMAIL]
    assert len(answer["errors"][ids.EMAIL]) <= 150
    stack.settle()
    assert Customer.select().count() == 0
    assert [c.method for c in stack.slack.calls if c.method != "auth.test"] == []


@pytest.mark.parametrize("callback_id, values, block", [
    (ids.INVITE_MODAL, {ids.EMAIL: "pat@example.com", ids.NAME: "x" * 101, **SEND}, ids.NAME),
    (ids.SUSPEND_MODAL, {ids.EMAIL: "pat@example.com", ids.NOTE: ""}, ids.NOTE),
    (ids.DENY_MODAL, {ids.REASON: "r" * 501}, ids.REASON),
])
def test_a_submission_refused_inline_sends_no_second_message_about_it(stack, db, callback_id, values, block):
    stack.command(AGENT, "pat@example.com").reply()
    sent, meta = _open(stack, ADMIN, "", ids.INVITE_MODAL)  # a modal that knows where to reply
    before = row_counts()
    answer = stack.submit(ADMIN, callback_id, values, private_metadata=meta).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [block]
    stack.settle()
    assert stack.calls("response_url", lambda c: c.args["key"] == sent.key) == []
    assert stack.calls("chat.postMessage", lambda c: c.args["channel"] == ADMIN) == []
    assert stack.calls("chat.postEphemeral") == []
    assert row_counts() == before


def test_invite_modal_reports_every_bad_field_at_once(stack):
    answer = stack.submit(AGENT, ids.INVITE_MODAL, {ids.EMAIL: "", ids.NAME: "x" * 101,
                                                    ids.JOB: "j" * 65, **SEND}).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {ids.EMAIL, ids.NAME, ids.JOB}
    assert "too long (101 characters; 100 at most)" in answer["errors"][ids.NAME]


def test_admin_invite_modal_acks_empty_then_invites_and_replies_where_the_command_was_typed(stack, db):
    sent, meta = _open(stack, ADMIN, "", ids.INVITE_MODAL)
    submitted = stack.submit(ADMIN, ids.INVITE_MODAL, {
        ids.EMAIL: "pat@example.com", ids.NAME: "Pat Quinn", ids.ACCOUNT: "A-17", ids.JOB: "",
        ids.ACCESS: ["Invoicing / payments"], **SEND}, private_metadata=meta)
    assert (submitted.status, submitted.body) == (200, "")

    assert "Invitation sent to pat@example.com" in visible_text(sent.reply())
    customer = Customer.get()
    assert (customer.name, customer.account_number, customer.access_areas) == \
        ("Pat Quinn", "A-17", ["Invoicing / payments"])
    assert OutboxEmail.select().count() == 1


def test_agent_invite_modal_posts_the_approval_request_in_the_channel_it_was_opened_from(stack, db):
    sent, meta = _open(stack, AGENT, "", ids.INVITE_MODAL)
    stack.submit(AGENT, ids.INVITE_MODAL, {ids.EMAIL: "pat@example.com", **SEND}, private_metadata=meta)
    assert "waiting for an admin's approval" in visible_text(sent.reply())
    request = stack.approval_request("pat@example.com")
    assert request.args["channel"] == CHANNEL


def test_invite_modal_without_send_now_only_adds_the_customer_and_offers_to_send(stack, db):
    sent, meta = _open(stack, ADMIN, "", ids.INVITE_MODAL)
    stack.submit(ADMIN, ids.INVITE_MODAL, {ids.EMAIL: "pat@example.com", ids.SEND_NOW: []},
                 private_metadata=meta)
    reply = sent.reply()
    assert "was added as a customer (Not Enrolled)" in visible_text(reply)
    assert ids.RESEND in buttons(reply)
    assert Invitation.select().count() == 0 and OutboxEmail.select().count() == 0


def test_status_modal_answers_with_an_updated_view_showing_the_status(stack):
    stack.command(ADMIN, "pat@example.com").reply()
    answer = stack.submit(AGENT, ids.STATUS_MODAL, {ids.EMAIL: "pat@example.com"}).json()
    assert answer["response_action"] == "update"
    text = visible_text(answer["view"])
    assert "*pat@example.com* — *Invited*" in text and "sent by <@U0ADMIN>" in text
    assert answer["view"]["close"]["text"] == "Done" and "submit" not in answer["view"]


def test_status_modal_for_an_unknown_customer_is_an_inline_error(stack):
    answer = stack.submit(AGENT, ids.STATUS_MODAL, {ids.EMAIL: "nobody@example.com"}).json()
    assert answer["response_action"] == "errors"
    assert "There is no invitation for nobody@example.com" in answer["errors"][ids.EMAIL]


def test_suspend_modal_without_a_note_is_an_inline_error_and_suspends_nobody(stack, db):
    stack.command(ADMIN, "pat@example.com").reply()
    answer = stack.submit(ADMIN, ids.SUSPEND_MODAL, {ids.EMAIL: "pat@example.com", ids.NOTE: "  "}).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {ids.NOTE}
    assert "Add a note" in answer["errors"][ids.NOTE]
    stack.settle()
    assert Customer.get().suspended is False


def test_suspend_modal_with_a_note_suspends_and_replies_where_it_was_opened(stack, db):
    stack.command(ADMIN, "pat@example.com").reply()
    sent, meta = _open(stack, ADMIN, "suspend pat@example.com", ids.SUSPEND_MODAL)
    submitted = stack.submit(ADMIN, ids.SUSPEND_MODAL, {ids.EMAIL: "pat@example.com",
                                                        ids.NOTE: "Invoices overdue: call 555-0100"},
                             private_metadata=meta)
    assert (submitted.status, submitted.body) == (200, "")
    assert "pat@example.com is suspended" in visible_text(sent.reply())
    assert Customer.get().suspension_note == "Invoices overdue: call 555-0100"


def test_a_non_admin_opening_suspend_gets_the_modal_replaced_by_a_refusal(stack, db):
    stack.command(AGENT, "suspend")
    opened = stack.wait("views.open")[0].args["view"]
    assert opened["callback_id"] == ids.SUSPEND_MODAL  # opened at once: trigger ids expire in 3 s
    refusal = stack.wait("views.update")[0].args
    assert refusal["view_id"] and "submit" not in refusal["view"]
    assert "Only team admins can suspend customers. Ask Ada Admin, Bea Admin." in visible_text(refusal["view"])


def test_a_non_admins_forged_suspend_submission_is_refused(stack, db):
    stack.command(ADMIN, "pat@example.com").reply()
    sent, meta = _open(stack, AGENT, "suspend", ids.SUSPEND_MODAL)
    before = row_counts()
    stack.submit(AGENT, ids.SUSPEND_MODAL, {ids.EMAIL: "pat@example.com", ids.NOTE: "gotcha"},
                 private_metadata=meta)
    assert "Only team admins can suspend customers" in visible_text(sent.reply())
    assert row_counts() == before and Customer.get().suspended is False


def test_resend_modal_resends_the_picked_invitations(stack, db):
    for email in ("pat@example.com", "lee@example.com", "kim@example.com"):
        stack.command(ADMIN, email).reply()
    sent, meta = _open(stack, ADMIN, "resend", ids.RESEND_MODAL)
    stack.submit(ADMIN, ids.RESEND_MODAL, {ids.PICK: ["pat@example.com", "kim@example.com"]},
                 private_metadata=meta)
    assert "Sent a fresh link to 2 customer(s): pat@example.com, kim@example.com." in visible_text(sent.reply())
    assert Invitation.select().where(Invitation.status == "replaced").count() == 2
