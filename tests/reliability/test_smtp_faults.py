"""Email delivery through a real SMTP server on loopback: the outbox, retries and failures (R17, R19)."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections import defaultdict

import pytest

from bot.localsmtp import SmtpSink, free_port
from commands import customers, invitations
from jobs.delivery import deliver_pending
from jobs.mailer import SmtpTransport, transport_from_url
from storage.models import OutboxEmail

from support import BRAND, branded_workspace, queued_token, run_cli

PUBLIC_URL = "https://portal.example.com"
MAIL_FROM = "Acme portal <no-reply@portal.example.com>"
BACKOFF_CAP = dt.timedelta(hours=2)  # more than any single retry delay (full jitter, capped at 1 hour)


@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


def deliver(url_or_transport, attempts: int = 200):
    """One delivery pass making at most `attempts` attempts (full jitter may make a retry due at once,
    and a pass keeps going while anything is due, so tests that count per pass bound it)."""
    transport = url_or_transport if not isinstance(url_or_transport, str) else SmtpTransport(url_or_transport)
    return deliver_pending(transport, PUBLIC_URL, MAIL_FROM, limit=attempts)


def row_for(address: str) -> OutboxEmail:
    return OutboxEmail.get(OutboxEmail.to_address == address)


def test_invitation_email_is_text_and_html_with_the_link_and_the_rows_message_id(admin, smtp):
    invitations.invite(admin, "pat@example.com", name="Pat Customer")
    token = queued_token("pat@example.com")
    assert deliver(smtp.url).sent == 1
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "pat@example.com"
    assert mail["From"] == MAIL_FROM
    assert mail["Subject"] == f"{BRAND} invited you to its customer portal"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    link = f"{PUBLIC_URL}/i/{token}"
    assert "Hello Pat Customer," in text and link in text
    assert f'href="{link}"' in html
    assert "valid until" in text
    assert re.fullmatch(r"<[0-9a-f]{32}@invitebot>", mail["Message-ID"])
    assert mail["Message-ID"] == row_for("pat@example.com").message_id


def test_temporary_refusals_are_retried_after_the_backoff_and_delivered_exactly_once(admin, clock):
    invitations.invite(admin, "pat@example.com")
    with SmtpSink(behaviour=lambda n: "451 4.3.0 try later" if n <= 2 else None) as sink:
        first = deliver(sink.url, attempts=1)
        assert (first.sent, first.retried) == (0, 1)
        row = row_for("pat@example.com")
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.last_error.startswith("451")
        assert row.next_attempt_at <= clock.now() + dt.timedelta(seconds=30)
        clock.advance(seconds=BACKOFF_CAP.total_seconds())
        assert deliver(sink.url, attempts=1).retried == 1
        clock.advance(seconds=BACKOFF_CAP.total_seconds())
        assert deliver(sink.url).sent == 1
        clock.advance(seconds=BACKOFF_CAP.total_seconds())
        assert deliver(sink.url).sent == 0
        assert [m["To"] for m in sink.wait_for(1)] == ["pat@example.com"]
        assert sink.attempts == 3
    row = row_for("pat@example.com")
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert "delivery_failed" not in [e.kind for e in customers.status(admin, "pat@example.com").timeline]


def test_permanent_refusal_marks_the_email_failed_and_shows_in_the_customers_status(admin, clock):
    invitations.invite(admin, "pat@example.com")
    with SmtpSink(behaviour=lambda n: "550 5.1.1 no such user") as sink:
        assert deliver(sink.url).failed == 1
        clock.advance(seconds=BACKOFF_CAP.total_seconds())
        assert deliver(sink.url).failed == 0  # never retried
        assert sink.attempts == 1 and sink.messages == []
    row = row_for("pat@example.com")
    assert row.status == "failed" and "550 5.1.1 no such user" in row.last_error
    assert "link_path" not in row.context
    view = customers.status(admin, "pat@example.com")
    assert view.timeline[-1].kind == "delivery_failed"
    assert view.timeline[-1].detail == "invitation email to pat@example.com: 550 5.1.1 no such user"
    assert [f.id for f in view.failed_deliveries] == [row.id]
    assert "delivery failed: invitation email to pat@example.com: 550 5.1.1 no such user" in view.message


def test_connection_dropped_after_data_is_retried_and_a_repeat_carries_the_same_message_id(admin, clock):
    invitations.invite(admin, "pat@example.com")
    invitations.invite(admin, "sam@example.com")
    with SmtpSink(behaviour=lambda n: "drop" if n == 1 else None) as sink:
        first = deliver(sink.url, attempts=2)
        assert (first.sent, first.retried) == (1, 1)  # the second email goes out on a new connection
        clock.advance(seconds=BACKOFF_CAP.total_seconds())
        assert deliver(sink.url).sent == 1
        received = sink.wait_for(3)
    by_recipient = defaultdict(set)
    for mail in received:
        by_recipient[mail["To"]].add(mail["Message-ID"])
    assert set(by_recipient) == {"pat@example.com", "sam@example.com"}
    for address, ids in by_recipient.items():
        assert ids == {row_for(address).message_id}, address
        assert row_for(address).status == "sent"


def test_mail_server_down_leaves_every_email_queued_without_spending_an_attempt(admin):
    invitations.invite(admin, "pat@example.com")
    invitations.invite(admin, "sam@example.com")
    port = free_port()
    report = deliver(f"smtp://127.0.0.1:{port}")
    assert report.sent == report.retried == report.failed == 0
    assert "ConnectionRefusedError" in report.unreachable
    assert [(r.status, r.attempts) for r in OutboxEmail.select()] == [("queued", 0), ("queued", 0)]
    with SmtpSink(port=port) as sink:  # the server comes back
        assert deliver(sink.url).sent == 2
        assert sorted(m["To"] for m in sink.wait_for(2)) == ["pat@example.com", "sam@example.com"]


def test_without_smtp_url_emails_are_written_as_readable_eml_files(admin, tmp_path):
    invitations.invite(admin, "pat@example.com", name="Pat")
    token = queued_token("pat@example.com")
    folder = tmp_path / "outbox"
    assert deliver(transport_from_url(None, folder)).sent == 1
    [file] = folder.glob("*.eml")
    mail = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "pat@example.com"
    assert mail["Subject"] == f"{BRAND} invited you to its customer portal"
    assert f"{PUBLIC_URL}/i/{token}" in mail.get_body(("plain",)).get_content()
    assert file.stem == row_for("pat@example.com").message_id.strip("<>").split("@")[0]


def test_deliver_command_prints_what_it_delivered_retried_and_failed(db_url, admin, tmp_path):
    for name in ("ok", "bounced", "later"):
        invitations.invite(admin, f"{name}@example.com")
    # The temporary refusal comes last, so its jittered retry (0–30 s) cannot fall due within this pass.
    replies = {1: None, 2: "550 5.1.1 no such user", 3: "451 4.3.0 try later"}
    with SmtpSink(behaviour=replies.get) as sink:
        done = run_cli("deliver", env={"DATABASE_URL": db_url, "SMTP_URL": sink.url,
                                       "PUBLIC_URL": PUBLIC_URL}, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == (f"Delivered 1, will retry 1, failed 1 "
                                       f"(via smtp://127.0.0.1:{sink.port}).")
        assert [m["To"] for m in sink.wait_for(1)] == ["ok@example.com"]
    assert "Traceback" not in done.stderr
    assert [(r.to_address, r.status) for r in OutboxEmail.select().order_by(OutboxEmail.id)] == [
        ("ok@example.com", "sent"), ("bounced@example.com", "failed"), ("later@example.com", "queued")]


def test_deliver_command_with_the_mail_server_down_says_the_emails_stay_queued(db_url, admin, tmp_path):
    invitations.invite(admin, "pat@example.com")
    port = free_port()
    done = run_cli("deliver", env={"DATABASE_URL": db_url, "SMTP_URL": f"smtp://127.0.0.1:{port}"},
                   cwd=tmp_path)
    assert done.returncode == 1
    assert f"The mail server smtp://127.0.0.1:{port} could not be reached" in done.stderr
    assert "the emails stay queued" in done.stderr and "Traceback" not in done.stderr
    assert (row_for("pat@example.com").status, row_for("pat@example.com").attempts) == ("queued", 0)
