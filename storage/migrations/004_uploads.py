"""Bulk CSV uploads: their history, the rows that did not succeed, and which upload created a customer."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Upload(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name="workspace_id", field="id",
                                       model=migrator.orm["workspace"], on_delete="CASCADE")
        uploader = pw.CharField(max_length=32)
        uploader_name = pw.CharField(max_length=200, default="")
        file_name = pw.CharField(max_length=255)
        checksum = pw.CharField(max_length=64, index=True)
        send_now = pw.BooleanField(default=False)
        holder = pw.CharField(max_length=128, default="")
        state = pw.CharField(max_length=10, default="running")
        message = pw.TextField(default="")
        rows_total = pw.IntegerField(default=0)
        rows_done = pw.IntegerField(default=0)
        succeeded = pw.IntegerField(default=0)
        failed = pw.IntegerField(default=0)
        skipped = pw.IntegerField(default=0)
        created_at = pw.DateTimeField()
        heartbeat_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "upload"

    @migrator.create_model
    class UploadRow(pw.Model):
        id = pw.AutoField()
        upload = pw.ForeignKeyField(column_name="upload_id", field="id", model=migrator.orm["upload"],
                                    on_delete="CASCADE")
        row_number = pw.IntegerField()
        outcome = pw.CharField(max_length=10)
        account_number = pw.TextField(default="")
        email = pw.TextField(default="")
        first_name = pw.TextField(default="")
        last_name = pw.TextField(default="")
        error = pw.TextField(default="")

        class Meta:
            table_name = "upload_row"
            indexes = [(("upload", "row_number"), False)]

    migrator.add_fields("customer", upload=pw.ForeignKeyField(
        column_name="upload_id", field="id", model=migrator.orm["upload"], null=True, on_delete="SET NULL"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("customer", "workspace", "account_number", "role")
    migrator.remove_fields("customer", "upload")
    migrator.remove_model("upload_row")
    migrator.remove_model("upload")
