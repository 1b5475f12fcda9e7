"""Suspension, status, lists and roles (R9–R11, R16, R18), and bad input (R20), on a real database."""
from __future__ import annotations

import re

import pytest

from bot.browser import Browser
from commands import customers, enrolment, invitations, resends, timed
from commands.errors import Conflict, InvalidInput, NotFound, NotPermitted
from storage.models import Customer, Invitation

from support import PASSWORD, branded_workspace, counts, invite_and_enrol, queued_token


@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


# R9 -------------------------------------------------------------------------------------------

def test_suspension_needs_a_note_cannot_be_repeated_and_reinstatement_restores_login(admin):
    invite_and_enrol(admin, "pat@example.com")
    with pytest.raises(InvalidInput) as no_note:
        customers.suspend(admin, "pat@example.com", "   ")
    assert no_note.value.message.startswith("Add a note for the customer; it is shown on their login page")
    customers.suspend(admin, "pat@example.com", "Invoices overdue: call 555-0100")
    with pytest.raises(Conflict) as twice:
        customers.suspend(admin, "pat@example.com", "Another note")
    assert twice.value.message.startswith("pat@example.com is already suspended.")
    signed_in = enrolment.login("pat@example.com", PASSWORD)
    assert signed_in.state == "suspended" and "Invoices overdue: call 555-0100" in signed_in.message
    customers.reinstate(admin, "pat@example.com")
    assert enrolment.login("pat@example.com", PASSWORD).state == "ok"
    with pytest.raises(Conflict) as again:
        customers.reinstate(admin, "pat@example.com")
    assert "is not suspended, so there is nothing to reinstate" in again.value.message


def test_open_invitation_is_frozen_while_suspended(portal, admin):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    customers.suspend(admin, "pat@example.com", "Account on hold")
    page = Browser().get(f"{portal.url}/i/{token}")
    assert (page.status, page.title) == (410, "This invitation is on hold")
    with pytest.raises(Conflict) as refused:
        enrolment.accept(token, "Pat", PASSWORD, PASSWORD)
    assert refused.value.field == "frozen"
    for attempt in (invitations.invite, resends.resend):
        with pytest.raises(Conflict, match="is suspended"):
            attempt(admin, "pat@example.com")
    customers.reinstate(admin, "pat@example.com")
    assert enrolment.accept(token, "Pat", PASSWORD, PASSWORD).state == "enrolled"


@pytest.mark.parametrize("action, args", [(customers.suspend, ("On hold",)), (customers.reinstate, ())])
def test_non_admin_cannot_suspend_or_reinstate_and_is_told_the_admins(admin, agent, action, args):
    invitations.invite(admin, "pat@example.com")
    before = counts()
    with pytest.raises(NotPermitted) as refused:
        action(agent, "pat@example.com", *args)
    assert refused.value.message.endswith("customers. Ask Ada Admin to do it for you.")
    assert counts() == before


# R10, R11, R16 --------------------------------------------------------------------------------

def test_status_shows_every_change_with_who_made_it(admin, agent):
    request = invitations.invite(agent, "pat@example.com", name="Pat")
    invitations.approve(admin, request.invitation.id)
    token = queued_token("pat@example.com")
    enrolment.open_link(token)
    enrolment.accept(token, "Pat", PASSWORD, PASSWORD)
    customers.suspend(admin, "pat@example.com", "Invoices overdue")
    customers.reinstate(admin, "pat@example.com")
    view = customers.status(agent, "pat@example.com")
    assert [(e.kind, e.actor_name or e.actor) for e in view.timeline] == [
        ("requested", "Sam Agent"), ("approved", "Ada Admin"), ("sent", "Ada Admin"),
        ("opened", "customer"), ("accepted", "customer"), ("suspended", "Ada Admin"),
        ("reinstated", "Ada Admin")]
    lines = view.message.splitlines()
    assert lines[0] == "pat@example.com: Enrolled"
    assert re.search(r"UTC requested by Sam Agent$", view.message, re.M)
    assert re.search(r"UTC suspended by Ada Admin: Invoices overdue$", view.message, re.M)
    assert re.search(r"UTC accepted$", view.message, re.M)


def test_list_filters_by_each_status_word(admin, agent, clock):
    invitations.invite(agent, "requested@example.com")
    invitations.invite(admin, "invited@example.com")
    invite_and_enrol(admin, "enrolled@example.com")
    invitations.invite(admin, "expired@example.com")
    clock.advance(days=8)
    assert [i.customer.email for i in timed.expire_due()] == ["invited@example.com", "expired@example.com"]
    expired = customers.status(agent, "expired@example.com")
    assert (expired.label, expired.timeline[-1].kind, expired.timeline[-1].actor) == ("Expired", "expired", "system")
    resends.resend(admin, "invited@example.com")  # invited again: Invited, not Expired
    invite_and_enrol(admin, "suspended@example.com")
    customers.suspend(admin, "suspended@example.com", "On hold")
    invitations.invite(admin, "created@example.com", send=False)
    invitations.deny(admin, invitations.invite(agent, "denied@example.com").invitation.id)
    expected = {"requested": ["requested"], "invited": ["invited"], "pending": ["invited"],
                "enrolled": ["enrolled"], "expired": ["expired"], "suspended": ["suspended"],
                "not-enrolled": ["created", "denied"], "Not Enrolled": ["created", "denied"]}
    for word, names in expected.items():
        view = customers.list_customers(agent, word)
        assert sorted(r.customer.email for r in view.rows) == [f"{n}@example.com" for n in names], word
        assert {r.label for r in view.rows} == {view.status}, word
    assert customers.list_customers(agent).total == 7


