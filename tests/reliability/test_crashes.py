"""kill -9 of `invitebot serve` in the middle of a bulk import and of a resend-all (R6, R12): after a
restart and the same request again, every row and every invitation is handled exactly once, and no
invitation is left without its outbox row.

The real `invitebot serve` runs as its own process group on a shared database (a SQLite file, and
PostgreSQL); the whole group gets SIGKILL, as when a machine or container dies. Its mail server is a
closed port, so every email stays queued where the test can count it.
"""
from __future__ import annotations

import os
import signal

import pytest

from bot.localslack import LocalSlack
from bot.localsmtp import free_port
from commands import bulk
from storage.db import database
from storage.models import Customer, Event, Invitation, OutboxEmail, Upload
from storage.runs import ResendRun

from bulk.conftest import SlackSide, generated_rows, write_csv
from conftest import TEAM
from jobkit import ADA, ADMIN, wait_until
from reliability.conftest import serving

ROWS = 100_000   # big enough that the kill lands in the middle of the import
PENDING = 1_500  # invitations for resend-all


@pytest.fixture
def slack():
    with LocalSlack(TEAM) as standin:
        standin.add_user(ADMIN, "Ada Admin", admin=True)
        yield standin


def _kill(served) -> None:
    os.killpg(served.proc.pid, signal.SIGKILL)
    served.proc.wait(timeout=10)
    assert served.proc.returncode == -signal.SIGKILL


def _no_mail() -> dict[str, str]:
    return {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}  # nothing listens: every email stays queued


def _scalar(sql: str) -> int:
    return database.execute_sql(sql).fetchone()[0]


def _each_invitation_has_one_outbox_row() -> None:
    assert _scalar("SELECT COUNT(*) FROM invitation i WHERE NOT EXISTS "
                   "(SELECT 1 FROM outbox_email o WHERE o.invitation_id = i.id)") == 0, \
        "every invitation has its email queued"
    assert _scalar("SELECT COUNT(*) FROM (SELECT invitation_id FROM outbox_email "
                   "GROUP BY invitation_id HAVING COUNT(*) > 1) AS twice") == 0, "and only one"


def test_a_bulk_import_killed_midway_is_finished_by_the_same_upload_after_a_restart(shared_db, slack, tmp_path):
    rows = generated_rows(ROWS)
    content = write_csv(tmp_path / "customers.csv", rows).read_bytes()

    with serving(shared_db, slack, tmp_path / "serve1.log", **_no_mail()) as served:
        side = SlackSide(slack, served.sim, executor=None)
        assert side.submit_file(ADMIN, side.open_bulk_modal(), slack.add_file("customers.csv", content)).status == 200
        upload = wait_until(lambda: Upload.get_or_none((Upload.rows_done > 0) & (Upload.rows_done < ROWS)),
                            120, "the import to be part-way", interval=0.02)
        _kill(served)
    cut_at = Upload.get_by_id(upload.id).rows_done
    assert 0 < cut_at < ROWS and Upload.get_by_id(upload.id).state == Upload.RUNNING
    assert Customer.select().count() == cut_at, "what was committed is whole: customers of whole batches only"
    _each_invitation_has_one_outbox_row()

    with serving(shared_db, slack, tmp_path / "serve2.log", **_no_mail()) as served:
        side = SlackSide(slack, served.sim, executor=None)
        again = side.submit_file(ADMIN, side.open_bulk_modal(), slack.add_file("customers.csv", content))
        assert (again.status, again.body) == (200, "")
        summary = f"Upload #{upload.id} of customers.csv is done: {ROWS} succeeded, 0 failed"
        wait_until(lambda: any(summary in (c.args.get("text") or "") for c in slack.calls_to("chat.update")),
                   180, "the summary of the continued upload")

    assert [(u.id, u.state, u.rows_done, u.succeeded, u.failed) for u in Upload.select()] == \
        [(upload.id, Upload.DONE, ROWS, ROWS, 0)], "the same upload, continued, not a second one"
    assert Customer.select().count() == ROWS
    assert _scalar("SELECT COUNT(DISTINCT email) FROM customer") == ROWS
    assert Invitation.select().count() == ROWS and Invitation.select().where(Invitation.status == "pending").count() == ROWS
    assert OutboxEmail.select().count() == ROWS
    _each_invitation_has_one_outbox_row()
    assert _scalar("SELECT COUNT(*) FROM (SELECT customer_id, kind FROM event "
                   "GROUP BY customer_id, kind HAVING COUNT(*) > 1) AS twice") == 0, "no step recorded twice"


def test_a_resend_all_killed_midway_is_continued_and_no_one_gets_two_fresh_links(shared_db, slack, tmp_path):
    bulk.import_csv(ADA, write_csv(tmp_path / "pending.csv", generated_rows(PENDING)), send=True)
    assert OutboxEmail.select().count() == PENDING

    with serving(shared_db, slack, tmp_path / "serve1.log", **_no_mail()) as served:
        assert served.sim.command(ADMIN, "resend all").status == 200
        run = wait_until(lambda: ResendRun.get_or_none((ResendRun.done > 0) & (ResendRun.done < PENDING)),
                         120, "the resend to be part-way", interval=0.02)
        _kill(served)
    cut_at = ResendRun.get_by_id(run.id).done
    assert 0 < cut_at < PENDING
    assert Event.select().where(Event.kind == "resent").count() == cut_at
    _each_invitation_has_one_outbox_row()

    with serving(shared_db, slack, tmp_path / "serve2.log", **_no_mail()) as served:
        served.sim.command(ADMIN, "resend all")
        reply = slack.wait_for("response_url", timeout=180,
                               where=lambda c: "Continued the resend" in (c.args.get("text") or ""))[0]
    assert reply.args["text"].startswith(
        f"Continued the resend that was interrupted: {cut_at} customer(s) had already been sent a fresh link, "
        "and were not sent another.")
    assert f"Sent a fresh link to {PENDING - cut_at} customer(s)" in reply.args["text"]

    assert _scalar("SELECT COUNT(DISTINCT customer_id) FROM event WHERE kind = 'resent'") == PENDING
    assert Event.select().where(Event.kind == "resent").count() == PENDING, "one fresh link each"
    assert Invitation.select().where(Invitation.status == "pending").count() == PENDING
    assert Invitation.select().where(Invitation.status == "replaced").count() == PENDING
    assert OutboxEmail.select().count() == 2 * PENDING, "the first email and one fresh link each"
    _each_invitation_has_one_outbox_row()
    assert [(r.id, r.done, r.finished_at is not None) for r in ResendRun.select()] == [(run.id, PENDING, True)]
