"""The invitebot data model; each model owns the queries named for what they mean."""
from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

import peewee as pw

from storage.db import database

DEFAULT_ACCESS_AREAS = ["Inspection reports", "Service reports", "Proposals", "Invoicing / payments"]


class JSONField(pw.TextField):
    """A list or dict stored as JSON text (portable between SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def insert_first(cls, **row) -> bool:
        """Insert the row; False when its unique key is taken already (someone else claimed it first)."""
        try:
            with database.atomic():
                cls.create(**row)
            return True
        except pw.IntegrityError:
            return False


class Workspace(BaseModel):
    """A Slack workspace (team) and its settings."""

    team_id = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=200, default="")
    expiry_days = pw.IntegerField(default=7)
    job_limit = pw.IntegerField(default=3)
    approval_required = pw.BooleanField(default=True)
    approval_channel = pw.CharField(max_length=32, null=True)
    access_areas = JSONField(default=lambda: list(DEFAULT_ACCESS_AREAS))
    default_access = JSONField(default=lambda: list(DEFAULT_ACCESS_AREAS))
    # R17 reminders: a daily digest at reminder_time in reminder_tz of invitations pending
    # longer than reminder_days; optionally reminder emails to customers, at most N each.
    reminder_channel = pw.CharField(max_length=32, null=True)
    reminder_days = pw.IntegerField(default=3)
    reminder_time = pw.CharField(max_length=5, default="09:00")
    reminder_tz = pw.CharField(max_length=64, default="UTC")
    customer_reminders = pw.BooleanField(default=False)
    customer_reminder_max = pw.IntegerField(default=2)
    # R14/R15 sign-up: the shareable link's validity and whether its sign-ups need approval;
    # the public self sign-up page (its address uses signup_slug, not the Slack team id).
    signup_link_days = pw.IntegerField(default=7)
    signup_link_approval = pw.BooleanField(default=False)
    self_signup = pw.BooleanField(default=True)
    signup_slug = pw.CharField(max_length=32, null=True, unique=True)
    denial_email = pw.BooleanField(default=True)
    auto_invite = pw.BooleanField(default=False)  # bulk uploads send invitations unless told not to
    # Branding (white-label): on every customer page and email.
    brand_name = pw.CharField(max_length=100, null=True)
    logo_url = pw.CharField(max_length=500, null=True)
    accent_color = pw.CharField(max_length=7, default="#2b5fad")
    support_email = pw.CharField(max_length=320, null=True)
    created_at = pw.DateTimeField()

    @classmethod
    def for_team(cls, team_id: str, now: dt.datetime, name: str = "") -> "Workspace":
        ws = cls.get_or_none(cls.team_id == team_id)
        if ws is not None:
            return ws
        try:
            with database.atomic():
                return cls.create(team_id=team_id, name=name or team_id, created_at=now)
        except pw.IntegrityError:
            return cls.get(cls.team_id == team_id)

    @property
    def display_name(self) -> str:
        return self.brand_name or self.name or self.team_id


class AppAdmin(BaseModel):
    """A member added to the app's own admin list (besides Slack owners and admins)."""

    workspace = pw.ForeignKeyField(Workspace, backref="app_admins", on_delete="CASCADE")
    user_id = pw.CharField(max_length=32)
    added_by = pw.CharField(max_length=32)
    created_at = pw.DateTimeField()

    class Meta:
        indexes = ((("workspace", "user_id"), True),)


