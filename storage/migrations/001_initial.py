"""Initial schema: workspaces, app admins, customers, invitations, events, email outbox."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Workspace(pw.Model):
        id = pw.AutoField()
        team_id = pw.CharField(max_length=32, unique=True)
        name = pw.CharField(default='', max_length=200)
        expiry_days = pw.IntegerField(default=7)
        job_limit = pw.IntegerField(default=3)
        approval_required = pw.BooleanField(default=True)
        approval_channel = pw.CharField(max_length=32, null=True)
        access_areas = pw.TextField()
        default_access = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "workspace"

    @migrator.create_model
    class AppAdmin(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name='workspace_id', field='id', model=migrator.orm['workspace'], on_delete='CASCADE')
        user_id = pw.CharField(max_length=32)
        added_by = pw.CharField(max_length=32)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "app_admin"
            indexes = [(('workspace', 'user_id'), True)]

    @migrator.create_model
    class Customer(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name='workspace_id', field='id', model=migrator.orm['workspace'], on_delete='CASCADE')
        email = pw.CharField(max_length=320)
        email_key = pw.CharField(max_length=320)
        name = pw.CharField(default='', max_length=200)
        account_number = pw.CharField(max_length=100, null=True)
        role = pw.CharField(default='member', max_length=20)
        access_areas = pw.TextField()
        password_hash = pw.CharField(max_length=200, null=True)
        enrolled_at = pw.DateTimeField(null=True)
        suspended = pw.BooleanField(default=False)
        suspension_note = pw.TextField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "customer"
            indexes = [(('workspace', 'email_key'), True)]

    @migrator.create_model
    class Invitation(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name='workspace_id', field='id', model=migrator.orm['workspace'], on_delete='CASCADE')
        customer = pw.ForeignKeyField(column_name='customer_id', field='id', model=migrator.orm['customer'], on_delete='CASCADE')
        status = pw.CharField(max_length=16)
        token_hash = pw.CharField(max_length=64, null=True, unique=True)
        inviter = pw.CharField(max_length=32)
        inviter_name = pw.CharField(default='', max_length=200)
        approver = pw.CharField(max_length=32, null=True)
        approver_name = pw.CharField(max_length=200, null=True)
        decided_at = pw.DateTimeField(null=True)
        deny_reason = pw.TextField(null=True)
        job_ref = pw.CharField(max_length=100, null=True)
        request_channel = pw.CharField(max_length=32, null=True)
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField(null=True)
        expires_at = pw.DateTimeField(null=True)
        opened_at = pw.DateTimeField(null=True)
        accepted_at = pw.DateTimeField(null=True)
        last_reminded_at = pw.DateTimeField(null=True)
        reminder_count = pw.IntegerField(default=0)
        replaced_by = pw.ForeignKeyField(column_name='replaced_by_id', field='id', model='self', null=True, on_delete='SET NULL')

        class Meta:
            table_name = "invitation"
            indexes = [(('status', 'created_at', 'last_reminded_at'), False), (('status', 'expires_at'), False), (('workspace', 'job_ref', 'status'), False), (('workspace', 'status', 'created_at'), False)]

    @migrator.create_model
    class Event(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name='workspace_id', field='id', model=migrator.orm['workspace'], on_delete='CASCADE')
        customer = pw.ForeignKeyField(column_name='customer_id', field='id', model=migrator.orm['customer'], on_delete='CASCADE')
        invitation = pw.ForeignKeyField(column_name='invitation_id', field='id', model=migrator.orm['invitation'], null=True, on_delete='SET NULL')
        kind = pw.CharField(max_length=24)
        actor = pw.CharField(max_length=32)
        actor_name = pw.CharField(default='', max_length=200)
        detail = pw.TextField(default='')
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "event"

    @migrator.create_model
    class OutboxEmail(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name='workspace_id', field='id', model=migrator.orm['workspace'], on_delete='CASCADE')
        customer = pw.ForeignKeyField(column_name='customer_id', field='id', model=migrator.orm['customer'], null=True, on_delete='SET NULL')
        invitation = pw.ForeignKeyField(column_name='invitation_id', field='id', model=migrator.orm['invitation'], null=True, on_delete='SET NULL')
        kind = pw.CharField(max_length=32)
        to_address = pw.CharField(max_length=320)
        context = pw.TextField()
        message_id = pw.CharField(max_length=200, unique=True)
        status = pw.CharField(default='queued', max_length=10)
        attempts = pw.IntegerField(default=0)
        next_attempt_at = pw.DateTimeField()
        last_error = pw.TextField(null=True)
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "outbox_email"
            indexes = [(('status', 'next_attempt_at'), False)]

    # R2: at most one open invitation per customer, even when two agents race.
    migrator.sql(
        "CREATE UNIQUE INDEX invitation_one_open_per_customer ON invitation (customer_id) "
        "WHERE status IN ('requested', 'pending')"
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX IF EXISTS invitation_one_open_per_customer")
    migrator.remove_model('outbox_email')

    migrator.remove_model('event')

    migrator.remove_model('invitation')

    migrator.remove_model('customer')

    migrator.remove_model('app_admin')

    migrator.remove_model('workspace')
