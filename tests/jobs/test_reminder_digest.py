"""R17 reminders: once a day, at the workspace's time in its time zone, the team's channel gets a digest
of the invitations pending longer than N days, oldest first, each with a Resend button."""
from __future__ import annotations

import datetime as dt

import pytest

from commands import invitations, resends
from commands.actor import Actor

from jobkit import (ADA, ADMIN, OLGA, OWNER, app, digest_entries, entry_email, link_in,  # noqa: F401
                    local_time, mail_to, open_page, posts_to, set_clock, slack, text_of, workspace)

NEW_YORK = "America/New_York"
CHANNEL = "C0REMIND"
MONDAY = dt.datetime(2030, 1, 14)  # a winter Monday: New York is UTC-5


def test_the_digest_arrives_at_nine_in_new_york_not_before(app):
    workspace(reminder_channel=CHANNEL, reminder_tz=NEW_YORK, reminder_time="09:00")
    set_clock(MONDAY.replace(hour=1))
    invitations.invite(ADA, "pat@example.com")  # pending more than 3 days from Thursday 01:00 UTC
    thursday = dt.date(2030, 1, 17)

    set_clock(dt.datetime.combine(thursday, dt.time(9, 30)))  # 09:30 UTC is 04:30 in New York
    assert app.remind() == 0
    set_clock(local_time(NEW_YORK, thursday, "08:59"))
    assert app.remind() == 0
    assert posts_to(app.slack, CHANNEL) == []

    set_clock(local_time(NEW_YORK, thursday, "09:00") + dt.timedelta(seconds=30))
    assert app.remind() == 1

    [digest] = posts_to(app.slack, CHANNEL)
    assert [entry_email(e) for e in digest_entries(digest.args)] == ["pat@example.com"]


@pytest.mark.parametrize("day, posted", [(dt.date(2030, 1, 17), False), (dt.date(2030, 7, 18), True)],
                         ids=["winter-08:30-in-new-york", "summer-09:30-in-new-york"])
def test_the_digest_time_follows_daylight_saving_in_the_workspace_zone(app, day, posted):
    workspace(reminder_channel=CHANNEL, reminder_tz=NEW_YORK, reminder_time="09:00")
    set_clock(dt.datetime.combine(day - dt.timedelta(days=4), dt.time(12)))
    invitations.invite(ADA, "pat@example.com")

    set_clock(dt.datetime.combine(day, dt.time(13, 30)))  # 13:30 UTC

    assert app.remind() == (1 if posted else 0)
    assert len(posts_to(app.slack, CHANNEL)) == (1 if posted else 0)


def test_the_digest_lists_only_invitations_pending_longer_than_n_days_oldest_first_naming_the_inviter(app):
    workspace(reminder_channel=CHANNEL, reminder_days=3)
    set_clock(MONDAY.replace(hour=8))
    invitations.invite(ADA, "zed@example.com")
    set_clock(MONDAY.replace(hour=9))
    invitations.invite(OLGA, "amy@example.com")
    set_clock(MONDAY.replace(hour=10))
    invitations.invite(ADA, "max@example.com")
    invitations.invite(ADA, "gone@example.com")
    resends.revoke(ADA, "gone@example.com")
    set_clock(MONDAY + dt.timedelta(days=2, hours=12))
    invitations.invite(OLGA, "recent@example.com")  # pending less than a day on Thursday

    set_clock(MONDAY + dt.timedelta(days=3, hours=10, minutes=30))  # max: 3 days and 30 minutes
    assert app.remind() == 1

    [digest] = posts_to(app.slack, CHANNEL)
    entries = digest_entries(digest.args)
    assert [entry_email(e) for e in entries] == ["zed@example.com", "amy@example.com", "max@example.com"]
    inviters = [ADMIN, OWNER, ADMIN]
    for entry, inviter in zip(entries, inviters):
        assert f"invited by <@{inviter}>" in entry["text"]["text"]
        assert entry["accessory"]["text"]["text"] == "Resend"
        assert entry_email(entry) in entry["accessory"]["value"]
    assert "3 invitation(s) pending for more than 3 day(s)" in text_of(digest.args)
    assert len(digest.args["blocks"]) <= 50


