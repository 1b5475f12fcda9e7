"""The databases bench/jobs.py measures: one workspace and 100,000 or 1,000,000 invitations, built
with raw `executemany` on the real schema (`schema.upgrade()`), cached in bench/data/ (gitignored)
per size and rebuilt when the migrations or this generator change. Exactly DUE invitations are
pending and were sent more than REMINDER_DAYS ago (due for the daily digest), PAST_EXPIRY of them
also past their expiry; everything else is closed, pending but recent, or awaiting approval."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import schema  # noqa: E402
from storage.db import database, open_database  # noqa: E402
from storage.models import DEFAULT_ACCESS_AREAS, Customer, Invitation, Workspace  # noqa: E402

DATA = ROOT / "bench" / "data"
GENERATOR = 4            # bump when the generated data changes, so cached databases are rebuilt
SIZES = (100_000, 1_000_000)
DUE = 10_000             # pending and sent more than reminder_days ago
PAST_EXPIRY = 1_000      # of those, also past expires_at (what the expiry pass expires)
RECENT_PENDING = 0.02    # share of the table: pending, sent within reminder_days (not due)
REQUESTED = 0.005        # share of the table: awaiting approval (not due)
NOW = dt.datetime(2025, 6, 2, 12, 0, 0)   # the data's "now" (UTC); the workspace reminds at 09:00 UTC
TEAM = "T0BENCH"
REMINDER_DAYS = 3
EXPIRY_DAYS = 7
SEED = 17
CLOSED = (("accepted", 60), ("expired", 20), ("replaced", 12), ("revoked", 5), ("denied", 3))


# ---------------------------------------------------------------------------------------------- build

def schema_key() -> dict:
    """What a cached database must match: the migrations (names and text) and this generator."""
    digest = hashlib.sha256()
    names = []
    for path in sorted(schema.MIGRATIONS_DIR.glob("[0-9]*.py")):
        names.append(path.stem)
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return {"migrations": names, "migrations_sha256": digest.hexdigest(), "generator": GENERATOR,
            "due": DUE, "past_expiry": PAST_EXPIRY, "now": NOW.isoformat()}


def db_path(n: int) -> Path:
    return DATA / f"invitations-{n}.db"


def cached(n: int) -> bool:
    path, meta = db_path(n), db_path(n).with_suffix(".json")
    if not (path.exists() and meta.exists()):
        return False
    try:
        return json.loads(meta.read_text()).get("key") == schema_key()
    except (OSError, ValueError):
        return False


def ts(t: dt.datetime | None) -> str | None:
    """A datetime as peewee stores it in SQLite (str(datetime): 'YYYY-MM-DD HH:MM:SS[.ffffff]')."""
    return None if t is None else str(t)


def remove(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        p.unlink(missing_ok=True)


def _filler(con: sqlite3.Connection, table: str, model, given: list[str]) -> tuple[list[str], tuple]:
    """Columns this generator does not set (added by later migrations): the model's default, or NULL."""
    extra_cols, extra_vals = [], []
    by_column = {f.column_name: f for f in model._meta.sorted_fields}
    for _cid, name, _type, notnull, default, _pk in con.execute(f'PRAGMA table_info("{table}")'):
        if name in given:
            continue
        field = by_column.get(name)
        if field is not None and field.default is not None:
            value = field.default() if callable(field.default) else field.default
            value = field.db_value(value)
        elif notnull and default is None:
            raise SystemExit(f"bench/jobs.py does not know how to fill {table}.{name} (NOT NULL, no default)")
        else:
            value = None
        extra_cols.append(name)
        extra_vals.append(value)
    return extra_cols, tuple(extra_vals)


def _insert(con: sqlite3.Connection, table: str, model, cols: list[str], rows) -> None:
    extra_cols, extra_vals = _filler(con, table, model, cols)
    all_cols = cols + extra_cols
    sql = (f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in all_cols)}) '
           f'VALUES ({", ".join("?" * len(all_cols))})')
    if extra_vals:
        rows = (row + extra_vals for row in rows)
    con.executemany(sql, rows)


