"""Timed jobs: reminder settings per workspace, the single-runner lease, per-tick runs, reminder keys."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "workspace",
        reminder_channel=pw.CharField(max_length=32, null=True),
        reminder_days=pw.IntegerField(default=3),
        reminder_time=pw.CharField(max_length=5, default="09:00"),
        reminder_tz=pw.CharField(max_length=64, default="UTC"),
        customer_reminders=pw.BooleanField(default=False),
        customer_reminder_max=pw.IntegerField(default=2),
    )

    @migrator.create_model
    class JobLease(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=64, unique=True)
        holder = pw.CharField(max_length=128)
        expires_at = pw.DateTimeField()

        class Meta:
            table_name = "job_lease"

    @migrator.create_model
    class JobRun(pw.Model):
        id = pw.AutoField()
        job = pw.CharField(max_length=32)
        tick = pw.BigIntegerField()
        holder = pw.CharField(max_length=128)
        started_at = pw.DateTimeField()
        detail = pw.TextField(default="")

        class Meta:
            table_name = "job_run"
            indexes = [(("job", "tick"), True)]

    @migrator.create_model
    class ReminderLog(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=200, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "reminder_log"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("reminder_log")
    migrator.remove_model("job_run")
    migrator.remove_model("job_lease")
    migrator.remove_fields("workspace", "reminder_channel", "reminder_days", "reminder_time",
                           "reminder_tz", "customer_reminders", "customer_reminder_max")
