"""Bulk CSV invitations (R12, seed 003): streamed, per-row errors, resumable, upload history."""
from __future__ import annotations

import datetime as dt
import functools
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from commands import csvfile
from commands.actor import Actor
from commands.csvfile import FileRefused, Layout, Limits
from commands.clock import clock
from commands.credentials import new_tokens
from commands.errors import Conflict, InvalidInput
from commands.export import neutralise
from commands.holders import busy_elsewhere, holder
from commands.inputs import one_line
from commands.invitations import EMAIL_NOTES, require_admin, workspace_of
from storage.bulk import bulk_session, insert_rows, json_objects, json_text, last_id, select, select_in
from storage.db import atomic
from storage.models import Customer, Event, Invitation, OutboxEmail, Upload, UploadRow, Workspace

# R12: exactly these texts.
EMPTY_EMAIL = "Customer Email field must not be empty"
BAD_EMAIL = "Customer Email must be valid"
EMPTY_ACCOUNT = "Account Number field must not be empty"
IN_USE = "Provided email address is already in use"
ENROLLED = "Already enrolled: skipped"

BATCH = 5000  # rows per transaction: fewer, larger commits rewrite fewer index pages


def _resumable(ws: Workspace, checksum: str, command: str) -> Upload | None:
    """An unfinished upload of the same file whose process is gone: continue it (exactly once)."""
    upload = (Upload.select().where((Upload.workspace == ws) & (Upload.checksum == checksum)
                                    & (Upload.state == Upload.RUNNING))
              .order_by(Upload.id.desc()).first())
    if upload is None:
        return None
    if busy_elsewhere(upload.holder, upload.heartbeat_at):
        raise Conflict(f"This file is already being imported (upload started "
                       f"{upload.created_at:%Y-%m-%d %H:%M} UTC by {upload.uploader_name or upload.uploader}). "
                       f"Wait for its summary, then check `{command} uploads`.")
    return upload


def refuse(actor: Actor, file_name: str, message: str) -> Upload:
    """Record a refused file in the upload history."""
    now = clock.now()
    return Upload.create(workspace=workspace_of(actor), uploader=actor.user_id, uploader_name=actor.name,
                         file_name=file_name[:255], checksum="", state=Upload.REFUSED, message=message,
                         created_at=now, heartbeat_at=now, finished_at=now)


def import_csv(actor: Actor, path: str | Path, *, file_name: str | None = None, send: bool = False,
               limits: Limits = Limits(), progress: Callable[[Upload], None] | None = None,
               batch_size: int = BATCH) -> Upload:
    """Import customers from a CSV file (admins only). A re-run of an interrupted upload resumes it."""
    require_admin(actor, "upload customers in bulk")
    path = Path(path)
    file_name = file_name or path.name
    try:
        layout, total = csvfile.check_file(path, limits)
    except FileRefused as exc:
        refuse(actor, file_name, exc.message)
        raise
    ws = workspace_of(actor)
    checksum = csvfile.checksum(path)
    now = clock.now()
    upload = _resumable(ws, checksum, actor.command)
    if upload is None:
        upload = Upload.create(workspace=ws, uploader=actor.user_id, uploader_name=actor.name,
                               file_name=file_name[:255], checksum=checksum, send_now=send,
                               rows_total=total, holder=holder(), created_at=now, heartbeat_at=now)
    else:
        Upload.update(holder=holder(), heartbeat_at=now).where(Upload.id == upload.id).execute()
        upload = Upload.get_by_id(upload.id)
    importer = _Batches(ws, upload, layout, actor)
    batch: list[tuple[int, list[str]]] = []
    with bulk_session():
        for number, row in enumerate(csvfile.data_rows(path, layout), start=1):
            if number <= upload.rows_done:
                continue  # done by the interrupted run
            batch.append((number, row))
            if len(batch) >= batch_size:
                upload = importer.commit(batch)
                batch = []
                if progress:
                    progress(upload)
        if batch:
            upload = importer.commit(batch)
    summary = (f"{upload.succeeded} succeeded, {upload.failed} failed, {upload.skipped} skipped "
               f"(already enrolled) of {upload.rows_total} rows"
               + ("; invitations sent" if upload.send_now else "; customers created without sending"))
    Upload.update(state=Upload.DONE, finished_at=clock.now(), message=summary).where(Upload.id == upload.id).execute()
    upload = Upload.get_by_id(upload.id)
    if progress:
        progress(upload)
    return upload


