"""Database setup: one proxy every model binds to, opened from DATABASE_URL."""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

import peewee
from playhouse import db_url

database = peewee.DatabaseProxy()
_opened_url: str | None = None

DEFAULT_URL = "sqlite:///invitebot.db"

# WAL lets readers run beside the one writer; the busy timeout makes a second
# writer wait instead of failing; IMMEDIATE takes the write lock when a
# transaction begins, so two writers never deadlock upgrading a read lock
# (which SQLite reports as "database is locked" without waiting).
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 60_000,
    "synchronous": "normal",
}


class _HideQueryParameters(logging.Filter):
    """peewee logs every query with its parameters at DEBUG; these carry link tokens on their way to
    the outbox (R5) and password hashes, so the log keeps the SQL and only a count of parameters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            sql, params = record.msg
            record.msg = (sql, f"<{len(params or ())} parameters>")
        return True


logging.getLogger("peewee").addFilter(_HideQueryParameters())


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def open_database(url: str | None = None) -> peewee.Database:
    """Open the database named by url (default DATABASE_URL) and bind the models to it."""
    global _opened_url
    url = url or database_url()
    _opened_url = url
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = db_url.connect(url, pragmas=SQLITE_PRAGMAS, timeout=60, lock_type="IMMEDIATE")
    else:
        db = db_url.connect(url)
    database.initialize(db)
    return db


def opened_url() -> str:
    """The URL the models are bound to (for a second, dedicated connection to the same database)."""
    return _opened_url or database_url()


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def is_postgres() -> bool:
    return isinstance(database.obj, peewee.PostgresqlDatabase)


@contextmanager
def session():
    """A connection for the current thread, closed afterwards (no leaks between threads)."""
    if database.obj is None:
        open_database()
    if database.is_closed():
        with database.connection_context():
            yield
    else:
        yield


def atomic():
    """A write transaction (BEGIN IMMEDIATE on SQLite)."""
    return database.atomic()
