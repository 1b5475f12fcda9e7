"""R12: a file that cannot be imported is refused as a whole before any row is written, with one
message saying what to do, and kept in the upload history as refused."""
from __future__ import annotations

import pytest

from commands import bulk, csvfile
from storage.models import Upload

from bulk.conftest import HEADER, cli, counts, generated_rows, write_csv

EXPECTED = "Account Number,Customer Email,Customer First Name,Customer Last Name"


def _refused(admin, path, **kwargs) -> str:
    """Import `path`; it must be refused with nothing written. Returns the message."""
    with pytest.raises(csvfile.FileRefused) as refused:
        bulk.import_csv(admin, path, send=True, **kwargs)
    message = refused.value.message
    assert {k: v for k, v in counts().items() if k != "uploads"} == \
        {"customers": 0, "invitations": 0, "outbox": 0, "events": 0, "upload_rows": 0}
    history = list(Upload.select())
    assert [(u.state, u.file_name, u.message, u.succeeded, u.failed) for u in history] == \
        [(Upload.REFUSED, path.name, message, 0, 0)]
    return message


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
XLSX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml" + bytes(range(256))
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>"


@pytest.mark.parametrize("name, content", [("logo.png", PNG), ("customers.xlsx", XLSX),
                                           ("customers.xls", XLS), ("customers.pdf", PDF)])
def test_spreadsheets_images_and_other_binary_files_are_refused(db, admin, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)

    message = _refused(admin, path)
    assert message.startswith("This is not a CSV file")
    assert 'Save it as "CSV UTF-8"' in message


