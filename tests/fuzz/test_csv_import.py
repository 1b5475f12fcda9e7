"""The CSV importer on random files: random bytes, and CSV-shaped files with the required headers in
random case and spacing among random columns, random delimiters, encodings, line endings and cells.

Whatever the file, import_csv either refuses it as a whole (FileRefused / InvalidInput, with a message
for the person) or finishes an Upload whose counts add up, where every failed row carries one of the
R12 error texts. No other exception escapes. Each example starts from empty tables."""
from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from commands import bulk, csvfile
from commands.clock import clock
from commands.errors import InvalidInput
from commands.inputs import one_line
from storage.db import database
from storage.schema import ALL_MODELS
from storage.models import Customer, Invitation, OutboxEmail, Upload, UploadRow

from .strategies import ANY_CHAR, examples

ROW_ERRORS = {bulk.EMPTY_EMAIL, bulk.BAD_EMAIL, bulk.EMPTY_ACCOUNT, bulk.IN_USE}
SETTINGS = settings(max_examples=examples(120), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@pytest.fixture
def importer(db, admin, tmp_path):
    """A function importing bytes as a file, from empty tables each time."""
    counter = itertools.count()

    def run(content: bytes, *, send: bool = False, wipe: bool = True):
        if wipe:
            with database.atomic():
                for model in reversed(ALL_MODELS):  # children before parents
                    model.delete().execute()
        path = tmp_path / f"upload-{next(counter)}.csv"
        path.write_bytes(content)
        return bulk.import_csv(admin, path, file_name="customers.csv", send=send)

    return run


def import_or_refuse(importer, content: bytes, send: bool = False):
    """The upload, or None when the whole file was refused with a message."""
    try:
        upload = importer(content, send=send)
    except InvalidInput as exc:  # FileRefused is one
        assert exc.message and exc.message.strip(), f"a refusal without a message: {exc!r}"
        if isinstance(exc, csvfile.FileRefused):
            refused = Upload.select().where(Upload.state == Upload.REFUSED).order_by(Upload.id.desc()).first()
            assert refused is not None and refused.message == exc.message  # kept in the history
        return None
    check_upload(upload)
    return upload


def check_upload(upload: Upload) -> None:
    assert upload.state == Upload.DONE
    assert upload.succeeded + upload.failed + upload.skipped == upload.rows_total, upload.message
    assert upload.rows_done == upload.rows_total
    problems = list(UploadRow.select().where(UploadRow.upload == upload))
    failed = [r for r in problems if r.outcome == "failed"]
    assert len(failed) == upload.failed
    assert len(problems) - len(failed) == upload.skipped
    for row in failed:
        assert row.error.strip(), f"row {row.row_number} failed without an error"
        assert set(row.error.split("; ")) <= ROW_ERRORS, row.error
    assert Customer.select().where(Customer.upload == upload).count() == upload.succeeded
    if upload.send_now:
        assert (Invitation.select().join(Customer).where(Customer.upload == upload).count()
                == upload.succeeded)
        assert (OutboxEmail.select().join(Customer).where(Customer.upload == upload).count()
                == upload.succeeded)
    # The files handed back to the uploader can be written for any content.
    for rows in (bulk.succeeded_rows(upload), bulk.failed_rows(upload)):
        out = io.StringIO()
        csv.writer(out).writerows(rows)


# --- the files -----------------------------------------------------------------------------------
REQUIRED = {"account": ["Account Number"], "email": ["Customer Email", "Work Email Address"]}
OPTIONAL = {"first": "Customer First Name", "last": "Customer Last Name", "full": "Full Name"}
KNOWN = {" ".join(h.lower().split()) for h in ["Account Number", "Customer Email", "Work Email Address",
                                                 *OPTIONAL.values()]}
SPACES = [" ", "  ", "\u00a0", "\u3000"]


@st.composite
def header_name(draw, label: str) -> str:
    """The label in random case with random spacing around and between its words."""
    words = [draw(st.sampled_from([w, w.lower(), w.upper(), w.swapcase(), w.title()])) for w in label.split()]
    between = [draw(st.sampled_from(SPACES)) for _ in words[1:]]
    name = words[0] + "".join(sep + w for sep, w in zip(between, words[1:]))
    return draw(st.sampled_from(["", " ", "\u00a0"])) + name + draw(st.sampled_from(["", " ", "  "]))


other_column = st.text(st.characters(categories=["L", "Nd"], max_codepoint=0x2FFF), min_size=1,
                       max_size=12).filter(lambda s: " ".join(s.lower().split()) not in KNOWN)

EMAILS = ["pat@example.com", "PAT@Example.com", " lee@example.org ", "kim.o'neil+tag@sub.example.co.uk",
          "ünï@exämple.de", "x@y", "@example.com", "a@b@c.com", "no-at-sign", "a..b@example.com",
          "\"quoted\"@example.com", "x@[127.0.0.1]", "very" + "long" * 70 + "@example.com",
          "=HYPERLINK(\"http://x\")@example.com", "known@example.com"]
cell_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
email_cell = st.one_of(st.sampled_from(EMAILS), st.emails().map(str), cell_text, st.just(""))
account_cell = st.one_of(st.sampled_from(["ACC-1", "ACC-2", "  ", "", "=1+1", "0001", "x" * 150]), cell_text)
name_cell = st.one_of(st.sampled_from(["Pat", "Lee Ann Smith", "", "x" * 120, "ö" * 101]), cell_text)


@dataclass
class CsvFile:
    content: bytes
    columns: dict[str, int]          # our field -> index of its (first) column
    rows: list[list[str]] = field(default_factory=list)


@st.composite
def clean_csv(draw) -> CsvFile:
    """A well-formed CSV (written by csv.writer) whose header the importer must recognise."""
    fields = ["account", "email"] + draw(st.lists(st.sampled_from(sorted(OPTIONAL)), unique=True, max_size=3))
    labels = {f: draw(st.sampled_from(REQUIRED[f])) if f in REQUIRED else OPTIONAL[f] for f in fields}
    extras = draw(st.lists(other_column, max_size=3))
    header = [(f, draw(header_name(labels[f]))) for f in fields] + [(None, x) for x in extras]
    header = draw(st.permutations(header))
    delimiter = draw(st.sampled_from(csvfile._DELIMITERS))
    cell_for = {"email": email_cell, "account": account_cell, "first": name_cell, "last": name_cell,
                "full": name_cell, None: cell_text}
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(cell_for[f]) for f, _ in header]
        cut = draw(st.sampled_from([len(row)] * 4 + list(range(len(row)))))  # some rows are short
        rows.append(row[:cut] + draw(st.lists(cell_text, max_size=2)))    # or long
    out = io.StringIO()
    ending = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    # Python's csv.writer quotes a cell with a line break only if the break is part of its line
    # ending; other endings get every cell quoted, so the file stays well-formed.
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending,
                        quoting=csv.QUOTE_MINIMAL if ending == "\r\n" else csv.QUOTE_ALL)
    writer.writerow([name for _, name in header])
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    columns = {f: i for i, (f, _) in enumerate(header) if f is not None}
    return CsvFile(out.getvalue().encode(encoding), columns, rows)


