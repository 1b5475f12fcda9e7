"""APScheduler set-up: one named job per duty, explicit ids, coalesced, never overlapping."""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.delivery import deliver_pending
from jobs.mailer import transport_from_url

log = logging.getLogger("invitebot.scheduler")

DELIVERY_SECONDS = 5


def deliver_job(config) -> None:
    """Job `deliver`: drain the outbox once."""
    transport = transport_from_url(config.smtp_url, config.outbox_dir)
    try:
        deliver_pending(transport, config.public_url, config.mail_from)
    except Exception:  # one failed tick is logged; the next one tries again
        log.exception("delivery tick failed")


def build(config, *, blocking: bool = False):
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    scheduler.add_job(deliver_job, "interval", seconds=DELIVERY_SECONDS, id="deliver",
                      args=[config], replace_existing=True)
    return scheduler
