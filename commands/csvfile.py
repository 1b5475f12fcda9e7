"""Reading a customers CSV file (R12): its encoding, delimiter and columns, and its rows one by one.

A file is checked whole before anything is written: too large, not text, not CSV, no header, no
rows — each refused with what to do about it."""
from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from commands.errors import InvalidInput

EXPECTED_HEADER = "Account Number,Customer Email,Customer First Name,Customer Last Name"
_HEADERS = {"account number": "account", "customer email": "email", "work email address": "email",
            "customer first name": "first", "customer last name": "last", "full name": "full"}
_REQUIRED = {"account": "Account Number", "email": "Customer Email"}
_DELIMITERS = (",", ";", "\t")
SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = int(os.environ.get("INVITEBOT_IMPORT_MAX_BYTES", 100 * 1024 * 1024))
    max_rows: int = int(os.environ.get("INVITEBOT_IMPORT_MAX_ROWS", 1_000_000))


class FileRefused(InvalidInput):
    """The whole file cannot be imported; nothing was written."""


@dataclass(frozen=True)
class Layout:
    encoding: str
    delimiter: str
    columns: dict[str, int]  # our field -> column index


def _not_text(line: int | None = None) -> str:
    where = f": line {line} has characters in another encoding" if line else ""
    return (f"The file is not UTF-8 text{where}. In your spreadsheet, save it as \"CSV UTF-8 (comma "
            "delimited)\" and upload that.")


_EMPTY = f"The file is empty. Upload a CSV whose first line is the header: {EXPECTED_HEADER}"
_CUT = ("unexpected end of data", "truncated data")  # what a character cut by the end of the sample raises


def _sniff(path: Path) -> Layout:
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip():
        raise FileRefused(_EMPTY)
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in sample or sample.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xd0\xcf\x11\xe0")):
        raise FileRefused("This is not a CSV file (it looks like a spreadsheet, PDF or other binary "
                          "file). Save it as \"CSV UTF-8\" and upload that.")
    else:
        encoding = "utf-8-sig"
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError as exc:
        # Only a character cut where the sample stops is not an error (check_file reads the rest).
        if not (len(sample) == SAMPLE_BYTES and exc.end == len(sample) and exc.reason in _CUT):
            raise FileRefused(_not_text()) from None
        text = sample[:exc.start].decode(encoding)
    # U+FEFF is not whitespace to str.strip(): a file of byte order marks (two of them, or one per line)
    # holds nothing.
    if not text.replace("\ufeff", "").strip():
        raise FileRefused(_EMPTY)
    header_line = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max(_DELIMITERS, key=header_line.count)
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        field = _HEADERS.get(" ".join(name.replace("\ufeff", "").strip().lower().split()))
        if field and field not in columns:
            columns[field] = index
    missing = [label for field, label in _REQUIRED.items() if field not in columns]
    if missing:
        raise FileRefused(f"The file is missing the column(s) {', '.join(missing)}. The first line must "
                          f"be a header like: {EXPECTED_HEADER} (first and last name are optional; "
                          "Full Name and Work Email Address are accepted too).")
    return Layout(encoding, delimiter, columns)


def _open(path: Path, layout: Layout):
    return open(path, encoding=layout.encoding, errors="strict", newline="")


def _first_line_not_utf8(path: Path) -> int | None:
    """The number of the first line that is not UTF-8 (no byte of a UTF-8 character is a newline, so
    each line decodes on its own); read only once a file was found to be undecodable."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def data_rows(path: Path, layout: Layout) -> Iterator[list[str]]:
    with _open(path, layout) as f:
        reader = csv.reader(f, delimiter=layout.delimiter)
        try:
            next(reader, None)
            for row in reader:
                text = "".join(row)
                if "\x00" in text:  # past the sniffed sample, or in UTF-16: the database cannot store it
                    raise FileRefused(f"Line {reader.line_num} contains a NUL character, so this is not a "
                                      "plain CSV file. Save it as \"CSV UTF-8\" and upload that.")
                if text.strip():  # (a row of empty cells is skipped)
                    yield row
        except csv.Error:  # a cell past the csv module's 128 KiB limit: a quote opened and never closed
            raise FileRefused(f"Line {reader.line_num} cannot be read as CSV: a cell there is far too long, "
                              "usually because a quote (\") is opened and never closed. Fix that line and "
                              "upload the file again.") from None
        except UnicodeDecodeError:  # past the sniffed sample: refused whole, never imported with "\ufffd"s
            line = _first_line_not_utf8(path) if layout.encoding == "utf-8-sig" else None
            raise FileRefused(_not_text(line)) from None


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path: Path, limits: Limits = Limits()) -> tuple[Layout, int]:
    """Refuse a file that cannot be imported before anything is written; returns its layout and row count."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileRefused(f"The file is {size / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.0f} MB. "
                          "Split it into smaller files and upload each.")
    layout = _sniff(path)
    rows = 0
    for rows, _ in enumerate(data_rows(path, layout), start=1):
        if rows > limits.max_rows:
            raise FileRefused(f"The file has more than {limits.max_rows:,} rows, the most one upload "
                              "takes. Split it into smaller files and upload each.")
    if rows == 0:
        raise FileRefused(f"The file has a header but no customers. Add one row per customer under: "
                          f"{EXPECTED_HEADER}")
    return layout, rows
