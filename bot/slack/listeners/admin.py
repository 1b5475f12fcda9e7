"""Admin screens: the sign-up link (R14), email templates (R19), access and role (R16), settings."""
from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.slack import ids
from bot.slack.listeners.buttons import _ref
from bot.slack.payloads import ModalContext
from bot.slack.views import admin as views
from bot.slack.views import messages as msg
from bot.slack.views import modals
from commands import customers, invitations, signup, templates
from commands import settings as workspace_settings
from commands.errors import CommandError, InvalidFields, InvalidInput
from portal.emails import default_template
from storage.db import session


def _refuse_in_modal(turn, view_id: str, title: str, action: str) -> bool:
    """Open-first, check-after: a non-admin sees the refusal in the modal (R18)."""
    actor = turn.actor()
    if actor.is_admin:
        return False
    names = ", ".join(actor.admin_names) or "a workspace owner or admin"
    turn.client.views_update(view_id=view_id, view=modals.refusal_modal(title, f"Only team admins can {action}. Ask {names}."))
    return True


# --- sign-up link -----------------------------------------------------------------------------
def link(turn, request) -> None:
    turn.reply(views.link_message(signup.link_status(turn.actor()), turn.config.public_url))


def link_new(turn) -> None:
    turn.reply(views.link_message(signup.new_link(turn.actor()), turn.config.public_url), replace=True)


def link_disable(turn) -> None:
    turn.reply(msg.reply(signup.disable_link(turn.actor()).message), replace=True)


# --- email templates --------------------------------------------------------------------------
def _template_view(actor, kind: str, subject: str | None = None, body: str | None = None) -> dict:
    custom = templates.current(actor, kind)
    default_subject, default_body = default_template(kind)
    subject = subject if subject is not None else (custom.subject if custom else default_subject)
    body = body if body is not None else (custom.body if custom else default_body)
    try:
        preview, problem = templates.preview(subject, body), None
    except CommandError as exc:
        preview, problem = None, exc.message
    return views.templates_modal(kind, templates.EDITABLE, subject, body, custom is not None, preview, problem)


def open_templates(turn, request) -> None:
    view = turn.client.views_open(trigger_id=turn.trigger_id, view=modals.refusal_modal(
        "Email templates", "Loading…"))
    if _refuse_in_modal(turn, view["view"]["id"], "Email templates", "edit email templates"):
        return
    turn.client.views_update(view_id=view["view"]["id"], view=_template_view(turn.actor(), "invitation"))


def _modal_view(turn) -> dict:
    return turn.body.get("view") or {}


def template_kind(turn) -> None:
    kind = ((turn.body.get("actions") or [{}])[0].get("selected_option") or {}).get("value", "invitation")
    turn.client.views_update(view_id=_modal_view(turn).get("id"), view=_template_view(turn.actor(), kind))


def template_preview(turn) -> None:
    values = modals.values(_modal_view(turn))
    kind = _ref(turn).s or "invitation"
    turn.client.views_update(view_id=_modal_view(turn).get("id"), view=_template_view(
        turn.actor(), kind, values.get(ids.SUBJECT, ""), values.get(ids.BODY, "")))


def template_reset(turn) -> None:
    kind = _ref(turn).s or "invitation"
    templates.reset(turn.actor(), kind)
    turn.client.views_update(view_id=_modal_view(turn).get("id"), view=_template_view(turn.actor(), kind))


def ack_templates(directory):
    """The admin first (R18): only an admin looked up moments ago (opening the form) has the template
    checked in the ack, so problems show inline. Anyone else is acked as is and decided after the ack,
    where a non-admin is refused once before the template is looked at."""

    def ack_templates_submission(ack, body):
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        actor = directory.cached_actor(team, (body.get("user") or {}).get("id", ""))
        if actor is None or not actor.is_admin:
            ack()
            return
        view = body.get("view") or {}
        values = modals.values(view)
        kind = ModalContext.load(view.get("private_metadata")).kind or "invitation"
        try:
            templates.vet(actor, kind, values.get(ids.SUBJECT, ""), values.get(ids.BODY, ""))
        except CommandError as exc:
            field = exc.field if exc.field in (ids.SUBJECT, ids.BODY) else ids.BODY
            ack(response_action="errors", errors={field: exc.message[:150]})
            return
        ack()

    return ack_templates_submission


