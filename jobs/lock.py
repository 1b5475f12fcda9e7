"""The single-runner lock: one process at a time does a job's tick (R17).

APScheduler's job stores cannot be shared between processes, so every tick takes this lock
first: on PostgreSQL a session advisory lock on a dedicated connection (released by the server
if the process dies); on SQLite a lease row claimed in an IMMEDIATE transaction, which expires
so another process takes over within two ticks of a crash.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
import zlib
from contextlib import contextmanager

import peewee as pw
from playhouse import db_url

from storage.db import atomic, is_postgres, opened_url, session
from storage.runs import JobLease, JobRun

log = logging.getLogger("invitebot.lock")

HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> dt.datetime:
    # Leases are about real processes, so they use the real clock, not the tests' moved one.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class _AdvisoryLocks:
    """A dedicated PostgreSQL session per process: its advisory locks die with the process."""

    def __init__(self):
        self._db: pw.Database | None = None
        self._mutex = threading.Lock()

    def _connection(self) -> pw.Database:
        if self._db is None or self._db.is_closed():
            self._db = db_url.connect(opened_url())
            self._db.connect(reuse_if_open=True)
        return self._db

    def try_lock(self, name: str) -> bool:
        key = zlib.crc32(f"invitebot:{name}".encode())
        with self._mutex:
            try:
                return bool(self._connection().execute_sql("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])
            except pw.DatabaseError:
                self._db = None  # the dedicated connection broke; the next tick reconnects
                raise

    def unlock(self, name: str) -> None:
        key = zlib.crc32(f"invitebot:{name}".encode())
        with self._mutex:
            try:
                self._connection().execute_sql("SELECT pg_advisory_unlock(%s)", (key,))
            except pw.DatabaseError:
                self._db = None


_advisory = _AdvisoryLocks()


def _take_lease(name: str, ttl: float) -> bool:
    now = _utcnow()
    with atomic():
        lease = JobLease.get_or_none(JobLease.name == name)
        if lease is None:
            JobLease.create(name=name, holder=HOLDER, expires_at=now + dt.timedelta(seconds=ttl))
            return True
        if lease.holder != HOLDER and lease.expires_at > now:
            return False
        JobLease.update(holder=HOLDER, expires_at=now + dt.timedelta(seconds=ttl)
                        ).where(JobLease.name == name).execute()
        return True


def _drop_lease(name: str) -> None:
    JobLease.update(expires_at=_utcnow()).where((JobLease.name == name) & (JobLease.holder == HOLDER)).execute()


@contextmanager
def single_runner(name: str, ttl: float):
    """Yields True when this process holds the job's lock for the duration of the block."""
    with session():
        if is_postgres():
            held = _advisory.try_lock(name)
            try:
                yield held
            finally:
                if held:
                    _advisory.unlock(name)
        else:
            held = _take_lease(name, ttl)
            try:
                yield held
            finally:
                if held:
                    _drop_lease(name)


def claim_tick(job: str, tick: int, detail: str = "") -> bool:
    """The first process to record (job, tick) does it; the others skip that tick."""
    try:
        with atomic():
            JobRun.create(job=job, tick=tick, holder=HOLDER, started_at=_utcnow(), detail=detail)
        return True
    except pw.IntegrityError:
        return False

