"""Every copy of an approval request (one per admin when sent by DM), so each shows the decision."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class RequestMessage(pw.Model):
        id = pw.AutoField()
        invitation = pw.ForeignKeyField(column_name="invitation_id", field="id",
                                        model=migrator.orm["invitation"], on_delete="CASCADE")
        channel = pw.CharField(max_length=32)
        ts = pw.CharField(max_length=32)

        class Meta:
            table_name = "request_message"

    migrator.sql('INSERT INTO "request_message" ("invitation_id", "channel", "ts") '
                 'SELECT "id", "request_message_channel", "request_message_ts" FROM "invitation" '
                 'WHERE "request_message_channel" IS NOT NULL AND "request_message_ts" IS NOT NULL')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("request_message")
