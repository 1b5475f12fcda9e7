"""What the public sign-up pages keep (R14, R15): the shareable links, and the guards that stop
anyone using the forms to flood an address with email or to replay a form."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from storage.models import BaseModel, Workspace


class SignupLink(BaseModel):
    """A shareable sign-up link (R14): valid for a while, counted, can be disabled."""

    workspace = pw.ForeignKeyField(Workspace, backref="signup_links", on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    created_by = pw.CharField(max_length=32)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    disabled_at = pw.DateTimeField(null=True)
    uses = pw.IntegerField(default=0)

    @classmethod
    def current(cls, workspace: Workspace):
        return (cls.select().where(cls.workspace == workspace).order_by(cls.id.desc()).first())


class SignupEmailGate(BaseModel):
    """When the public sign-up forms last emailed one address of a workspace, so that however often
    anyone sends them, that address gets at most one email a period from them (issue 11)."""

    workspace = pw.ForeignKeyField(Workspace, on_delete="CASCADE", index=False)  # the unique index starts with it
    email_key = pw.CharField(max_length=320)
    last_sent_at = pw.DateTimeField()

    class Meta:
        indexes = ((("workspace", "email_key"), True),)

    @classmethod
    def take(cls, workspace: Workspace, email_key: str, now: dt.datetime, period: dt.timedelta) -> bool:
        """True, with `now` recorded, unless the forms emailed this address less than `period` ago. Of
        two requests at once one takes it: the other's update finds the new time, or its insert the row."""
        if (cls.update(last_sent_at=now)
                .where((cls.workspace == workspace) & (cls.email_key == email_key)
                       & (cls.last_sent_at <= now - period)).execute()):
            return True
        return cls.insert_first(workspace=workspace, email_key=email_key, last_sent_at=now)


class SpentFormToken(BaseModel):
    """Sign-up form tokens already accepted: each form is accepted once (issue 11)."""

    nonce = pw.CharField(max_length=64, unique=True)
    spent_at = pw.DateTimeField(index=True)

    @classmethod
    def spend(cls, nonce: str, now: dt.datetime, forget_before: dt.datetime) -> bool:
        """True the first time `nonce` is spent. Tokens spent before `forget_before` are forgotten:
        by then they are too old to be accepted anyway."""
        cls.delete().where(cls.spent_at < forget_before).execute()
        return cls.insert_first(nonce=nonce, spent_at=now)
