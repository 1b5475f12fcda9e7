"""The app's own admin list, beside Slack's owners and admins (DESIGN: People)."""
from __future__ import annotations

import peewee as pw

from commands.actor import Actor
from commands.clock import clock
from commands.errors import Conflict
from commands.invitations import require_admin, workspace_of
from commands.results import Outcome
from storage.db import atomic
from storage.models import AppAdmin, Workspace


def app_admin_ids(team_id: str) -> list[str]:
    return [a.user_id for a in AppAdmin.select(AppAdmin.user_id).join(Workspace)
            .where(Workspace.team_id == team_id).order_by(AppAdmin.created_at)]


def is_app_admin(team_id: str, user_id: str) -> bool:
    return (AppAdmin.select().join(Workspace)
            .where((Workspace.team_id == team_id) & (AppAdmin.user_id == user_id)).exists())


def add(actor: Actor, user_id: str, label: str = "") -> Outcome:
    require_admin(actor, "add app admins")
    ws = workspace_of(actor)
    try:
        with atomic():
            AppAdmin.create(workspace=ws, user_id=user_id, added_by=actor.user_id, created_at=clock.now())
    except pw.IntegrityError:
        raise Conflict(f"{label or user_id} is already on the app's admin list.") from None
    return Outcome(f"{label or user_id} is now an invitebot admin: they can approve, suspend and "
                   "change settings.", state="admin_added")


def remove(actor: Actor, user_id: str, label: str = "") -> Outcome:
    require_admin(actor, "remove app admins")
    ws = workspace_of(actor)
    gone = AppAdmin.delete().where((AppAdmin.workspace == ws) & (AppAdmin.user_id == user_id)).execute()
    if not gone:
        raise Conflict(f"{label or user_id} is not on the app's admin list (workspace owners and "
                       "admins are admins through Slack and cannot be removed here).")
    return Outcome(f"{label or user_id} was removed from the app's admin list.", state="admin_removed")
