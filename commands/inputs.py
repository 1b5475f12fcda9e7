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

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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


def text(raw: str | None, *, what: str, limit: int, field: str | None = None) -> str:
    """Trimmed single-purpose text with control characters removed; refused past `limit`."""
    value = unicodedata.normalize("NFC", _CONTROL.sub("", (raw or "").strip()))
    if len(value) > limit:
        raise InvalidInput(f"The {what} is too long ({len(value)} characters; {limit} at most). "
                           "Shorten it and try again.", field=field)
    return value


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