def test_the_resend_button_in_the_digest_sends_the_customer_a_fresh_link(app):
    workspace(reminder_channel=CHANNEL)
    set_clock(MONDAY.replace(hour=8))
    invitations.invite(OLGA, "pat@example.com")
    app.deliver()
    old_link = link_in(app.smtp.wait_for(1)[0])
    set_clock(MONDAY + dt.timedelta(days=3, hours=10))
    app.remind()
    [digest] = posts_to(app.slack, CHANNEL)
    [entry] = digest_entries(digest.args)

    app.click(ADMIN, entry["accessory"], digest)

    assert "fresh link was sent to pat@example.com" in app.reply_to_click(1)["text"]
    app.deliver()
    [_, fresh] = mail_to(app.smtp, "pat@example.com")
    assert open_page(link_in(fresh)).title == "Set up your account"
    assert open_page(old_link).title == "A newer invitation was sent"


def test_a_hundred_and_twenty_due_invitations_arrive_as_three_messages_of_at_most_fifty_blocks(app):
    workspace(reminder_channel=CHANNEL)
    set_clock(MONDAY)
    emails = []
    for n in range(120):
        emails.append(f"customer{n:03d}@example.com")
        invitations.invite(ADA, emails[-1])
        set_clock(MONDAY + dt.timedelta(minutes=n + 1))

    set_clock(MONDAY + dt.timedelta(days=4, hours=9, minutes=30))
    assert app.remind() == 3

    messages = posts_to(app.slack, CHANNEL)
    assert len(messages) == 3
    assert all(len(m.args["blocks"]) <= 50 for m in messages)
    assert [entry_email(e) for m in messages for e in digest_entries(m.args)] == emails
    assert ["part 1 of 3" in text_of(m.args) for m in messages] == [True, False, False]
    assert "part 3 of 3" in text_of(messages[2].args)
    assert "120 invitation(s) pending" in text_of(messages[0].args)


def test_running_the_job_again_the_same_day_posts_no_second_digest(app):
    workspace(reminder_channel=CHANNEL)
    set_clock(MONDAY)
    invitations.invite(ADA, "pat@example.com")

    set_clock(MONDAY + dt.timedelta(days=4, hours=9, minutes=1))
    assert app.remind() == 1
    assert app.remind() == 0
    set_clock(MONDAY + dt.timedelta(days=4, hours=23, minutes=59))
    assert app.remind() == 0
    assert len(posts_to(app.slack, CHANNEL)) == 1

    set_clock(MONDAY + dt.timedelta(days=5, hours=9, minutes=1))
    assert app.remind() == 1
    assert len(posts_to(app.slack, CHANNEL)) == 2


def test_a_clock_jumping_backwards_does_not_repeat_a_digest(app):
    workspace(reminder_channel=CHANNEL)
    set_clock(MONDAY)
    invitations.invite(ADA, "pat@example.com")
    thursday_ten = MONDAY + dt.timedelta(days=3, hours=10)
    friday_ten = thursday_ten + dt.timedelta(days=1)

    set_clock(thursday_ten)
    app.remind()
    set_clock(friday_ten)
    app.remind()
    assert len(posts_to(app.slack, CHANNEL)) == 2

    for back in (friday_ten - dt.timedelta(hours=1), thursday_ten + dt.timedelta(hours=3),
                 thursday_ten, friday_ten):
        set_clock(back)
        assert app.remind() == 0, back
    assert len(posts_to(app.slack, CHANNEL)) == 2


def test_without_a_reminder_channel_the_digest_goes_to_the_approval_channel(app):
    workspace(approval_channel="C0APPROVE")
    set_clock(MONDAY)
    invitations.invite(ADA, "pat@example.com")

    set_clock(MONDAY + dt.timedelta(days=4, hours=10))
    assert app.remind() == 1

    [digest] = posts_to(app.slack, "C0APPROVE")
    assert [entry_email(e) for e in digest_entries(digest.args)] == ["pat@example.com"]


def test_with_no_channel_at_all_nothing_is_posted_and_the_job_carries_on(app):
    workspace()
    workspace("T0OTHER", reminder_channel="C0OTHER")
    set_clock(MONDAY)
    invitations.invite(ADA, "pat@example.com")
    invitations.invite(Actor("T0OTHER", "U0OTHERADMIN", "Oz Other", is_admin=True), "kim@example.com")

    set_clock(MONDAY + dt.timedelta(days=4, hours=10))
    assert app.remind() == 1

    assert [c.args["channel"] for c in app.slack.calls_to("chat.postMessage")] == ["C0OTHER"]
    assert app.remind() == 0
