"""The delivery job: drain the email outbox (R17)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

from commands import outbox
from jobs.mailer import PermanentFailure, TemporaryFailure
from commands import templates
from portal.emails import render
from storage.models import Workspace
from storage.db import session

log = logging.getLogger("invitebot.delivery")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: str | None = None  # set when the server could not be reached; rows stay queued
    failed_rows: list = field(default_factory=list)  # rows that failed for good, to tell the inviter


class _Lookups:
    """Workspaces and their custom templates, fetched once per delivery pass instead of per email."""

    def __init__(self):
        self.workspaces: dict[int, Workspace] = {}
        self.templates: dict[tuple[int, str], object] = {}

    def workspace(self, workspace_id: int) -> Workspace:
        if workspace_id not in self.workspaces:
            self.workspaces[workspace_id] = Workspace.get_by_id(workspace_id)
        return self.workspaces[workspace_id]

    def custom(self, workspace_id: int, kind: str):
        key = (workspace_id, kind)
        if key not in self.templates:
            self.templates[key] = templates.custom_for(workspace_id, kind)
        return self.templates[key]


def build_message(row, public_url: str, mail_from: str, lookups: _Lookups | None = None) -> EmailMessage:
    lookups = lookups or _Lookups()
    email = render(row.kind, row.context, public_url, lookups.workspace(row.workspace_id),
                   lookups.custom(row.workspace_id, row.kind))
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


def deliver_pending(transport, public_url: str, mail_from: str, limit: int = 200,
                    batch: int = 100) -> DeliveryReport:
    """Send what is due, over one connection; 4xx retries with backoff, 5xx fails visibly."""
    report = DeliveryReport()
    lookups = _Lookups()
    with session():
        with transport.session() as sender:
            while report.sent + report.retried + report.failed < limit:
                rows = outbox.claim(min(batch, limit))
                if not rows:
                    break
                try:
                    sender.connect()
                except TemporaryFailure as exc:
                    # Server down: nothing is lost and no attempt is spent; the next tick tries again.
                    outbox.release(rows)
                    report.unreachable = str(exc)
                    log.warning("mail server %s unreachable (%s); %d email(s) stay queued",
                                transport.describe(), exc, len(rows))
                    break
                for row in rows:
                    _deliver_one(sender, row, public_url, mail_from, report, lookups)
    return report


def _deliver_one(sender, row, public_url: str, mail_from: str, report: DeliveryReport,
                 lookups: _Lookups) -> None:
    try:
        message = build_message(row, public_url, mail_from, lookups)
    except Exception as exc:  # a broken template must not stop the other emails
        log.exception("outbox #%d (%s) could not be rendered", row.id, row.kind)
        outbox.mark_failed(row, f"could not be rendered: {type(exc).__name__}")
        _failed(report, row, "could not be rendered")
        return
    try:
        sender.send(message)
    except TemporaryFailure as exc:
        if outbox.mark_retry(row, str(exc)):
            _failed(report, row, f"gave up: {exc}")
        else:
            report.retried += 1
            log.info("outbox #%d (%s) will be retried: %s", row.id, row.kind, exc)
    except PermanentFailure as exc:
        outbox.mark_failed(row, str(exc))
        _failed(report, row, str(exc))
    else:
        outbox.mark_sent(row)
        report.sent += 1
        log.info("outbox #%d (%s) delivered", row.id, row.kind)


def _failed(report: DeliveryReport, row, why: str) -> None:
    report.failed += 1
    report.failed_rows.append(row)
    log.warning("outbox #%d (%s) failed for good: %s", row.id, row.kind, why)
