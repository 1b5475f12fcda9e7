"""Records of the app's own work: resend-all runs, timed-job leases and ticks, reminders already sent,
and Slack events already handled. They make retries and restarts do each thing once."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from storage.models import BaseModel, Workspace


class ResendRun(BaseModel):
    """One `resend all` (R6). An unfinished run whose process is gone is continued by the next one."""

    workspace = pw.ForeignKeyField(Workspace, backref="resend_runs", on_delete="CASCADE")
    by = pw.CharField(max_length=32)
    holder = pw.CharField(max_length=128)  # host:pid:thread doing it
    started_at = pw.DateTimeField()
    heartbeat_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)
    done = pw.IntegerField(default=0)

    @classmethod
    def unfinished(cls, workspace: Workspace) -> "ResendRun | None":
        return (cls.select().where((cls.workspace == workspace) & cls.finished_at.is_null())
                .order_by(cls.id.desc()).first())


class SlackEventReceipt(BaseModel):
    """Slack re-delivers events; the first delivery of an event_id claims it, the rest are ignored."""

    event_id = pw.CharField(max_length=64, unique=True)
    received_at = pw.DateTimeField(index=True)

    @classmethod
    def claim(cls, event_id: str, now: dt.datetime) -> bool:
        return cls.insert_first(event_id=event_id, received_at=now)


class JobLease(BaseModel):
    """SQLite's single-runner lock: whoever holds an unexpired lease runs the job (R17)."""

    name = pw.CharField(max_length=64, unique=True)
    holder = pw.CharField(max_length=128)
    expires_at = pw.DateTimeField()


class JobRun(BaseModel):
    """One row per job per tick: a tick already done by another process is skipped (R17)."""

    job = pw.CharField(max_length=32)
    tick = pw.BigIntegerField()
    holder = pw.CharField(max_length=128)
    started_at = pw.DateTimeField()
    detail = pw.TextField(default="")

    class Meta:
        indexes = ((("job", "tick"), True),)


class ReminderLog(BaseModel):
    """Keys of reminders already sent (digest per workspace per local day, email per invitation per day)."""

    key = pw.CharField(max_length=200, unique=True)
    created_at = pw.DateTimeField()

    @classmethod
    def claim(cls, key: str, now: dt.datetime) -> bool:
        return cls.insert_first(key=key, created_at=now)

    @classmethod
    def release(cls, key: str) -> None:
        cls.delete().where(cls.key == key).execute()
