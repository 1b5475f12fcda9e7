"""The jobs, one named function each (R17). Slack is reached only through `notices`, which the
adapter supplies; one item's failure is logged and the batch goes on."""
from __future__ import annotations

import logging
from typing import Protocol

from commands import signup, timed
from jobs.delivery import deliver_pending
from storage.db import session
from storage.runs import ReminderLog

log = logging.getLogger("invitebot.jobs")


class ChannelUnavailable(Exception):
    """The digest's channel cannot be posted in (bot not in it, archived, gone)."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class Notices(Protocol):
    def expired(self, invitation) -> None: ...
    def digest_part(self, digest, part: int, invitations: list) -> None: ...
    def channel_problem(self, workspace, channel: str, error: str) -> None: ...
    def delivery_failed(self, row) -> None: ...
    def signup_request(self, invitation) -> None: ...


def expire(notices: Notices) -> int:
    """Job `expire`: past-due links become Expired; each inviter gets a DM with Resend."""
    with session():
        expired = timed.expire_due()
        for inv in expired:
            try:
                notices.expired(inv)
            except Exception:
                log.exception("could not tell the inviter about an expired invitation (#%d)", inv.id)
    return len(expired)


def remind(notices: Notices) -> int:
    """Job `remind`: each workspace's daily digest at its own time, and optional customer emails."""
    sent = 0
    with session():
        for digest in timed.digests_due():
            try:
                sent += _post_digest(notices, digest)
            except Exception:
                log.exception("digest for workspace #%d failed; the next tick retries", digest.workspace.id)
                continue
            try:
                timed.remind_customers(digest)
            except Exception:
                log.exception("customer reminders for workspace #%d failed", digest.workspace.id)
    return sent


def _post_digest(notices: Notices, digest) -> int:
    """Post each part once (its own key); the digest counts as done when every part is out."""
    now = timed.clock.now()
    if not digest.channel:
        log.info("workspace #%d has no reminder channel; digest skipped", digest.workspace.id)
        ReminderLog.claim(digest.done_key, now)
        return 0
    posted = 0
    for number, invitations in enumerate(digest.parts()):
        key = digest.part_key(number)
        if not ReminderLog.claim(key, now):
            continue  # this part already went out (e.g. before an outage stopped the rest)
        try:
            notices.digest_part(digest, number, invitations)
            posted += 1
        except ChannelUnavailable as exc:
            # Told once per channel and problem; today's digest counts as handled.
            if ReminderLog.claim(f"warn:{digest.workspace.id}:{digest.channel}:{exc.error}", now):
                notices.channel_problem(digest.workspace, digest.channel, exc.error)
            break
        except Exception:
            ReminderLog.release(key)  # Slack is down: the next tick posts this part again
            raise
    ReminderLog.claim(digest.done_key, now)
    return posted


def announce(notices: Notices) -> int:
    """Job `announce`: sign-up requests made on the customer pages are posted for approval."""
    posted = 0
    with session():
        for inv in signup.unannounced_requests():
            try:
                notices.signup_request(inv)
                posted += 1
            except Exception:
                log.exception("could not post sign-up request #%d; the next tick retries", inv.id)
    return posted


def deliver(notices: Notices, transport, public_url: str, mail_from: str) -> int:
    """Job `deliver`: drain the outbox; a delivery that failed for good is told to the inviter."""
    report = deliver_pending(transport, public_url, mail_from)
    if report.failed_rows:
        with session():
            for row in report.failed_rows:
                try:
                    notices.delivery_failed(row)
                except Exception:
                    log.exception("could not tell the inviter about failed delivery #%d", row.id)
    return report.sent
