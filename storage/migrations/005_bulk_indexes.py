"""Indexes for bulk imports: drop the ones no query or cascade needs, key customers by address first.

Every index is written on every bulk-imported row (a million-row file writes about five million rows),
so only indexes that a query or an ON DELETE action uses are kept:

- customer_workspace_id, invitation_workspace_id: every query on workspace_id is served by a composite
  index that starts with it (customer: (workspace_id, account_number, role); invitation:
  (workspace_id, status, created_at) and (workspace_id, job_ref, status)). Worse, with a workspace_id
  index SQLite answers "which of these accounts has an admin" by reading every customer of the
  workspace, so each bulk batch got slower as the table grew.
- event_workspace_id, outboxemail_workspace_id: no query filters these tables by workspace except the
  App Home's failed deliveries (status = 'failed', served by (status, next_attempt_at)); deleting a
  workspace reads each table once either way.
- event_created_at: no query filters or sorts events by time alone (the timeline reads by customer).
- uploadrow_upload_id: served by (upload_id, row_number).
- customer (workspace_id, account_number, role), declared on the model (R16 "does this account have
  an admin yet") but never created by migration 004, is created.
- customer (workspace_id, email_key) unique becomes (email_key, workspace_id) unique: the same
  constraint, and it also serves the look-ups by address across workspaces (login, R3 "enrolled in
  another workspace"), which read the whole table before.

Kept: the customer_id and invitation_id foreign-key indexes (timelines, deliveries, and the cascades
when a customer or invitation is deleted), customer_upload_id (an upload's succeeded rows), and every
unique index.
"""
import peewee as pw
from peewee_migrate import Migrator

DROPPED = {
    "customer_workspace_id": 'ON "customer" ("workspace_id")',
    "invitation_workspace_id": 'ON "invitation" ("workspace_id")',
    "event_workspace_id": 'ON "event" ("workspace_id")',
    "event_created_at": 'ON "event" ("created_at")',
    "outboxemail_workspace_id": 'ON "outbox_email" ("workspace_id")',
    "uploadrow_upload_id": 'ON "upload_row" ("upload_id")',
}


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for name in DROPPED:
        migrator.sql(f'DROP INDEX IF EXISTS "{name}"')
    migrator.sql('CREATE INDEX IF NOT EXISTS "customer_workspace_id_account_number_role" '
                 'ON "customer" ("workspace_id", "account_number", "role")')
    migrator.sql('CREATE UNIQUE INDEX "customer_email_key_workspace_id" ON "customer" ("email_key", "workspace_id")')
    migrator.sql('DROP INDEX IF EXISTS "customer_workspace_id_email_key"')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql('CREATE UNIQUE INDEX "customer_workspace_id_email_key" ON "customer" ("workspace_id", "email_key")')
    migrator.sql('DROP INDEX IF EXISTS "customer_email_key_workspace_id"')
    # customer_workspace_id_account_number_role stays: 004's rollback drops it.
    for name, where in DROPPED.items():
        migrator.sql(f'CREATE INDEX IF NOT EXISTS "{name}" {where}')