@st.composite
def messy_csv(draw) -> bytes:
    """Anything from random bytes to CSV-like text with broken quoting, odd delimiters and encodings."""
    kind = draw(st.sampled_from(["bytes", "text", "csv-ish", "csv-ish"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "text":
        text = draw(st.text(ANY_CHAR, max_size=300))
    else:
        delimiter = draw(st.sampled_from([",", ";", "\t", "|", " ", ",;"]))
        names = [draw(header_name(label)) for label in ("Account Number", "Customer Email")]
        names += draw(st.lists(st.one_of(other_column, st.sampled_from(sorted(KNOWN)), cell_text),
                               max_size=3))
        names = draw(st.permutations(names))
        lines = [delimiter.join(names)]
        for _ in range(draw(st.integers(0, 6))):
            cells = draw(st.lists(st.one_of(email_cell, account_cell, cell_text,
                                            st.sampled_from(['"', '""', '"a,b"', '"unclosed', "\x00", "\\"])),
                                  max_size=6))
            lines.append(delimiter.join(cells))
        newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x0b"]))
        text = draw(st.sampled_from(["", "\ufeff"])) + newline.join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-16-le", "latin-1", "cp1252"]))
    return text.encode(encoding, errors="replace")


# --- the properties ------------------------------------------------------------------------------
BIG_CELL = 200 * 1024  # past the csv module's default field size limit (128 KiB)


@SETTINGS
@given(messy_csv(), st.booleans())
@example(b"", False)
@example(b"\xef\xbb\xbf", False)
@example(b"Account Number,Customer Email\n", False)
@example(b"Account Number,Customer Email\n\n , \n", False)
@example(b"PK\x03\x04 not a spreadsheet", False)
@example("Account Number;Customer Email\nA1;pat@example.com\n".encode("utf-16"), True)
@example(b"Account Number,Customer Email\nA1,\"pat@example.com\n", False)          # unclosed quote
@example(b"Account Number,Customer Email\nA1,\"" + b"x" * BIG_CELL + b"\n", False)  # ... in a big file
@example(b"Account Number,Customer Email\nA1," + b"y" * BIG_CELL + b"@example.com\n", False)
@example(b"Account Number,Customer Email\n" + b"A1,a@example.com\n" * 5000 + b"A2,b\x00@example.com\n", True)
@example(b"Account Number,Customer Email\nA1,pat@example.com\xff\xfe\n", False)
@example(("Account Number,Customer Email,Customer First Name,Customer Last Name\nA1,pat@example.com,"
          + "F" * 100 + "," + "L" * 100 + "\n").encode(), True)
def test_any_file_is_refused_with_a_message_or_imported_with_counts_that_add_up(importer, content, send):
    import_or_refuse(importer, content, send)


@SETTINGS
@given(clean_csv(), st.booleans())
def test_a_well_formed_file_gets_the_expected_outcome_for_every_row(importer, csvfile, send):
    """With the header recognised in any case, spacing and column order, each row's outcome follows R12:
    the first valid row for an address succeeds, later ones are 'already in use', blank rows are ignored."""
    upload = import_or_refuse(importer, csvfile.content, send)
    expected = expected_outcomes(csvfile)
    if not expected:
        assert upload is None  # a header but no customers: refused with a message
        return
    assert upload is not None
    assert upload.rows_total == len(expected)
    failed = {r.row_number: r.error for r in UploadRow.select().where(UploadRow.upload == upload)}
    assert failed == {n: "; ".join(errs) for n, errs in expected.items() if errs}
    assert upload.skipped == 0  # the tables were empty: nobody was enrolled
    created = {c.email_key for c in Customer.select().where(Customer.upload == upload)}
    assert len(created) == upload.succeeded == sum(1 for errs in expected.values() if not errs)

    # Uploading the same file again creates nobody twice (R12: fixing and re-uploading is safe).
    again = importer(csvfile.content, send=send, wipe=False)
    check_upload(again)
    assert again.succeeded == 0 and again.failed == upload.rows_total
    assert Customer.select().count() == len(created)


def expected_outcomes(csvfile: CsvFile) -> dict[int, list[str]]:
    """Row number (1 = the first row under the header) -> the R12 errors it should get."""
    cols = csvfile.columns
    seen: set[str] = set()
    outcomes = {}
    number = 0
    for row in csvfile.rows:
        if not any(cell.strip() for cell in row):
            continue
        number += 1

        def cell(f):
            i = cols.get(f)
            if i is None or i >= len(row):
                return ""
            # Names and account numbers are stored on one line, without control characters.
            return row[i].strip() if f == "email" else one_line(row[i])

        errors = []
        key = None
        if not cell("email"):
            errors.append(bulk.EMPTY_EMAIL)
        else:
            try:
                key = validate_email(cell("email"), check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                errors.append(bulk.BAD_EMAIL)
        if not cell("account"):
            errors.append(bulk.EMPTY_ACCOUNT)
        if not errors:
            if key in seen:
                errors.append(bulk.IN_USE)
            seen.add(key)
        outcomes[number] = errors
    return outcomes


def test_an_enrolled_customer_in_a_file_is_skipped_and_counted(importer):
    """The one outcome the random files above cannot reach from empty tables (R3 in R12)."""
    importer(b"Account Number,Customer Email\nA1,known@example.com\n")
    Customer.update(enrolled_at=clock.now(), password_hash="chosen by the customer").where(
        Customer.email_key == "known@example.com").execute()
    upload = importer(b"Account Number,Customer Email\nA1,KNOWN@example.com\nA1,new@example.com\nA2,\n",
                      wipe=False)
    check_upload(upload)
    assert (upload.succeeded, upload.skipped, upload.failed, upload.rows_total) == (1, 1, 1, 3)
