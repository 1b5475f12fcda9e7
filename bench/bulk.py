"""How fast is the bulk CSV import (R12)? Ours end to end against a minimal reference pipeline.

Generates a CSV of --rows customers (default 100,000; seeded, so every run has the same file): about
90% valid rows, 5% invalid emails, 3% missing account numbers, 2% repeats of an earlier row's email
(in another letter case), several customers per account number. Then, in the same run, each in its own
subprocess (so each peak RSS is that pipeline's own, from getrusage in the child):

  ours       commands.bulk.import_csv(admin, file, send=True) into a fresh, migrated SQLite file (the
             real schema from `schema.upgrade()`, the app's pragmas): sniffing and limits, checksum,
             validation, customers (R16 roles), invitations with fresh link tokens, events, outbox
             rows, upload rows for every failed row and the upload history, one transaction per
             batch. Counts are checked afterwards (every row accounted for exactly once).
             Ours keeps email-validator's checks of the part after the @ per domain (a pure function;
             the file has 52 domains, as customer files repeat a few domains); --no-memo-too also
             runs ours without that memo, for comparison.
  reference  csv.reader + email_validator.validate_email(check_deliverability=False) on every row +
             one raw sqlite3 executemany of the same rows (account, normalised email or the raw text,
             first, last, error) into a plain table, in one transaction, with the same pragmas.
  ours, PG   the same import into PostgreSQL (--pg URL, default INVITEBOT_BENCH_PG or
             postgresql://postgres@127.0.0.1:5432/invitebot_bulk_bench; its public schema is reset).
  ours, 1M   a 1,000,000-row file of the same mix into SQLite: peak RSS (target < 300 MB).

Each 100,000-row pipeline runs --reps times (default 5), interleaved, each run on a fresh database;
the best CPU time of each counts (as in bench/jobs.py), and every run's figures are printed. Times
are wall and CPU time of the child process (SQLite is a library, so its work is in that process).
The ratio uses CPU time: the machine may be shared with other work, and CPU time does not count other
processes (though a busy sibling hyperthread still slows ours, whose index updates are memory-bound,
more than the reference's validation); on an idle machine the two agree (the wall ratio is printed
too). Last line:
`ratio: X.XX (target ≤ 1.5)` = our CPU time / the reference's CPU time, 100,000 rows, SQLite.

    .venv/bin/python bench/bulk.py [--rows 100000] [--reps 5] [--million 1000000] [--no-million]
                                   [--pg URL] [--no-pg] [--no-memo-too] [--strict]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEAM = "T0BENCH"
TARGET_RATIO = 1.5
TARGET_RSS_MB = 300
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/invitebot_bulk_bench"
HEADER = ["Account Number", "Customer Email", "Customer First Name", "Customer Last Name"]
FIRST = ["Ada", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kim", "Lou", "Max", "Ned",
         "Oli", "Pat", "Quin", "Ray", "Sue", "Tom", "Uma", "Val", "Wes", "Xan", "Yas", "Zoe"]
LAST = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker",
        "Wright", "Green", "Hall", "Wood", "Clarke", "Harris", "Lewis", "Young", "King", "Baker"]
DOMAINS = [f"{w}.{tld}" for w in ("acme", "globex", "initech", "umbrella", "stark", "wayne", "hooli",
                                  "vandelay", "wonka", "cyberdyne", "tyrell", "soylent", "oscorp")
           for tld in ("com", "co.uk", "io", "ca")]
BAD_EMAILS = ["Mark", "Phil", "john.smith@", "@example.com", "a b@example.com", "x@@example.com",
              "jane at example.com", "bob@example..com", "sue@-bad-.com", "no-at-sign.example.com"]


def generate(path: Path, rows: int, seed: int = 12) -> dict:
    """The benchmark file; returns the intended mix (for the report)."""
    rng = random.Random(seed)
    mix = {"valid": 0, "bad_email": 0, "no_account": 0, "duplicate": 0}
    earlier: list[str] = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            account = str(100000 + rng.randrange(max(1, rows // 3)))
            email = f"{first}.{last}.{i}@{rng.choice(DOMAINS)}".lower()
            r = rng.random()
            if r < 0.05:
                email, kind = rng.choice(BAD_EMAILS), "bad_email"
            elif r < 0.08:
                account, kind = "", "no_account"
            elif r < 0.10 and earlier:
                email, kind = rng.choice(earlier).upper(), "duplicate"
            else:
                kind = "valid"
                if len(earlier) < 50_000:
                    earlier.append(email)
                elif rng.random() < 0.01:
                    earlier[rng.randrange(len(earlier))] = email
            mix[kind] += 1
            out.writerow([account, email, first, last])
    return mix


# --- children: each pipeline in its own process ------------------------------------------------

def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_ours(db_url: str, csv_path: str, memo: bool = True) -> dict:
    from commands import bulk
    from commands.actor import Actor
    from storage import schema
    from storage.db import database, open_database
    from storage.models import Customer, Event, Invitation, OutboxEmail, UploadRow

    if not memo:  # for comparison: email-validator's own domain check on every row, as the reference does
        module = sys.modules["email_validator.validate_email"]
        module.validate_email_domain_name = module.validate_email_domain_name.__wrapped__
    open_database(db_url)
    database.connect(reuse_if_open=True)
    if db_url.startswith("postgres"):
        database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    schema.upgrade()
    admin = Actor(TEAM, "U0ADMIN", "Ada Admin", is_admin=True)
    rss_before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    upload = bulk.import_csv(admin, csv_path, send=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = _rss_mb()
    counts = {"customers": Customer.select().count(), "invitations": Invitation.select().count(),
              "outbox": OutboxEmail.select().count(), "events": Event.select().count(),
              "upload_rows": UploadRow.select().count()}
    database.close()
    return {"wall": wall, "cpu": cpu, "rss_mb": rss, "rss_before_mb": rss_before,
            "rows": upload.rows_total, "succeeded": upload.succeeded, "failed": upload.failed,
            "skipped": upload.skipped, "state": upload.state, **counts}


def _child_reference(db_path: str, csv_path: str) -> dict:
    import sqlite3

    from email_validator import EmailNotValidError, validate_email

    from storage.db import SQLITE_PRAGMAS

    con = sqlite3.connect(db_path, isolation_level=None)
    for key, value in SQLITE_PRAGMAS.items():
        con.execute(f"PRAGMA {key} = {value}")
    con.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, account TEXT, email TEXT, first TEXT, "
                "last TEXT, error TEXT)")
    rss_before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    rows = []
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        for record in reader:
            account, email, first, last = (c.strip() for c in record[:4])
            error = ""
            if not email:
                error = "Customer Email field must not be empty"
            else:
                try:
                    email = validate_email(email, check_deliverability=False).normalized
                except EmailNotValidError:
                    error = "Customer Email must be valid"
            if not account:
                error = error or "Account Number field must not be empty"
            rows.append((account, email, first, last, error))
    con.execute("BEGIN")
    con.executemany("INSERT INTO row (account, email, first, last, error) VALUES (?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stored = con.execute("SELECT count(*) FROM row").fetchone()[0]
    con.close()
    return {"wall": wall, "cpu": cpu, "rss_mb": _rss_mb(), "rss_before_mb": rss_before, "rows": stored}


def _run_child(kind: str, target: str, csv_path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, target, str(csv_path)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the report --------------------------------------------------------------------------------

def _line(name: str, r: dict) -> str:
    return (f"{name:<24} wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  {r['rows'] / r['wall']:>9,.0f} rows/s wall"
            f"  {r['rows'] / r['cpu']:>9,.0f} rows/s cpu  peak RSS {r['rss_mb']:6.1f} MB"
            f" ({r['rss_before_mb']:.1f} MB before)")


def _check(r: dict) -> None:
    """Every row is accounted for once; one invitation, one outbox row and two events per customer."""
    problems = []
    if r["state"] != "done" or r["succeeded"] + r["failed"] + r["skipped"] != r["rows"]:
        problems.append(f"counts do not add up: {r}")
    if not (r["customers"] == r["invitations"] == r["outbox"] == r["succeeded"]):
        problems.append(f"customers/invitations/outbox differ: {r}")
    if r["events"] != 2 * r["succeeded"] or r["upload_rows"] != r["failed"] + r["skipped"]:
        problems.append(f"events/upload rows do not match: {r}")
    if problems:
        raise SystemExit("\n".join(problems))


def _pg_reachable(url: str) -> str | None:
    """None when the bench database can be used; it is created on first use (on the same server)."""
    import peewee
    from playhouse import db_url
    try:
        db = db_url.connect(url)
        db.connect()
        db.close()
        return None
    except peewee.OperationalError as exc:
        problem = str(exc).strip().splitlines()[0]
    name = url.rsplit("/", 1)[-1]
    if "does not exist" not in problem or not name.replace("_", "").isalnum():
        return problem
    try:
        server = db_url.connect(url.rsplit("/", 1)[0] + "/postgres")
        server.connect()
        server.connection().autocommit = True
        server.execute_sql(f'CREATE DATABASE "{name}"')
        server.close()
        return None
    except peewee.DatabaseError as exc:
        return f"{problem}; creating it failed: {str(exc).strip().splitlines()[0]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5, help="runs of each pipeline; the best CPU time counts")
    parser.add_argument("--million", type=int, default=1_000_000, help="rows of the memory run")
    parser.add_argument("--no-million", action="store_true", help="skip the memory run")
    parser.add_argument("--pg", default=os.environ.get("INVITEBOT_BENCH_PG") or PG_DEFAULT)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-memo-too", action="store_true",
                        help="also run ours without its memo of email-validator's domain checks")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "TARGET", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, target, csv_path = args.child
        if kind == "reference":
            result = _child_reference(target, csv_path)
        else:
            result = _child_ours(target, csv_path, memo=kind != "ours-no-memo")
        print(json.dumps(result))
        return 0

    work = Path(tempfile.mkdtemp(prefix="invitebot-bench-bulk-"))
    try:
        path = work / f"customers-{args.rows}.csv"
        mix = generate(path, args.rows)
        print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB; intended mix {mix}")
        runs: dict[str, list[dict]] = {"ours": [], "reference": []}
        for rep in range(args.reps):  # interleaved, so both see the same machine
            for kind in runs:
                db = work / f"{kind}-{rep}.db"
                result = _run_child(kind, f"sqlite:///{db}" if kind == "ours" else str(db), path)
                if kind == "ours":
                    _check(result)
                runs[kind].append(result)
                for leftover in work.glob(f"{kind}-{rep}.db*"):
                    leftover.unlink()
        ours, ref = (min(runs[kind], key=lambda r: r["cpu"]) for kind in ("ours", "reference"))
        if args.reps > 1:
            for kind, results in runs.items():
                cpu = ", ".join(f"{r['cpu']:.2f}" for r in results)
                wall = ", ".join(f"{r['wall']:.2f}" for r in results)
                print(f"{kind} runs: cpu {cpu} s; wall {wall} s")
        print(f"ours: {ours['succeeded']:,} succeeded, {ours['failed']:,} failed, {ours['skipped']:,} skipped; "
              f"{ours['customers']:,} customers, {ours['invitations']:,} invitations, {ours['events']:,} "
              f"events, {ours['outbox']:,} outbox rows, {ours['upload_rows']:,} upload rows")
        print(_line("ours (SQLite)", ours) + (f"  [best of {args.reps}]" if args.reps > 1 else ""))
        print(_line("reference (SQLite)", ref) + (f"  [best of {args.reps}]" if args.reps > 1 else ""))
        failed = False
        if args.no_memo_too:
            plain = min((_run_child("ours-no-memo", f"sqlite:///{work / f'plain-{rep}.db'}", path)
                         for rep in range(args.reps)), key=lambda r: r["cpu"])
            _check(plain)
            print(_line("ours, no domain memo", plain) + f"  [best of {args.reps}; ratio "
                  f"{plain['cpu'] / ref['cpu']:.2f}]")
        if not args.no_pg:
            reason = _pg_reachable(args.pg)
            if reason:
                print(f"ours (PostgreSQL)         skipped: {args.pg} not reachable ({reason})")
            else:
                pg = _run_child("ours", args.pg, path)
                _check(pg)
                print(_line("ours (PostgreSQL)", pg) + "  [cpu: this process only, not the server]")
        if not args.no_million:
            big = work / f"customers-{args.million}.csv"
            generate(big, args.million)
            path.unlink()
            million = _run_child("ours", f"sqlite:///{work / 'million.db'}", big)
            _check(million)
            print(_line(f"ours, {args.million:,} rows", million))
            ok = million["rss_mb"] < TARGET_RSS_MB
            failed |= not ok
            print(f"peak RSS, {args.million:,} rows: {million['rss_mb']:.1f} MB "
                  f"(target < {TARGET_RSS_MB} MB) {'ok' if ok else 'MISSED'}")
        ratio = ours["cpu"] / ref["cpu"]
        failed |= ratio > TARGET_RATIO
        print(f"wall ratio: {ours['wall'] / ref['wall']:.2f}")
        print(f"ratio: {ratio:.2f} (target ≤ {TARGET_RATIO})")
        return 1 if (args.strict and failed) else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
