"""The public sign-up forms' limits (issue 11): when they last emailed each address, and the form
tokens already accepted once."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class SignupEmailGate(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name="workspace_id", field="id", model=migrator.orm["workspace"],
                                       on_delete="CASCADE", index=False)
        email_key = pw.CharField(max_length=320)
        last_sent_at = pw.DateTimeField()

        class Meta:
            table_name = "signup_email_gate"
            indexes = [(("workspace", "email_key"), True)]

    @migrator.create_model
    class SpentFormToken(pw.Model):
        id = pw.AutoField()
        nonce = pw.CharField(max_length=64, unique=True)
        spent_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "spent_form_token"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("spent_form_token")
    migrator.remove_model("signup_email_gate")
