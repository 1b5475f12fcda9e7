"""R13: exports and the bulk result files are safe to open in a spreadsheet: no cell starts with a
character that makes it a formula (=, +, -, @, tab, carriage return), and nothing else is changed."""
from __future__ import annotations

import csv

from commands import bulk, invitations
from storage.db import database, open_database
from storage.models import Customer

from bulk.conftest import cli, formula_cells, parse_csv, write_csv
from conftest import TEAM

PAYLOADS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1+1)*cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil\")"]


def _import_formulas(admin, tmp_path) -> None:
    rows = [[payload, f"f{n}@example.com", payload, ""] for n, payload in enumerate(PAYLOADS)]
    bulk.import_csv(admin, write_csv(tmp_path / "formulas.csv", rows), send=True)
    # Names as stored, however they got there: a leading tab or carriage return.
    Customer.update(name="\t=1+2").where(Customer.email == "f1@example.com").execute()
    Customer.update(name="\r@A1").where(Customer.email == "f2@example.com").execute()


def test_the_export_command_writes_no_cell_that_starts_a_formula(db, db_url, admin, tmp_path):
    _import_formulas(admin, tmp_path)

    done = cli("export", "--team", TEAM, db_url=db_url, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    table = parse_csv(done.stdout)
    assert table[0] == ["Customer Email", "Customer Name", "Account Number", "Status", "Invited By",
                        "Invited At", "Link Expires At", "Opened"]
    assert len(table) == 1 + len(PAYLOADS)
    assert formula_cells(table) == []
    by_email = {row[0]: row for row in table[1:]}
    # The text is kept, behind an apostrophe, so a person still reads what was typed.
    assert by_email["f0@example.com"][1:3] == ["'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"]
    assert by_email["f1@example.com"][1:3] == ["'\t=1+2", "'+1"]
    assert by_email["f2@example.com"][1:3] == ["'\r@A1", "'-1"]
    assert by_email["f3@example.com"][2] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert by_email["f4@example.com"][2] == "'=HYPERLINK(\"http://evil\")"
    assert {row[3] for row in table[1:]} == {"Invited"}
    assert {row[4] for row in table[1:]} == {"Ada Admin"}


def test_the_export_of_all_statuses_is_as_safe_and_ordinary_values_are_untouched(db, db_url, admin, tmp_path):
    _import_formulas(admin, tmp_path)
    invitations.invite(admin, "plain@example.com", name="Plain O'Name", account="A-100", send=False)

    done = cli("export", "--team", TEAM, "--status", "all", db_url=db_url, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    table = parse_csv(done.stdout)
    assert len(table) == 2 + len(PAYLOADS)
    assert formula_cells(table) == []
    plain = next(row for row in table if row[0] == "plain@example.com")
    assert plain[1:4] == ["Plain O'Name", "A-100", "Not Enrolled"]


def test_the_command_lines_result_files_are_safe_too(db_url, tmp_path):
    rows = [["=1+1", "ok@example.com", "+Ann", "-Lee"], ["@acct", "=bad", "=First", "@Last"]]
    path = write_csv(tmp_path / "in.csv", rows)

    done = cli("import", str(path), "--team", TEAM, "--send", db_url=db_url, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "1 succeeded, 1 failed, 0 skipped" in done.stdout
    ok = list(csv.reader(open(tmp_path / "in.csv.ok.csv", newline="", encoding="utf-8")))
    errors = list(csv.reader(open(tmp_path / "in.csv.errors.csv", newline="", encoding="utf-8")))
    assert formula_cells(ok) == formula_cells(errors) == []
    assert ok[1] == ["'=1+1", "ok@example.com", "'+Ann -Lee", "Invited"]
    assert errors[1] == ["'@acct", "'=bad", "'=First", "'@Last", "Customer Email must be valid"]
    open_database(db_url)
    with database.connection_context():
        assert Customer.get().account_number == "=1+1"  # stored as given; made safe on the way out
