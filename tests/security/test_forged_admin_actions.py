"""A non-admin who forges the payload of an admin action (the click, the modal submission or the
typed command an admin's Slack client would send) is refused every time. The refusal names the
admins to ask (R18), and nothing changes: no row, no setting, no email queued, no file shared, no
message updated for anyone else.

The state is made the way admins make it, through Slack: Sam's (AGENT) request waiting for
approval (R4); Kim's (AGENT2) request, approved by an admin, so the invitation is Kim's (R7 lets
Sam act on his own invitations only); an admin's own invitation; a suspended customer (R9); a
sign-up link (R14); a custom email template (R19); a member on the app's admin list; and a bulk
upload with a failed row (R12). Then Sam, who is not an admin, sends each forged payload.
"""
from __future__ import annotations

import time

import pytest

from bot.slack import ids
from bot.slack.payloads import ModalContext, Ref
from storage.models import AppAdmin, Customer, EmailTemplate, Event, Invitation, OutboxEmail, Upload, UploadRow, Workspace
from storage.signups import SignupLink

from slack.conftest import ADMIN, AGENT, AGENT2, CHANNEL, Sent, buttons, row_counts, visible_text

APP_ADMIN = "U0APPADM"  # on invitebot's own admin list, not a Slack admin
ADMINS = "Ada Admin, Bea Admin, Al Appadmin"  # R18: Slack's admins, then the app's
SUBJECT = "Your Acme portal invitation"  # the admins' own template: Sam must not see it either
DOMAIN = [Workspace, AppAdmin, Upload, UploadRow, Customer, Invitation, Event, OutboxEmail, SignupLink,
          EmailTemplate]
LOOKUPS = {"auth.test", "users.info", "users.list"}  # who is asking, who the admins are
MESSAGE_TS = "1700000000.000100"  # the message whose button Sam presses (as Slack reports it)


# --- payloads as Slack sends them -------------------------------------------------------------------
def _text(value: str) -> dict:
    return {"type": "plain_text_input", "value": value}


def _picked(kind: str, *values: str) -> dict:
    return {"type": kind, "selected_options": [{"value": v} for v in values]}


def _post(stack, payload: dict) -> Sent:
    after = time.monotonic()
    reply = stack.sim.interaction(payload)
    return Sent(stack, reply.status, reply.body, time.monotonic() - after, after=after)


def _submit(stack, user: str, callback_id: str, fields: dict, meta: ModalContext | None = None) -> Sent:
    """A view_submission whose state holds each block's element (block_id and action_id are the same)."""
    view = {"id": "VFORGED", "type": "modal", "callback_id": callback_id, "hash": "h",
            "private_metadata": meta.dump() if meta else "",
            "state": {"values": {block: {block: element} for block, element in fields.items()}}}
    return _post(stack, {"type": "view_submission", **stack.sim._base(user), "view": view})


def _in_templates_modal(stack, action: dict) -> Sent:
    """A button or menu inside the email templates modal, pressed by Sam."""
    view = {"id": "VTEMPLATES", "type": "modal", "callback_id": ids.TEMPLATES_MODAL, "hash": "h",
            "private_metadata": ModalContext(kind="invitation").dump(),
            "state": {"values": {ids.SUBJECT: {ids.SUBJECT: _text("Hi")},
                                 ids.BODY: {ids.BODY: _text("Sam was here: {{ link }}")}}}}
    return _post(stack, {"type": "block_actions", **stack.sim._base(AGENT), "view": view,
                         "container": {"type": "view", "view_id": view["id"]}, "actions": [action]})


def _button(action_id: str, value: Ref) -> dict:
    return {"type": "button", "action_id": action_id, "block_id": "b", "value": value.dump()}


def _replying(stack, **more) -> ModalContext:
    """private_metadata as the real modal carries it: where it was opened, and its response_url."""
    return ModalContext(channel=CHANNEL, response_url=f"{stack.slack.url}/response/forged", **more)


def _click(stack, action_id: str, value: Ref) -> Sent:
    return stack.click(AGENT, action_id, value.dump(), channel=CHANNEL, message_ts=MESSAGE_TS)


def _from_status(stack, email: str, action_id: str) -> Sent:
    """Anyone may look up a status; its message carries Resend / Revoke, which Sam presses."""
    shown = stack.command(AGENT, f"status {email}").reply()
    return stack.click(AGENT, action_id, buttons(shown)[action_id], channel=CHANNEL, message_ts=MESSAGE_TS)


