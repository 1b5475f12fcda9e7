"""The delivery job: drain the email outbox (R17)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from commands import outbox
from jobs.mailer import PermanentFailure, TemporaryFailure
from portal.emails import render
from storage.db import session

log = logging.getLogger("invitebot.delivery")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: str | None = None  # set when the server could not be reached; rows stay queued


def build_message(row, public_url: str, mail_from: str) -> EmailMessage:
    email = render(row.kind, row.context, public_url)
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = row.to_address
    msg["Subject"] = email.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = row.message_id  # stable per row, so a repeat after a dropped connection is recognisable
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email.text)
    msg.add_alternative(email.html, subtype="html")
    return msg


def deliver_pending(transport, public_url: str, mail_from: str, limit: int = 200) -> DeliveryReport:
    """Send what is due, over one connection; 4xx retries with backoff, 5xx fails visibly."""
    report = DeliveryReport()
    with session():
        rows = outbox.due(limit)
        if not rows:
            return report
        with transport.session() as sender:
            try:
                sender.connect()
            except TemporaryFailure as exc:
                # Server down: nothing is lost and no attempt is spent; the next tick tries again.
                report.unreachable = str(exc)
                log.warning("mail server %s unreachable (%s); %d email(s) stay queued",
                            transport.describe(), exc, len(rows))
                return report
            for row in rows:
                try:
                    message = build_message(row, public_url, mail_from)
                except Exception as exc:  # a broken template must not stop the other emails
                    log.exception("outbox #%d (%s) could not be rendered", row.id, row.kind)
                    outbox.mark_failed(row, f"could not be rendered: {type(exc).__name__}")
                    report.failed += 1
                    continue
                try:
                    sender.send(message)
                except TemporaryFailure as exc:
                    outbox.mark_retry(row, str(exc))
                    report.retried += 1
                    log.info("outbox #%d (%s) will be retried: %s", row.id, row.kind, exc)
                except PermanentFailure as exc:
                    outbox.mark_failed(row, str(exc))
                    report.failed += 1
                    log.warning("outbox #%d (%s) failed permanently: %s", row.id, row.kind, exc)
                else:
                    outbox.mark_sent(row)
                    report.sent += 1
                    log.info("outbox #%d (%s) delivered", row.id, row.kind)
    return report