class _Batches:
    """Validates and writes one batch of rows per transaction (customers, invitations, events, outbox).

    The writes are multi-row inserts of plain values (storage.bulk) and the look-ups plain SQL with
    parameters: this runs for every row of files of up to a million rows."""

    def __init__(self, ws: Workspace, upload: Upload, layout: Layout, actor: Actor):
        self.ws = ws
        self.upload = upload
        self.layout = layout
        self.actor = actor
        self.columns = tuple(layout.columns.get(f) for f in ("account", "email", "first", "last", "full"))
        self.access = json_text(list(ws.default_access or []))  # the same for every row: encoded once
        self.detail = f"bulk upload {upload.file_name}"

    def _parse(self, number: int, row: list[str]) -> dict:
        size, (account, email, first, last, full) = len(row), self.columns
        # Names and account numbers are one line, as everywhere (inputs.one_line): a cell may hold line
        # breaks, and a name goes into the customer's emails.
        account = one_line(row[account])[:100] if account is not None and account < size else ""
        email = row[email].strip() if email is not None and email < size else ""
        first = one_line(row[first]) if first is not None and first < size else ""
        last = one_line(row[last]) if last is not None and last < size else ""
        if not (first or last) and full is not None and full < size:
            first, _, last = one_line(row[full]).partition(" ")
        first, last = first[:100], last[:100]
        item = {"n": number, "account": account, "email": email, "first": first, "last": last,
                "name": (f"{first} {last}" if first and last else first or last)[:200], "errors": []}
        if not email:
            item["errors"].append(EMPTY_EMAIL)
        else:
            try:
                normalized = validate_email(email, check_deliverability=False).normalized
                item["address"], item["key"] = normalized, normalized.lower()
            except EmailNotValidError:
                item["errors"].append(BAD_EMAIL)
        if not account:
            item["errors"].append(EMPTY_ACCOUNT)
        return item

    def commit(self, rows: list[tuple[int, list[str]]]) -> Upload:
        items = [self._parse(n, row) for n, row in rows]
        now = clock.now()
        with atomic():
            good = self._sort_out(items)
            self._write_customers(good, now)
            problems = [i for i in items if i["errors"]]
            insert_rows(UploadRow, [UploadRow.upload, UploadRow.row_number, UploadRow.outcome,
                                    UploadRow.account_number, UploadRow.email, UploadRow.first_name,
                                    UploadRow.last_name, UploadRow.error],
                        [(self.upload.id, i["n"], "skipped" if i["errors"] == [ENROLLED] else "failed",
                          i["account"], i["email"], i["first"], i["last"], "; ".join(i["errors"]))
                         for i in problems])
            skipped = sum(1 for i in problems if i["errors"] == [ENROLLED])
            Upload.update(rows_done=max(n for n, _ in rows), heartbeat_at=now,
                          succeeded=Upload.succeeded + len(good), skipped=Upload.skipped + skipped,
                          failed=Upload.failed + len(problems) - skipped
                          ).where(Upload.id == self.upload.id).execute()
        return Upload.get_by_id(self.upload.id)

    def _sort_out(self, items: list[dict]) -> list[dict]:
        """R2/R3 per row: repeats and existing customers are refused, enrolled ones skipped."""
        valid = [i for i in items if not i["errors"]]
        existing = dict(select_in("SELECT email_key, enrolled_at IS NOT NULL FROM customer "
                                  "WHERE workspace_id = ? AND email_key IN {IN}", (self.ws.id,),
                                  {i["key"] for i in valid}))
        seen: set[str] = set()
        good = []
        for item in valid:
            key = item["key"]
            if key in existing:
                item["errors"].append(ENROLLED if existing[key] else IN_USE)
            elif key in seen:
                item["errors"].append(IN_USE)
            else:
                seen.add(key)
                good.append(item)
        return good

    def _write_customers(self, good: list[dict], now: dt.datetime) -> None:
        if not good:
            return
        ws_id, upload_id, access = self.ws.id, self.upload.id, self.access
        with_admin = {account for account, in select_in(
            "SELECT DISTINCT account_number FROM customer WHERE workspace_id = ? AND role = ? "
            "AND account_number IN {IN}", (ws_id, "admin"), {i["account"] for i in good})}
        rows = []
        for item in good:
            role = "member"
            if item["account"] not in with_admin:  # R16: the first invitee of an account is its admin
                role = "admin"
                with_admin.add(item["account"])
            rows.append((ws_id, item["address"], item["key"], item["name"], item["account"], role,
                         access, upload_id, now))
        before = last_id(Customer)
        insert_rows(Customer, [Customer.workspace, Customer.email, Customer.email_key, Customer.name,
                               Customer.account_number, Customer.role, Customer.access_areas,
                               Customer.upload, Customer.created_at], rows)
        # Read back by id range (the new rows are the highest ids); other workspaces' rows are skipped.
        ids = {key: id_ for key, id_, ws in select("SELECT email_key, id, workspace_id FROM customer "
                                                   "WHERE id > ?", (before,)) if ws == ws_id}
        for item in good:
            item["id"] = ids[item["key"]]
        actor, actor_name = self.actor.user_id, self.actor.name
        events = [(ws_id, i["id"], "imported", actor, actor_name, self.detail, now) for i in good]
        if self.upload.send_now:
            self._invite(good, now, events)
        insert_rows(Event, [Event.workspace, Event.customer, Event.kind, Event.actor, Event.actor_name,
                            Event.detail, Event.created_at], events)

    def _invite(self, good: list[dict], now: dt.datetime, events: list) -> None:
        ws_id, actor, actor_name = self.ws.id, self.actor.user_id, self.actor.name
        expires = now + dt.timedelta(days=self.ws.expiry_days)
        tokens = new_tokens(len(good))
        before = last_id(Invitation)
        # In digest order: the unique index on the digests is then written page by page, not at random.
        insert_rows(Invitation, [Invitation.workspace, Invitation.customer, Invitation.status,
                                 Invitation.token_hash, Invitation.inviter, Invitation.inviter_name,
                                 Invitation.approver, Invitation.approver_name, Invitation.decided_at,
                                 Invitation.created_at, Invitation.sent_at, Invitation.expires_at],
                    sorted(((ws_id, i["id"], Invitation.PENDING, digest, actor, actor_name, actor, actor_name,
                             now, now, now, expires) for i, (_, digest) in zip(good, tokens)),
                           key=lambda row: row[3]))
        invitation_ids = {customer: id_ for customer, id_, ws in select(
            "SELECT customer_id, id, workspace_id FROM invitation WHERE id > ?", (before,)) if ws == ws_id}
        # R3: people already enrolled with another team get the welcome email (their password works).
        elsewhere = {key for key, in select_in(
            "SELECT DISTINCT email_key FROM customer WHERE workspace_id <> ? AND enrolled_at IS NOT NULL "
            "AND email_key IN {IN}", (ws_id,), {i["key"] for i in good})}
        kinds = ["welcome" if i["key"] in elsewhere else "invitation" for i in good]
        # The same context as outbox.enqueue gives an invitation email; the parts every row shares are
        # encoded once.
        contexts = json_objects(
            {"workspace_name": self.ws.display_name, "inviter_name": self.actor.label,
             "expires_at": f"{expires:%Y-%m-%d %H:%M} UTC", "expiry_days": self.ws.expiry_days},
            ("customer_name", "customer_email", "link_path"),
            ((i["name"], i["address"], f"/i/{token}") for i, (token, _) in zip(good, tokens)))
        insert_rows(OutboxEmail, [OutboxEmail.workspace, OutboxEmail.customer, OutboxEmail.invitation,
                                  OutboxEmail.kind, OutboxEmail.to_address, OutboxEmail.context,
                                  OutboxEmail.message_id, OutboxEmail.status, OutboxEmail.next_attempt_at,
                                  OutboxEmail.created_at],
                    [(ws_id, i["id"], invitation_ids[i["id"]], kind, i["address"], context, message_id,
                      OutboxEmail.QUEUED, now, now)
                     for i, kind, context, message_id in zip(good, kinds, contexts, _message_ids(len(good)))])
        notes = {"invitation": "bulk upload", "welcome": f"bulk upload; {EMAIL_NOTES['welcome']}"}
        events.extend((ws_id, i["id"], "sent", actor, actor_name, notes[kind], now) for i, kind in zip(good, kinds))