SETTINGS = {  # approval off, long links, Sam's own channel and branding
    "expiry_days": {"type": "number_input", "value": "90"}, "job_limit": {"type": "number_input", "value": "100"},
    "approval_channel": {"type": "conversations_select", "selected_conversation": "C0SAMS"},
    "reminder_channel": {"type": "conversations_select", "selected_conversation": "C0SAMS"},
    "reminder_time": {"type": "timepicker", "selected_time": "03:00"}, "reminder_tz": _text("UTC"),
    "reminder_days": {"type": "number_input", "value": "1"},
    "customer_reminder_max": {"type": "number_input", "value": "10"},
    "signup_link_days": {"type": "number_input", "value": "90"},
    "flags": _picked("checkboxes", "self_signup", "auto_invite"),
    "access_areas": _text("everything"), "default_access": _text("everything"),
    "brand_name": _text("Sam's portal"), "logo_url": _text("https://sam.example/logo.png"),
    "accent_color": _text("#000000"), "support_email": _text("sam@sam.example"),
}


def _forged_bulk(stack, world) -> Sent:
    file = stack.slack.add_file("mallory.csv", b"Account Number,Customer Email\r\nX1,mallory@example.com\r\n")
    return _submit(stack, AGENT, ids.BULK_MODAL, {
        ids.FILE: {"type": "file_input", "files": [file]}, ids.SEND_NOW: _picked("checkboxes", "yes")},
        _replying(stack))


