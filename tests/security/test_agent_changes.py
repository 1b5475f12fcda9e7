"""Security finding 6: an agent's invitation of an existing customer must not change the customer's
details (name, account number, access areas) before an admin approves (R4, R16, R18). The request
carries the proposed changes; an admin sees them in the approval request, they apply on approval
(and the history says so), and a denial leaves the customer as it was. Admins change details
directly, as before."""
from __future__ import annotations

import pytest

from bot.slack import ids
from commands import customers, invitations, resends, timed
from commands.actor import Actor
from commands.clock import clock
from commands.errors import NotPermitted
from storage.models import Customer, OutboxEmail, Workspace

from conftest import TEAM
from slack.conftest import ADMIN, AGENT, buttons, visible_text

EMAIL = "pat@example.com"
BEFORE = ("Pat Quinn", "AB-1", ["Inspection reports"])
PROPOSED = {"name": "Mallory Pat", "account": "ZZ-999", "access": ["Proposals", "Invoicing / payments"]}
AFTER = ("Mallory Pat", "ZZ-999", ["Proposals", "Invoicing / payments"])


def _details(email: str = EMAIL) -> tuple:
    c = Customer.get(Customer.email == email)
    return (c.name, c.account_number, c.access_areas)


def _existing(admin, how: str) -> None:
    """A customer an admin added as AB-1 with one access area, now revoked, expired or never invited."""
    name, account, access = BEFORE
    if how == "not-enrolled":
        invitations.invite(admin, EMAIL, name=name, account=account, access=access, send=False)
    else:
        invitations.invite(admin, EMAIL, name=name, account=account, access=access)
        if how == "revoked":
            resends.revoke(admin, EMAIL)
        else:
            clock.advance(days=8)
            assert [i.customer.email for i in timed.expire_due()] == [EMAIL]
    assert _details() == BEFORE


def _history(admin) -> str:
    return customers.status(admin, EMAIL).message


@pytest.mark.parametrize("how", ["revoked", "expired", "not-enrolled"])
def test_an_agents_invite_of_an_existing_customer_leaves_their_details_unchanged(db, admin, agent, how):
    _existing(admin, how)
    outcome = invitations.invite(agent, EMAIL, **PROPOSED)
    assert _details() == BEFORE
    assert outcome.state == "requested"
    assert "waiting for an admin's approval" in outcome.message
    assert "Account: AB-1 → ZZ-999" in outcome.message  # the agent is told what waits for approval
    assert customers.status(agent, EMAIL).label == "Requested"
    assert OutboxEmail.select().where(OutboxEmail.invitation == outcome.invitation).count() == 0
    assert "requested by Sam Agent: proposed changes: Name: Pat Quinn → Mallory Pat; " \
           "Account: AB-1 → ZZ-999; Access: Inspection reports → Proposals, Invoicing / payments" \
           in _history(admin)


@pytest.mark.parametrize("how", ["revoked", "expired", "not-enrolled"])
def test_on_approval_the_proposed_changes_apply_and_the_history_records_them(db, admin, agent, how):
    _existing(admin, how)
    request = invitations.invite(agent, EMAIL, **PROPOSED)
    outcome = invitations.approve(admin, request.invitation.id)
    assert "Account: AB-1 → ZZ-999" in outcome.message
    assert _details() == AFTER
    assert customers.status(admin, EMAIL).label == "Invited"
    assert "approved by Ada Admin: applied changes: Name: Pat Quinn → Mallory Pat; " \
           "Account: AB-1 → ZZ-999; Access: Inspection reports → Proposals, Invoicing / payments" \
           in _history(admin)


@pytest.mark.parametrize("how", ["revoked", "expired", "not-enrolled"])
def test_on_denial_nothing_changes(db, admin, agent, how):
    _existing(admin, how)
    request = invitations.invite(agent, EMAIL, **PROPOSED)
    invitations.deny(admin, request.invitation.id, "Wrong account")
    assert _details() == BEFORE
    assert "applied changes" not in _history(admin)
    assert OutboxEmail.select().where(OutboxEmail.invitation == request.invitation).count() == 0


