"""R17 "each job runs exactly once per tick however many processes run": three real `invitebot
scheduler` processes on one database (a SQLite file, and PostgreSQL) with one-second ticks; and three
`invitebot serve` web processes with two schedulers on PostgreSQL for a minute.

These tests wait for the wall clock (the processes tick on it), always within bounded waits. The
schedulers' clock runs 8 days ahead (INVITEBOT_CLOCK_OFFSET), so the invitations this test creates
are already past their expiry for them, and their emails are due.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections import Counter
import urllib.request
from contextlib import ExitStack, contextmanager

import peewee as pw
import pytest

from bot.localslack import BOT_TOKEN
from commands import invitations
from jobs import scheduler
from storage import schema
from storage.db import database, open_database
from storage.models import Event, Invitation
from storage.runs import JobRun

from jobkit import ADA, ADMIN, StandIn, cli_env, posts_to, spawn, stop, wait_until
from reliability.conftest import serving

EIGHT_DAYS = 8 * 24 * 3600
JOBS = tuple(scheduler.JOBS)  # deliver, expire, remind, ...


@pytest.fixture
def standin():
    with StandIn() as slack:
        yield slack


@contextmanager
def schedulers(db_url: str, slack, smtp, folder, count: int = 3):
    env = cli_env(DATABASE_URL=db_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.api_url,
                  SMTP_URL=smtp.url, PUBLIC_URL="http://portal.example", INVITEBOT_TICK_SECONDS="1",
                  INVITEBOT_CLOCK_OFFSET=str(EIGHT_DAYS), OUTBOX_DIR=str(folder / "outbox"))
    logs = [folder / f"scheduler{n}.log" for n in range(count)]
    procs = []
    try:
        for log in logs:
            procs.append(spawn(["scheduler"], env, log))

        def all_running():
            for proc, log in zip(procs, logs):
                if proc.poll() is not None:
                    raise AssertionError(f"a scheduler stopped (exit {proc.returncode}):\n{log.read_text()}")
            return all("scheduler running" in log.read_text() for log in logs)

        wait_until(all_running, 60, "the schedulers to start")
        yield procs
    finally:
        stop(procs)


def pid_of(holder: str) -> int:
    return int(holder.split(":")[-2])  # host:pid:random


def runs(job: str) -> list[tuple[int, str]]:
    return [(r.tick, r.holder) for r in JobRun.select().where(JobRun.job == job).order_by(JobRun.tick)]


def ticks_since(job: str, tick: int) -> list[int]:
    return [t for t, _ in runs(job) if t > tick]


def gaps(ticks: list[int]) -> list[int]:
    return [b - a for a, b in zip(ticks, ticks[1:])]


def test_three_schedulers_do_each_tick_of_each_job_once_and_share_the_work(shared_db, standin, smtp, tmp_path):
    with schedulers(shared_db, standin, smtp, tmp_path) as procs:
        started = int(time.time())
        emails = [f"pat{n}@example.com" for n in range(6)]
        for email in emails:
            invitations.invite(ADA, email)
        wait_until(lambda: all(len(ticks_since(job, started)) >= 22 for job in JOBS), 90,
                   "22 ticks of every job")
        smtp.wait_for(6, timeout=10)
        standin.wait_for("chat.postMessage", 6, timeout=10)
        time.sleep(1.5)  # a late duplicate would show now
        pids = {proc.pid for proc in procs}

    repeated = (JobRun.select(JobRun.job, JobRun.tick).group_by(JobRun.job, JobRun.tick)
                .having(pw.fn.COUNT(JobRun.id) > 1).tuples())
    assert list(repeated) == [], "no tick of any job ran twice"
    holders = Counter()
    for job in JOBS:
        ticks = ticks_since(job, started)
        assert ticks == list(range(ticks[0], ticks[-1] + 1)), f"{job}: every tick ran ({gaps(ticks)})"
        by = Counter(pid_of(h) for t, h in runs(job) if t > started)
        assert set(by) <= pids
        assert len(by) >= 2, f"{job} was shared between the processes: {dict(by)}"
        holders.update(by)
    assert set(holders) == pids, f"all three processes did some of the work: {dict(holders)}"

    assert sorted(m["To"] for m in smtp.messages) == sorted(emails), "each invitation email went out once"
    assert len({m["Message-ID"] for m in smtp.messages}) == 6
    dms = [c.args["text"] for c in posts_to(standin, ADMIN)]
    assert sorted(dms) == sorted(f"Your invitation to {e} expired unused." for e in emails)
    assert Event.select().where(Event.kind == "expired").count() == 6
    assert Invitation.select().where(Invitation.status == Invitation.EXPIRED).count() == 6


def test_killing_the_process_in_the_middle_of_a_job_hands_the_job_over_within_two_ticks(
        shared_db, standin, smtp, tmp_path):
    standin.latency = 1.0  # each expiry DM takes a second: the expire job runs for several
    with schedulers(shared_db, standin, smtp, tmp_path) as procs:
        for n in range(4):
            invitations.invite(ADA, f"pat{n}@example.com")
        standin.wait_for("chat.postMessage", 1, timeout=30)  # the expire job is now telling inviters

        # The run that marked the first invitation expired is the one telling the inviters: the
        # latest expire run started before that moment (runs are stamped with the real clock).
        first = Event.select().where(Event.kind == "expired").order_by(Event.created_at).first()
        marked_at = first.created_at - dt.timedelta(seconds=EIGHT_DAYS)
        running = (JobRun.select().where((JobRun.job == "expire") & (JobRun.started_at <= marked_at))
                   .order_by(JobRun.started_at.desc()).first())
        victim = next(p for p in procs if p.pid == pid_of(running.holder))
        assert victim.poll() is None, "the process running the job is still at it"

        os.kill(victim.pid, signal.SIGKILL)
        killed_at = int(time.time())
        victim.wait(timeout=10)
        standin.latency = 0.0
        wait_until(lambda: all(len(ticks_since(job, killed_at)) >= 6 for job in JOBS), 60,
                   "six more ticks of every job")

    assert victim.returncode == -signal.SIGKILL
    for job in JOBS:
        after = ticks_since(job, killed_at)
        assert after[0] <= killed_at + 2, f"{job}: another process ran it within two ticks of the kill"
        assert max(gaps([killed_at, *after])) <= 2, f"{job} kept running: {after}"
        assert victim.pid not in {pid_of(h) for t, h in runs(job) if t > killed_at}


@pytest.mark.postgres
def test_three_web_processes_and_two_schedulers_on_postgresql_for_a_minute_do_every_tick_once(
        pg_url, standin, smtp, tmp_path):
    """The production layout (docs/operations.md): web processes with two workers each, which run no
    jobs, and separate schedulers, all on PostgreSQL, with admins inviting through every web process."""
    standin.add_user(ADMIN, "Ada Admin", admin=True)
    open_database(pg_url)
    with database.connection_context(), ExitStack() as running:
        webs = [running.enter_context(serving(pg_url, standin, tmp_path / f"web{n}.log", workers=2,
                                              SMTP_URL=smtp.url)) for n in range(3)]
        running.enter_context(schedulers(pg_url, standin, smtp, tmp_path, count=2))
        started = int(time.time())
        emails, acks, pages = [], [], []
        while time.time() < started + 60:
            web = webs[len(emails) % 3]
            emails.append(f"web{len(emails)}@example.com")
            acks.append(web.sim.command(ADMIN, emails[-1]).status)
            pages.append(urllib.request.urlopen(f"{web.url}/login", timeout=10).status)
            time.sleep(0.4)
        smtp.wait_for(len(emails), timeout=30)
        wait_until(lambda: len(posts_to(standin, ADMIN)) >= len(emails), 30, "an expiry DM for each invitation")
        time.sleep(1.5)  # a late duplicate would show now
        ended = int(time.time())
        for web in webs:
            assert "Traceback" not in web.log.read_text()

        assert set(acks) == {200} and set(pages) == {200}
        assert len(emails) >= 100
        repeated = (JobRun.select(JobRun.job, JobRun.tick).group_by(JobRun.job, JobRun.tick)
                    .having(pw.fn.COUNT(JobRun.id) > 1).tuples())
        assert list(repeated) == [], "no tick of any job ran twice"
        for job in JOBS:
            ticks = [t for t in ticks_since(job, started) if t < ended]
            assert ticks == list(range(started + 1, ended)), f"{job}: every tick of the minute ran ({gaps(ticks)})"
        assert sorted(m["To"] for m in smtp.messages) == sorted(emails), "each invitation email went out once"
        assert len({m["Message-ID"] for m in smtp.messages}) == len(emails)
        dms = sorted(c.args["text"] for c in posts_to(standin, ADMIN))
        assert dms == sorted(f"Your invitation to {e} expired unused." for e in emails)
        assert Invitation.select().where(Invitation.status == Invitation.EXPIRED).count() == len(emails)
