"""Invitation tokens and customer passwords (R5)."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from commands.errors import InvalidInput

TOKEN_BYTES = 32  # 256 bits
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

# argon2-cffi's default profile (RFC 9106 low-memory: Argon2id, t=3, m=64 MiB, p=4)
# is above OWASP's minimum (m=19 MiB, t=2, p=1).
_hasher = PasswordHasher()

MIN_PASSWORD = 10
_COMMON = {"password123", "1234567890", "qwertyuiop", "letmein123", "password12", "iloveyou12"}


def new_token() -> tuple[str, str]:
    """A fresh link token and the digest that is stored instead of it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_digest(token)


def new_tokens(count: int) -> list[tuple[str, str]]:
    """`count` fresh tokens and their digests, as new_token makes them, from one read of the OS's
    random source."""
    raw = secrets.token_bytes(TOKEN_BYTES * count)
    tokens = [base64.urlsafe_b64encode(raw[i:i + TOKEN_BYTES]).rstrip(b"=").decode("ascii")
              for i in range(0, len(raw), TOKEN_BYTES)]
    return [(token, token_digest(token)) for token in tokens]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def plausible_token(token: str) -> bool:
    """False for a truncated or tampered token, without touching the database."""
    return bool(_TOKEN_SHAPE.fullmatch(token or ""))


def check_new_password(password: str, repeat: str, email_key: str = "") -> None:
    if password != repeat:
        raise InvalidInput("The two passwords do not match. Type the same password twice.",
                           field="password2")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.",
                           field="password")
    if len(password) > 256:
        raise InvalidInput("That password is too long (256 characters at most).", field="password")
    lowered = password.lower()
    local = email_key.split("@", 1)[0]
    if lowered in _COMMON or len(set(password)) < 4 or (len(local) >= 4 and local in lowered):
        raise InvalidInput("That password is too easy to guess. Choose one that is not a common "
                           "word, not your email address and not a repeated character.",
                           field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        # Spend the same time as a real check so a missing account is not revealed by timing.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