def save_templates(turn) -> None:
    cached = turn.cached_actor()  # before turn.actor() looks the person up: what the ack saw
    checked_in_ack = cached is not None and cached.is_admin
    values = modals.values(_modal_view(turn))
    kind, subject, body = turn.modal.kind or "invitation", values.get(ids.SUBJECT, ""), values.get(ids.BODY, "")
    actor = turn.actor()
    try:
        outcome = templates.save(actor, kind, subject, body)
    except CommandError as problem:
        if checked_in_ack:
            return  # the ack showed this inline; once is enough (R20)
        if isinstance(problem, InvalidInput) and turn.trigger_id:
            # An admin not looked up in the last few minutes: the form closed unchecked, so it comes
            # back with their text and the problem, rather than the text being lost.
            try:
                turn.client.views_open(trigger_id=turn.trigger_id, view=_template_view(actor, kind, subject, body))
                return
            except SlackApiError:
                pass
        raise
    turn.client.chat_postMessage(channel=turn.user_id, **msg.reply(outcome.message))


# --- access and role --------------------------------------------------------------------------
def open_access(turn, request) -> None:
    view = turn.client.views_open(trigger_id=turn.trigger_id, view=modals.refusal_modal("Access and role", "Loading…"))
    if _refuse_in_modal(turn, view["view"]["id"], "Access and role", "change customers' access"):
        return
    actor = turn.actor()
    try:
        customer = customers.status(actor, request.email).customer
    except CommandError as exc:
        turn.client.views_update(view_id=view["view"]["id"], view=modals.refusal_modal("Access and role", exc.message))
        return
    ws = invitations.workspace_of(actor)
    meta = ModalContext(channel=turn.channel_id, response_url=turn.body.get("response_url"), email=customer.email)
    turn.client.views_update(view_id=view["view"]["id"], view=views.access_modal(customer, ws.access_areas, meta))


def save_access(turn) -> None:
    values = modals.values(_modal_view(turn))
    email = turn.modal.email or ""
    outcome = customers.set_access(turn.actor(), email, values.get(ids.ACCESS) or [], values.get(ids.ROLE) or "member")
    turn.reply(msg.outcome_reply(outcome))


# --- settings ---------------------------------------------------------------------------------
def open_settings(turn, request) -> None:
    view = turn.client.views_open(trigger_id=turn.trigger_id, view=modals.refusal_modal("Settings", "Loading…"))
    if _refuse_in_modal(turn, view["view"]["id"], "Settings", "see and change the settings"):
        return
    turn.client.views_update(view_id=view["view"]["id"],
                             view=views.settings_modal(invitations.workspace_of(turn.actor())))


def ack_settings(directory):
    """Saves in the ack when the admin was looked up moments ago (opening the form), so field
    errors show inline; otherwise the save happens after the ack and errors come by DM."""

    def ack_settings_submission(ack, body):
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        actor = directory.cached_actor(team, (body.get("user") or {}).get("id", ""))
        if actor is None:
            ack()
            return
        values = views.settings_values(modals.values(body.get("view") or {}))
        try:
            with session():
                workspace_settings.update(actor, values)
        except InvalidFields as exc:
            ack(response_action="errors", errors={k: v[:150] for k, v in exc.errors.items()})
            return
        except CommandError as exc:
            ack(response_action="errors", errors={"expiry_days": exc.message[:150]})
            return
        ack()

    return ack_settings_submission


def save_settings(turn) -> None:
    values = views.settings_values(modals.values(_modal_view(turn)))
    try:
        lines = workspace_settings.update(turn.actor(), values)
    except CommandError:
        if turn.cached_actor() is not None:
            return  # the ack showed this inline (bad fields, or a refusal), once is enough (R20)
        raise
    turn.client.chat_postMessage(channel=turn.user_id, **msg.reply(
        "Settings saved.\n" + "\n".join(f"{name}: {value}" for name, value in lines)))