# (what Sam sends, given the stack and the admins' world) -> the refusal he must read: "Only team admins can …"
FORGERIES = [
    pytest.param(lambda s, w: s.click_request(AGENT, ids.APPROVE, w["request"], w["buttons"][ids.APPROVE]),
                 "approve invitation requests", id="approve-button"),
    pytest.param(lambda s, w: s.click_request(AGENT, ids.DENY, w["request"], w["buttons"][ids.DENY]),
                 "deny invitation requests", id="deny-button"),
    pytest.param(lambda s, w: _submit(s, AGENT, ids.DENY_MODAL, {ids.REASON: _text("no")}, ModalContext(
        invitation=w["request"].id, channel=CHANNEL, message_channel=CHANNEL,
        message_ts=w["request"].request_message_ts)), "deny invitation requests", id="deny-submission"),
    pytest.param(lambda s, w: s.command(AGENT, "suspend lee@example.com Unpaid invoices"),
                 "suspend customers", id="suspend-command"),
    pytest.param(lambda s, w: s.command(AGENT, "suspend lee@example.com"), "suspend customers",
                 id="suspend-form-open"),
    pytest.param(lambda s, w: _submit(s, AGENT, ids.SUSPEND_MODAL, {
        ids.EMAIL: _text("lee@example.com"), ids.NOTE: _text("Unpaid invoices")}, _replying(s)),
                 "suspend customers", id="suspend-submission"),
    pytest.param(lambda s, w: s.command(AGENT, "reinstate sue@example.com"), "reinstate customers",
                 id="reinstate-command"),
    pytest.param(lambda s, w: s.command(AGENT, "revoke kim@example.com"),
                 "revoke invitations sent by someone else", id="revoke-agents-invitation-command"),
    pytest.param(lambda s, w: s.command(AGENT, "revoke lee@example.com"),
                 "revoke invitations sent by someone else", id="revoke-admins-invitation-command"),
    pytest.param(lambda s, w: _from_status(s, "kim@example.com", ids.REVOKE),
                 "revoke invitations sent by someone else", id="revoke-button"),
    pytest.param(lambda s, w: s.command(AGENT, "resend all"), "resend all pending invitations",
                 id="resend-all-command"),
    pytest.param(lambda s, w: s.command(AGENT, "resend kim@example.com"),
                 "resend invitations sent by someone else", id="resend-someone-elses-command"),
    pytest.param(lambda s, w: s.command(AGENT, "resend kim@example.com, lee@example.com"),
                 "resend invitations sent by someone else", id="resend-several-command"),
    pytest.param(lambda s, w: _from_status(s, "kim@example.com", ids.RESEND),
                 "resend invitations sent by someone else", id="resend-button"),
    pytest.param(lambda s, w: _submit(s, AGENT, ids.RESEND_MODAL, {ids.PICK: _picked(
        "multi_static_select", "kim@example.com", "lee@example.com")}, _replying(s)),
                 "resend invitations sent by someone else", id="resend-submission"),
    pytest.param(lambda s, w: s.command(AGENT, "export"), "export invitations", id="export-command"),
    pytest.param(lambda s, w: s.command(AGENT, "export all"), "export invitations", id="export-all-command"),
    pytest.param(lambda s, w: s.command(AGENT, "uploads"), "see the upload history", id="uploads-command"),
    pytest.param(lambda s, w: _click(s, ids.UPLOAD_FAILED_ROWS, Ref(i=w["upload"].id)),
                 "download upload results", id="failed-rows-button"),
    pytest.param(lambda s, w: s.command(AGENT, "bulk"), "upload customers in bulk", id="bulk-form-open"),
    pytest.param(_forged_bulk, "upload customers in bulk", id="bulk-submission"),
    pytest.param(lambda s, w: s.command(AGENT, "settings"), "see and change the settings", id="settings-form-open"),
    pytest.param(lambda s, w: _submit(s, AGENT, ids.SETTINGS_MODAL, SETTINGS), "change the settings",
                 id="settings-submission"),
    pytest.param(lambda s, w: s.command(AGENT, "templates"), "edit email templates", id="templates-form-open"),
    pytest.param(lambda s, w: _submit(s, AGENT, ids.TEMPLATES_MODAL, {
        ids.SUBJECT: _text("Click here"), ids.BODY: _text("Sam was here: {{ link }}")},
        ModalContext(kind="invitation")), "edit email templates", id="templates-submission"),
    pytest.param(lambda s, w: _in_templates_modal(s, _button(ids.TEMPLATE_RESET, Ref(s="invitation"))),
                 "edit email templates", id="template-reset-button"),
    pytest.param(lambda s, w: _in_templates_modal(s, _button(ids.TEMPLATE_PREVIEW, Ref(s="invitation"))),
                 "edit email templates", id="template-preview-button"),
    pytest.param(lambda s, w: _in_templates_modal(s, {
        "type": "static_select", "action_id": ids.TEMPLATE_KIND, "block_id": ids.TEMPLATE_KIND,
        "selected_option": {"value": "invitation"}}), "edit email templates", id="template-kind-menu"),
    pytest.param(lambda s, w: s.command(AGENT, "access lee@example.com"), "change customers' access",
                 id="access-form-open"),
    pytest.param(lambda s, w: _submit(s, AGENT, ids.ACCESS_MODAL, {
        ids.ACCESS: _picked("checkboxes"), ids.ROLE: {"type": "radio_buttons", "selected_option": {"value": "admin"}}},
        _replying(s, email="lee@example.com")), "change customers' access", id="access-submission"),
    pytest.param(lambda s, w: s.command(AGENT, "link"), "share sign-up links", id="link-command"),
    pytest.param(lambda s, w: _click(s, ids.LINK_NEW, Ref()), "share sign-up links", id="link-new-button"),
    pytest.param(lambda s, w: _click(s, ids.LINK_DISABLE, Ref()), "disable sign-up links",
                 id="link-disable-button"),
    pytest.param(lambda s, w: s.command(AGENT, f"admins add <@{AGENT}>"), "add app admins", id="admins-add-self"),
    pytest.param(lambda s, w: s.command(AGENT, f"admins remove <@{APP_ADMIN}>"), "remove app admins",
                 id="admins-remove"),
]


# --- the admins' world, what it holds, and what Sam was told --------------------------------------
def _invitation(email: str) -> Invitation:
    return Invitation.select().join(Customer).where(Customer.email == email).order_by(Invitation.id.desc()).get()


