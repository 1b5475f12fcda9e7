"""Bulk CSV import (R12) and export (R13): real files on disk, the real database (SQLite file per test,
or PostgreSQL with INVITEBOT_TEST_DATABASE), the real `invitebot` command, and the real app behind the
local Slack stand-in."""
from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localsmtp import SmtpSink, free_port
from bot.server import ThreadServer
from commands import bulk
from storage.models import Customer, Event, Invitation, OutboxEmail, Upload, UploadRow

from slackkit import bolt_executor  # noqa: F401 (re-exported)
from conftest import TEAM

HEADER = ["Account Number", "Customer Email", "Customer First Name", "Customer Last Name"]
INVITEBOT = Path(sys.executable).with_name("invitebot")
ROOT = Path(__file__).resolve().parents[2]
SECRET = "bulk-signing-secret"
ADMIN, AGENT = "U0ADMIN", "U0AGENT"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(path: Path, rows: list[list[str]], *, header: list[str] | None = HEADER, delimiter: str = ",",
              encoding: str = "utf-8", bom: bool = False) -> Path:
    """A CSV file as a spreadsheet would save it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def generated_rows(count: int, *, start: int = 0, domain: str = "example.com") -> list[list[str]]:
    """`count` valid rows, three customers per account."""
    return [[f"A{(start + i) // 3:06d}", f"customer{start + i}@{domain}", f"First{start + i}", "Last"]
            for i in range(count)]


def counts() -> dict[str, int]:
    return {"customers": Customer.select().count(), "invitations": Invitation.select().count(),
            "outbox": OutboxEmail.select().count(), "events": Event.select().count(),
            "upload_rows": UploadRow.select().count(), "uploads": Upload.select().count()}


def problems(upload: Upload) -> dict[int, str]:
    """Row number -> error text of every row of the upload that did not succeed."""
    return {r.row_number: r.error for r in UploadRow.select().where(UploadRow.upload == upload)}


def failed_file(upload: Upload) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(bulk.failed_rows(upload)))))


def succeeded_file(upload: Upload) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(bulk.succeeded_rows(upload)))))


def _text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def formula_cells(table: list[list[str]]) -> list[str]:
    """Every cell a spreadsheet would run as a formula."""
    return [cell for row in table for cell in row if cell.startswith(FORMULA_START)]


def cli(*args: str, db_url: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The installed `invitebot` command, as an operator runs it."""
    env = {**os.environ, "DATABASE_URL": db_url, "COLUMNS": "200"}
    done = subprocess.run([str(INVITEBOT), *args], env=env, cwd=cwd, capture_output=True, timeout=timeout)
    # Decoded by hand: text mode would turn a carriage return inside a CSV cell into a newline.
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8"),
                                       done.stderr.decode("utf-8"))


def cli_process(*args: str, db_url: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.Popen([str(INVITEBOT), *args], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# --- Slack: the stand-in, the real app on a socket, signed requests --------------------------------

class SlackSide:
    """The running app behind LocalSlack, with the helpers the bulk flow needs."""

    def __init__(self, slack: LocalSlack, sim: SlackSim, executor):
        self.slack = slack
        self.sim = sim
        self.executor = executor

    def command(self, user: str, text: str):
        return self.sim.command(user, text)

    def open_bulk_modal(self, user: str = ADMIN) -> dict:
        """`/invite bulk`: the modal as opened (for its private_metadata)."""
        def bulk_modal(call) -> bool:
            return (call.args.get("view") or {}).get("callback_id") == "bulk_modal"

        before = len([c for c in self.slack.calls_to("views.open") if bulk_modal(c)])
        self.command(user, "bulk")
        return self.slack.wait_for("views.open", before + 1, where=bulk_modal)[-1].args["view"]

    def submit_file(self, user: str, view: dict, file: dict, *, send: bool = True):
        """The modal submitted with a file_input (and the "send now" box ticked or not)."""
        state = {"csv_file": {"csv_file": {"type": "file_input", "files": [file]}},
                 "send_now": {"send_now": {"type": "checkboxes", "selected_options":
                                           [{"value": "yes"}] if send else []}}}
        payload = {"type": "view_submission", **self.sim._base(user),
                   "view": {"id": "VBULK", "type": "modal", "callback_id": "bulk_modal",
                            "private_metadata": view.get("private_metadata", ""), "hash": "h",
                            "state": {"values": state}}}
        return self.sim.interaction(payload)

    def shared(self, count: int, timeout: float = 60) -> list[dict]:
        """The files the bot shared so far, once there are `count` of them."""
        self.slack.wait_for("files.completeUploadExternal", count, timeout=timeout)
        files = self.slack.uploaded()
        assert len(files) >= count, files
        return files

    def texts(self, method: str) -> list[str]:
        return [c.args.get("text") or "" for c in self.slack.calls_to(method)]

    def settle(self, timeout: float = 60) -> None:
        """Wait for the work Bolt runs after each ack (lazy listeners) to finish."""
        workers = self.executor._max_workers
        barrier = threading.Barrier(workers + 1, timeout=timeout)
        for _ in range(workers):
            self.executor.submit(barrier.wait)
        barrier.wait()


@contextlib.contextmanager
def running_app(db_url: str):
    from bot.web import create_app

    with LocalSlack(TEAM) as slack, SmtpSink() as smtp:
        slack.add_user(ADMIN, "Ada Admin", admin=True)
        slack.add_user(AGENT, "Sam Agent")
        port = free_port()
        config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": smtp.url,
                                  "PUBLIC_URL": f"http://127.0.0.1:{port}",
                                  "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
                                  "SLACK_API_URL": slack.api_url})
        app = create_app(config)
        executor = bolt_executor(app)
        try:
            with ThreadServer(app, port=port) as server:
                yield SlackSide(slack, SlackSim(server.url, SECRET, slack, team_id=TEAM), executor)
        finally:
            executor.shutdown(wait=True)


@pytest.fixture
def slack_app(db_url):
    with running_app(db_url) as side:
        yield side
        side.settle()
