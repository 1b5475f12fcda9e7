"""APScheduler set-up: one named job per duty, explicit ids, coalesced, never overlapping, and
every tick behind the single-runner lock so several processes do each tick once (R17)."""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from jobs import tasks
from jobs.lock import claim_tick, single_runner
from storage.db import session
from storage.runs import JobRun, SlackEventReceipt

log = logging.getLogger("invitebot.scheduler")

# Seconds between ticks. Ticks are aligned to the wall clock (cron), so every process agrees on
# which tick it is. INVITEBOT_TICK_SECONDS (a divisor of 60) runs every job that often (tests).
INTERVALS = {"deliver": 5, "announce": 5, "expire": 60, "remind": 60}
KEEP_RUNS = dt.timedelta(days=2)


@dataclass
class Wiring:
    """What the jobs need from the outside world, supplied by the adapter."""

    notices: tasks.Notices
    transport: Callable[[], object]
    public_url: str
    mail_from: str


def _deliver(w: Wiring) -> int:
    return tasks.deliver(w.notices, w.transport(), w.public_url, w.mail_from)


def _expire(w: Wiring) -> int:
    count = tasks.expire(w.notices)
    with session():
        cutoff = dt.datetime.utcnow() - KEEP_RUNS
        JobRun.delete().where(JobRun.started_at < cutoff).execute()
        SlackEventReceipt.delete().where(SlackEventReceipt.received_at < cutoff).execute()
    return count


def _remind(w: Wiring) -> int:
    return tasks.remind(w.notices)


def _announce(w: Wiring) -> int:
    return tasks.announce(w.notices)


JOBS: dict[str, Callable[[Wiring], int]] = {"deliver": _deliver, "announce": _announce, "expire": _expire,
                                            "remind": _remind}


def intervals() -> dict[str, int]:
    override = os.environ.get("INVITEBOT_TICK_SECONDS")
    if not override:
        return dict(INTERVALS)
    seconds = int(override)
    if seconds < 1 or 60 % seconds:
        raise ValueError("INVITEBOT_TICK_SECONDS must divide 60 (1, 2, 3, 5, 10, 15, 20, 30, 60).")
    return {name: seconds for name in INTERVALS}


def run_job(name: str, seconds: int, wiring: Wiring) -> None:
    """One tick of one job: only the process holding the lock, and only once per tick."""
    tick = int(time.time() // seconds)
    try:
        with single_runner(name, ttl=seconds * 1.5) as held:
            if not held or not claim_tick(name, tick):
                return
            result = JOBS[name](wiring)
            if result:
                log.info("job %s tick %d: %s item(s)", name, tick, result)
    except Exception:  # one failed tick is logged; the next one tries again
        log.exception("job %s tick %d failed", name, tick)


def _trigger(seconds: int) -> CronTrigger:
    if seconds < 60:
        return CronTrigger(second=f"*/{seconds}", timezone="UTC")
    return CronTrigger(minute=f"*/{seconds // 60}", second=0, timezone="UTC")


def build(wiring: Wiring, *, blocking: bool = False):
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for name, seconds in intervals().items():
        scheduler.add_job(run_job, _trigger(seconds), id=name, name=name, args=[name, seconds, wiring],
                          coalesce=True, max_instances=1, misfire_grace_time=max(1, seconds // 2),
                          replace_existing=True)
    return scheduler
