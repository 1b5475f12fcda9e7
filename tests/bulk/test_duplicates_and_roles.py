"""R12 (seed 003): repeats within a file and across uploads, enrolled customers, fixing and
re-uploading the failed rows, and R16: the first invitee of an account is its admin."""
from __future__ import annotations

import csv

from commands import bulk, enrolment, invitations
from commands.actor import Actor
from commands.credentials import token_digest
from storage.models import Customer, Event, Invitation, OutboxEmail, UploadRow

from bulk.conftest import counts, failed_file, problems, write_csv

IN_USE = "Provided email address is already in use"
PASSWORD = "blue-harbour-42"


def _enrolled(admin, email: str) -> Customer:
    """A customer invited one by one who accepted with a password."""
    invitations.invite(admin, email)
    link = OutboxEmail.get(OutboxEmail.to_address == email).context["link_path"]
    enrolment.accept(link.rsplit("/", 1)[-1], "Pat Enrolled", PASSWORD, PASSWORD)
    return Customer.get(Customer.email == email)


def test_repeats_within_a_file_are_refused_after_the_first_in_any_letter_case(db, admin, tmp_path):
    rows = [["1", "sam@example.com", "Sam", ""], ["2", "kim@example.com", "Kim", ""],
            ["3", "SAM@EXAMPLE.COM", "Sam", "Again"], ["4", " Sam@Example.com ", "", ""],
            ["5", "kim@example.com", "", ""]]
    # Batches of two rows: the repeats sit in later transactions than the first occurrences.
    upload = bulk.import_csv(admin, write_csv(tmp_path / "dups.csv", rows), send=True, batch_size=2)

    assert problems(upload) == {3: IN_USE, 4: IN_USE, 5: IN_USE}
    assert sorted(c.email_key for c in Customer.select()) == ["kim@example.com", "sam@example.com"]
    assert (counts()["invitations"], counts()["outbox"]) == (2, 2)


def test_repeats_within_one_batch_are_refused_too(db, admin, tmp_path):
    rows = [["1", "lee@example.com", "", ""], ["1", "Lee@example.com", "", ""]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "d.csv", rows), send=True)

    assert problems(upload) == {2: IN_USE}
    assert counts()["customers"] == 1


def test_addresses_already_known_from_an_earlier_upload_or_an_invite_are_in_use(db, admin, tmp_path):
    bulk.import_csv(admin, write_csv(tmp_path / "first.csv", [["1", "old@example.com", "Old", ""]]), send=True)
    invitations.invite(admin, "typed@example.com", name="Typed One")
    rows = [["2", "OLD@example.com", "", ""], ["3", "typed@example.com", "", ""], ["4", "new@example.com", "", ""]]
    second = bulk.import_csv(admin, write_csv(tmp_path / "second.csv", rows), send=True)

    assert problems(second) == {1: IN_USE, 2: IN_USE}
    assert second.succeeded == 1
    assert Customer.select().count() == 3
    # Nothing was sent twice: one open invitation and one email per customer.
    for customer in Customer.select():
        assert Invitation.select().where(Invitation.customer == customer).count() == 1
        assert OutboxEmail.select().where(OutboxEmail.customer == customer).count() == 1


def test_enrolled_customers_are_skipped_counted_and_left_alone(db, admin, tmp_path):
    enrolled = _enrolled(admin, "done@example.com")
    before = (Invitation.select().count(), OutboxEmail.select().count())
    rows = [["1", "Done@Example.com", "Changed", "Name"], ["2", "fresh@example.com", "", ""]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "e.csv", rows), send=True)

    assert (upload.succeeded, upload.failed, upload.skipped) == (1, 0, 1)
    assert "1 succeeded, 0 failed, 1 skipped (already enrolled) of 2 rows" in upload.message
    row = UploadRow.get(UploadRow.upload == upload)
    assert (row.row_number, row.outcome, row.error) == (1, "skipped", "Already enrolled: skipped")
    assert failed_file(upload) == []  # nothing to fix
    assert Customer.get_by_id(enrolled.id).name == "Pat Enrolled"
    assert (Invitation.select().count(), OutboxEmail.select().count()) == (before[0] + 1, before[1] + 1)


