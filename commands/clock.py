"""The time source. Tests move it instead of sleeping."""
from __future__ import annotations

import datetime as dt
import os
import threading


class Clock:
    """UTC now (naive, as stored), shifted by an offset that tests can advance."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = dt.timedelta(seconds=float(os.environ.get("INVITEBOT_CLOCK_OFFSET", "0") or 0))

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + self._offset

    def advance(self, **delta) -> None:
        with self._lock:
            self._offset += dt.timedelta(**delta)

    def reset(self) -> None:
        with self._lock:
            self._offset = dt.timedelta(0)


clock = Clock()
