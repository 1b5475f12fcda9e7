"""Sign-up links, self sign-up and branding settings, and workspaces' own email templates."""
import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "workspace",
        signup_link_days=pw.IntegerField(default=7),
        signup_link_approval=pw.BooleanField(default=False),
        self_signup=pw.BooleanField(default=True),
        signup_slug=pw.CharField(max_length=32, null=True, unique=True),
        denial_email=pw.BooleanField(default=True),
        auto_invite=pw.BooleanField(default=False),
        brand_name=pw.CharField(max_length=100, null=True),
        logo_url=pw.CharField(max_length=500, null=True),
        accent_color=pw.CharField(max_length=7, default="#2b5fad"),
        support_email=pw.CharField(max_length=320, null=True),
    )

    @migrator.create_model
    class SignupLink(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name="workspace_id", field="id",
                                       model=migrator.orm["workspace"], on_delete="CASCADE")
        token_hash = pw.CharField(max_length=64, unique=True)
        created_by = pw.CharField(max_length=32)
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        disabled_at = pw.DateTimeField(null=True)
        uses = pw.IntegerField(default=0)

        class Meta:
            table_name = "signup_link"

    @migrator.create_model
    class EmailTemplate(pw.Model):
        id = pw.AutoField()
        workspace = pw.ForeignKeyField(column_name="workspace_id", field="id",
                                       model=migrator.orm["workspace"], on_delete="CASCADE")
        kind = pw.CharField(max_length=32)
        subject = pw.TextField()
        body = pw.TextField()
        updated_by = pw.CharField(max_length=32)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "email_template"
            indexes = [(("workspace", "kind"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("email_template")
    migrator.remove_model("signup_link")
    migrator.remove_fields("workspace", "signup_link_days", "signup_link_approval", "self_signup",
                           "signup_slug", "denial_email", "auto_invite", "brand_name", "logo_url",
                           "accent_color", "support_email")
