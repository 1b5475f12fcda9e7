"""Pure builders for the admin screens: sign-up link, email templates, access, settings."""
from __future__ import annotations

from bot.slack import ids
from bot.slack.payloads import ModalContext, Ref
from bot.slack.views.messages import actions, button, context, escape, section
from bot.slack.views.modals import _modal, _option, _text_input


def link_message(status, public_url: str) -> dict:
    lines = [escape(status.message)]
    if status.url_path:
        lines.append(f"```{public_url}{status.url_path}```")
    if status.signup_path:
        lines.append(f"Public self sign-up page (every request needs approval): {public_url}{status.signup_path}")
    buttons = [button("New link", ids.LINK_NEW, Ref(), "primary")]
    if status.link and not status.link.disabled_at:
        buttons.append(button("Disable link", ids.LINK_DISABLE, Ref(), "danger"))
    return {"text": status.message, "blocks": [section("\n".join(lines)), actions(*buttons)]}


def templates_modal(kind: str, kinds: dict, subject: str, body: str, custom: bool,
                    preview: tuple[str, str] | None = None, problem: str | None = None) -> dict:
    options = [_option(label, value) for value, label in kinds.items()]
    chooser = {"type": "actions", "block_id": ids.TEMPLATE_KIND, "elements": [
        {"type": "static_select", "action_id": ids.TEMPLATE_KIND, "options": options,
         "initial_option": next(o for o in options if o["value"] == kind)}]}
    blocks = [chooser,
              context("Placeholders: {{ customer_name }}, {{ workspace_name }}, {{ inviter_name }}, "
                      "{{ link }}, {{ expires_at }}, {{ expiry_days }}, {{ login_url }}, {{ support_email }}. "
                      "The HTML version is made from this text in your branded layout."
                      + ("" if custom else " (This is the default.)")),
              _text_input(ids.SUBJECT, "Subject", initial=subject, max_length=200),
              _text_input(ids.BODY, "Body", initial=body, multiline=True, max_length=3000),
              actions(button("Update preview", ids.TEMPLATE_PREVIEW, Ref(s=kind)),
                      button("Reset to default", ids.TEMPLATE_RESET, Ref(s=kind), "danger"))]
    if problem:
        blocks.append(section(f":warning: {escape(problem)}"))
    elif preview:
        blocks.append({"type": "divider"})
        blocks.append(section(f"*Preview with sample data*\n*{escape(preview[0])}*\n{escape(preview[1])[:2500]}"))
    return _modal(ids.TEMPLATES_MODAL, "Email templates", blocks, "Save", ModalContext(kind=kind))


def access_modal(customer, areas: list[str], meta: ModalContext) -> dict:
    options = [_option(a) for a in areas]
    initial = [o for o in options if o["value"] in (customer.access_areas or [])]
    checkboxes = {"type": "checkboxes", "action_id": ids.ACCESS, "options": options}
    if initial:
        checkboxes["initial_options"] = initial
    roles = [_option("Account admin", "admin"), _option("Member", "member")]
    return _modal(ids.ACCESS_MODAL, "Access and role", [
        section(f"*{escape(customer.email)}*" + (f" — account {escape(customer.account_number)}"
                                                 if customer.account_number else "")),
        {"type": "input", "block_id": ids.ACCESS, "optional": True,
         "label": {"type": "plain_text", "text": "Portal areas they can see"}, "element": checkboxes},
        {"type": "input", "block_id": ids.ROLE, "label": {"type": "plain_text", "text": "Role in their account"},
         "element": {"type": "radio_buttons", "action_id": ids.ROLE, "options": roles,
                     "initial_option": roles[0] if customer.role == "admin" else roles[1]}},
    ], "Save", meta)


def _number(block_id: str, label: str, value: int, low: int, high: int) -> dict:
    return {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label},
            "element": {"type": "number_input", "action_id": block_id, "is_decimal_allowed": False,
                        "initial_value": str(value), "min_value": str(low), "max_value": str(high)}}


