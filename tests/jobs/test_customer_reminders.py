"""R17 optional customer reminders: with the daily digest, a reminder email with a fresh link, at most M
times per invitation; each is a "reminded" event, and the previous link then says a newer one was sent."""
from __future__ import annotations

import datetime as dt

from bot.browser import Browser
from commands import customers, enrolment, invitations
from commands.actor import Actor
from storage.models import Customer, Event, Invitation

from jobkit import ADA, OLGA, OTHER_TEAM, app, link_in, mail_to, open_page, posts_to, set_clock, slack, workspace  # noqa: F401

CHANNEL = "C0REMIND"
PASSWORD = "blue-harbour-42"
MONDAY = dt.datetime(2030, 1, 14, 10, 0)


def day(n: int, hour: int = 10) -> dt.datetime:
    return MONDAY.replace(hour=hour) + dt.timedelta(days=n)


def kinds(mails: list) -> list[str]:
    """What each email is, as its subject tells the customer."""
    return ["reminder" if m["Subject"].startswith("Reminder") else "invitation" for m in mails]


def reminded(email: str) -> int:
    """Reminder emails sent to this address, in any workspace."""
    return Event.select().join(Customer).where((Customer.email == email) & (Event.kind == "reminded")).count()


def test_each_invitation_gets_at_most_the_set_number_of_reminder_emails_over_several_days(app):
    workspace(reminder_channel=CHANNEL, reminder_days=1, customer_reminders=True, customer_reminder_max=2)
    set_clock(day(0, hour=9))
    invitations.invite(ADA, "pat@example.com")
    invitations.invite(OLGA, "lee@example.com")
    app.deliver()

    for n in range(1, 6):
        set_clock(day(n))
        app.remind()
        set_clock(day(n, hour=16))
        app.remind()  # later the same day: nothing more
        app.deliver()

    assert len(posts_to(app.slack, CHANNEL)) == 5, "the team's digest still comes daily"
    for email in ("pat@example.com", "lee@example.com"):
        assert kinds(mail_to(app.smtp, email)) == ["invitation", "reminder", "reminder"], email
        assert reminded(email) == 2
        assert customers.status(ADA, email).label == "Invited"


def test_the_reminder_link_works_and_the_previous_link_says_a_newer_invitation_was_sent(app):
    workspace(reminder_channel=CHANNEL, reminder_days=1, customer_reminders=True)
    set_clock(day(0, hour=9))
    invitations.invite(ADA, "pat@example.com", name="Pat")
    app.deliver()
    first = link_in(app.smtp.wait_for(1)[0])

    set_clock(day(1))
    app.remind()
    app.deliver()

    [_, reminder] = mail_to(app.smtp, "pat@example.com")
    assert reminder["Subject"].startswith("Reminder:")
    second = link_in(reminder)
    assert second != first
    assert "replaces the one in earlier emails" in reminder.get_body(("plain",)).get_content()
    old = open_page(first)
    assert (old.status, old.title) == (410, "A newer invitation was sent")
    assert open_page(second).title == "Set up your account"
    [event] = [e for e in customers.status(ADA, "pat@example.com").timeline if e.kind == "reminded"]
    assert event.actor == "system"

    done = Browser().submit(second, {"name": "Pat", "password": "blue-harbour-42",
                                     "password2": "blue-harbour-42"})
    assert done.title == "You are enrolled"
    set_clock(day(2))
    app.remind()
    app.deliver()
    assert len(mail_to(app.smtp, "pat@example.com")) == 2, "an enrolled customer is not reminded"


def test_a_reminder_keeps_the_original_expiry(app, clock):
    workspace(reminder_channel=CHANNEL, reminder_days=1, customer_reminders=True)
    set_clock(day(0, hour=9))
    invitations.invite(ADA, "pat@example.com")
    expires = Invitation.get(Invitation.status == Invitation.PENDING).expires_at
    set_clock(day(1))
    app.remind()
    app.deliver()
    reminder_link = link_in(mail_to(app.smtp, "pat@example.com")[-1])
    assert Invitation.get(Invitation.status == Invitation.PENDING).expires_at == expires

    set_clock(expires + dt.timedelta(minutes=1))
    assert app.expire() == 1

    assert open_page(reminder_link).title == "This invitation has expired"
    assert customers.status(ADA, "pat@example.com").label == "Expired"


def test_reminder_emails_are_off_unless_the_workspace_turns_them_on(app):
    workspace(reminder_channel=CHANNEL, reminder_days=1)
    set_clock(day(0, hour=9))
    invitations.invite(ADA, "pat@example.com")
    app.deliver()

    for n in range(1, 4):
        set_clock(day(n))
        app.remind()
        app.deliver()

    assert len(posts_to(app.slack, CHANNEL)) == 3
    assert len(mail_to(app.smtp, "pat@example.com")) == 1
    assert reminded("pat@example.com") == 0


def test_a_limit_of_one_means_one_reminder(app):
    workspace(reminder_channel=CHANNEL, reminder_days=1, customer_reminders=True, customer_reminder_max=1)
    set_clock(day(0, hour=9))
    invitations.invite(ADA, "pat@example.com")

    for n in range(1, 5):
        set_clock(day(n))
        app.remind()
    app.deliver()

    assert kinds(mail_to(app.smtp, "pat@example.com")) == ["invitation", "reminder"]
    assert reminded("pat@example.com") == 1


def test_someone_enrolled_with_another_team_is_reminded_to_log_in_not_to_set_a_password(app):
    other = Actor(OTHER_TEAM, "U0OTHER", "Olga Other", is_admin=True)
    set_clock(day(0, hour=8))
    invitations.invite(other, "pat@example.com")
    app.deliver()
    enrolment.accept(link_in(app.smtp.wait_for(1)[0]).rsplit("/", 1)[-1], "Pat", PASSWORD, PASSWORD)
    workspace(reminder_channel=CHANNEL, reminder_days=1, customer_reminders=True)
    set_clock(day(0, hour=9))
    invitations.invite(ADA, "pat@example.com")
    app.deliver()

    set_clock(day(1))
    app.remind()
    app.deliver()

    mails = mail_to(app.smtp, "pat@example.com")
    assert len(mails) == 3 and reminded("pat@example.com") == 1
    reminder = mails[-1].get_body(("plain",)).get_content()
    assert "log in with the password you already use" in reminder
    assert "Set your password" not in reminder and "not set up yet" not in reminder
    assert enrolment.open_link(link_in(mails[-1]).rsplit("/", 1)[-1]).state == "welcome"