def build(n: int) -> None:
    """One workspace, n // 4 customers (at least twice the open invitations), n invitations; see the module docstring for what is due."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = db_path(n)
    tmp = path.with_suffix(f".building-{os.getpid()}")
    remove(tmp)
    started = time.perf_counter()
    rng = random.Random(SEED)

    open_database(f"sqlite:///{tmp}")
    schema.upgrade()
    ws = Workspace.create(team_id=TEAM, name="Bench Field Services", created_at=NOW - dt.timedelta(days=1200),
                          reminder_channel="C0REMIND", reminder_days=REMINDER_DAYS, reminder_time="09:00",
                          reminder_tz="UTC", expiry_days=EXPIRY_DAYS, approval_channel="C0APPROVE")
    database.close()

    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("BEGIN")
    # The tables' indexes exactly as the migrations made them, dropped for the load and made again
    # after it (sorting once is much faster than a million random inserts into each index).
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                          "AND tbl_name IN ('customer', 'invitation')").fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')

    # Customers: the open invitations each need their own (one open invitation per customer, R2).
    n_recent, n_requested = int(n * RECENT_PENDING), int(n * REQUESTED)
    n_customers = max(n // 4, 2 * (DUE + n_recent + n_requested))
    areas = json.dumps(DEFAULT_ACCESS_AREAS)
    first = NOW - dt.timedelta(days=1100)

    def customers():
        for cid in range(1, n_customers + 1):
            created = first + dt.timedelta(seconds=cid * 37, microseconds=cid * 7919 % 1_000_000)
            enrolled = cid % 3 != 0
            yield (cid, ws.id, f"Customer.{cid}@Example.com", f"customer.{cid}@example.com",
                   f"Customer {cid}", f"ACC-{cid % 5000:05d}", "admin" if cid % 7 == 0 else "member", areas,
                   ("pbkdf2_sha256$600000$" + hashlib.md5(str(cid).encode()).hexdigest() * 2) if enrolled else None,
                   ts(created + dt.timedelta(days=2)) if enrolled else None, 0, None, ts(created))

    _insert(con, "customer", Customer,
            ["id", "workspace_id", "email", "email_key", "name", "account_number", "role", "access_areas",
             "password_hash", "enrolled_at", "suspended", "suspension_note", "created_at"], customers())

    # Invitations: (created_at, kind), ids in created_at order as the app would assign them.
    def seconds_between(a: dt.timedelta, b: dt.timedelta) -> dt.datetime:
        return NOW - dt.timedelta(seconds=rng.uniform(b.total_seconds(), a.total_seconds()))

    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    n_closed = n - DUE - n_recent - n_requested
    plan = []
    plan += [(seconds_between(10 * day, 8 * day), "due_expired") for _ in range(PAST_EXPIRY)]
    plan += [(seconds_between(6 * day + 23 * hour, REMINDER_DAYS * day + hour), "due") for _ in range(DUE - PAST_EXPIRY)]
    plan += [(seconds_between(REMINDER_DAYS * day - hour, hour), "recent") for _ in range(n_recent)]
    plan += [(seconds_between(2 * day, dt.timedelta(minutes=5)), "requested") for _ in range(n_requested)]
    closed_kinds = [k for k, w in CLOSED for _ in range(w)]
    plan += [(seconds_between(1095 * day, 8 * day), rng.choice(closed_kinds)) for _ in range(n_closed)]
    plan.sort(key=lambda p: p[0])
    open_customers = list(range(1, n_customers + 1))
    rng.shuffle(open_customers)
    open_customers = iter(open_customers)

    def invitations():
        week, five, six = EXPIRY_DAYS * day, dt.timedelta(hours=5), dt.timedelta(hours=6)
        for iid, (created, kind) in enumerate(plan, start=1):
            when = str(created)  # as peewee stores a datetime: 'YYYY-MM-DD HH:MM:SS.ffffff'
            sent = expires = opened = accepted = decided = approver = reminded = token = None
            reminders = 0
            if kind in ("due", "due_expired", "recent", "requested"):
                customer = next(open_customers)
            else:
                customer = rng.randint(1, n_customers)
            if kind == "requested":
                status = "requested"
            else:
                sent = decided = when
                approver = "U0ADMIN"
                expires = str(created + week)
                if kind in ("due", "due_expired", "recent"):
                    status = "pending"
                    token = hashlib.sha256(b"bench-%d" % iid).hexdigest()
                    if kind != "recent" and iid % 4 == 0:
                        reminders, reminded = 1, str(created + REMINDER_DAYS * day)
                else:
                    status = kind
                    if kind == "accepted":
                        opened, accepted = str(created + five), str(created + six)
            yield (iid, ws.id, customer, status, token, f"U0AGENT{iid % 40:02d}", f"Agent {iid % 40}",
                   approver, approver and "Bench Admin", decided, "duplicate" if kind == "denied" else None,
                   f"JOB-{iid % 20000:05d}" if iid % 2 else None, "C0AGENTS", "C0APPROVE", f"1748865600.{iid:06d}",
                   when, sent, expires, opened, accepted, reminded, reminders, None)

    _insert(con, "invitation", Invitation,
            ["id", "workspace_id", "customer_id", "status", "token_hash", "inviter", "inviter_name", "approver",
             "approver_name", "decided_at", "deny_reason", "job_ref", "request_channel",
             "request_message_channel", "request_message_ts", "created_at", "sent_at", "expires_at",
             "opened_at", "accepted_at", "last_reminded_at", "reminder_count", "replaced_by_id"],
            invitations())
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    remove(path)
    tmp.rename(path)
    path.with_suffix(".json").write_text(json.dumps({"key": schema_key(), "invitations": n}, indent=1))
    print(f"built {path.relative_to(ROOT)}: {n:,} invitations in {time.perf_counter() - started:.0f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)", flush=True)