def _message_ids(count: int) -> list[str]:
    """Unique Message-IDs in increasing order (a time prefix, then 80 random bits), so the unique index
    on them grows at its end instead of taking a random page per row."""
    stamp = f"{time.time_ns():016x}"
    noise = secrets.token_hex(10 * count)
    return [f"<{stamp}{n:06x}{noise[20 * n:20 * n + 20]}@invitebot>" for n in range(count)]


def _memoise_domain_checks() -> None:
    """email-validator checks the part after the @ of every address from scratch, and that is most of
    its time; in a customer file a few domains repeat on most rows. That check is a pure function of
    its arguments, so its results are kept (bounded): the same answers and errors, computed once per
    domain. (Errors are not kept: an invalid domain is checked, and refused, each time.)"""
    module = sys.modules.get("email_validator.validate_email")
    check = getattr(module, "validate_email_domain_name", None)
    if check is None or getattr(check, "memoised_by_invitebot", False):
        return
    cached = functools.lru_cache(maxsize=4096)(check)

    @functools.wraps(check)
    def memoised(domain, *args, **kwargs):
        return dict(cached(domain, *args, **kwargs))  # a copy: the caller owns its result
    memoised.memoised_by_invitebot = True
    module.validate_email_domain_name = memoised


_memoise_domain_checks()


