"""R17 expiry: a link past its validity becomes Expired, and the inviter is told with a Resend button."""
from __future__ import annotations

from bot.browser import Browser
from commands import customers, invitations, resends
from storage.models import Event, Invitation

from jobkit import ADA, ADMIN, OLGA, OWNER, app, button, link_in, mail_to, open_page, posts_to, slack  # noqa: F401


def test_eight_days_later_the_invitation_is_expired_and_the_inviter_gets_a_dm_with_resend(app, clock):
    invitations.invite(ADA, "pat@example.com", name="Pat")
    app.deliver()
    first_link = link_in(app.smtp.wait_for(1)[0])

    clock.advance(days=6)
    assert app.expire() == 0, "a 7-day link is still valid after 6 days"
    assert posts_to(app.slack, ADMIN) == []

    clock.advance(days=2)
    assert app.expire() == 1

    status = customers.status(ADA, "pat@example.com")
    assert status.label == "Expired"
    assert [(e.kind, e.actor) for e in status.timeline if e.kind == "expired"] == [("expired", "system")]
    [dm] = posts_to(app.slack, ADMIN)
    assert "pat@example.com" in dm.args["text"] and "expired" in dm.args["text"]
    resend = button(dm.args, "Resend")
    assert "pat@example.com" in resend["value"]

    page = open_page(first_link)
    assert (page.status, page.title) == (410, "This invitation has expired")


def test_the_resend_button_in_the_expiry_dm_sends_a_fresh_link_that_works(app, clock):
    invitations.invite(ADA, "pat@example.com", name="Pat")
    app.deliver()
    old_link = link_in(app.smtp.wait_for(1)[0])
    clock.advance(days=8)
    app.expire()
    [dm] = posts_to(app.slack, ADMIN)

    app.click(ADMIN, button(dm.args, "Resend"), dm)

    reply = app.reply_to_click(1)
    assert "fresh link was sent to pat@example.com" in reply["text"]
    assert app.deliver() == 1
    [_, fresh] = mail_to(app.smtp, "pat@example.com")
    new_link = link_in(fresh)
    assert new_link != old_link
    page = open_page(new_link)
    assert (page.status, page.title) == (200, "Set up your account")
    assert customers.status(ADA, "pat@example.com").label == "Invited"
    assert open_page(old_link).title == "A newer invitation was sent"


def test_expiry_runs_again_without_telling_anyone_twice(app, clock):
    invitations.invite(ADA, "pat@example.com")
    invitations.invite(OLGA, "lee@example.com")
    clock.advance(days=8)

    assert app.expire() == 2
    assert app.expire() == 0
    clock.advance(hours=1)
    assert app.expire() == 0

    assert Event.select().where(Event.kind == "expired").count() == 2
    assert [c.args["text"] for c in posts_to(app.slack, ADMIN)] == [
        "Your invitation to pat@example.com expired unused."]
    assert [c.args["text"] for c in posts_to(app.slack, OWNER)] == [
        "Your invitation to lee@example.com expired unused."]


def test_only_links_past_their_validity_expire(app, clock):
    invitations.invite(ADA, "early@example.com")
    clock.advance(days=3)
    invitations.invite(ADA, "late@example.com")
    clock.advance(days=4, minutes=1)

    assert app.expire() == 1

    assert customers.status(ADA, "early@example.com").label == "Expired"
    assert customers.status(ADA, "late@example.com").label == "Invited"
    assert [c.args["text"] for c in posts_to(app.slack, ADMIN)] == [
        "Your invitation to early@example.com expired unused."]


def test_an_accepted_or_revoked_invitation_never_expires(app, clock):
    invitations.invite(ADA, "done@example.com", name="Done")
    invitations.invite(ADA, "gone@example.com")
    app.deliver()
    link = link_in(mail_to(app.smtp, "done@example.com")[0])
    enrolled = Browser().submit(link, {"name": "Done", "password": "blue-harbour-42",
                                       "password2": "blue-harbour-42"})
    assert enrolled.title == "You are enrolled"
    resends.revoke(ADA, "gone@example.com")

    clock.advance(days=30)
    assert app.expire() == 0

    assert posts_to(app.slack, ADMIN) == []
    assert Invitation.select().where(Invitation.status == Invitation.EXPIRED).count() == 0
    assert customers.status(ADA, "done@example.com").label == "Enrolled"
