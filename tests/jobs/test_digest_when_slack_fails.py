"""R17 reminders when Slack misbehaves: a channel the bot cannot post in is told to the admins once;
an outage loses nothing (the next tick posts what is missing); a rate limit delays, never duplicates."""
from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from bot.runtime import job_wiring
from commands import invitations
from commands.actor import Actor
from jobs import tasks

from jobkit import (ADA, ADMIN, AGENT, OTHER_TEAM, OWNER, app, digest_entries, entry_email,  # noqa: F401
                    posts_to, set_clock, slack, text_of, workspace)

CHANNEL = "C0REMIND"
MONDAY = dt.datetime(2030, 1, 14)
THURSDAY_TEN = MONDAY + dt.timedelta(days=3, hours=10)
OZ = Actor(OTHER_TEAM, "U0OZ", "Oz Other", is_admin=True)


def invite_many(count: int, actor: Actor = ADA) -> list[str]:
    emails = []
    for n in range(count):
        set_clock(MONDAY + dt.timedelta(minutes=n))
        emails.append(f"c{n:03d}.{actor.team_id.lower()}@example.com")
        invitations.invite(actor, emails[-1])
    return emails


@pytest.mark.parametrize("trouble, explained", [("not_in_channel", "I am not a member of it — add me from the "
                                                                  "channel's details (Integrations → Add apps)"),
                                                ("is_archived", "it is archived")])
def test_a_channel_the_bot_cannot_post_in_is_told_to_the_admins_once_and_other_digests_still_go_out(
        app, trouble, explained):
    workspace(reminder_channel="C0BROKEN")
    workspace(OTHER_TEAM, reminder_channel="C0OTHER")
    (app.slack.not_in_channel if trouble == "not_in_channel" else app.slack.archived).add("C0BROKEN")
    invite_many(1, ADA)
    invite_many(1, OZ)

    for n in range(4):
        set_clock(THURSDAY_TEN + dt.timedelta(days=n))
        app.remind()
        app.remind()

    assert len(posts_to(app.slack, "C0OTHER")) == 4, "the other workspace's digest came every day"
    for admin in (ADMIN, OWNER):
        [dm] = posts_to(app.slack, admin)
        assert "<#C0BROKEN>" in text_of(dm.args) and explained in text_of(dm.args)
        assert "/invite settings" in text_of(dm.args)
    assert posts_to(app.slack, AGENT) == [], "only admins are told"
    assert len(posts_to(app.slack, "C0BROKEN")) == 4, "one attempt a day (the stand-in records refused calls)"

    (app.slack.not_in_channel if trouble == "not_in_channel" else app.slack.archived).discard("C0BROKEN")
    set_clock(THURSDAY_TEN + dt.timedelta(days=4))
    app.remind()
    attempts = posts_to(app.slack, "C0BROKEN")
    assert len(attempts) == 5
    assert [entry_email(e) for e in digest_entries(attempts[-1].args)] == ["c000.t0test@example.com"]
    assert len(posts_to(app.slack, ADMIN)) == 1, "a fixed channel needs no more messages to admins"


def test_the_channel_problem_names_the_command_as_the_admins_type_it(app):
    """INVITE_COMMAND reaches the jobs' notices through their wiring; the way to fix a channel the bot
    is not in never says to type an invite command (Slack's own channel /invite would answer)."""
    workspace(reminder_channel="C0BROKEN")
    app.slack.not_in_channel.add("C0BROKEN")
    invite_many(1, ADA)
    set_clock(THURSDAY_TEN)
    renamed = job_wiring(dataclasses.replace(app.config, invite_command="/portal-invite"))
    tasks.remind(renamed.notices)
    for admin in (ADMIN, OWNER):
        [dm] = posts_to(app.slack, admin)
        text = text_of(dm.args)
        assert "add me from the channel's details (Integrations → Add apps)" in text
        assert "`/portal-invite settings`" in text
        assert "/invite" not in text

def test_a_slack_outage_loses_nothing_and_the_next_tick_posts_the_digest(app, clock):
    workspace(reminder_channel=CHANNEL)
    emails = invite_many(2)
    set_clock(THURSDAY_TEN)
    app.slack.fail_next("chat.postMessage", status=500, times=5)  # longer than the client retries

    assert app.remind() == 0
    assert posts_to(app.slack, CHANNEL) == []

    clock.advance(minutes=1)
    assert app.remind() == 1
    clock.advance(minutes=1)
    assert app.remind() == 0

    [digest] = posts_to(app.slack, CHANNEL)
    assert [entry_email(e) for e in digest_entries(digest.args)] == emails


def test_an_outage_between_two_parts_of_a_digest_posts_each_part_exactly_once(app, clock):
    workspace(reminder_channel=CHANNEL)
    emails = invite_many(50)  # two parts: 45 and 5
    set_clock(THURSDAY_TEN)
    app.slack.fail_after("chat.postMessage", ok=1, status=500, times=3)

    app.remind()
    assert len(posts_to(app.slack, CHANNEL)) == 1, "part 1 went out before Slack failed"

    clock.advance(minutes=1)
    app.remind()
    clock.advance(minutes=1)
    app.remind()

    parts = posts_to(app.slack, CHANNEL)
    assert len(parts) == 2
    assert ["part 1 of 2" in text_of(p.args) for p in parts] == [True, False]
    assert "part 2 of 2" in text_of(parts[1].args)
    assert [entry_email(e) for p in parts for e in digest_entries(p.args)] == emails


def test_a_rate_limited_digest_waits_as_slack_asks_and_arrives_exactly_once(app, clock):
    workspace(reminder_channel=CHANNEL)
    invite_many(3)
    set_clock(THURSDAY_TEN)
    app.slack.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    assert app.remind() == 1
    clock.advance(minutes=1)
    assert app.remind() == 0

    [digest] = posts_to(app.slack, CHANNEL)
    assert digest.at - started >= 1.0, "the digest was posted after Slack's Retry-After"
    assert len(digest_entries(digest.args)) == 3
