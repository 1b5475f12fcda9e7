"""Every Block Kit builder, fed real command results at their largest, passes slack_sdk's models and Slack's limits."""
from __future__ import annotations

import pytest

from bot.slack.payloads import Ref
from bot.slack.views import home, messages, modals
from commands import customers, enrolment, invitations, outbox, resends
from commands.actor import Actor
from commands.errors import CommandError
from commands.overview import overview
from commands.timed import expire_due
from storage.models import Invitation, OutboxEmail

from conftest import TEAM
from slack.blockkit import LONG, LONG_EMAIL, META, check_message, check_view

@pytest.fixture
def world(db, admin, agent):
    """A workspace at its busiest: every status, long names, long histories, failed deliveries."""
    admin = Actor(TEAM, admin.user_id, "Ada Admin", is_admin=True)
    results = {"admin": admin, "agent": agent}
    results["sent"] = invitations.invite(admin, LONG_EMAIL, name=LONG, account="A" * 64, job="J" * 64)
    results["requested"] = invitations.invite(agent, "lee@example.com", name="<b>Lee</b> <!channel>" + "x" * 77,
                                              account="B-2", job="J-2")
    results["created"] = invitations.invite(admin, "new@example.com", send=False)
    resends.resend(admin, LONG_EMAIL)
    for n in range(24):
        invitations.invite(admin, f"{'c' * 50}{n}@example.com")
    for n in range(22):
        invitations.invite(agent, f"waiting{n}@example.com")
    for row in OutboxEmail.select().limit(12):
        outbox.mark_failed(row, "550 5.1.1 <" + row.to_address + "> mailbox unavailable " + "x" * 900)
    customers.suspend(admin, "new@example.com", "Account on hold: " + "call accounts " * 34)
    results["denied"] = invitations.deny(admin, results["requested"].invitation.id, "r" * 500)
    results["approved"] = invitations.approve(admin, invitations.invite(agent, "ok@example.com").invitation.id)
    # Someone enrolled with another team gets the welcome email (R3).
    other = Actor("T0OTHER", "U0OTHER", "Olga Other", is_admin=True)
    elsewhere = invitations.invite(other, "both@example.com")
    token = OutboxEmail.get(OutboxEmail.invitation == elsewhere.invitation).context["link_path"].rsplit("/", 1)[1]
    enrolment.accept(token, "Bo Both", "blue-harbour-42", "blue-harbour-42")
    results["welcome"] = invitations.invite(admin, "both@example.com")
    old = invitations.invite(admin, "old@example.com").invitation
    Invitation.update(expires_at=old.created_at).where(Invitation.id == old.id).execute()
    expire_due()
    return results


def test_messages_built_from_real_results_are_valid_block_kit(world):
    admin, agent = world["admin"], world["agent"]
    for state in ("sent", "requested", "created", "denied", "approved", "welcome"):
        check_message(messages.outcome_reply(world[state]))
    check_message(messages.reply("Long " * 1000))
    for attempt in (lambda: invitations.invite(admin, "ok@example.com"),
                    lambda: resends.resend_all(agent),
                    lambda: invitations.invite(admin, "bad@@example.com", name="x")):
        with pytest.raises(CommandError) as refused:
            attempt()
        check_message(messages.error_reply(refused.value))

    requested = Invitation.get_by_id(world["requested"].invitation.id)
    check_message(messages.approval_request(requested, "Sam Agent" * 20))
    for decided in (world["denied"], world["approved"]):
        invitation = Invitation.get_by_id(decided.invitation.id)
        check_message(messages.approval_decided(invitation))
        check_message(messages.decision_dm(invitation))

    for email in (LONG_EMAIL, "lee@example.com", "new@example.com", "both@example.com", "old@example.com"):
        check_message(messages.status_message(customers.status(admin, email)))
    for status, page in ((None, 1), (None, 2), ("invited", 1), ("expired", 1), ("enrolled", 1), (None, 9)):
        check_message(messages.list_message(customers.list_customers(admin, status, page)))
    check_message(messages.batch_reply(resends.resend_all(admin)))
    emails = [f"{'c' * 50}{n}@example.com" for n in range(24)] + [f"nobody{n}@example.com" for n in range(25)]
    check_message(messages.batch_reply(resends.resend_many(agent, emails)))


@pytest.fixture
def long_history(db, admin):
    """A customer resent to 41 times, whose first email bounced: more history than a message holds."""
    invitations.invite(admin, LONG_EMAIL, name=LONG)
    for _ in range(41):
        resends.resend(admin, LONG_EMAIL)
    row = OutboxEmail.select().order_by(OutboxEmail.id).first()
    outbox.mark_failed(row, "550 5.1.1 mailbox unavailable: " + "x" * 400)
    return customers.status(admin, LONG_EMAIL)


def test_a_long_history_shows_its_newest_entries_whole_and_says_how_many_are_hidden(long_history):
    status = long_history
    assert len(status.timeline) > 40
    message = messages.status_message(status)
    check_message(message)
    check_view(modals.result_modal("Invitation status", message))
    history = next(b for b in message["blocks"] if b["text"]["text"].startswith("*History*"))["text"]["text"]
    lines = history.split("\n")
    shown = [line for line in lines if line.startswith("• ")]
    newest = status.timeline[-1]
    assert lines[-1] == shown[-1] and newest.kind.replace("_", " ") in lines[-1]
    assert all(line.count("<") == line.count(">") for line in shown)  # no token cut in half
    assert lines[1] == f"_{len(status.timeline) - len(shown)} earlier entries not shown_"
    assert not history.endswith("…")


def test_modals_and_home_tabs_are_valid_block_kit(world):
    areas = [f"Area {n}: " + "inspection reports " * 4 for n in range(12)]
    check_view(modals.invite_modal(areas, areas[:3], META))
    check_view(modals.invite_modal([], [], META))
    check_view(modals.status_lookup_modal(META))
    status = messages.status_message(customers.status(world["admin"], LONG_EMAIL))
    check_view(modals.result_modal("Invitation status of a very long customer", status))
    check_view(modals.refusal_modal("Suspend a customer", "Only team admins can … " * 100))
    pending = [(i.customer.email, f"{i.customer.email} (invited)") for i in
               invitations.pending_for(world["admin"])]
    assert len(pending) > 20
    for choices in ([], pending[:3], pending * 6):
        check_view(modals.resend_modal(choices, META, command="/invite"))
    check_view(modals.suspend_modal(LONG_EMAIL, META))
    check_view(modals.suspend_modal(None, META))
    check_view(modals.deny_modal(LONG_EMAIL, META))
    for actor in (world["admin"], world["agent"], Actor(TEAM, "U0NEW", "New Person")):
        check_view(home.home_view(overview(actor), command="/invite"))


def test_button_payloads_stay_small():
    assert len(Ref(i=2**31, e=LONG_EMAIL, s="not-enrolled", p=9999).dump()) <= 2000