def succeeded_rows(upload: Upload) -> Iterator[list[str]]:
    yield ["Account Number", "Customer Email", "Customer Name", "Result"]
    result = "Invited" if upload.send_now else "Created (not invited yet)"
    for c in (Customer.select(Customer.account_number, Customer.email, Customer.name)
              .where(Customer.upload == upload).order_by(Customer.id).iterator()):
        yield [neutralise(v) for v in (c.account_number or "", c.email, c.name, result)]


def failed_rows(upload: Upload) -> Iterator[list[str]]:
    """The rows to fix and upload again, with the error in an extra column."""
    yield ["Account Number", "Customer Email", "Customer First Name", "Customer Last Name", "Error"]
    for r in (UploadRow.select().where((UploadRow.upload == upload) & (UploadRow.outcome == "failed"))
              .order_by(UploadRow.row_number).iterator()):
        yield [neutralise(v) for v in (r.account_number, r.email, r.first_name, r.last_name, r.error)]


def uploads(actor: Actor, limit: int = 20) -> list[Upload]:
    require_admin(actor, "see the upload history")
    return list(Upload.history(workspace_of(actor), limit))


def upload_of(actor: Actor, upload_id: int) -> Upload:
    require_admin(actor, "download upload results")
    upload = Upload.get_or_none((Upload.id == upload_id) & (Upload.workspace == workspace_of(actor)))
    if upload is None:
        raise InvalidInput(f"That upload no longer exists. Type `{actor.command} uploads` to see the history.")
    return upload
