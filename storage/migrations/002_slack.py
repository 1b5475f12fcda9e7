"""Slack adapter needs: where approval requests were posted, and which event ids were handled."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "invitation",
        request_message_channel=pw.CharField(max_length=32, null=True),
        request_message_ts=pw.CharField(max_length=32, null=True),
    )

    @migrator.create_model
    class SlackEventReceipt(pw.Model):
        id = pw.AutoField()
        event_id = pw.CharField(max_length=64, unique=True)
        received_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "slack_event_receipt"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("slack_event_receipt")
    migrator.remove_fields("invitation", "request_message_channel", "request_message_ts")
