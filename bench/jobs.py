"""Do the timed jobs cost what is due, or what the table holds? Ours against the same SQL through sqlite3.

Builds SQLite databases of 100,000 and 1,000,000 invitations (one workspace; the real schema from
`schema.upgrade()`, then rows by raw `executemany`). In both, exactly 10,000 invitations are pending and
were sent more than the workspace's reminder_days ago (due for the daily digest), 1,000 of them are also
past their expiry; everything else is accepted / expired / replaced / revoked / denied, pending but sent
recently, or awaiting approval, so it is not due. Built databases are cached in bench/data/ (gitignored)
per size, and rebuilt when the migrations (or the generator, bench/jobs_data.py) change.

On a working copy of each database, with the clock set to the data's "now" (past the reminder time):

  reminder selection   ours: list(Invitation.due_for_reminder(ws, now - reminder_days)) (today: the
                       invitations with their customers, as models); also commands.timed.digests_due().
                       raw:  the very statements our selection sends (SQL text and parameters, captured
                       at the database) replayed through sqlite3 with fetchall().
  expiry pass          ours: commands.timed.expire_due(); raw: the same work through sqlite3 (select,
                       then per invitation one transaction: UPDATE if still pending + INSERT the event),
                       and, for reference, the set-based form (one UPDATE + one INSERT ... SELECT).
                       The 1,000 invitations are put back to pending (events deleted) after each run.

Each figure is the best of --reps runs after a warm-up run (warm page cache), as wall time and as this
process's CPU time. The targets use CPU time: everything here runs in-process (SQLite is a library) with
a warm cache, so on an idle machine the two agree, and on a shared machine CPU time does not count the
other processes. Prints the query plans, the figures, ours 1M/100k (target ≤ 1.3: the cost follows what
is due, not the table size) and, last, `ratio: X.XX (target ≤ 2.0)` = our selection at 1M / the raw
selection at 1M.

    .venv/bin/python bench/jobs.py [--reps 5] [--sizes 100000,1000000] [--rebuild] [--strict]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commands import timed  # noqa: E402
from commands.actor import SYSTEM  # noqa: E402
from commands.clock import clock  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import SQLITE_PRAGMAS, database, open_database  # noqa: E402
from storage.models import Invitation, Workspace  # noqa: E402

from jobs_data import (DATA, DUE, NOW, PAST_EXPIRY, SIZES, TEAM, build, cached, db_path,  # noqa: E402
                       remove, ts)

TARGET_RATIO = 2.0
TARGET_SCALE = 1.3


# -------------------------------------------------------------------------------------------- measure

def best(fn, reps: int, reset=None) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of reps runs after one warm-up run; reset()
    (untimed) after each run. CPU time is the steadier figure when other work shares the machine."""
    walls, cpus = [], []
    for i in range(reps + 1):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if reset is not None:
            reset()
        if i:
            walls.append(wall)
            cpus.append(cpu)
    return min(walls), min(cpus)


def raw_connection(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, timeout=60)
    for name, value in SQLITE_PRAGMAS.items():
        con.execute(f"PRAGMA {name}={value}")
    return con


def plan_of(con: sqlite3.Connection, sql: str, params) -> list[str]:
    return [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]


def sql_params(params) -> list:
    return [ts(p) if isinstance(p, dt.datetime) else p for p in params or ()]


def sent_statements(fn) -> list[tuple[str, list]]:
    """The statements fn() sends through the models' database, as (sql, params) for sqlite3."""
    db = database.obj
    sent = []

    def spy(sql, params=None, *args, **kwargs):
        sent.append((sql, sql_params(params)))
        return type(db).execute_sql(db, sql, params, *args, **kwargs)

    db.execute_sql = spy
    try:
        fn()
    finally:
        del db.execute_sql
    return sent