def test_a_file_in_another_encoding_is_refused_with_how_to_save_it_as_utf8(db, admin, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((",".join(HEADER) + "\r\n1,jose@example.com,José,Müller\r\n2,ana@example.com,Ana,\r\n")
                     .encode("latin-1"))

    message = _refused(admin, path)
    assert message == ('The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8 (comma '
                       'delimited)" and upload that.')


def test_missing_required_columns_are_named_in_one_message_with_the_expected_header(db, admin, tmp_path):
    path = write_csv(tmp_path / "wrong.csv", [["1", "a@example.com", "A", "B"]],
                     header=["Account", "Email", "First", "Last"])

    message = _refused(admin, path)
    assert message.startswith("The file is missing the column(s) Account Number, Customer Email.")
    assert EXPECTED in message


def test_one_missing_column_is_the_only_one_named(db, admin, tmp_path):
    path = write_csv(tmp_path / "no-email.csv", [["1", "Ann", "Lee"]],
                     header=["Account Number", "Customer First Name", "Customer Last Name"])

    message = _refused(admin, path)
    assert message.startswith("The file is missing the column(s) Customer Email.")
    assert EXPECTED in message


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n  \n"])
def test_an_empty_file_is_refused(db, admin, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    message = _refused(admin, path)
    assert message == f"The file is empty. Upload a CSV whose first line is the header: {EXPECTED}"


def test_a_file_with_only_the_header_is_refused(db, admin, tmp_path):
    path = write_csv(tmp_path / "header-only.csv", [])

    message = _refused(admin, path)
    assert message == f"The file has a header but no customers. Add one row per customer under: {EXPECTED}"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, admin, tmp_path):
    path = write_csv(tmp_path / "big.csv", generated_rows(200))
    assert path.stat().st_size > 5_000

    message = _refused(admin, path, limits=csvfile.Limits(max_bytes=5_000))
    assert message.startswith(f"The file is {path.stat().st_size / 1e6:.1f} MB; the limit is ")
    assert "Split it into smaller files" in message


def test_a_file_over_the_row_limit_is_refused_whole_not_imported_in_part(db, admin, tmp_path):
    path = write_csv(tmp_path / "rows.csv", generated_rows(26))

    message = _refused(admin, path, limits=csvfile.Limits(max_rows=25))
    assert message == ("The file has more than 25 rows, the most one upload takes. Split it into smaller "
                       "files and upload each.")


def test_a_file_at_the_row_limit_is_imported(db, admin, tmp_path):
    upload = bulk.import_csv(admin, write_csv(tmp_path / "rows.csv", generated_rows(25)), send=False,
                             limits=csvfile.Limits(max_rows=25))
    assert (upload.state, upload.succeeded) == (Upload.DONE, 25)


def test_a_quote_never_closed_is_refused_naming_the_line(db, admin, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(",".join(HEADER) + '\r\n1,a@example.com,A,B\r\n2,"b@example.com,B,' + "x" * 200_000 + "\r\n")

    message = _refused(admin, path)
    assert message.startswith("Line ") and "cannot be read as CSV" in message and 'a quote (")' in message


def test_the_command_line_refuses_a_bad_file_in_one_line_and_keeps_it_in_the_history(db_url, tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)

    done = cli("import", str(path), "--team", "T0TEST", "--send", db_url=db_url, cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr.strip().startswith("Error: This is not a CSV file")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "photo.png.ok.csv").exists()
    from storage.db import database, open_database
    open_database(db_url)
    with database.connection_context():
        assert [(u.state, u.file_name) for u in Upload.select()] == [(Upload.REFUSED, "photo.png")]
        assert counts()["customers"] == 0


# --- Byte order marks and bytes that are not text (security finding 11) ----------------------------

U8, U16LE, U16BE = b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"
NOT_UTF8 = 'save it as "CSV UTF-8 (comma delimited)" and upload that.'


def _rows_bytes(count: int) -> bytes:
    return "".join(f"A{i // 3:06d},customer{i}@example.com,First{i},Last\r\n" for i in range(count)).encode()


def _file_with_bad_bytes_at(tmp_path, offset: int, bad: bytes = b"\xff\xfe") -> tuple:
    """A UTF-8 CSV whose row holding byte `offset` has an address with bytes that are not UTF-8.
    Returns the path and that row's line number."""
    head = (",".join(HEADER) + "\r\n").encode()
    lines = [head]
    size = len(head)
    while size < offset:
        line = f"A{len(lines):06d},customer{len(lines)}@example.com,First,Last\r\n".encode()
        lines.append(line)
        size += len(line)
    bad_line = len(lines) + 1
    lines.append(b"B000001," + bad + b"@example.com,Bad,Bytes\r\n")
    path = tmp_path / "late.csv"
    path.write_bytes(b"".join(lines) + _rows_bytes(20))
    return path, bad_line


@pytest.mark.parametrize("content", [U8 + U8, U16LE + U16LE, U16BE + U16BE, U8 * 3 + b"\r\n",
                                     U8 + b"\r\n" + U8 + b"\r\n", U16LE + "\ufeff \r\n".encode("utf-16-le")],
                         ids=["two-utf8-boms", "ff-fe-ff-fe", "fe-ff-fe-ff", "three-boms", "boms-on-lines",
                              "utf16-bom-and-space"])
def test_a_file_of_nothing_but_byte_order_marks_is_refused_as_empty(db, admin, tmp_path, content):
    path = tmp_path / "boms.csv"
    path.write_bytes(content)

    message = _refused(admin, path)
    assert message == f"The file is empty. Upload a CSV whose first line is the header: {EXPECTED}"


@pytest.mark.parametrize("content", [U8 + U16LE, U16LE + U8, U16LE + b"A\x00,", U16BE + U8,
                                     U8 + U16LE + ",".join(HEADER).encode() + b"\r\n1,a@example.com,A,B\r\n"],
                         ids=["utf8-bom-then-ff-fe", "ff-fe-then-utf8-bom", "utf16-cut-short",
                              "fe-ff-then-utf8-bom", "utf8-bom-then-ff-fe-then-rows"])
def test_mixed_byte_order_marks_are_refused_as_not_text_never_an_error(db, admin, tmp_path, content):
    path = tmp_path / "mixed.csv"
    path.write_bytes(content)

    message = _refused(admin, path)
    assert message.startswith("The file is not UTF-8 text") and message.endswith(NOT_UTF8)


def test_a_second_utf8_byte_order_mark_before_the_header_is_ignored(db, admin, tmp_path):
    path = tmp_path / "two-boms.csv"
    path.write_bytes(U8 + U8 + (",".join(HEADER) + "\r\n").encode() + _rows_bytes(4))

    upload = bulk.import_csv(admin, path, send=False)
    assert (upload.state, upload.rows_total, upload.succeeded, upload.failed) == (Upload.DONE, 4, 4, 0)


@pytest.mark.parametrize("offset", [70_000, 200_000])
def test_bytes_that_are_not_utf8_past_the_first_64_kb_refuse_the_whole_file(db, admin, tmp_path, offset):
    path, line = _file_with_bad_bytes_at(tmp_path, offset)
    assert path.stat().st_size > csvfile.SAMPLE_BYTES

    message = _refused(admin, path)  # nothing created: no customer "\ufffd\ufffd@example.com"
    assert message == (f"The file is not UTF-8 text: line {line} has characters in another encoding. "
                       f"In your spreadsheet, {NOT_UTF8}")


@pytest.mark.parametrize("tail", [b"9,zoe@example.com,Zo\xc3", b"9,zoe@example.com,Zo\xe9\r\n", b"\xff"],
                         ids=["cut-character-at-the-end", "latin1-on-the-last-line", "last-byte"])
def test_bytes_that_are_not_utf8_at_the_very_end_refuse_the_whole_file(db, admin, tmp_path, tail):
    path = tmp_path / "end.csv"
    body = (",".join(HEADER) + "\r\n").encode() + _rows_bytes(3000)
    path.write_bytes(body + tail)
    assert path.stat().st_size > csvfile.SAMPLE_BYTES

    last_line = body.count(b"\n") + 1

    message = _refused(admin, path)
    assert message == (f"The file is not UTF-8 text: line {last_line} has characters in another encoding. "
                       f"In your spreadsheet, {NOT_UTF8}")


def test_a_small_file_with_a_bad_last_byte_is_refused_not_taken_for_a_cut_character(db, admin, tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes((",".join(HEADER) + "\r\n").encode() + _rows_bytes(2) + b"9,zoe@example.com,Zo\xc3")

    message = _refused(admin, path)
    assert message.startswith("The file is not UTF-8 text") and message.endswith(NOT_UTF8)


def test_a_utf16_file_damaged_past_the_first_64_kb_is_refused(db, admin, tmp_path):
    text = ",".join(HEADER) + "\r\n" + _rows_bytes(2000).decode()
    path = tmp_path / "utf16.csv"
    path.write_bytes(text.encode("utf-16") + b"\x00\xd8A\x00")  # a lone surrogate, then more text
    assert path.stat().st_size > csvfile.SAMPLE_BYTES

    message = _refused(admin, path)
    assert message.startswith("The file is not UTF-8 text") and message.endswith(NOT_UTF8)


def test_a_whole_utf16_file_is_still_imported(db, admin, tmp_path):
    path = write_csv(tmp_path / "utf16.csv", generated_rows(3000), encoding="utf-16")
    assert path.stat().st_size > csvfile.SAMPLE_BYTES

    upload = bulk.import_csv(admin, path, send=False)
    assert (upload.state, upload.succeeded, upload.failed) == (Upload.DONE, 3000, 0)


@pytest.mark.parametrize("kind", ["late-bad-bytes", "two-boms"])
def test_the_command_line_refuses_a_file_that_is_not_text_in_one_line(db_url, tmp_path, kind):
    if kind == "late-bad-bytes":
        path, _ = _file_with_bad_bytes_at(tmp_path, 70_000)
        expected = "Error: The file is not UTF-8 text: line "
    else:
        path = tmp_path / "boms.csv"
        path.write_bytes(U8 + U8)
        expected = "Error: The file is empty."

    done = cli("import", str(path), "--team", "T0TEST", "--send", db_url=db_url, cwd=tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.strip().startswith(expected), done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stdout
    assert not path.with_name(path.name + ".ok.csv").exists()
    from storage.db import database, open_database
    open_database(db_url)
    with database.connection_context():
        assert [(u.state, u.file_name) for u in Upload.select()] == [(Upload.REFUSED, path.name)]
        assert {k: v for k, v in counts().items() if k != "uploads"} == \
            {"customers": 0, "invitations": 0, "outbox": 0, "events": 0, "upload_rows": 0}
