"""R12 per-row results: the documented error texts (seed 003), a bad row never blocks a good one, and
the header and file shapes spreadsheets produce."""
from __future__ import annotations

import pytest

from commands import bulk
from storage.models import Customer, Invitation, OutboxEmail, Upload, UploadRow

from bulk.conftest import HEADER, counts, failed_file, problems, succeeded_file, write_csv

SEED_003_EXAMPLE = [["145722", "Mark", "", ""],
                    ["238572", "", "", ""],
                    ["1371827", "Phil", "Smith", ""]]


def test_the_seed_003_example_rows_get_the_documented_messages(db, admin, tmp_path):
    upload = bulk.import_csv(admin, write_csv(tmp_path / "template.csv", SEED_003_EXAMPLE), send=True)

    assert problems(upload) == {1: "Customer Email must be valid",
                                2: "Customer Email field must not be empty",
                                3: "Customer Email must be valid"}
    assert (upload.state, upload.rows_total, upload.succeeded, upload.failed, upload.skipped) == \
        (Upload.DONE, 3, 0, 3, 0)
    assert counts()["customers"] == 0
    rows = failed_file(upload)
    assert [(r["Account Number"], r["Customer Email"], r["Customer First Name"], r["Error"]) for r in rows] == [
        ("145722", "Mark", "", "Customer Email must be valid"),
        ("238572", "", "", "Customer Email field must not be empty"),
        ("1371827", "Phil", "Smith", "Customer Email must be valid")]


def test_good_rows_around_bad_ones_are_all_imported_and_each_bad_row_says_why(db, admin, tmp_path):
    rows = [["1001", "ana@example.com", "Ana", "Lima"],
            ["145722", "Mark", "", ""],
            ["1002", "ben@example.com", "Ben", ""],
            ["", "cat@example.com", "Cat", "Ng"],
            ["238572", "", "", ""],
            ["", "not an address", "", ""],
            ["1003", "dan@example.com", "", "Dee"]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "mixed.csv", rows), send=True)

    assert problems(upload) == {2: "Customer Email must be valid",
                                4: "Account Number field must not be empty",
                                5: "Customer Email field must not be empty",
                                6: "Customer Email must be valid; Account Number field must not be empty"}
    assert (upload.succeeded, upload.failed, upload.skipped, upload.rows_total) == (3, 4, 0, 7)
    imported = {c.email: (c.name, c.account_number) for c in Customer.select()}
    assert imported == {"ana@example.com": ("Ana Lima", "1001"), "ben@example.com": ("Ben", "1002"),
                        "dan@example.com": ("Dee", "1003")}
    # Each good row: one pending invitation with its queued email (send now).
    assert Invitation.select().where(Invitation.status == Invitation.PENDING).count() == 3
    assert sorted(o.to_address for o in OutboxEmail.select()) == sorted(imported)
    assert [r["Customer Email"] for r in succeeded_file(upload)] == \
        ["ana@example.com", "ben@example.com", "dan@example.com"]
    assert "3 succeeded, 4 failed, 0 skipped (already enrolled) of 7 rows" in upload.message


def test_create_only_adds_customers_without_invitations_or_email(db, admin, tmp_path):
    upload = bulk.import_csv(admin, write_csv(tmp_path / "c.csv", [["1", "a@example.com", "A", "B"]]),
                             send=False)

    assert upload.succeeded == 1 and not upload.send_now
    assert (counts()["customers"], counts()["invitations"], counts()["outbox"]) == (1, 0, 0)
    assert "customers created without sending" in upload.message
    assert succeeded_file(upload)[0]["Result"] == "Created (not invited yet)"


def test_addresses_are_normalised_and_names_kept_as_typed(db, admin, tmp_path):
    rows = [["77", "  Zoe.Quinn@Example.COM ", "  Zoë ", " Quinn-Øster "]]
    bulk.import_csv(admin, write_csv(tmp_path / "n.csv", rows), send=True)

    customer = Customer.get()
    assert (customer.email, customer.email_key, customer.name) == \
        ("Zoe.Quinn@example.com", "zoe.quinn@example.com", "Zoë Quinn-Øster")
    context = OutboxEmail.get().context
    assert context["customer_name"] == "Zoë Quinn-Øster"
    assert context["customer_email"] == "Zoe.Quinn@example.com"
    assert context["link_path"].startswith("/i/")


