"""Helpers shared by the core tests: what the customer's email carries, and what the database holds."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from commands import enrolment, invitations
from commands.clock import clock
from storage.db import database
from storage.models import Customer, Event, Invitation, OutboxEmail, Workspace

from conftest import TEAM

BRAND = "Acme Field Services"
PASSWORD = "blue-harbour-42"
INVITEBOT = Path(sys.executable).with_name("invitebot")
ROOT = Path(__file__).resolve().parents[2]


def branded_workspace(team_id: str = TEAM, name: str = BRAND) -> Workspace:
    """The workspace as Slack names it (the name the customer's pages and emails carry)."""
    return Workspace.for_team(team_id, clock.now(), name=name)


def queued_token(email: str) -> str:
    """The link token in the newest email queued for this address, as the customer will receive it."""
    row = (OutboxEmail.select().where((OutboxEmail.to_address == email)
                                      & (OutboxEmail.status == OutboxEmail.QUEUED))
           .order_by(OutboxEmail.id.desc()).first())
    assert row is not None, f"no email queued for {email}"
    return row.context["link_path"].rsplit("/", 1)[-1]


def counts() -> dict[str, int]:
    """How many rows each table that a refused request must leave alone holds."""
    return {m.__name__: m.select().count() for m in (Workspace, Customer, Invitation, Event, OutboxEmail)}


def invite_and_enrol(actor, email: str, password: str = PASSWORD, **invite_args) -> Customer:
    """An invited customer who accepted with a password (R5)."""
    outcome = invitations.invite(actor, email, **invite_args)
    enrolment.accept(queued_token(outcome.customer.email), invite_args.get("name") or "Pat Customer",
                     password, password)
    return Customer.get_by_id(outcome.customer.id)


def table_text() -> str:
    """Every value in every table, as text: what someone holding a copy of the database could read."""
    parts = []
    for table in database.get_tables():
        for row in database.execute_sql(f'SELECT * FROM "{table}"').fetchall():
            parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def run_cli(*args: str, env: dict[str, str], cwd: Path | str = ROOT,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """The installed `invitebot` command, as an operator runs it; killed with its children on timeout."""
    full_env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **env}
    proc = subprocess.Popen([str(INVITEBOT), *args], env=full_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(cwd),
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        raise AssertionError(f"`invitebot {' '.join(args)}` was still running after {timeout}s "
                             f"(it should have stopped by itself):\n{out}\n{err}") from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
