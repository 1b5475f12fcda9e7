"""Resend-all runs, so that a run cut short (a crash, a restart) is continued instead of repeated."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ResendRun(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name="workspace_id", field="id",
                                       model=migrator.orm["workspace"], on_delete="CASCADE")
        by = pw.CharField(max_length=32)
        holder = pw.CharField(max_length=128)
        started_at = pw.DateTimeField()
        heartbeat_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)
        done = pw.IntegerField(default=0)

        class Meta:
            table_name = "resend_run"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("resend_run")