@pytest.mark.parametrize("shape", ["bom", "semicolon", "tab", "bom-semicolon", "utf16"])
def test_files_saved_by_spreadsheets_in_other_shapes_import_the_same(db, admin, tmp_path, shape):
    rows = [["1", "one@example.com", "One", "Uno"], ["2", "", "Two", ""], ["3", "three@example.com", "", ""]]
    options = {"bom": dict(bom=True), "semicolon": dict(delimiter=";"), "tab": dict(delimiter="\t"),
               "bom-semicolon": dict(bom=True, delimiter=";"), "utf16": dict(encoding="utf-16")}[shape]
    upload = bulk.import_csv(admin, write_csv(tmp_path / f"{shape}.csv", rows, **options), send=True)

    assert problems(upload) == {2: "Customer Email field must not be empty"}
    assert {c.email: c.name for c in Customer.select()} == {"one@example.com": "One Uno",
                                                            "three@example.com": ""}
    assert {c.account_number for c in Customer.select()} == {"1", "3"}


def test_headers_in_any_case_with_extra_spaces_and_in_another_order_are_recognised(db, admin, tmp_path):
    header = ["customer LAST name", "  CUSTOMER   EMAIL ", "account number", "Notes", "Customer First Name"]
    rows = [["Lovelace", "ada@example.com", "900", "ignored", "Ada"]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "h.csv", rows, header=header), send=True)

    assert upload.succeeded == 1
    customer = Customer.get()
    assert (customer.email, customer.name, customer.account_number) == ("ada@example.com", "Ada Lovelace", "900")


def test_full_name_and_work_email_address_headers_are_accepted(db, admin, tmp_path):
    header = ["Account Number", "Full Name", "Work Email Address"]
    rows = [["501", "Grace Brewster Hopper", "grace@example.com"], ["502", "Linus", "linus@example.com"],
            ["503", "", "anon@example.com"], ["504", "No Address", ""]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "full.csv", rows, header=header), send=True)

    assert problems(upload) == {4: "Customer Email field must not be empty"}
    assert {c.email: c.name for c in Customer.select()} == {
        "grace@example.com": "Grace Brewster Hopper", "linus@example.com": "Linus", "anon@example.com": ""}
    assert [(r["Customer First Name"], r["Customer Last Name"]) for r in failed_file(upload)] == [("No", "Address")]


def test_blank_lines_and_rows_of_empty_cells_are_not_counted_as_rows(db, admin, tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(",".join(HEADER) + "\r\n1,a@example.com,A,\r\n\r\n,,,\r\n  , ,\t,\r\n2,b@example.com,B,\r\n")
    upload = bulk.import_csv(admin, path, send=True)

    assert (upload.rows_total, upload.succeeded, upload.failed) == (2, 2, 0)


def test_long_cells_are_cut_to_the_columns_sizes_not_refused(db, admin, tmp_path):
    rows = [["9" * 150, "long@example.com", "F" * 150, "L" * 150]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "long.csv", rows), send=True)

    assert upload.succeeded == 1
    customer = Customer.get()
    assert customer.account_number == "9" * 100
    assert customer.name == "F" * 100 + " " + "L" * 99  # the name column holds 200 characters


def test_cells_with_quotes_backslashes_tabs_and_line_breaks_are_stored_exactly_but_names_are_one_line(
        db, admin, tmp_path):
    rows = [["A\\1", "odd@example.com", 'Ann "The\tAx"', "O\\N\r\nLine"], ["\\N", "nul@example.com", "\\N", ""],
            ["B\\2", "bad\t\\N\r\n@example.com", "Bo", ""]]
    upload = bulk.import_csv(admin, write_csv(tmp_path / "odd.csv", rows), send=True)

    assert (upload.succeeded, upload.failed) == (2, 1)
    odd = Customer.get(Customer.email == "odd@example.com")
    # A name goes into emails: one line, tabs and line breaks made spaces (issue 11).
    assert (odd.account_number, odd.name) == ("A\\1", 'Ann "The Ax" O\\N Line')
    # The failed row keeps the cell as uploaded, for the person to fix it.
    assert [(r.account_number, r.email, r.first_name) for r in UploadRow.select()] == \
        [("B\\2", "bad\t\\N\r\n@example.com", "Bo")]
    assert OutboxEmail.get(OutboxEmail.customer == odd).context["customer_name"] == odd.name
    other = Customer.get(Customer.email == "nul@example.com")
    assert (other.account_number, other.name) == ("\\N", "\\N")
    assert other.access_areas == odd.access_areas and len(odd.access_areas) == 4
