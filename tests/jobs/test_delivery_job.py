"""R17 outbox delivery: queued email goes out with retries; a refused address is told to the inviter
with a Retry button and shows in the status; a mail server that is down loses nothing."""
from __future__ import annotations

import dataclasses
import datetime as dt

from bot.localsmtp import SmtpSink, free_port
from bot.runtime import job_wiring
from commands import customers, invitations
from commands.outbox import MAX_ATTEMPTS
from storage.models import OutboxEmail

from jobkit import (ADA, ADMIN, OLGA, OWNER, app, button, cli_env, link_in, mail_to,  # noqa: F401
                    open_page, posts_to, slack, spawn, text_of)

REFUSED = "550 5.1.1 <pat@example.com>: no such mailbox here"


def test_a_refused_email_is_told_to_the_inviter_with_a_retry_button_that_works(app):
    app.smtp.behaviour = lambda n: REFUSED
    invitations.invite(OLGA, "pat@example.com")

    assert app.deliver() == 0

    [dm] = posts_to(app.slack, OWNER)
    said = text_of(dm.args)
    assert "could not be delivered" in said and "pat@example.com" in said
    assert "550" in said and "no such mailbox" in said, "the DM says why"
    retry = button(dm.args, "Retry")
    assert posts_to(app.slack, ADMIN) == [], "only the inviter is told"

    app.smtp.behaviour = None
    assert app.deliver() == 0, "a refused email is not sent again by itself"
    app.click(OWNER, retry, dm)
    assert "fresh link was sent to pat@example.com" in app.reply_to_click(1)["text"]
    assert app.deliver() == 1
    [mail] = mail_to(app.smtp, "pat@example.com")
    assert open_page(link_in(mail)).title == "Set up your account"


def test_status_shows_that_delivery_failed(app):
    app.smtp.behaviour = lambda n: REFUSED
    invitations.invite(OLGA, "pat@example.com")
    app.deliver()

    status = customers.status(ADA, "pat@example.com")
    assert [row.to_address for row in status.failed_deliveries] == ["pat@example.com"]
    assert "delivery_failed" in [e.kind for e in status.timeline]

    app.sim.command(ADMIN, "status pat@example.com")
    shown = text_of(app.reply_to_click(1))
    assert "delivery failed" in shown
    assert "1 email(s) could not be delivered: 550" in shown


def test_with_the_mail_server_down_emails_stay_queued_and_go_out_when_it_is_back(app):
    port = free_port()
    down = job_wiring(dataclasses.replace(app.config, smtp_url=f"smtp://127.0.0.1:{port}"))
    invitations.invite(ADA, "pat@example.com")
    invitations.invite(OLGA, "lee@example.com")

    assert app.deliver(down) == 0
    assert app.deliver(down) == 0

    rows = list(OutboxEmail.select())
    assert [(r.status, r.attempts) for r in rows] == [("queued", 0), ("queued", 0)]
    assert app.slack.calls_to("chat.postMessage") == [], "nobody is told of a failure that is not one"
    assert customers.status(ADA, "pat@example.com").failed_deliveries == []

    with SmtpSink(port=port) as back:
        assert app.deliver(down) == 2
        assert sorted(m["To"] for m in back.messages) == ["lee@example.com", "pat@example.com"]
        assert open_page(link_in(back.messages[0])).title == "Set up your account"
    assert {r.status for r in OutboxEmail.select()} == {"sent"}


def test_the_deliver_command_says_the_mail_server_is_down_and_keeps_the_emails(app, db_url, tmp_path):
    invitations.invite(ADA, "pat@example.com")
    port = free_port()
    proc = spawn(["deliver"], cli_env(DATABASE_URL=db_url, SMTP_URL=f"smtp://127.0.0.1:{port}"),
                 tmp_path / "deliver.log")
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = (tmp_path / "deliver.log").read_text()
    assert proc.returncode != 0
    assert f"127.0.0.1:{port} could not be reached" in output and "stay queued" in output
    assert [(r.status, r.attempts) for r in OutboxEmail.select()] == [("queued", 0)]


def test_a_temporary_refusal_is_retried_later(app, clock):
    app.smtp.behaviour = lambda n: "451 4.3.0 mailbox busy, try again later" if n == 1 else None
    invitations.invite(ADA, "pat@example.com")

    assert app.deliver() == 0
    row = OutboxEmail.get()
    assert (row.status, row.attempts) == ("queued", 1) and "451" in row.last_error
    assert row.next_attempt_at > clock.now() - dt.timedelta(seconds=1)

    clock.advance(seconds=31)  # the first retry comes within 30 seconds
    assert app.deliver() == 1
    assert [m["To"] for m in app.smtp.messages] == ["pat@example.com"]
    assert app.slack.calls_to("chat.postMessage") == []


def test_after_the_last_temporary_failure_the_inviter_is_told(app, clock):
    app.smtp.behaviour = lambda n: "451 4.3.0 mailbox busy, try again later"
    invitations.invite(OLGA, "pat@example.com")

    for _ in range(MAX_ATTEMPTS - 1):
        app.deliver()
        clock.advance(hours=1)
    assert posts_to(app.slack, OWNER) == []
    assert OutboxEmail.get().status == "queued"

    app.deliver()
    assert OutboxEmail.get().status == "failed"
    [dm] = posts_to(app.slack, OWNER)
    assert f"gave up after {MAX_ATTEMPTS} attempts" in text_of(dm.args)
    assert button(dm.args, "Retry")
    assert app.smtp.attempts == MAX_ATTEMPTS


def test_a_dropped_connection_is_retried_with_the_same_message_id(app, clock):
    app.smtp.behaviour = lambda n: "drop" if n == 1 else None
    invitations.invite(ADA, "pat@example.com")

    assert app.deliver() == 0
    clock.advance(seconds=31)
    assert app.deliver() == 1

    first, repeat = mail_to(app.smtp, "pat@example.com")
    assert first["Message-ID"] == repeat["Message-ID"], "a receiver can recognise the repeat"
    assert OutboxEmail.get().status == "sent"
