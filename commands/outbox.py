"""The email outbox: rows written with the change that causes them, drained by the delivery job."""
from __future__ import annotations

import datetime as dt
import random
import uuid

from commands import history
from commands.actor import SYSTEM
from commands.clock import clock
from storage.db import atomic, is_postgres
from storage.models import Customer, Invitation, OutboxEmail

MAX_ATTEMPTS = 8
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)


def enqueue(kind: str, customer: Customer, context: dict, *,
            invitation: Invitation | None = None) -> OutboxEmail:
    """Queue one email; call inside the transaction of the change that causes it."""
    now = clock.now()
    ctx = {"customer_name": customer.name, "customer_email": customer.email,
           "workspace_name": customer.workspace.display_name, **context}
    return OutboxEmail.create(
        workspace=customer.workspace_id, customer=customer, invitation=invitation, kind=kind,
        to_address=customer.email, context=ctx,
        message_id=f"<{uuid.uuid4().hex}@invitebot>",
        next_attempt_at=now, created_at=now)


CLAIM_SECONDS = 120


def claim(limit: int = 100) -> list[OutboxEmail]:
    """Take up to `limit` due rows for this worker: they are pushed CLAIM_SECONDS into the future so
    other workers skip them; a worker that dies leaves them due again afterwards (at least once).
    On PostgreSQL concurrent workers skip each other's rows (FOR UPDATE SKIP LOCKED)."""
    now = clock.now()
    with atomic():
        query = OutboxEmail.due(now, limit)
        if is_postgres():
            query = query.for_update(skip_locked=True)
        rows = list(query)
        if rows:
            (OutboxEmail.update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
             .where(OutboxEmail.id.in_([r.id for r in rows])).execute())
    return rows


def release(rows: list[OutboxEmail]) -> None:
    """Give claimed rows back untouched (the mail server could not be reached; no attempt spent)."""
    if rows:
        (OutboxEmail.update(next_attempt_at=clock.now())
         .where(OutboxEmail.id.in_([r.id for r in rows]) & (OutboxEmail.status == OutboxEmail.QUEUED))
         .execute())


def _scrubbed(context: dict) -> dict:
    # A delivered email's link is no longer needed; the database keeps only the token's hash (R5).
    return {k: v for k, v in context.items() if k != "link_path"}


def mark_sent(row: OutboxEmail) -> None:
    OutboxEmail.update(status=OutboxEmail.SENT, sent_at=clock.now(), attempts=row.attempts + 1,
                       context=_scrubbed(row.context), last_error=None
                       ).where(OutboxEmail.id == row.id).execute()


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff with full jitter."""
    cap = min(MAX_DELAY, BASE_DELAY * (2 ** max(attempts - 1, 0)))
    return dt.timedelta(seconds=random.uniform(0, cap.total_seconds()))


def mark_retry(row: OutboxEmail, error: str) -> bool:
    """A temporary failure (4xx, dropped connection): try again later. After MAX_ATTEMPTS it fails
    for good; returns True then."""
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        mark_failed(row, f"gave up after {attempts} attempts; last error: {error}")
        return True
    OutboxEmail.update(attempts=attempts, last_error=error[:1000],
                       next_attempt_at=clock.now() + retry_delay(attempts)
                       ).where(OutboxEmail.id == row.id).execute()
    return False


def mark_failed(row: OutboxEmail, error: str) -> None:
    """A permanent failure (5xx): visible in the customer's status as "delivery failed"."""
    with atomic():
        OutboxEmail.update(status=OutboxEmail.FAILED, attempts=row.attempts + 1,
                           last_error=error[:1000], context=_scrubbed(row.context)
                           ).where(OutboxEmail.id == row.id).execute()
        if row.customer_id:
            customer = Customer.get_by_id(row.customer_id)
            history.record(customer, "delivery_failed", actor=SYSTEM, invitation=row.invitation_id,
                           detail=f"{row.kind} email to {row.to_address}: {error[:300]}")
    # The caller passes this row on to tell the inviter (delivery_failed_dm): it must say why.
    row.status, row.last_error = OutboxEmail.FAILED, error[:1000]


def failed_for(customer: Customer) -> list[OutboxEmail]:
    return list(OutboxEmail.select().where((OutboxEmail.customer == customer)
                                           & (OutboxEmail.status == OutboxEmail.FAILED))
                .order_by(OutboxEmail.id.desc()))