def measure(n: int, reps: int) -> dict:
    work = DATA / f"work-{n}-{os.getpid()}.db"
    remove(work)
    shutil.copyfile(db_path(n), work)
    open_database(f"sqlite:///{work}")
    schema.require_current()
    database.connect(reuse_if_open=True)
    raw = raw_connection(work)

    clock.reset()
    clock.advance(seconds=(NOW + dt.timedelta(minutes=1) - clock.now()).total_seconds())
    ws = Workspace.get(Workspace.team_id == TEAM)
    cutoff = clock.now() - dt.timedelta(days=ws.reminder_days)   # as digests_due() computes it
    out = {}

    # Reminder selection. Raw replays, through sqlite3, the very statements (SQL text and parameters)
    # our selection sent, so the difference is what our code does around them.
    def ours_select():
        rows = list(Invitation.due_for_reminder(ws, cutoff))
        assert len(rows) == DUE, len(rows)

    statements = sent_statements(ours_select)
    out["select_statements"] = len(statements)
    out["select_columns"] = max(len(raw.execute(sql, params).description or ()) for sql, params in statements)

    def raw_select():
        rows = [len(raw.execute(sql, params).fetchall()) for sql, params in statements]
        assert max(rows) == DUE, rows

    def ours_digest():
        digests = timed.digests_due()
        assert len(digests) == 1 and len(digests[0].invitations) == DUE, [len(d.invitations) for d in digests]

    def ours_tuples():
        rows = list(Invitation.due_for_reminder(ws, cutoff).tuples())
        assert len(rows) == DUE, len(rows)

    out["select_ours"] = best(ours_select, reps)
    out["select_raw"] = best(raw_select, reps)
    has_tuples = hasattr(Invitation.due_for_reminder(ws, cutoff), "tuples")
    out["select_tuples"] = best(ours_tuples, reps) if has_tuples else None
    out["digests_due"] = best(ours_digest, reps)
    out["select_plan"] = [line for sql, params in statements for line in plan_of(raw, sql, params)]

    # Expiry pass: put the expired invitations back to pending and drop their events after each run.
    now = clock.now()
    expiring = [r[0] for r in raw.execute(
        "SELECT id FROM invitation WHERE status = 'pending' AND expires_at <= ?", (ts(now),))]
    assert len(expiring) == PAST_EXPIRY, len(expiring)
    last_event = raw.execute("SELECT coalesce(max(id), 0) FROM event").fetchone()[0]
    marks = ",".join("?" * len(expiring))

    def reset():
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(f"UPDATE invitation SET status = 'pending' WHERE id IN ({marks})", expiring)
        raw.execute("DELETE FROM event WHERE id > ?", (last_event,))
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def ours_expire():
        done = timed.expire_due()
        assert len(done) == PAST_EXPIRY, len(done)

    expire_sql = (
        'SELECT i."id", i."customer_id", i."workspace_id" FROM "invitation" AS i '
        'INNER JOIN "customer" AS c ON (i."customer_id" = c."id") '
        "WHERE i.status = 'pending' AND i.expires_at <= ? ORDER BY i.expires_at LIMIT ?")
    event_sql = ('INSERT INTO "event" ("workspace_id", "customer_id", "invitation_id", "kind", "actor", '
                 '"actor_name", "detail", "created_at") VALUES (?, ?, ?, \'expired\', ?, \'\', \'\', ?)')

    def raw_expire():
        moment = ts(clock.now())
        done = 0
        for iid, cid, wid in raw.execute(expire_sql, (moment, 5000)).fetchall():
            raw.execute("BEGIN IMMEDIATE")
            won = raw.execute("UPDATE invitation SET status = 'expired' WHERE id = ? AND status = 'pending'",
                              (iid,)).rowcount
            if won:
                raw.execute(event_sql, (wid, cid, iid, SYSTEM, ts(clock.now())))
                done += 1
            raw.execute("COMMIT")
        assert done == PAST_EXPIRY, done

    def raw_expire_set():
        moment = ts(clock.now())
        raw.execute("BEGIN IMMEDIATE")
        picked = ("SELECT i.id FROM invitation AS i WHERE i.status = 'pending' AND i.expires_at <= ? "
                  "ORDER BY i.expires_at LIMIT ?")
        raw.execute('INSERT INTO "event" ("workspace_id", "customer_id", "invitation_id", "kind", "actor", '
                    '"actor_name", "detail", "created_at") SELECT workspace_id, customer_id, id, \'expired\', ?, '
                    f"'', '', ? FROM invitation WHERE id IN ({picked})", (SYSTEM, moment, moment, 5000))
        done = raw.execute(f"UPDATE invitation SET status = 'expired' WHERE id IN ({picked})",
                           (moment, 5000)).rowcount
        raw.execute("COMMIT")
        assert done == PAST_EXPIRY, done

    out["expire_ours"] = best(ours_expire, reps, reset)
    out["expire_raw"] = best(raw_expire, reps, reset)
    out["expire_set"] = best(raw_expire_set, reps, reset)
    out["expire_plan"] = plan_of(raw, expire_sql, (ts(now), 5000))

    raw.close()
    database.close()
    clock.reset()
    remove(work)
    return out