class Upload(BaseModel):
    """One bulk CSV upload and its counts (R12 upload history)."""

    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"

    workspace = pw.ForeignKeyField(Workspace, backref="uploads", on_delete="CASCADE")
    uploader = pw.CharField(max_length=32)
    uploader_name = pw.CharField(max_length=200, default="")
    file_name = pw.CharField(max_length=255)
    checksum = pw.CharField(max_length=64, index=True)  # sha256 of the file: a re-run resumes it
    send_now = pw.BooleanField(default=False)
    holder = pw.CharField(max_length=128, default="")  # host:pid of the process importing it
    state = pw.CharField(max_length=10, default=RUNNING)
    message = pw.TextField(default="")
    rows_total = pw.IntegerField(default=0)
    rows_done = pw.IntegerField(default=0)  # data rows consumed and committed, for resuming
    succeeded = pw.IntegerField(default=0)
    failed = pw.IntegerField(default=0)
    skipped = pw.IntegerField(default=0)
    created_at = pw.DateTimeField()
    heartbeat_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)

    @classmethod
    def history(cls, workspace: "Workspace", limit: int = 20):
        return cls.select().where(cls.workspace == workspace).order_by(cls.created_at.desc()).limit(limit)


class Customer(BaseModel):
    """A person outside Slack, known by email; unique per workspace (R1)."""

    # No index of its own: both composite indexes below start with it (migration 005).
    workspace = pw.ForeignKeyField(Workspace, backref="customers", on_delete="CASCADE", index=False)
    email = pw.CharField(max_length=320)
    email_key = pw.CharField(max_length=320)  # lower-cased normalised address: the identity
    name = pw.CharField(max_length=200, default="")
    account_number = pw.CharField(max_length=100, null=True)
    role = pw.CharField(max_length=20, default="member")  # "admin" or "member" of its account (R16)
    access_areas = JSONField(default=list)
    password_hash = pw.CharField(max_length=200, null=True)
    enrolled_at = pw.DateTimeField(null=True)
    suspended = pw.BooleanField(default=False)
    suspension_note = pw.TextField(null=True)
    upload = pw.ForeignKeyField(Upload, null=True, backref="customers", on_delete="SET NULL")
    created_at = pw.DateTimeField()

    class Meta:
        # Address first: it also serves look-ups by address across workspaces (login, R3).
        indexes = ((("email_key", "workspace"), True),
                   (("workspace", "account_number", "role"), False))

    @classmethod
    def find(cls, workspace: Workspace, email_key: str) -> "Customer | None":
        return cls.get_or_none((cls.workspace == workspace) & (cls.email_key == email_key))

    @classmethod
    def enrolled_elsewhere(cls, workspace: Workspace, email_key: str) -> "Customer | None":
        return (cls.select()
                .where((cls.email_key == email_key) & (cls.workspace != workspace)
                       & cls.enrolled_at.is_null(False))
                .first())

    @classmethod
    def for_login(cls, email_key: str):
        return (cls.select(cls, Workspace).join(Workspace)
                .where((cls.email_key == email_key) & cls.password_hash.is_null(False)
                       & cls.enrolled_at.is_null(False))
                .order_by(cls.id))

    @classmethod
    def account_has_admin(cls, workspace: Workspace, account_number: str) -> bool:
        return (cls.select().where((cls.workspace == workspace)
                                   & (cls.account_number == account_number)
                                   & (cls.role == "admin")).exists())

    @property
    def is_enrolled(self) -> bool:
        return self.enrolled_at is not None


