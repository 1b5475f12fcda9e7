"""The App Home: each person's own invitations; for admins also approvals, counts and failed deliveries."""
from __future__ import annotations

from bot.slack import ids
from storage.models import Invitation

from slack.conftest import ADMIN, AGENT, AGENT2, buttons, visible_text


def _open_home(stack, user: str, **event) -> dict:
    before = len(stack.calls("views.publish"))
    sent = stack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                        **event})
    assert (sent.status, sent.body) == (200, "")
    publish = stack.wait("views.publish", before + 1)[-1].args
    assert publish["user_id"] == user and publish["view"]["type"] == "home"
    return publish["view"]


def test_a_newcomer_is_told_how_to_invite(stack):
    text = visible_text(_open_home(stack, AGENT2))
    assert "You have not invited anyone yet" in text
    assert "Waiting for approval" not in text


def test_an_agent_sees_only_their_own_invitations_and_no_admin_sections(stack):
    stack.command(AGENT, "pat@example.com").reply()
    stack.command(ADMIN, "lee@example.com").reply()
    view = _open_home(stack, AGENT)
    text = visible_text(view)
    assert "*pat@example.com* — Requested" in text
    assert "lee@example.com" not in text
    assert "Waiting for approval" not in text and "Customers by status" not in text
    assert buttons(view) == {ids.REVOKE: '{"e":"pat@example.com"}'}


def test_an_admin_sees_pending_approvals_counts_by_status_and_failed_deliveries(stack, db):
    stack.command(AGENT, "pat@example.com").reply()
    stack.command(ADMIN, "lee@example.com").reply()
    assert stack.deliver().sent == 1
    stack.command(ADMIN, "gone@example.com").reply()
    stack.smtp.behaviour = lambda attempt: "550 5.1.1 mailbox unavailable"
    assert stack.deliver().failed == 1

    view = _open_home(stack, ADMIN)
    text = visible_text(view)
    assert "*lee@example.com* — Invited" in text and "*gone@example.com* — Invited" in text
    assert "Waiting for approval" in text and "*pat@example.com* requested by <@U0AGENT>" in text
    requested = Invitation.get(Invitation.status == "requested")
    assert buttons(view)[ids.APPROVE] == buttons(view)[ids.DENY] == f'{{"i":{requested.id}}}'
    assert "Invited: *2*" in text and "Requested: *1*" in text
    assert "Failed deliveries" in text
    failed = next(b for b in view["blocks"] if "email to *gone@example.com*" in visible_text({"blocks": [b]}))
    assert "550" in visible_text({"blocks": [failed]})
    assert failed["accessory"]["action_id"] == ids.RESEND


def test_approving_from_the_home_tab_refreshes_it_and_updates_the_request_message(stack, db):
    stack.command(AGENT, "pat@example.com").reply()
    stack.approval_request("pat@example.com")
    view = _open_home(stack, ADMIN)
    stack.settle()
    request = Invitation.get()

    assert stack.click(ADMIN, ids.APPROVE, buttons(view)[ids.APPROVE], home=True).status == 200
    update = stack.wait("chat.update")[0].args
    assert (update["channel"], update["ts"]) == (request.request_message_channel, request.request_message_ts)
    assert "Approved by <@U0ADMIN>" in visible_text(update)
    refreshed = stack.wait("views.publish", 2)[-1].args["view"]
    assert "No requests are waiting." in visible_text(refreshed)
    assert "Invited: *1*" in visible_text(refreshed)


def test_a_refusal_on_the_home_tab_comes_by_direct_message(stack, db):
    stack.command(AGENT, "pat@example.com").reply()
    stack.approval_request("pat@example.com")
    stack.settle()
    value = f'{{"i":{Invitation.get().id}}}'
    stack.click(AGENT2, ids.APPROVE, value, home=True)
    dm = stack.wait("chat.postMessage", where=lambda c: c.args["channel"] == AGENT2)[0].args
    assert "Only team admins can approve invitation requests" in visible_text(dm)
    assert Invitation.get().status == "requested"


def test_opening_the_messages_tab_publishes_nothing(stack):
    assert stack.event({"type": "app_home_opened", "user": AGENT, "tab": "messages"}).status == 200
    stack.settle()
    assert stack.calls("views.publish") == []
