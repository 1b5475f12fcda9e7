"""Small typed payloads for button values and private_metadata (never strings spliced together)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields


class _Payload:
    def dump(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None):
        """A forged or garbled payload becomes an empty one, which the listener then refuses."""
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        wanted = {f.name: f.type for f in fields(cls)}
        clean = {}
        for key, value in data.items():
            if key not in wanted or isinstance(value, bool):
                continue
            expected = int if str(wanted[key]).startswith("int") else str
            if isinstance(value, expected) and (expected is int or len(value) <= 500):
                clean[key] = value
        return cls(**clean)


@dataclass(frozen=True)
class Ref(_Payload):
    """Points at one invitation (by id) or customer (by email), optionally a page of a list."""

    i: int | None = None       # invitation id
    e: str | None = None       # customer email
    s: str | None = None       # list status filter
    p: int | None = None       # list page


@dataclass(frozen=True)
class ModalContext(_Payload):
    """Where a modal came from, so its result can be told there."""

    channel: str | None = None
    response_url: str | None = None
    invitation: int | None = None
    message_channel: str | None = None
    message_ts: str | None = None
    kind: str | None = None        # which email template a templates modal shows
    email: str | None = None       # whose access an access modal edits