class Invitation(BaseModel):
    """One invitation of a customer. At most one open per customer (R2), enforced by a partial unique index."""

    REQUESTED = "requested"   # awaiting an admin's approval (R4)
    PENDING = "pending"       # sent, link valid
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"
    DENIED = "denied"
    REPLACED = "replaced"     # a newer invitation was sent (R6)
    OPEN = (REQUESTED, PENDING)
    STATES = (REQUESTED, PENDING, ACCEPTED, EXPIRED, REVOKED, DENIED, REPLACED)

    # No index of its own: the composite indexes below start with it (migration 005).
    workspace = pw.ForeignKeyField(Workspace, backref="invitations", on_delete="CASCADE", index=False)
    customer = pw.ForeignKeyField(Customer, backref="invitations", on_delete="CASCADE")
    status = pw.CharField(max_length=16)
    token_hash = pw.CharField(max_length=64, null=True, unique=True)
    inviter = pw.CharField(max_length=32)
    inviter_name = pw.CharField(max_length=200, default="")
    approver = pw.CharField(max_length=32, null=True)
    approver_name = pw.CharField(max_length=200, null=True)
    decided_at = pw.DateTimeField(null=True)
    deny_reason = pw.TextField(null=True)
    job_ref = pw.CharField(max_length=100, null=True)
    request_channel = pw.CharField(max_length=32, null=True)
    # Where the approval request was posted, so the message can be updated in place (R4).
    request_message_channel = pw.CharField(max_length=32, null=True)
    request_message_ts = pw.CharField(max_length=32, null=True)
    created_at = pw.DateTimeField()
    sent_at = pw.DateTimeField(null=True)
    expires_at = pw.DateTimeField(null=True)
    opened_at = pw.DateTimeField(null=True)
    accepted_at = pw.DateTimeField(null=True)
    last_reminded_at = pw.DateTimeField(null=True)
    reminder_count = pw.IntegerField(default=0)
    replaced_by = pw.ForeignKeyField("self", null=True, backref="replaces", on_delete="SET NULL")
    # An agent's request for an existing customer carries the new details it proposes (name,
    # account_number, access_areas); they apply only when an admin approves (R4, R16).
    proposed_changes = JSONField(null=True)

    class Meta:
        indexes = (
            (("status", "created_at", "last_reminded_at"), False),
            (("status", "expires_at"), False),
            (("workspace", "job_ref", "status"), False),
            (("workspace", "status", "created_at"), False),
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @classmethod
    def open_for(cls, customer: Customer) -> "Invitation | None":
        return cls.get_or_none((cls.customer == customer) & cls.status.in_(cls.OPEN))

    @classmethod
    def latest_for(cls, customer: Customer) -> "Invitation | None":
        return (cls.select().where(cls.customer == customer)
                .order_by(cls.created_at.desc(), cls.id.desc()).first())

    @classmethod
    def by_token_hash(cls, token_hash: str) -> "Invitation | None":
        return (cls.select(cls, Customer, Workspace).join(Customer)
                .switch(cls).join(Workspace)
                .where(cls.token_hash == token_hash).first())

    @classmethod
    def holding_job_slot(cls, workspace: Workspace, job_ref: str):
        """Invitations that count against a job's limit: open, or accepted by a still-enrolled customer (R8)."""
        return (cls.select(cls, Customer).join(Customer)
                .where((cls.workspace == workspace) & (cls.job_ref == job_ref)
                       & cls.status.in_(cls.OPEN + (cls.ACCEPTED,)))
                .order_by(cls.created_at))

    @classmethod
    def due_for_expiry(cls, now: dt.datetime, limit: int):
        """Pending invitations past their expiry, soonest first (status+expires_at index)."""
        return (cls.select(cls, Customer).join(Customer)
                .where((cls.status == cls.PENDING) & (cls.expires_at <= now))
                .order_by(cls.expires_at).limit(limit))

    @classmethod
    def due_for_reminder(cls, workspace: Workspace, sent_before: dt.datetime) -> list["DueReminder"]:
        """Pending invitations sent before `sent_before`, oldest first (workspace+status+created_at index).

        A digest can hold tens of thousands of rows: only the columns the digest and the customer
        reminders read, as plain rows straight from the cursor (models cost ~6x the query itself)."""
        query = (cls.select(cls.id, cls.customer, cls.inviter, cls.inviter_name, cls.created_at,
                            cls.opened_at, cls.reminder_count, Customer.email)
                 .join(Customer)
                 .where((cls.status == cls.PENDING) & (cls.workspace == workspace)
                        & (cls.created_at <= sent_before))
                 .order_by(cls.created_at, cls.id))
        return [DueReminder(iid, cid, inviter, name, _when(created), _when(opened), count, email)
                for iid, cid, inviter, name, created, opened, count, email in database.execute(query)]


def _when(value):
    """A DATETIME column read without the ORM: text on SQLite, already a datetime on PostgreSQL."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


class DueCustomer(NamedTuple):
    id: int
    email: str


class DueReminder(NamedTuple):
    """What the daily digest and the customer reminders read of a due invitation (R17)."""

    id: int
    customer_id: int
    inviter: str
    inviter_name: str
    created_at: dt.datetime
    opened_at: dt.datetime | None
    reminder_count: int
    customer_email: str

    @property
    def customer(self) -> DueCustomer:
        return DueCustomer(self.customer_id, self.customer_email)


class RequestMessage(BaseModel):
    """Each copy of an approval request posted in Slack (one per admin when sent by DM), so that
    every copy shows the decision once it is made (R4)."""

    invitation = pw.ForeignKeyField(Invitation, backref="request_messages", on_delete="CASCADE")
    channel = pw.CharField(max_length=32)
    ts = pw.CharField(max_length=32)


class Event(BaseModel):
    """One entry in a customer's history (R10)."""

    KINDS = ("requested", "approved", "denied", "sent", "delivery_failed", "opened", "accepted",
             "reminded", "resent", "revoked", "expired", "suspended", "reinstated", "imported",
             "access_changed")

    workspace = pw.ForeignKeyField(Workspace, on_delete="CASCADE", index=False)  # not queried (005)
    customer = pw.ForeignKeyField(Customer, backref="events", on_delete="CASCADE")
    invitation = pw.ForeignKeyField(Invitation, null=True, on_delete="SET NULL")
    kind = pw.CharField(max_length=24)
    actor = pw.CharField(max_length=32)  # Slack user id, "customer" or "system"
    actor_name = pw.CharField(max_length=200, default="")
    detail = pw.TextField(default="")
    created_at = pw.DateTimeField()

    @classmethod
    def timeline(cls, customer: Customer):
        return cls.select().where(cls.customer == customer).order_by(cls.created_at, cls.id)


class OutboxEmail(BaseModel):
    """An email waiting to be delivered; written in the same transaction as the change that caused it."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"

    workspace = pw.ForeignKeyField(Workspace, on_delete="CASCADE", index=False)  # not queried (005)
    customer = pw.ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    invitation = pw.ForeignKeyField(Invitation, null=True, on_delete="SET NULL")
    kind = pw.CharField(max_length=32)          # template name
    to_address = pw.CharField(max_length=320)
    context = JSONField(default=dict)            # template data; links are scrubbed once delivered
    message_id = pw.CharField(max_length=200, unique=True)
    status = pw.CharField(max_length=10, default=QUEUED)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField()
    last_error = pw.TextField(null=True)
    created_at = pw.DateTimeField()
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)

    @classmethod
    def due(cls, now: dt.datetime, limit: int):
        return (cls.select().where((cls.status == cls.QUEUED) & (cls.next_attempt_at <= now))
                .order_by(cls.next_attempt_at, cls.id).limit(limit))


class UploadRow(BaseModel):
    """A row of an upload that did not succeed (failed or skipped), kept for the failed-rows file."""

    upload = pw.ForeignKeyField(Upload, backref="problem_rows", on_delete="CASCADE",
                                index=False)  # served by (upload, row_number) below
    row_number = pw.IntegerField()
    outcome = pw.CharField(max_length=10)  # failed, skipped
    account_number = pw.TextField(default="")
    email = pw.TextField(default="")
    first_name = pw.TextField(default="")
    last_name = pw.TextField(default="")
    error = pw.TextField(default="")

    class Meta:
        indexes = ((("upload", "row_number"), False),)


class EmailTemplate(BaseModel):
    """A workspace's own subject and text for one kind of email (R19); HTML is made from the text."""

    workspace = pw.ForeignKeyField(Workspace, backref="templates", on_delete="CASCADE")
    kind = pw.CharField(max_length=32)
    subject = pw.TextField()
    body = pw.TextField()
    updated_by = pw.CharField(max_length=32)
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = ((("workspace", "kind"), True),)
