"""R12: an interrupted import is continued by running it again, and every row is imported exactly once;
an import still running elsewhere is not started twice."""
from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import time

import pytest
from peewee import fn

from commands import bulk, csvfile
from commands.clock import clock
from commands.errors import Conflict
from commands.invitations import workspace_of
from storage.db import database, open_database
from storage.models import Customer, Invitation, OutboxEmail, Upload, UploadRow

from bulk.conftest import cli, cli_process, counts, generated_rows, write_csv
from conftest import TEAM

ROWS = 40_000  # eight transactions of 5,000 rows
BAD_EVERY = 20  # every 20th row has no address: 5% failed rows


def _file(tmp_path):
    rows = generated_rows(ROWS)
    for n in range(BAD_EVERY - 1, ROWS, BAD_EVERY):
        rows[n][1] = ""
    return write_csv(tmp_path / "big.csv", rows)


def _upload() -> Upload | None:
    with database.connection_context():
        return Upload.select().order_by(Upload.id).first()


def _assert_every_row_once(total: int, failed: int) -> None:
    good = total - failed
    assert counts() == {"customers": good, "invitations": good, "outbox": good, "events": 2 * good,
                        "upload_rows": failed, "uploads": 1}
    assert Customer.select(fn.COUNT(fn.DISTINCT(Customer.email_key))).scalar() == good
    assert Invitation.select(fn.COUNT(fn.DISTINCT(Invitation.customer))).scalar() == good
    assert OutboxEmail.select(fn.COUNT(fn.DISTINCT(OutboxEmail.customer))).scalar() == good
    assert UploadRow.select(fn.COUNT(fn.DISTINCT(UploadRow.row_number))).scalar() == failed


def test_the_command_killed_halfway_then_run_again_imports_every_row_exactly_once(db_url, tmp_path):
    path = _file(tmp_path)
    command = ("import", str(path), "--team", TEAM, "--send")
    open_database(db_url)
    process = cli_process(*command, db_url=db_url, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while (upload := _upload()) is None or upload.rows_done == 0:
            assert process.poll() is None, f"the import ended before it could be interrupted: {process.communicate()}"
            assert time.monotonic() < deadline, "no batch was committed within two minutes"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    with database.connection_context():
        interrupted = Upload.get_by_id(upload.id)
        assert interrupted.state == Upload.RUNNING
        assert 0 < interrupted.rows_done < ROWS, "killed too late to test anything"
        # One transaction per batch: what is there is exactly the batches counted as done.
        assert Customer.select().count() == interrupted.succeeded
        assert UploadRow.select().count() == interrupted.failed
        assert interrupted.succeeded + interrupted.failed == interrupted.rows_done

    again = cli(*command, db_url=db_url, cwd=tmp_path)

    assert again.returncode == 0, again.stderr
    failed = ROWS // BAD_EVERY
    assert f"Upload #{upload.id}: {ROWS - failed} succeeded, {failed} failed, 0 skipped" in again.stdout
    with database.connection_context():
        finished = Upload.get_by_id(upload.id)
        assert (finished.state, finished.rows_done, finished.rows_total) == (Upload.DONE, ROWS, ROWS)
        assert (finished.succeeded, finished.failed, finished.skipped) == (ROWS - failed, failed, 0)
        _assert_every_row_once(ROWS, failed)
    ok_rows = (tmp_path / "big.csv.ok.csv").read_text().splitlines()
    error_rows = (tmp_path / "big.csv.errors.csv").read_text().splitlines()
    assert (len(ok_rows), len(error_rows)) == (ROWS - failed + 1, failed + 1)


@pytest.fixture
def live_process():
    """Another process on this host, alive until the test ends it."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def _running(admin, path, holder: str, *, seconds_ago: float = 0) -> Upload:
    """An upload of this file left running by `holder`, none of its rows done yet."""
    when = clock.now() - dt.timedelta(seconds=seconds_ago)
    return Upload.create(workspace=workspace_of(admin), uploader="U0ADMIN", uploader_name="Ada Admin", file_name=path.name,
                         checksum=csvfile.checksum(path), send_now=True, rows_total=3, holder=holder,
                         created_at=when, heartbeat_at=when)


def test_a_file_being_imported_by_a_live_process_is_not_imported_again(db, admin, tmp_path, live_process):
    path = write_csv(tmp_path / "c.csv", generated_rows(3))
    running = _running(admin, path, f"{socket.gethostname()}:{live_process.pid}:1")

    with pytest.raises(Conflict) as refused:
        bulk.import_csv(admin, path, send=True)
    assert "already being imported" in refused.value.message
    assert counts()["customers"] == 0

    live_process.kill()
    live_process.wait()
    resumed = bulk.import_csv(admin, path, send=True)  # its process is gone: continued, not restarted
    assert (resumed.id, resumed.state, resumed.succeeded) == (running.id, Upload.DONE, 3)
    assert Upload.select().count() == 1


def test_an_import_silent_for_a_minute_on_another_host_is_continued(db, admin, tmp_path):
    path = write_csv(tmp_path / "c.csv", generated_rows(3))
    fresh = _running(admin, path, "another-host:4242:1", seconds_ago=5)
    with pytest.raises(Conflict):
        bulk.import_csv(admin, path, send=True)

    Upload.update(heartbeat_at=fresh.heartbeat_at - dt.timedelta(seconds=90)).execute()
    resumed = bulk.import_csv(admin, path, send=True)
    assert (resumed.id, resumed.state, resumed.succeeded) == (fresh.id, Upload.DONE, 3)


def test_the_same_file_sent_again_after_it_finished_is_a_new_upload(db, admin, tmp_path):
    path = write_csv(tmp_path / "c.csv", generated_rows(3))
    first = bulk.import_csv(admin, path, send=True)
    second = bulk.import_csv(admin, path, send=True)

    assert second.id != first.id
    assert (second.succeeded, second.failed) == (0, 3)  # all three already in use
    assert Customer.select().count() == 3
