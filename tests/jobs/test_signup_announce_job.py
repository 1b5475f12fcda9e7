"""The announce job: a customer's request on the self sign-up page is posted for the admins to approve
(R15, like an agent's request, R4), once, and again on a later tick if Slack was down."""
from __future__ import annotations

from commands import signup

from jobkit import (ADMIN, OWNER, app, button, link_in, mail_to, open_page, posts_to, slack,  # noqa: F401
                    text_of, workspace)


def test_a_sign_up_request_is_posted_once_in_the_approval_channel_with_approve_and_deny(app):
    ws = workspace(approval_channel="C0APPROVE")
    signup.self_signup(ws, "Pat Customer", "pat@example.com", "ACME-1")

    assert app.announce() == 1
    assert app.announce() == 0

    [request] = posts_to(app.slack, "C0APPROVE")
    said = text_of(request.args)
    assert "pat@example.com" in said and "Pat Customer" in said and "ACME-1" in said
    assert button(request.args, "Approve") and button(request.args, "Deny")
    assert posts_to(app.slack, ADMIN) == []


def test_without_an_approval_channel_each_admin_gets_the_request_by_dm_once(app):
    ws = workspace()
    signup.self_signup(ws, "Pat Customer", "pat@example.com")

    app.announce()
    app.announce()

    for admin in (ADMIN, OWNER):
        [dm] = posts_to(app.slack, admin)
        assert "pat@example.com" in text_of(dm.args)


def test_approving_the_announced_request_sends_the_customer_a_working_link(app):
    ws = workspace(approval_channel="C0APPROVE")
    signup.self_signup(ws, "Pat Customer", "pat@example.com")
    app.announce()
    [request] = posts_to(app.slack, "C0APPROVE")

    app.click(ADMIN, button(request.args, "Approve"), request)
    app.slack.wait_for("chat.update", timeout=15)
    assert app.deliver() == 1

    [mail] = mail_to(app.smtp, "pat@example.com")
    assert open_page(link_in(mail)).status == 200


def test_a_request_made_while_slack_is_down_is_posted_on_a_later_tick(app):
    ws = workspace(approval_channel="C0APPROVE")
    signup.self_signup(ws, "Pat Customer", "pat@example.com")
    app.slack.down = True

    app.announce()
    assert app.slack.calls_to("chat.postMessage") == []

    app.slack.down = False
    app.announce()
    app.announce()
    [request] = posts_to(app.slack, "C0APPROVE")
    assert "pat@example.com" in text_of(request.args)


def approved_sign_up(app, email: str = "pat@example.com") -> None:
    """A customer signs up on the page; the request is announced; Ada approves it in Slack."""
    ws = workspace(approval_channel="C0APPROVE")
    signup.self_signup(ws, "Pat Customer", email)
    app.announce()
    [request] = posts_to(app.slack, "C0APPROVE")
    app.click(ADMIN, button(request.args, "Approve"), request)
    app.slack.wait_for("chat.update", timeout=15)


def test_a_signed_up_customers_expired_invitation_is_told_to_the_admin_who_approved_it(app, clock):
    approved_sign_up(app)
    app.deliver()
    clock.advance(days=8)

    assert app.expire() == 1

    [dm] = [c for c in posts_to(app.slack, ADMIN) if "expired" in c.args["text"]]
    assert "pat@example.com" in dm.args["text"]
    assert button(dm.args, "Resend")
    assert posts_to(app.slack, "signup") == [], "no message to a user who does not exist"


def test_a_failed_email_to_a_signed_up_customer_is_told_to_the_admin_who_approved_it(app):
    app.smtp.behaviour = lambda n: "550 5.1.1 no such mailbox"
    approved_sign_up(app)

    app.deliver()

    [dm] = [c for c in posts_to(app.slack, ADMIN) if "could not be delivered" in c.args["text"]]
    assert "550" in text_of(dm.args) and button(dm.args, "Retry")
    assert posts_to(app.slack, "signup") == []


def test_the_digest_names_a_signed_up_customer_as_such_not_as_a_slack_user(app, clock):
    approved_sign_up(app)
    workspace(reminder_channel="C0REMIND", reminder_time="00:00")  # due whatever the hour of the run
    clock.advance(days=4)

    app.remind()

    [digest] = posts_to(app.slack, "C0REMIND")
    said = text_of(digest.args)
    assert "pat@example.com" in said and "Pat Customer (sign-up page)" in said
    assert "<@signup>" not in said