def test_unknown_status_word_lists_the_valid_ones(agent):
    with pytest.raises(InvalidInput) as refused:
        customers.list_customers(agent, "archived")
    assert refused.value.message == ("Unknown status `archived`. Use one of: not-enrolled, requested, "
                                     "invited, enrolled, expired, suspended (or leave it out to list "
                                     "everyone).")


def test_list_is_paged_newest_first(admin):
    for n in range(1, 6):
        invitations.invite(admin, f"c{n}@example.com", send=False)
    first = customers.list_customers(admin, page=1, per_page=2)
    assert first.message.splitlines()[0] == "5 customer(s), page 1 of 3:"
    assert [r.customer.email for r in first.rows] == ["c5@example.com", "c4@example.com"]
    assert [r.customer.email for r in customers.list_customers(admin, page=3, per_page=2).rows] == \
        ["c1@example.com"]
    assert customers.list_customers(admin, page=4, per_page=2).message == \
        "Page 4 is past the end; there are 3 page(s)."


def test_first_invitee_of_an_account_is_its_admin_and_the_next_a_member(admin):
    invitations.invite(admin, "first@example.com", account="ACME-1")
    invitations.invite(admin, "second@example.com", account="ACME-1")
    invitations.invite(admin, "other@example.com", account="ACME-2")
    assert "Role: account admin of account ACME-1\nAccess: Inspection reports, Service reports, " \
           "Proposals, Invoicing / payments" in customers.status(admin, "first@example.com").message
    assert "Role: member of account ACME-1" in customers.status(admin, "second@example.com").message
    assert "Role: account admin of account ACME-2" in customers.status(admin, "other@example.com").message


# Bad input (R20): each says why and changes nothing ---------------------------------------------

@pytest.mark.parametrize("raw, says", [
    ("", "Please give the customer's email address, e.g. `customer@example.com`."),
    ("not-an-email", "`not-an-email` is not a valid email address: An email address must have an @-sign."),
    ("pat@example", "`pat@example` is not a valid email address: The part after the @-sign is not valid."),
    ("p" * 330 + "@example.com", "That email address is too long (320 characters at most)."),
])
def test_bad_email_is_refused_saying_why_and_changes_nothing(admin, raw, says):
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        invitations.invite(admin, raw)
    assert refused.value.message.startswith(says)
    assert counts() == before


def test_too_long_name_or_note_is_refused_and_changes_nothing(admin):
    invite_and_enrol(admin, "pat@example.com")
    before = counts()
    with pytest.raises(InvalidInput, match=r"The name is too long \(101 characters; 100 at most\)"):
        invitations.invite(admin, "new@example.com", name="x" * 101)
    with pytest.raises(InvalidInput, match=r"The note is too long \(501 characters; 500 at most\)"):
        customers.suspend(admin, "pat@example.com", "n" * 501)
    assert counts() == before and not Customer.get(Customer.email == "pat@example.com").suspended


@pytest.mark.parametrize("action", [customers.status, resends.resend, resends.revoke,
                                    customers.reinstate, lambda a, e: customers.suspend(a, e, "On hold")])
def test_acting_on_an_address_with_no_invitation_says_how_to_invite(admin, action):
    before = counts()
    with pytest.raises(NotFound) as refused:
        action(admin, "Nobody@Example.com")
    assert refused.value.message == ("There is no invitation for Nobody@example.com. To invite them, "
                                     "type `/invite Nobody@example.com`.")
    assert counts() == before


def test_resending_to_an_enrolled_customer_is_refused(admin):
    invite_and_enrol(admin, "pat@example.com")
    before = counts()
    with pytest.raises(Conflict) as refused:
        resends.resend(admin, "pat@example.com")
    assert refused.value.message == ("pat@example.com is already enrolled, so there is nothing to resend. "
                                     "They can log in with their password.")
    assert counts() == before


@pytest.mark.parametrize("password, repeat, says", [
    ("blue-harbour-42", "blue-harbour-24", "The two passwords do not match."),
    ("short-1", "short-1", "Choose a password of at least 10 characters."),
    ("aaaaaaaaaaaa", "aaaaaaaaaaaa", "That password is too easy to guess."),
    ("password123", "password123", "That password is too easy to guess."),
    ("Patricia-2024", "Patricia-2024", "That password is too easy to guess."),
])
def test_weak_or_mismatched_password_is_refused_and_the_link_still_works(admin, password, repeat, says):
    invitations.invite(admin, "patricia@example.com")
    token = queued_token("patricia@example.com")
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        enrolment.accept(token, "Patricia", password, repeat)
    assert refused.value.message.startswith(says)
    assert counts() == before and not Customer.get().is_enrolled
    assert enrolment.open_link(token).state == "valid"


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t[:-1],
    lambda t: t[:20],
    lambda t: t + "x",
    lambda t: t.replace(t[5], "%", 1),
], ids=["changed", "one-short", "half", "one-long", "bad-character"])
def test_tampered_or_truncated_token_is_refused_and_changes_nothing(admin, tamper):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    bad = tamper(token)
    before = counts()
    with pytest.raises(Conflict) as refused:
        enrolment.accept(bad, "Pat", PASSWORD, PASSWORD)
    assert refused.value.field == "unknown"
    assert enrolment.open_link(bad).state == "unknown"
    assert counts() == before
    assert (Invitation.get().status, Invitation.get().opened_at) == ("pending", None)
