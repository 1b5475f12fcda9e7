"""Races: two admins approving one request at once (R4), one link accepted by many at once (R5), and
several processes writing one SQLite file."""
from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

from bot.slack import ids
from commands import enrolment, invitations
from commands.actor import Actor
from commands.errors import Conflict
from storage import schema
from storage.db import database, open_database
from storage.models import Customer, Event, Invitation, OutboxEmail

from conftest import TEAM
from slack.conftest import ADMIN, ADMIN2, AGENT, visible_text
from support import PASSWORD, branded_workspace, queued_token

ACCEPTS = 50
PROCESSES, INVITES_PER_PROCESS, THREADS_PER_PROCESS = 4, 200, 8


def test_two_admins_approving_at_the_same_moment_make_one_decision(stack, db):
    for n in range(3):  # a few rounds, so the race really happens at least once
        email = f"race{n}@example.com"
        invitation, request = stack.agent_request(email)
        updates_before = len(stack.calls("chat.update"))
        start = threading.Barrier(2)
        statuses = []

        def approve(admin):
            start.wait()
            statuses.append(stack.click_request(admin, ids.APPROVE, invitation, request[ids.APPROVE]).status)

        threads = [threading.Thread(target=approve, args=(a,)) for a in (ADMIN, ADMIN2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200, 200]

        late = stack.wait("response_url", where=lambda c: f"request for {email} was already"
                          in visible_text(c.args))[0].args
        stack.settle()
        winner = Invitation.get_by_id(invitation.id)
        assert winner.status == "pending" and winner.approver in (ADMIN, ADMIN2)
        assert f"was already approved by {winner.approver_name}" in visible_text(late)
        assert Event.select().where((Event.kind == "approved") & (Event.customer == winner.customer)).count() == 1
        assert OutboxEmail.select().where(OutboxEmail.to_address == email).count() == 1
        assert len(stack.calls("chat.update")) == updates_before + 1
        assert len([d for d in stack.dms_to(AGENT) if email in visible_text(d)]) == 1


def test_fifty_simultaneous_accepts_of_one_link_enrol_the_customer_exactly_once(db_url, admin):
    with database.connection_context():
        branded_workspace()
        invitations.invite(admin, "pat@example.com")
        token = queued_token("pat@example.com")
    start = threading.Barrier(ACCEPTS)

    def accept(n: int) -> str:
        start.wait()
        with database.connection_context():
            try:
                enrolment.accept(token, f"Person {n}", PASSWORD, PASSWORD)
                return "enrolled"
            except Conflict as exc:
                return exc.field  # anything else (e.g. "database is locked") fails the test

    with ThreadPoolExecutor(ACCEPTS) as pool:
        results = list(pool.map(accept, range(ACCEPTS)))
    assert results.count("enrolled") == 1
    assert set(results) == {"enrolled", "used"}
    with database.connection_context():
        assert Customer.select().where(Customer.enrolled_at.is_null(False)).count() == 1
        assert Event.select().where(Event.kind == "accepted").count() == 1
        assert [i.status for i in Invitation.select()] == ["accepted"]


def invite_from_threads(url: str, process_no: int) -> list[str]:
    """One process: open the shared SQLite file and invite customers from several threads at once."""
    open_database(url)
    admin = Actor(TEAM, f"U0ADMIN{process_no}", f"Admin {process_no}", is_admin=True)

    def invite(n: int) -> str | None:
        with database.connection_context():
            try:
                invitations.invite(admin, f"p{process_no}-c{n}@example.com")
            except Exception as exc:  # reported to the parent, which shows what went wrong
                return f"{type(exc).__name__}: {exc}"
        return None

    with ThreadPoolExecutor(THREADS_PER_PROCESS) as pool:
        return [error for error in pool.map(invite, range(INVITES_PER_PROCESS)) if error]


def test_four_processes_inviting_at_once_into_one_sqlite_file_write_every_invitation(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"  # always SQLite: the file's write lock is what is tested
    open_database(url)
    schema.upgrade()
    database.close()
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        errors = pool.starmap(invite_from_threads, [(url, p) for p in range(PROCESSES)])
    assert errors == [[]] * PROCESSES
    total = PROCESSES * INVITES_PER_PROCESS
    open_database(url)
    with database.connection_context():
        assert Customer.select().count() == total
        assert Invitation.select().where(Invitation.status == "pending").count() == total
        assert OutboxEmail.select().count() == total
        assert Event.select().where(Event.kind == "sent").count() == total