def _made_by_admins(stack) -> dict:
    """The state described above, made through Slack as the admins make it; checked before use."""
    stack.slack.add_user(APP_ADMIN, "Al Appadmin")
    request, request_buttons = stack.agent_request("pat@example.com")  # Sam's own request
    stack.command(AGENT2, "kim@example.com Kim Lo").reply()
    kims = buttons(stack.approval_request("kim@example.com").args)
    stack.settle()
    stack.click_request(ADMIN, ids.APPROVE, _invitation("kim@example.com"), kims[ids.APPROVE])
    for typed in ("lee@example.com Lee Park", "sue@example.com Sue Ray", "suspend sue@example.com Account on hold",
                  "link", f"admins add <@{APP_ADMIN}>"):
        stack.command(ADMIN, typed).reply()
    _submit(stack, ADMIN, ids.TEMPLATES_MODAL, {ids.SUBJECT: _text(SUBJECT), ids.BODY: _text(
        "Hello {{ customer_name }}, join us: {{ link }}")}, ModalContext(kind="invitation"))
    csv = stack.slack.add_file("customers.csv", b"Account Number,Customer Email\r\nA1,ann@example.com\r\n"
                                                b",bob@example.com\r\n")
    _submit(stack, ADMIN, ids.BULK_MODAL, {ids.FILE: {"type": "file_input", "files": [csv]},
                                           ids.SEND_NOW: _picked("checkboxes")}, _replying(stack))
    stack.wait("files.completeUploadExternal", 2, timeout=30)
    stack.settle()

    kim, lee, sue = (_invitation(e) for e in ("kim@example.com", "lee@example.com", "sue@example.com"))
    assert (request.status, kim.status, kim.inviter, lee.status, lee.inviter) == (
        "requested", "pending", AGENT2, "pending", ADMIN)
    assert Customer.get(Customer.email == "sue@example.com").suspended and sue.status == "pending"
    assert [(u.succeeded, u.failed) for u in Upload.select()] == [(1, 1)]
    assert (SignupLink.select().where(SignupLink.disabled_at.is_null()).count(), EmailTemplate.select().count(),
            [a.user_id for a in AppAdmin.select()]) == (1, 1, [APP_ADMIN])
    return {"request": _invitation("pat@example.com"), "buttons": request_buttons, "upload": Upload.get()}


def _everything() -> dict:
    """Every row of every domain table, field by field, and how many rows each table holds."""
    rows = {m.__name__: list(m.select().order_by(m.id).dicts()) for m in DOMAIN}
    return {**rows, "row counts": row_counts()}


def _after(stack, since: float):
    return [c for c in list(stack.slack.calls) if c.at >= since]


def _places_sam_read(stack, sent: Sent) -> list[str]:
    """Each thing Sam could read after sending: the HTTP answer's inline errors, replies, DMs, modals."""
    answer = sent.json() if sent.body else {}
    texts = list((answer.get("errors") or {}).values())
    for c in _after(stack, sent.after):
        if c.method in ("response_url", "chat.postEphemeral", "chat.postMessage"):
            texts.append(visible_text(c.args))
        elif c.method in ("views.open", "views.update"):
            texts.append(visible_text(c.args["view"]))
    return texts


def _told_sam(stack, sent: Sent) -> str:
    return "\n".join(_places_sam_read(stack, sent))


def _seen_by_others(stack, since: float) -> list[str]:
    """Slack calls since `since` that anyone but Sam would notice (messages updated, files, DMs…)."""
    private = {"response_url": lambda a: a.get("response_type") == "ephemeral" and not a.get("replace_original"),
               "chat.postEphemeral": lambda a: a.get("user") == AGENT,
               "chat.postMessage": lambda a: a.get("channel") == AGENT,
               "views.open": lambda a: True, "views.update": lambda a: True}  # Sam's own modal
    return [f"{c.method} {c.args.get('channel', '')}".strip() for c in _after(stack, since)
            if c.method not in LOOKUPS and not private.get(c.method, lambda a: False)(c.args)]


@pytest.mark.parametrize("forge, refused_action", FORGERIES)
def test_a_non_admin_forging_an_admin_action_is_refused_and_changes_nothing(stack, db, forge, refused_action):
    world = _made_by_admins(stack)
    before, files_shared = _everything(), len(stack.slack.uploaded())

    sent = forge(stack, world)
    stack.settle()

    assert sent.status == 200
    assert sent.body == "" or sent.json().get("response_action") == "errors"  # an inline refusal at most
    told = _told_sam(stack, sent)
    assert f"Only team admins can {refused_action}. Ask {ADMINS}" in told
    refusals = [place for place in _places_sam_read(stack, sent) if f"Only team admins can {refused_action}." in place]
    assert len(refusals) == 1, f"told once, in one place (R20): {refusals}"
    assert SUBJECT not in told and "/join/" not in told  # nor is an admin's template or link shown to him
    modals = [c.args["view"] for c in _after(stack, sent.after) if c.method in ("views.open", "views.update")]
    assert not modals or "submit" not in modals[-1]  # a form he opened ends as a refusal he cannot submit

    after = _everything()
    assert [table for table in before if before[table] != after[table]] == []
    assert _seen_by_others(stack, sent.after) == []
    assert len(stack.slack.uploaded()) == files_shared  # no export, no upload result reached anyone