def test_an_agents_invite_with_the_same_details_proposes_no_changes(db, admin, agent):
    _existing(admin, "revoked")
    outcome = invitations.invite(agent, EMAIL, name="Pat Quinn", account="AB-1")
    assert outcome.state == "requested"
    assert "→" not in outcome.message
    invitations.approve(admin, outcome.invitation.id)
    assert _details() == BEFORE
    assert "changes" not in _history(admin)


def test_an_admins_invite_changes_an_existing_customers_details_directly(db, admin):
    _existing(admin, "revoked")
    outcome = invitations.invite(admin, EMAIL, **PROPOSED)
    assert outcome.state == "sent"
    assert _details() == AFTER


def test_without_required_approval_an_agents_changes_still_wait_for_an_admin(db, admin, agent):
    ws = Workspace.for_team(TEAM, clock.now())
    Workspace.update(approval_required=False).where(Workspace.id == ws.id).execute()
    _existing(admin, "revoked")
    sent_before = OutboxEmail.select().count()

    outcome = invitations.invite(agent, EMAIL, **PROPOSED)
    assert outcome.state == "requested"
    assert "only an admin can change" in outcome.message
    assert "Account: AB-1 → ZZ-999" in outcome.message
    assert _details() == BEFORE
    assert OutboxEmail.select().count() == sent_before

    invitations.approve(admin, outcome.invitation.id)
    assert _details() == AFTER


def test_without_required_approval_an_agents_invite_with_no_changes_is_sent_at_once(db, admin, agent):
    ws = Workspace.for_team(TEAM, clock.now())
    Workspace.update(approval_required=False).where(Workspace.id == ws.id).execute()
    _existing(admin, "revoked")
    outcome = invitations.invite(agent, EMAIL, account="AB-1")
    assert outcome.state == "sent"
    assert _details() == BEFORE


def test_an_agent_cannot_change_details_by_adding_an_existing_customer_without_sending(db, admin, agent):
    _existing(admin, "not-enrolled")
    with pytest.raises(NotPermitted) as refused:
        invitations.invite(agent, EMAIL, **PROPOSED, send=False)
    assert "Only team admins can change an existing customer's details" in refused.value.message
    assert "Ask Ada Admin" in refused.value.message
    assert _details() == BEFORE


def test_the_approval_request_in_slack_names_the_proposed_changes(stack, db):
    name, account, access = BEFORE
    invitations.invite(Actor(TEAM, ADMIN, "Ada Admin", is_admin=True), EMAIL, name=name, account=account,
                       access=access, send=False)
    stack.submit(AGENT, ids.INVITE_MODAL, {ids.EMAIL: EMAIL, ids.NAME: PROPOSED["name"],
                                           ids.ACCOUNT: PROPOSED["account"], ids.ACCESS: PROPOSED["access"],
                                           ids.SEND_NOW: ["yes"]})
    request = stack.approval_request(EMAIL).args
    shown = visible_text(request)
    assert "Name: Pat Quinn → Mallory Pat" in shown
    assert "Account: AB-1 → ZZ-999" in shown
    assert "Access: Inspection reports → Proposals, Invoicing / payments" in shown
    assert "Role: account admin (unchanged)" in shown  # the first of AB-1, so its admin; kept in ZZ-999
    assert set(buttons(request)) == {ids.APPROVE, ids.DENY}
    stack.settle()
    assert _details() == BEFORE


def test_an_agents_invite_form_sent_with_the_default_areas_ticked_proposes_no_access_change(stack, db):
    """The invite modal opens with the workspace's default areas ticked: an agent who leaves them
    alone is not asking to change a known customer's access, and is not held up for approval."""
    ws = Workspace.for_team(TEAM, clock.now())
    Workspace.update(approval_required=False).where(Workspace.id == ws.id).execute()
    name, account, access = BEFORE
    invitations.invite(Actor(TEAM, ADMIN, "Ada Admin", is_admin=True), EMAIL, name=name, account=account,
                       access=access, send=False)
    stack.submit(AGENT, ids.INVITE_MODAL, {ids.EMAIL: EMAIL, ids.ACCESS: list(ws.default_access),
                                           ids.SEND_NOW: ["yes"]})
    stack.settle()
    assert customers.status(Actor(TEAM, ADMIN, "Ada Admin", is_admin=True), EMAIL).label == "Invited"
    assert _details() == BEFORE
