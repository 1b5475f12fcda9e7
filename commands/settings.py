"""A workspace's settings (R5, R8, R4, R17) with their documented defaults."""
from __future__ import annotations

from commands.actor import Actor
from commands.invitations import require_admin, workspace_of
from storage.models import Workspace


def describe(ws: Workspace) -> list[tuple[str, str]]:
    """(setting, value) pairs as people read them."""
    channel = f"<#{ws.reminder_channel}>" if ws.reminder_channel else (
        f"the approval channel <#{ws.approval_channel}>" if ws.approval_channel else "not set (no digest)")
    return [
        ("Invitation links valid for", f"{ws.expiry_days} days"),
        ("Invitees per job", f"at most {ws.job_limit} open or enrolled"),
        ("Agents' invitations need approval", "yes" if ws.approval_required else "no"),
        ("Approval channel", f"<#{ws.approval_channel}>" if ws.approval_channel
         else "the channel where the request is typed"),
        ("Reminder digest", f"daily at {ws.reminder_time} ({ws.reminder_tz}) in {channel}"),
        ("Remind about invitations pending longer than", f"{ws.reminder_days} days"),
        ("Reminder emails to customers", f"on, at most {ws.customer_reminder_max} each"
         if ws.customer_reminders else "off"),
        ("Access areas", ", ".join(ws.access_areas)),
    ]


def show(actor: Actor) -> list[tuple[str, str]]:
    require_admin(actor, "see and change the settings")
    return describe(workspace_of(actor))