# ------------------------------------------------------------------------------------------------ main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reps", type=int, default=5, help="timed runs per figure (best is kept)")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="table sizes, small first")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    small, large = sizes[0], sizes[-1]

    for n in sizes:
        if args.rebuild or not cached(n):
            build(n)
        else:
            print(f"using cached {db_path(n).relative_to(ROOT)} ({n:,} invitations)", flush=True)

    load_before = os.getloadavg()[0]
    results = {n: measure(n, args.reps) for n in sizes}
    load_after = os.getloadavg()[0]

    print()
    print(f"{DUE:,} invitations due for a reminder ({PAST_EXPIRY:,} of them past expiry); best of {args.reps} "
          f"warm runs; load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} CPUs")
    print(f"reminder selection: {results[large]['select_statements']} statement(s), "
          f"{results[large]['select_columns']} columns; query plan at {large:,}:")
    for line in results[large]["select_plan"]:
        print(f"  {line}")
    print(f"expiry selection, query plan at {large:,}:")
    for line in results[large]["expire_plan"]:
        print(f"  {line}")
    print()
    rows = [
        ("reminder selection, ours: list(due_for_reminder)", "select_ours"),
        ("reminder selection, raw sqlite3: same SELECT", "select_raw"),
        ("  same query through peewee .tuples()", "select_tuples"),
        ("  commands.timed.digests_due()", "digests_due"),
        ("expiry pass, ours: expire_due()", "expire_ours"),
        ("expiry pass, raw sqlite3: per-row transactions", "expire_raw"),
        ("  raw sqlite3, one set-based transaction", "expire_set"),
    ]
    width = max(len(label) for label, _ in rows)
    cols = "".join(f"{f'{n:,} wall':>16}{'cpu':>9}" for n in sizes)
    print(f"{'ms':<{width}}{cols}{f'cpu {large // small}x size' if len(sizes) > 1 else '':>16}")
    for label, key in rows:
        if any(results[n][key] is None for n in sizes):
            print(f"{label:<{width}}  (n/a: due_for_reminder no longer returns a query)")
            continue
        cells = "".join(f"{results[n][key][0] * 1000:16.1f}{results[n][key][1] * 1000:9.1f}" for n in sizes)
        scale = f"{results[large][key][1] / results[small][key][1]:15.2f}x" if len(sizes) > 1 else ""
        print(f"{label:<{width}}{cells}{scale}")
    print()

    def of(key: str, n: int, which: int = 0) -> float:
        return results[n][key][which]

    # The targets are taken on CPU time: the work is in-process (SQLite is a library) and CPU-bound with
    # a warm cache, so on an idle machine wall == CPU, while on a shared one wall time measures the others.
    select_scale = of("select_ours", large, 1) / of("select_ours", small, 1)
    expire_scale = of("expire_ours", large, 1) / of("expire_ours", small, 1)
    print(f"ours {large:,} / {small:,} (CPU): selection {select_scale:.2f}x (target ≤ {TARGET_SCALE}x), "
          f"expiry {expire_scale:.2f}x")
    print(f"expiry pass at {large:,}, ours / raw per-row (CPU): "
          f"{of('expire_ours', large, 1) / of('expire_raw', large, 1):.2f}")
    print(f"selection at {large:,}, ours / raw by wall time: "
          f"{of('select_ours', large) / of('select_raw', large):.2f}")
    ratio = of("select_ours", large, 1) / of("select_raw", large, 1)
    print(f"ratio: {ratio:.2f} (target ≤ {TARGET_RATIO})")
    missed = ratio > TARGET_RATIO or select_scale > TARGET_SCALE
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
