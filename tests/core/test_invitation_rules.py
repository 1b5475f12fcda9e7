"""Inviting, approving, the link, resending, revoking and job limits (R1–R8, R18), on a real database."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from bot.browser import Browser
from commands import customers, enrolment, invitations, resends
from commands.actor import Actor
from commands.errors import AlreadyDecided, Conflict, InvalidInput, NotPermitted
from jobs.delivery import deliver_pending
from jobs.mailer import SmtpTransport
from storage.db import database, is_sqlite
from storage.models import Customer, Event, Invitation, OutboxEmail, Workspace

from conftest import TEAM
from support import BRAND, PASSWORD, branded_workspace, counts, invite_and_enrol, queued_token, table_text

OTHER_ADMIN = Actor(TEAM, "U0GRACE", "Grace Admin", is_admin=True)


@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


def kinds(email: str, actor) -> list[str]:
    return [e.kind for e in customers.status(actor, email).timeline]


# R1, R2 ---------------------------------------------------------------------------------------

def test_inviting_an_address_in_other_letter_case_reaches_the_same_customer(admin):
    invitations.invite(admin, "cust@example.com")
    for spelling in ("CUST@Example.com", "  Cust@EXAMPLE.COM ", "<mailto:cust@example.com|cust@example.com>"):
        with pytest.raises(Conflict) as refused:
            invitations.invite(admin, spelling)
        assert "cust@example.com was already invited" in refused.value.message
    assert Customer.select().count() == 1
    assert customers.status(admin, "CUST@example.COM").customer.email == "cust@example.com"


def test_second_invite_says_already_invited_offers_resend_and_sends_nothing_new(admin):
    invitations.invite(admin, "pat@example.com", name="Pat")
    before = counts()
    with pytest.raises(Conflict) as refused:
        invitations.invite(admin, "pat@example.com")
    assert refused.value.offer == "resend"
    assert "pat@example.com was already invited by Ada Admin" in refused.value.message
    assert "Nothing new was sent" in refused.value.message
    assert "`/invite resend pat@example.com`" in refused.value.message
    assert counts() == before


def test_inviting_someone_awaiting_approval_points_to_the_waiting_request(admin, agent):
    invitations.invite(agent, "pat@example.com")
    before = counts()
    with pytest.raises(Conflict) as refused:
        invitations.invite(admin, "pat@example.com")
    assert "already has an invitation request from Sam Agent waiting for an admin's approval" \
        in refused.value.message
    assert counts() == before


# R3 -------------------------------------------------------------------------------------------

def test_inviting_someone_enrolled_here_says_so_and_sends_nothing(admin):
    invite_and_enrol(admin, "pat@example.com")
    before = counts()
    with pytest.raises(Conflict) as refused:
        invitations.invite(admin, "PAT@example.com")
    assert refused.value.message.startswith("pat@example.com is already enrolled, so nothing was sent.")
    assert counts() == before


def test_customer_enrolled_with_another_team_is_welcomed_and_joins_with_their_password(admin):
    invite_and_enrol(admin, "pat@example.com")
    boss = Actor("T0OTHER", "U0BOSS", "Bo Boss", is_admin=True)
    branded_workspace("T0OTHER", "Harbour Plumbing")
    outcome = invitations.invite(boss, "pat@example.com")
    assert outcome.state == "welcome"
    assert "already has a portal account with another team" in outcome.message
    assert "welcome email instead of a new-account email" in outcome.message
    email = OutboxEmail.select().order_by(OutboxEmail.id.desc()).first()
    assert (email.kind, email.to_address) == ("welcome", "pat@example.com")
    token = queued_token("pat@example.com")
    with pytest.raises(InvalidInput) as wrong:
        enrolment.accept(token, "", "not-my-password-at-all")
    assert "not the password of your existing portal account" in wrong.value.message
    enrolment.accept(token, "", PASSWORD)
    assert customers.status(boss, "pat@example.com").label == "Enrolled"
    signed_in = enrolment.login("pat@example.com", PASSWORD)
    assert sorted(m.workspace.display_name for m in signed_in.memberships) == [BRAND, "Harbour Plumbing"]


# R4 -------------------------------------------------------------------------------------------

def test_agent_invite_waits_for_an_admin_and_sends_nothing(agent):
    outcome = invitations.invite(agent, "pat@example.com", name="Pat")
    assert outcome.state == "requested"
    assert "waiting for an admin's approval" in outcome.message
    assert customers.status(agent, "pat@example.com").label == "Requested"
    assert OutboxEmail.select().count() == 0


def test_non_admin_cannot_approve_and_is_told_the_admins(agent):
    request = invitations.invite(agent, "pat@example.com")
    before = counts()
    with pytest.raises(NotPermitted) as refused:
        invitations.approve(agent, request.invitation.id)
    assert refused.value.message == ("Only team admins can approve invitation requests. "
                                     "Ask Ada Admin to do it for you.")
    assert counts() == before
    assert customers.status(agent, "pat@example.com").label == "Requested"


def test_admin_approval_sends_the_invitation_and_records_who_decided(admin, agent):
    request = invitations.invite(agent, "pat@example.com")
    outcome = invitations.approve(admin, request.invitation.id)
    assert outcome.message.startswith("Approved: pat@example.com was invited by Ada Admin. "
                                      "Invitation sent to pat@example.com.")
    decided = Invitation.get_by_id(request.invitation.id)
    assert (decided.status, decided.approver_name) == ("pending", "Ada Admin")
    assert [e.kind for e in OutboxEmail.select()] == ["invitation"]
    assert customers.status(agent, "pat@example.com").label == "Invited"


def test_denial_carries_the_reason_and_sends_nothing(admin, agent):
    request = invitations.invite(agent, "pat@example.com")
    outcome = invitations.deny(admin, request.invitation.id, "Not a customer of ours yet")
    assert outcome.message == "Denied: pat@example.com was not invited. Reason: Not a customer of ours yet"
    assert OutboxEmail.select().count() == 0
    view = customers.status(agent, "pat@example.com")
    assert view.label == "Not Enrolled"
    assert (view.timeline[-1].kind, view.timeline[-1].detail) == ("denied", "Not a customer of ours yet")


@pytest.mark.parametrize("first, second, verdict", [
    (invitations.approve, invitations.deny, "approved"),
    (invitations.deny, invitations.approve, "denied"),
    (invitations.approve, invitations.approve, "approved"),
])
def test_second_decision_is_refused_naming_who_decided_first(admin, agent, first, second, verdict):
    request = invitations.invite(agent, "pat@example.com")
    first(admin, request.invitation.id)
    before = counts()
    with pytest.raises(AlreadyDecided) as refused:
        second(OTHER_ADMIN, request.invitation.id)
    assert re.fullmatch(rf"This request for pat@example.com was already {verdict} by Ada Admin on "
                        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing more to do\.", refused.value.message)
    assert counts() == before


def test_without_required_approval_an_agent_invites_directly(agent, workspace):
    Workspace.update(approval_required=False).where(Workspace.id == workspace.id).execute()
    outcome = invitations.invite(agent, "pat@example.com")
    assert outcome.state == "sent"
    assert [e.to_address for e in OutboxEmail.select()] == ["pat@example.com"]


# R5 -------------------------------------------------------------------------------------------

def test_link_token_is_long_and_random_and_only_its_digest_stays_once_delivered(admin, smtp):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 256
    assert Invitation.get().token_hash == hashlib.sha256(token.encode()).hexdigest()
    report = deliver_pending(SmtpTransport(smtp.url), "https://portal.example.com", "portal@example.com")
    assert report.sent == 1
    assert f"https://portal.example.com/i/{token}" in smtp.wait_for(1)[0].get_body(("plain",)).get_content()
    assert token not in table_text()
    if is_sqlite():
        path = Path(database.obj.database)
        busy, _, _ = database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0  # the write-ahead log is now folded into the file and emptied
        for file in path.parent.glob(path.name + "*"):
            assert token.encode() not in file.read_bytes(), file.name


def test_link_works_once(admin):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    assert enrolment.accept(token, "Pat", PASSWORD, PASSWORD).state == "enrolled"
    before = counts()
    with pytest.raises(Conflict) as refused:
        enrolment.accept(token, "Mallory", "another-password-9", "another-password-9")
    assert refused.value.field == "used"
    assert counts() == before
    assert Customer.get().name == "Pat"
    assert enrolment.open_link(token).state == "used"


def test_link_expires_seven_days_after_sending(admin, clock):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    clock.advance(days=6, hours=23)
    assert enrolment.open_link(token).state == "valid"
    clock.advance(hours=2)
    assert enrolment.open_link(token).state == "expired"
    before = counts()
    with pytest.raises(Conflict) as refused:
        enrolment.accept(token, "Pat", PASSWORD, PASSWORD)
    assert refused.value.field == "expired"
    assert counts() == before and not Customer.get().is_enrolled


def test_first_opening_is_recorded_once(admin, clock):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    assert customers.status(admin, "pat@example.com").message.startswith("pat@example.com: Invited\n")
    enrolment.open_link(token)
    first = clock.now()
    clock.advance(hours=3)
    enrolment.open_link(token)
    enrolment.open_link(token)
    assert kinds("pat@example.com", admin).count("opened") == 1
    assert abs(Invitation.get().opened_at - first) < dt.timedelta(seconds=5)
    assert customers.status(admin, "pat@example.com").message.startswith("pat@example.com: Invited (opened)")


# R6 -------------------------------------------------------------------------------------------

def test_resend_sends_a_new_link_retires_the_old_one_and_restarts_validity(admin, clock):
    invitations.invite(admin, "pat@example.com")
    old = queued_token("pat@example.com")
    clock.advance(days=5)
    outcome = resends.resend(admin, "pat@example.com")
    assert outcome.message.startswith("A fresh link was sent to pat@example.com; the previous link no "
                                      "longer works.")
    new = queued_token("pat@example.com")
    assert new != old
    assert enrolment.open_link(old).state == "replaced"
    clock.advance(days=6)  # 11 days after the first email, 6 after the resend
    assert enrolment.accept(new, "Pat", PASSWORD, PASSWORD).state == "enrolled"
    assert "resent" in kinds("pat@example.com", admin)


def test_admin_resends_several_named_invitations_each_answered_on_its_own(admin):
    for email in ("a@example.com", "b@example.com"):
        invitations.invite(admin, email)
    invite_and_enrol(admin, "d@example.com")
    batch = resends.resend_many(admin, ["a@example.com", "b@example.com", "c@example.com",
                                            "d@example.com"])
    assert [o.customer.email for o in batch.done] == ["a@example.com", "b@example.com"]
    refused = dict(batch.refused)
    assert refused["c@example.com"].startswith("There is no invitation for c@example.com.")
    assert "already enrolled, so there is nothing to resend" in refused["d@example.com"]
    assert batch.message.startswith("Sent a fresh link to 2 customer(s): a@example.com, b@example.com.")


def test_admin_resends_all_pending_invitations_at_once(admin, agent):
    tokens = {}
    for email in ("a@example.com", "b@example.com"):
        invitations.invite(admin, email)
        tokens[email] = queued_token(email)
    invitations.invite(agent, "waiting@example.com")  # awaiting approval: nothing to resend
    batch = resends.resend_all(admin)
    assert sorted(o.customer.email for o in batch.done) == ["a@example.com", "b@example.com"]
    assert {enrolment.open_link(t).state for t in tokens.values()} == {"replaced"}


class Interrupted(Exception):
    """Stands for the process dying in the middle of the run."""


def dies_after(count: int):
    """A progress callback through which the run dies once `count` invitations were resent."""
    def progress(done: int, total: int) -> None:
        if done == count:
            raise Interrupted
    return progress


def _resent_events() -> dict[str, int]:
    found: dict[str, int] = {}
    for event in Event.select(Event, Customer).join(Customer).where(Event.kind == "resent"):
        found[event.customer.email] = found.get(event.customer.email, 0) + 1
    return found


def test_an_interrupted_resend_all_is_continued_by_the_next_one_and_no_one_gets_two_links(admin, clock):
    emails = [f"c{n}@example.com" for n in range(6)]
    for email in emails:
        invitations.invite(admin, email)

    with pytest.raises(Interrupted):
        resends.resend_all(admin, progress=dies_after(2))
    assert _resent_events() == {"c0@example.com": 1, "c1@example.com": 1}

    clock.advance(minutes=5)
    again = resends.resend_all(admin)
    assert [o.customer.email for o in again.done] == emails[2:]
    assert again.message.startswith("Continued the resend that was interrupted: 2 customer(s) had already "
                                    "been sent a fresh link, and were not sent another.")
    assert _resent_events() == {email: 1 for email in emails}
    assert OutboxEmail.select().count() == 12  # the first invitations, then one fresh link each
    assert Invitation.select().where(Invitation.status == "pending").count() == 6

    later = resends.resend_all(admin)  # the run finished: a new one resends everyone again
    assert len(later.done) == 6 and later.resumed == 0


def test_a_resend_all_interrupted_long_ago_is_not_continued(admin, clock):
    for email in ("a@example.com", "b@example.com"):
        invitations.invite(admin, email)
    with pytest.raises(Interrupted):
        resends.resend_all(admin, progress=dies_after(1))
    clock.advance(hours=2)
    again = resends.resend_all(admin)
    assert (len(again.done), again.resumed) == (2, 0)
    assert _resent_events() == {"a@example.com": 2, "b@example.com": 1}


def test_non_admin_cannot_resend_all_and_is_told_the_admins(admin, agent):
    invitations.invite(admin, "a@example.com")
    before = counts()
    with pytest.raises(NotPermitted) as refused:
        resends.resend_all(agent)
    assert refused.value.message == ("Only team admins can resend all pending invitations. "
                                     "Ask Ada Admin to do it for you.")
    assert counts() == before


def test_agent_resends_their_own_invitation_but_not_someone_elses(admin, agent):
    request = invitations.invite(agent, "mine@example.com")
    invitations.approve(admin, request.invitation.id)
    invitations.invite(admin, "theirs@example.com")
    assert resends.resend(agent, "mine@example.com").state == "sent"
    before = counts()
    with pytest.raises(NotPermitted) as refused:
        resends.resend(agent, "theirs@example.com")
    assert refused.value.message == ("Only team admins can resend invitations sent by someone else. "
                                     "Ask Ada Admin to do it for you.")
    assert counts() == before


# R7, R8 ---------------------------------------------------------------------------------------

def test_revoked_link_stops_working_and_its_page_says_withdrawn(portal, admin):
    invitations.invite(admin, "pat@example.com")
    token = queued_token("pat@example.com")
    outcome = resends.revoke(admin, "pat@example.com")
    assert "was revoked; its link no longer works" in outcome.message
    page = Browser().get(f"{portal.url}/i/{token}")
    assert (page.status, page.title) == (410, "This invitation was withdrawn")
    with pytest.raises(Conflict):
        enrolment.accept(token, "Pat", PASSWORD, PASSWORD)
    assert customers.status(admin, "pat@example.com").label == "Not Enrolled"


def test_fourth_invite_on_a_job_is_refused_naming_the_three_and_how_to_free_a_slot(admin):
    invitations.invite(admin, "a@example.com", job="JOB-7")
    invite_and_enrol(admin, "b@example.com", job="JOB-7")
    invitations.invite(admin, "c@example.com", job="JOB-7")
    before = counts()
    with pytest.raises(Conflict) as refused:
        invitations.invite(admin, "d@example.com", job="JOB-7")
    assert refused.value.message.startswith(
        "Job JOB-7 already has 3 invitees, the most allowed (3): a@example.com (open), "
        "b@example.com (Enrolled), c@example.com (open). To free a slot, revoke an open invitation "
        "with `/invite revoke <email>`")
    assert counts() == before
    resends.revoke(admin, "a@example.com")
    assert invitations.invite(admin, "d@example.com", job="JOB-7").state == "sent"