def test_the_failed_rows_file_fixed_and_uploaded_again_adds_only_the_fixed_rows(db, admin, tmp_path):
    rows = [["10", "good1@example.com", "G", "One"], ["11", "Mark", "", ""], ["", "noacct@example.com", "N", ""],
            ["12", "good2@example.com", "G", "Two"], ["13", "", "E", "Mpty"]]
    first = bulk.import_csv(admin, write_csv(tmp_path / "customers.csv", rows), send=True)
    assert (first.succeeded, first.failed) == (2, 3)

    # The person downloads the failed rows, fixes each cell, and uploads that very file (Error column included).
    fixes = {"Mark": "mark@example.com", "": "empty@example.com"}
    fixed = tmp_path / "customers-failed.csv"
    with open(fixed, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        for index, row in enumerate(bulk.failed_rows(first)):
            if index:
                row[1] = fixes.get(row[1], row[1])
                row[0] = row[0] or "14"
            out.writerow(row)
    second = bulk.import_csv(admin, fixed, send=True)

    assert (second.rows_total, second.succeeded, second.failed, second.skipped) == (3, 3, 0, 0)
    keys = [c.email_key for c in Customer.select()]
    assert sorted(keys) == sorted(set(keys)) == ["empty@example.com", "good1@example.com", "good2@example.com",
                                                 "mark@example.com", "noacct@example.com"]
    assert Invitation.select().count() == OutboxEmail.select().count() == 5

    # Uploading the original file again adds nobody: every good row is now in use.
    again = bulk.import_csv(admin, tmp_path / "customers.csv", send=True)
    assert again.id != first.id and again.succeeded == 0
    assert problems(again)[1] == IN_USE and problems(again)[4] == IN_USE
    assert Customer.select().count() == 5


def test_the_first_invitee_of_an_account_is_its_admin_across_batches_and_uploads(db, admin, tmp_path):
    rows = [["A1", "a1@example.com", "", ""], ["A1", "a2@example.com", "", ""], ["B1", "b1@example.com", "", ""],
            ["A1", "a3@example.com", "", ""], ["C1", "bad", "", ""], ["C1", "c1@example.com", "", ""]]
    bulk.import_csv(admin, write_csv(tmp_path / "one.csv", rows), send=True, batch_size=2)
    invitations.invite(admin, "d1@example.com", account="D1")
    more = [["A1", "a4@example.com", "", ""], ["D1", "d2@example.com", "", ""], ["E1", "e1@example.com", "", ""]]
    bulk.import_csv(admin, write_csv(tmp_path / "two.csv", more), send=True)

    roles = {c.email: c.role for c in Customer.select()}
    assert roles == {"a1@example.com": "admin", "a2@example.com": "member", "b1@example.com": "admin",
                     "a3@example.com": "member", "c1@example.com": "admin", "d1@example.com": "admin",
                     "a4@example.com": "member", "d2@example.com": "member", "e1@example.com": "admin"}


def test_each_imported_customer_gets_one_working_link_one_email_and_its_history(db, admin, tmp_path):
    rows = [[str(n), f"c{n}@example.com", f"C{n}", ""] for n in range(1, 8)]
    bulk.import_csv(admin, write_csv(tmp_path / "seven.csv", rows), send=True, batch_size=3)

    for customer in Customer.select():
        invitation = Invitation.get(Invitation.customer == customer)
        email = OutboxEmail.get(OutboxEmail.customer == customer)
        assert (invitation.status, invitation.inviter, invitation.approver) == ("pending", "U0ADMIN", "U0ADMIN")
        assert (email.kind, email.to_address, email.invitation_id) == ("invitation", customer.email, invitation.id)
        assert [e.kind for e in Event.timeline(customer)] == ["imported", "sent"]
        token = email.context["link_path"].rsplit("/", 1)[-1]
        assert token_digest(token) == invitation.token_hash
        assert enrolment.open_link(token).state == "valid"
        assert email.context["inviter_name"] == "Ada Admin"
    assert len({o.message_id for o in OutboxEmail.select()}) == 7


def test_a_row_for_someone_enrolled_with_another_team_gets_the_welcome_email_and_joins_with_their_password(
        db, admin, tmp_path):
    other_team = Actor("T0OTHER", "U0OTHER", "Olga Other", is_admin=True)
    _enrolled(other_team, "pat@example.com")
    rows = [["1", "PAT@example.com", "Pat", "Again"], ["2", "new@example.com", "New", "Person"]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "mixed.csv", rows), send=True)

    assert (upload.succeeded, upload.failed) == (2, 0)
    ours = Customer.select().where(Customer.upload == upload.id)
    kinds = {o.customer.email_key: o.kind for o in OutboxEmail.select().where(OutboxEmail.customer.in_(ours))}
    assert kinds == {"pat@example.com": "welcome", "new@example.com": "invitation"}
    sent = {e.customer.email_key: e.detail for e in Event.select().where((Event.kind == "sent")
                                                                           & Event.customer.in_(ours))}
    assert "welcome email" in sent["pat@example.com"] and "welcome" not in sent["new@example.com"]

    token = OutboxEmail.get(OutboxEmail.kind == "welcome").context["link_path"].rsplit("/", 1)[-1]
    assert enrolment.open_link(token).state == "welcome"
    joined = enrolment.accept(token, "", PASSWORD)  # the password they already use
    assert joined.customer.is_enrolled
