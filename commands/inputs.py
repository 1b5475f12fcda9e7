"""Validation and normalisation of what people type (R1, R20)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from commands.errors import InvalidInput

MAX_NAME = 100
MAX_NOTE = 500
MAX_REF = 64
MAX_REASON = 500

# Anything a mail client, a page or Slack may show as a new line (or paragraph): in a one-line field
# it would let a customer's name start a paragraph of its own in the company's email (issue 11).
_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Other control characters, and the bidirectional overrides and isolates that make text read in another
# order than it is written; both are removed. (Joiners, which some names and emoji need, are kept.)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Email:
    address: str  # normalised, as shown
    key: str      # lower-cased: the identity, compared case-insensitively (R1)


def email(raw: str | None, *, check_deliverability: bool = False, field: str = "email") -> Email:
    """Validate and normalise an address with email-validator (R1)."""
    text = (raw or "").strip()
    if text.startswith("mailto:"):
        text = text[len("mailto:"):]
    # Slack wraps typed addresses as <mailto:a@b.c|a@b.c>.
    m = re.fullmatch(r"<mailto:([^|>]+)(?:\|[^>]*)?>", text)
    if m:
        text = m.group(1)
    if not text:
        raise InvalidInput("Please give the customer's email address, e.g. `customer@example.com`.",
                           field=field)
    if len(text) > 320:
        raise InvalidInput("That email address is too long (320 characters at most).", field=field)
    try:
        result = validate_email(text, check_deliverability=check_deliverability)
    except EmailNotValidError as exc:
        raise InvalidInput(f"`{_shorten(text)}` is not a valid email address: {exc} "
                           "Check the spelling and try again.", field=field) from None
    return Email(address=result.normalized, key=result.normalized.lower())


def one_line(raw: str | None) -> str:
    """`raw` as one line: every kind of line break and run of whitespace becomes one space, other
    control characters go; trimmed. (Names, account numbers, job references: issue 11.)"""
    value = raw or ""
    if value.isprintable() and "  " not in value:  # the usual case, checked fast (bulk: millions of cells)
        return unicodedata.normalize("NFC", value.strip())
    value = _CONTROL.sub("", _BREAKS.sub(" ", value))
    return unicodedata.normalize("NFC", " ".join(value.split()))


def text(raw: str | None, *, what: str, limit: int, field: str | None = None, multiline: bool = False) -> str:
    """Trimmed text with control characters removed, refused past `limit`. One line (see one_line)
    unless `multiline`, for notes and reasons, whose line breaks are kept as plain newlines."""
    if multiline:
        value = unicodedata.normalize("NFC", _CONTROL.sub("", _BREAKS.sub("\n", raw or "")).strip())
    else:
        value = one_line(raw)
    if len(value) > limit:
        raise InvalidInput(f"The {what} is too long ({len(value)} characters; {limit} at most). "
                           "Shorten it and try again.", field=field)
    return value


def name(raw: str | None, *, field: str | None = "name") -> str:
    """A person's name: one line, at most MAX_NAME characters."""
    return text(raw, what="name", limit=MAX_NAME, field=field)


_WEB_ADDRESS = re.compile(r"://|\bwww\.|\b[a-z0-9-]+\.(?:com|net|org|io|co|info|biz|xyz|top|link|click)/",
                          re.IGNORECASE)


def name_from_a_stranger(raw: str | None, *, field: str = "name") -> str:
    """A name typed on a public form: one line, and no web address in it, since it is repeated in an
    email the company sends (a link there would be the stranger's words in the company's voice)."""
    value = name(raw, field=field)
    if _WEB_ADDRESS.search(value):
        raise InvalidInput("Please give just your name, without a web address.", field=field)
    return value


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
