"""Outbox delivery of 5,000 messages to a local SMTP sink, against a raw smtplib loop on one
connection, in the same run. Prints both rates and, last, `ratio: X.XX (target ≤ 1.5)` =
our time / raw time."""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import smtplib
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COUNT = int(__import__("os").environ.get("BENCH_SMTP_COUNT", 5000))


def _sink(port_queue, stop):
    """An aiosmtpd sink in its own process, so it does not share the benchmark's interpreter."""
    from bot.localsmtp import SmtpSink
    sink = SmtpSink().start()
    port_queue.put(sink.port)
    stop.wait()
    port_queue.put(len(sink.messages))
    sink.stop()


def _start_sink():
    ctx = mp.get_context("spawn")
    ports, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_sink, args=(ports, stop), daemon=True)
    proc.start()
    return proc, ports, stop, ports.get(timeout=30)


def _stop_sink(proc, ports, stop) -> int:
    stop.set()
    received = ports.get(timeout=30)
    proc.join(10)
    return received


def _fill_outbox(db_url: str) -> None:
    from storage import schema
    from storage.bulk import insert_rows
    from storage.db import atomic, open_database
    from storage.models import Customer, OutboxEmail, Workspace
    open_database(db_url)
    schema.upgrade()
    now = dt.datetime.utcnow()
    ws = Workspace.for_team("TBENCH", now, name="Acme Lighting")
    with atomic():
        insert_rows(Customer, [Customer.workspace, Customer.email, Customer.email_key, Customer.name,
                               Customer.created_at],
                    [(ws.id, f"c{i}@example.com", f"c{i}@example.com", f"Customer {i}", now) for i in range(COUNT)])
        ids = [c.id for c in Customer.select(Customer.id).order_by(Customer.id)]
        insert_rows(OutboxEmail, [OutboxEmail.workspace, OutboxEmail.customer, OutboxEmail.kind,
                                  OutboxEmail.to_address, OutboxEmail.context, OutboxEmail.message_id,
                                  OutboxEmail.next_attempt_at, OutboxEmail.created_at],
                    [(ws.id, cid, "invitation", f"c{i}@example.com",
                      {"customer_name": f"Customer {i}", "customer_email": f"c{i}@example.com",
                       "workspace_name": "Acme Lighting", "link_path": f"/i/{uuid.uuid4().hex}{uuid.uuid4().hex}",
                       "inviter_name": "Sam Agent", "expires_at": "2026-12-02 09:00 UTC", "expiry_days": 7},
                      f"<{uuid.uuid4().hex}@invitebot>", now - dt.timedelta(seconds=1), now)
                     for i, cid in enumerate(ids)])


def ours(port: int, db_url: str) -> float:
    from jobs.delivery import deliver_pending
    from jobs.mailer import SmtpTransport
    _fill_outbox(db_url)
    start = time.perf_counter()
    report = deliver_pending(SmtpTransport(f"smtp://127.0.0.1:{port}"), "https://portal.example.com",
                             "Acme Lighting <no-reply@example.com>", limit=COUNT)
    elapsed = time.perf_counter() - start
    assert report.sent == COUNT, report
    return elapsed


def raw(port: int) -> float:
    """The reference: the same kind of multipart message, built and sent in a plain loop."""
    text = ("Hello Customer {i},\n\nSam Agent at Acme Lighting invited you to the Acme Lighting customer "
            "portal.\n\nSet your password here to get started:\nhttps://portal.example.com/i/{token}\n\n"
            "The link works once and is valid until 2026-12-02 09:00 UTC.\n")
    html = ("<!doctype html><html><body><p>Hello Customer {i},</p><p>Sam Agent at Acme Lighting invited you."
            "</p><p><a href=\"https://portal.example.com/i/{token}\">Set your password</a></p></body></html>")
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for i in range(COUNT):
            token = uuid.uuid4().hex
            msg = EmailMessage()
            msg["From"] = "Acme Lighting <no-reply@example.com>"
            msg["To"] = f"c{i}@example.com"
            msg["Subject"] = "Acme Lighting invited you to its customer portal"
            msg["Message-ID"] = f"<{uuid.uuid4().hex}@invitebot>"
            msg.set_content(text.format(i=i, token=token))
            msg.add_alternative(html.format(i=i, token=token), subtype="html")
            conn.send_message(msg)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc, ports, stop, port = _start_sink()
        try:
            raw_time = raw(port)
            our_time = ours(port, f"sqlite:///{tmp}/bench.db")
        finally:
            received = _stop_sink(proc, ports, stop)
    print(f"messages: {COUNT} each way; the sink received {received}")
    print(f"raw smtplib loop, one connection: {raw_time:6.2f} s  {COUNT / raw_time:7.0f} msg/s")
    print(f"invitebot outbox delivery:        {our_time:6.2f} s  {COUNT / our_time:7.0f} msg/s")
    print(f"ratio: {our_time / raw_time:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
