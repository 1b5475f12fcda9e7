"""What the timed jobs do (R17): expire old links, find reminders due, remind customers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands import history
from commands.actor import SYSTEM, Actor
from commands.clock import clock
from commands.resends import replace_link
from storage.db import atomic
from storage.models import DueReminder, Invitation, Workspace
from storage.runs import ReminderLog

DIGEST_BLOCK_BUDGET = 45  # invitations per digest message (Slack allows 50 blocks)


def _robot(ws: Workspace) -> Actor:
    return Actor(team_id=ws.team_id, user_id=SYSTEM, name="invitebot", is_admin=True)


def expire_due(limit: int = 5000) -> list[Invitation]:
    """Pending invitations past their expiry become Expired, each with an "expired" event."""
    now = clock.now()
    done = []
    # Read them all first: a write transaction begun while this SELECT is still being read fails at
    # once on SQLite ("database is locked", no busy wait) when another process wrote meanwhile.
    for inv in list(Invitation.due_for_expiry(now, limit)):
        with atomic():
            won = (Invitation.update(status=Invitation.EXPIRED)
                   .where((Invitation.id == inv.id) & (Invitation.status == Invitation.PENDING)).execute())
            if won:
                history.record(inv.customer, "expired", actor=SYSTEM, invitation=inv)
                inv.status = Invitation.EXPIRED
                done.append(inv)
    return done


def zone(ws: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(ws.reminder_tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(ws: Workspace, now: dt.datetime | None = None) -> dt.datetime:
    now = now or clock.now()
    return now.replace(tzinfo=dt.timezone.utc).astimezone(zone(ws))


def _reminder_time(ws: Workspace) -> dt.time:
    try:
        hours, minutes = (int(x) for x in (ws.reminder_time or "09:00").split(":"))
        return dt.time(hours, minutes)
    except ValueError:
        return dt.time(9, 0)


@dataclass
class Digest:
    """One workspace's daily list of invitations pending longer than its threshold."""

    workspace: Workspace
    channel: str | None
    day: dt.date
    invitations: list[DueReminder]  # light rows, not models (storage.models.DueReminder)

    @property
    def done_key(self) -> str:
        return f"digest:{self.workspace.id}:{self.day.isoformat()}"

    def part_key(self, part: int) -> str:
        return f"digest:{self.workspace.id}:{self.day.isoformat()}:{part}"

    def parts(self) -> list[list[Invitation]]:
        n = DIGEST_BLOCK_BUDGET
        return [self.invitations[i:i + n] for i in range(0, len(self.invitations), n)]


def digests_due() -> list[Digest]:
    """Workspaces whose reminder time has come today (their time zone) and whose digest is not sent."""
    now = clock.now()
    due = []
    for ws in Workspace.select():
        local = local_now(ws, now)
        if local.time() < _reminder_time(ws):
            continue
        day = local.date()
        if ReminderLog.select().where(ReminderLog.key == f"digest:{ws.id}:{day.isoformat()}").exists():
            continue
        cutoff = now - dt.timedelta(days=ws.reminder_days)
        invitations = list(Invitation.due_for_reminder(ws, cutoff))
        if invitations:
            due.append(Digest(ws, ws.reminder_channel or ws.approval_channel, day, invitations))
    return due


def remind_customers(digest: Digest) -> list[Invitation]:
    """Optional reminder emails (at most N per invitation, one per day), each a "reminded" event."""
    ws = digest.workspace
    if not ws.customer_reminders:
        return []
    reminded = []
    for inv in digest.invitations:
        if inv.reminder_count >= ws.customer_reminder_max:
            continue
        if not ReminderLog.claim(f"email:{inv.customer_id}:{digest.day.isoformat()}", clock.now()):
            continue
        with atomic():
            current = Invitation.get_by_id(inv.id)
            if current.status != Invitation.PENDING:
                continue
            current.reminder_count += 1
            current.last_reminded_at = clock.now()
            new, _ = replace_link(current, _robot(ws), event="reminded", email_kind="reminder",
                                  keep_expiry=True)
            reminded.append(new)
    return reminded