def _channel(block_id: str, label: str, value: str | None, hint: str) -> dict:
    element = {"type": "conversations_select", "action_id": block_id,
               "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if value:
        element["initial_conversation"] = value
    return {"type": "input", "block_id": block_id, "optional": True,
            "label": {"type": "plain_text", "text": label}, "element": element,
            "hint": {"type": "plain_text", "text": hint}}


def _flags(block_id: str, label: str, flags: list[tuple[str, str, bool]]) -> dict:
    options = [_option(text, value) for value, text, _ in flags]
    element = {"type": "checkboxes", "action_id": block_id, "options": options}
    initial = [o for o, (_, _, on) in zip(options, flags) if on]
    if initial:
        element["initial_options"] = initial
    return {"type": "input", "block_id": block_id, "optional": True,
            "label": {"type": "plain_text", "text": label}, "element": element}


FLAGS = ("approval_required", "customer_reminders", "signup_link_approval", "self_signup", "denial_email",
         "auto_invite")


def settings_modal(ws) -> dict:
    blocks = [
        _number("expiry_days", "Invitation links valid for (days)", ws.expiry_days, 1, 90),
        _number("job_limit", "Invitees per job (open or enrolled)", ws.job_limit, 1, 100),
        _channel("approval_channel", "Approval channel", ws.approval_channel,
                 "Where agents' requests go. Empty: the channel where they type."),
        _channel("reminder_channel", "Reminder channel", ws.reminder_channel,
                 "Where the daily digest of pending invitations goes."),
        {"type": "input", "block_id": "reminder_time", "label": {"type": "plain_text", "text": "Digest time"},
         "element": {"type": "timepicker", "action_id": "reminder_time", "initial_time": ws.reminder_time}},
        _text_input("reminder_tz", "Digest time zone", initial=ws.reminder_tz, max_length=64,
                    hint="e.g. Europe/London, America/New_York, UTC"),
        _number("reminder_days", "Remind about invitations pending longer than (days)", ws.reminder_days, 1, 90),
        _number("customer_reminder_max", "Reminder emails per invitation (at most)", ws.customer_reminder_max, 0, 10),
        _number("signup_link_days", "Sign-up links valid for (days)", ws.signup_link_days, 1, 90),
        _flags("flags", "Options", [
            ("approval_required", "Agents' invitations need an admin's approval", ws.approval_required),
            ("customer_reminders", "Email customers a reminder with the digest", ws.customer_reminders),
            ("signup_link_approval", "Sign-ups through the shared link need approval", ws.signup_link_approval),
            ("self_signup", "Public self sign-up page (requests need approval)", ws.self_signup),
            ("denial_email", "Email a polite notice when a sign-up is denied", ws.denial_email),
            ("auto_invite", "Bulk uploads send invitations by default", ws.auto_invite)]),
        _text_input("access_areas", "Portal areas (one per line)", initial="\n".join(ws.access_areas),
                    multiline=True, max_length=700),
        _text_input("default_access", "Areas new customers see (one per line)", optional=True,
                    initial="\n".join(ws.default_access), multiline=True, max_length=700),
        _text_input("brand_name", "Display name on pages and emails", optional=True,
                    initial=ws.brand_name, max_length=100),
        _text_input("logo_url", "Logo (https:// image address)", optional=True, initial=ws.logo_url,
                    max_length=500),
        _text_input("accent_color", "Accent colour", initial=ws.accent_color, max_length=7,
                    hint="Like #2b5fad"),
        _text_input("support_email", "Support email shown to customers", optional=True,
                    initial=ws.support_email, max_length=320),
    ]
    return _modal(ids.SETTINGS_MODAL, "Settings", blocks, "Save")


def settings_values(values: dict) -> dict:
    """The settings form's values as commands.settings.update wants them."""
    out = {k: v for k, v in values.items() if k != "flags"}
    chosen = set(values.get("flags") or [])
    out.update({flag: flag in chosen for flag in FLAGS})
    return out
