"""A workspace's settings (R5, R8, R4, R17) with their documented defaults."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands import inputs
from commands.actor import Actor
from commands.errors import InvalidFields, InvalidInput
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
        ("New customers may see", ", ".join(ws.default_access) or "nothing until an admin decides"),
        ("Sign-up link", f"valid {ws.signup_link_days} days; sign-ups "
         + ("need approval" if ws.signup_link_approval else "join after confirming their email")),
        ("Self sign-up page", "on (each request needs approval)" if ws.self_signup else "off"),
        ("Email to people denied", "yes" if ws.denial_email else "no"),
        ("Bulk uploads send invitations by default", "yes" if ws.auto_invite else "no"),
        ("Branding", f"{ws.display_name}, accent {ws.accent_color}"
         + (f", logo {ws.logo_url}" if ws.logo_url else "")
         + (f", support {ws.support_email}" if ws.support_email else "")),
    ]


def show(actor: Actor) -> list[tuple[str, str]]:
    require_admin(actor, "see and change the settings")
    return describe(workspace_of(actor))


def _int(value, field: str, label: str, low: int, high: int, errors: dict) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = f"{label} must be a whole number."
        return None
    if not low <= number <= high:
        errors[field] = f"{label} must be between {low} and {high}."
        return None
    return number


def _lines(value) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").splitlines()
    seen, out = set(), []
    for item in (i.strip() for i in items):
        if item and item.lower() not in seen:
            seen.add(item.lower())
            out.append(item[:60])
    return out


def update(actor: Actor, values: dict) -> list[tuple[str, str]]:
    """Validate and store the settings form (admins only); every wrong field is named at once."""
    require_admin(actor, "change the settings")
    ws = workspace_of(actor)
    errors: dict[str, str] = {}
    changes: dict = {}
    for field, label, low, high in (("expiry_days", "Link validity", 1, 90), ("job_limit", "Invitees per job", 1, 100),
                                    ("reminder_days", "Reminder threshold", 1, 90),
                                    ("customer_reminder_max", "Reminder emails per invitation", 0, 10),
                                    ("signup_link_days", "Sign-up link validity", 1, 90)):
        if field in values:
            number = _int(values[field], field, label, low, high, errors)
            if number is not None:
                changes[field] = number
    for flag in ("approval_required", "customer_reminders", "signup_link_approval", "self_signup",
                 "denial_email", "auto_invite"):
        if flag in values:
            changes[flag] = bool(values[flag])
    for field in ("approval_channel", "reminder_channel"):
        if field in values:
            channel = (values[field] or "").strip() or None
            if channel and not re.fullmatch(r"[CGD][A-Z0-9]{2,30}", channel):
                errors[field] = "Choose a channel from the list."
            else:
                changes[field] = channel
    if "reminder_time" in values:
        if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", values["reminder_time"] or ""):
            changes["reminder_time"] = values["reminder_time"]
        else:
            errors["reminder_time"] = "Reminder time must look like 09:00."
    if "reminder_tz" in values:
        try:
            ZoneInfo(values["reminder_tz"] or "")
            changes["reminder_tz"] = values["reminder_tz"]
        except (ZoneInfoNotFoundError, ValueError):
            errors["reminder_tz"] = "Unknown time zone; use a name like Europe/London or America/New_York."
    if "brand_name" in values:
        name = (values["brand_name"] or "").strip()
        if len(name) > 100:
            errors["brand_name"] = "The display name is too long (100 characters at most)."
        else:
            changes["brand_name"] = name or None
    if "logo_url" in values:
        url = (values["logo_url"] or "").strip()
        if url and (not re.fullmatch(r"https://[^\s\"'<>]+", url) or len(url) > 500):
            errors["logo_url"] = "The logo must be an https:// address of an image (500 characters at most)."
        else:
            changes["logo_url"] = url or None
    if "accent_color" in values:
        colour = (values["accent_color"] or "").strip()
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            errors["accent_color"] = "The accent colour must look like #2b5fad."
        else:
            changes["accent_color"] = colour.lower()
    if "support_email" in values:
        raw = (values["support_email"] or "").strip()
        try:
            changes["support_email"] = inputs.email(raw, field="support_email").address if raw else None
        except InvalidInput as exc:
            errors["support_email"] = exc.message
    areas = _lines(values["access_areas"]) if "access_areas" in values else list(ws.access_areas)
    if "access_areas" in values:
        if not areas:
            errors["access_areas"] = "List at least one portal area, one per line."
        elif len(areas) > 10:
            errors["access_areas"] = "At most 10 portal areas."
        else:
            changes["access_areas"] = areas
    if "default_access" in values:
        default = _lines(values["default_access"])
        unknown = [a for a in default if a not in areas]
        if unknown:
            errors["default_access"] = f"Not in the list of areas: {', '.join(unknown)}."
        else:
            changes["default_access"] = default
    if errors:
        raise InvalidFields(errors)
    if changes:
        Workspace.update(**changes).where(Workspace.id == ws.id).execute()
    return describe(Workspace.get_by_id(ws.id))
