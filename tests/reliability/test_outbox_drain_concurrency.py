"""R17 outbox on PostgreSQL: three delivery worker processes drain 10,000 queued emails together into a
real SMTP server; each email arrives exactly once (FOR UPDATE SKIP LOCKED: claims never overlap)."""
from __future__ import annotations

import datetime as dt
import email.parser
import re
import time
import uuid
from collections import Counter

import pytest

from bot.localsmtp import SmtpSink
from commands.clock import clock
from storage.db import database, open_database
from storage.models import Customer, OutboxEmail, Workspace

from jobkit import TEAM, cli_env, spawn_python, stop

pytestmark = pytest.mark.postgres

TOTAL = 10_000
WORKERS = 3
DEADLINE_SECONDS = 300  # about a minute on a quiet machine; generous for a busy CI runner

# One delivery worker: the delivery job's function in a loop, as `invitebot deliver` runs it, until a
# pass finds nothing left to claim. Any retry or failure is a test failure (the sink accepts all).
WORKER = """
import sys
from bot.config import Config
from jobs.delivery import deliver_pending
from jobs.mailer import transport_from_url
from storage.db import open_database

config = Config.from_env()
open_database(config.database_url)
sent = 0
while True:
    report = deliver_pending(transport_from_url(config.smtp_url), config.public_url, config.mail_from)
    sent += report.sent
    if report.retried or report.failed or report.unreachable:
        sys.exit(f"retried {report.retried}, failed {report.failed}, unreachable {report.unreachable}")
    if report.sent == 0:
        break
print(f"sent {sent}", flush=True)
"""


class CountingSink(SmtpSink):
    """The real SMTP sink, keeping only each message's headers (10,000 whole messages are a lot)."""

    _headers = email.parser.BytesHeaderParser()

    def _keep(self, envelope) -> None:
        headers = self._headers.parsebytes(envelope.content)
        with self.arrived:
            self.messages.append(headers)
            self.arrived.notify_all()


def queue_emails(count: int) -> set[str]:
    """Queue `count` invitation emails the fast way (one multi-row INSERT per thousand)."""
    now = clock.now()
    ws = Workspace.for_team(TEAM, now, name="Acme Field Services")
    customer = Customer.create(workspace=ws, email="bulk@example.com", email_key="bulk@example.com",
                               name="Bulk Customer", created_at=now)
    ids = [f"<{uuid.uuid4().hex}@invitebot>" for _ in range(count)]
    rows = [{"workspace": ws.id, "customer": customer.id, "kind": "invitation",
             "to_address": f"customer{n:05d}@example.com", "message_id": message_id,
             "context": {"link_path": f"/i/{uuid.uuid4().hex}", "inviter_name": "Ada Admin",
                         "expires_at": f"{now + dt.timedelta(days=7):%Y-%m-%d %H:%M} UTC", "expiry_days": 7,
                         "customer_name": f"Customer {n}", "customer_email": f"customer{n:05d}@example.com",
                         "workspace_name": ws.display_name},
             "status": OutboxEmail.QUEUED, "attempts": 0, "next_attempt_at": now - dt.timedelta(seconds=1),
             "created_at": now}
            for n, message_id in enumerate(ids)]
    with database.atomic():
        for start in range(0, count, 1000):
            OutboxEmail.insert_many(rows[start:start + 1000]).execute()
    return set(ids)


def test_ten_thousand_emails_drained_by_three_workers_each_arrive_exactly_once(pg_url, tmp_path):
    open_database(pg_url)
    with database.connection_context():
        queued = queue_emails(TOTAL)
    assert len(queued) == TOTAL

    with CountingSink() as sink:
        env = cli_env(DATABASE_URL=pg_url, SMTP_URL=sink.url, PUBLIC_URL="https://portal.example")
        logs = [tmp_path / f"worker{n}.log" for n in range(WORKERS)]
        procs = []
        started = time.monotonic()
        try:
            for log in logs:
                procs.append(spawn_python(WORKER, env, log))
            for proc in procs:
                proc.wait(timeout=max(1, DEADLINE_SECONDS - (time.monotonic() - started)))
        finally:
            stop(procs)
        took = time.monotonic() - started
        arrived = sink.wait_for(TOTAL, timeout=5)

    outputs = [log.read_text() for log in logs]
    assert [p.returncode for p in procs] == [0] * WORKERS, "\n".join(outputs)
    delivered_by = [int(re.search(r"^sent (\d+)$", out, re.M).group(1)) for out in outputs]
    ids = Counter(m["Message-ID"] for m in arrived)
    assert [i for i, n in ids.items() if n > 1] == [], "no email was delivered twice"
    assert set(ids) == queued and len(arrived) == TOTAL, "every queued email arrived"
    assert sum(delivered_by) == TOTAL
    assert all(delivered_by), f"the workers shared the work: {delivered_by}"
    with database.connection_context():
        assert dict(Counter(s for (s,) in OutboxEmail.select(OutboxEmail.status).tuples())) == {"sent": TOTAL}
    print(f"{TOTAL} emails by {WORKERS} workers in {took:.1f}s: {delivered_by}")
