"""Schema versions: migrations in storage/migrations, applied by peewee-migrate."""
from __future__ import annotations

import logging
from pathlib import Path

from peewee_migrate import Router

from storage.db import database
from storage.models import (AppAdmin, Customer, EmailTemplate, Event, Invitation, OutboxEmail, RequestMessage,
                            Upload, UploadRow, Workspace)
from storage.runs import JobLease, JobRun, ReminderLog, ResendRun, SlackEventReceipt
from storage.signups import SignupEmailGate, SignupLink, SpentFormToken

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
log = logging.getLogger("invitebot.schema")

# Every table, each after the tables it points at.
ALL_MODELS = [Workspace, AppAdmin, Upload, UploadRow, Customer, Invitation, Event, OutboxEmail, SlackEventReceipt,
              JobLease, JobRun, ReminderLog, SignupLink, EmailTemplate, ResendRun, RequestMessage,
              SignupEmailGate, SpentFormToken]


class SchemaOutdated(Exception):
    """The database lacks migrations this code needs."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(
            f"The database schema is out of date ({len(missing)} migration(s) not applied: "
            f"{', '.join(missing)}). Run `invitebot db upgrade`, then start again."
        )


def _router() -> Router:
    quiet = logging.getLogger("invitebot.schema.router")
    quiet.setLevel(logging.WARNING)
    return Router(database, migrate_dir=MIGRATIONS_DIR, logger=quiet)


def pending_migrations() -> list[str]:
    return list(_router().diff)


def upgrade() -> list[str]:
    """Apply every migration not yet applied; returns their names."""
    router = _router()
    todo = list(router.diff)
    if todo:
        router.run()
    return todo


def require_current() -> None:
    """Raise SchemaOutdated unless every migration has been applied."""
    missing = pending_migrations()
    if missing:
        raise SchemaOutdated(missing)

