"""Pure builders for the modals, and readers for their submitted values."""
from __future__ import annotations

from bot.slack import ids
from bot.slack.payloads import ModalContext
from bot.slack.views.messages import escape, section


def _text_input(block_id: str, label: str, *, placeholder: str = "", optional: bool = False,
                multiline: bool = False, initial: str | None = None, max_length: int | None = None,
                hint: str | None = None) -> dict:
    element = {"type": "plain_text_input", "action_id": block_id, "multiline": multiline}
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    block = {"type": "input", "block_id": block_id, "optional": optional,
             "label": {"type": "plain_text", "text": label}, "element": element}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _option(text: str, value: str | None = None) -> dict:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": (value or text)[:150]}


def _modal(callback_id: str, title: str, blocks: list[dict], submit: str | None,
           meta: ModalContext | None = None, close: str = "Cancel") -> dict:
    view = {"type": "modal", "callback_id": callback_id,
            "title": {"type": "plain_text", "text": title[:24]},
            "close": {"type": "plain_text", "text": close}, "blocks": blocks}
    if submit:
        view["submit"] = {"type": "plain_text", "text": submit}
    if meta is not None:
        view["private_metadata"] = meta.dump()
    return view


def invite_modal(areas: list[str], default_access: list[str], meta: ModalContext) -> dict:
    blocks = [
        _text_input(ids.EMAIL, "Customer email", placeholder="customer@example.com", max_length=320),
        _text_input(ids.NAME, "Name", optional=True, max_length=100),
        _text_input(ids.ACCOUNT, "Account number", optional=True, max_length=64,
                    hint="The first invitee of an account becomes its admin."),
        _text_input(ids.JOB, "Job reference", optional=True, max_length=64,
                    hint="At most a few invitees per job can be open or enrolled."),
    ]
    if areas:
        options = [_option(a) for a in areas[:10]]
        initial = [o for o in options if o["value"] in default_access]
        element = {"type": "checkboxes", "action_id": ids.ACCESS, "options": options}
        if initial:
            element["initial_options"] = initial
        blocks.append({"type": "input", "block_id": ids.ACCESS, "optional": True,
                       "label": {"type": "plain_text", "text": "Access"}, "element": element})
    send = _option("Send the invitation now", "yes")
    blocks.append({"type": "input", "block_id": ids.SEND_NOW, "optional": True,
                   "label": {"type": "plain_text", "text": "Sending"},
                   "element": {"type": "checkboxes", "action_id": ids.SEND_NOW, "options": [send],
                               "initial_options": [send]}})
    return _modal(ids.INVITE_MODAL, "Invite a customer", blocks, "Invite", meta)


def status_lookup_modal(meta: ModalContext) -> dict:
    return _modal(ids.STATUS_MODAL, "Invitation status",
                  [_text_input(ids.EMAIL, "Customer email", placeholder="customer@example.com")],
                  "Look up", meta)


def result_modal(title: str, message: dict) -> dict:
    """A finished modal showing a message's blocks (e.g. a status)."""
    blocks = [b for b in message["blocks"] if b["type"] != "actions"]
    return _modal("result", title, blocks, None, close="Done")


def refusal_modal(title: str, text: str) -> dict:
    return _modal("refused", title, [section(escape(text))], None, close="Close")


def resend_modal(pending: list[tuple[str, str]], meta: ModalContext, *, command: str) -> dict:
    """Pick pending invitations to resend; `pending` holds (email, label) pairs."""
    if not pending:
        return refusal_modal("Resend invitations", "There are no pending or expired invitations "
                             "you can resend.")
    element = {"type": "multi_static_select", "action_id": ids.PICK,
               "placeholder": {"type": "plain_text", "text": "Choose invitations"},
               "options": [_option(label, email) for email, label in pending[:100]]}
    blocks = [{"type": "input", "block_id": ids.PICK,
               "label": {"type": "plain_text", "text": "Invitations to resend"}, "element": element}]
    if len(pending) > 100:
        blocks.append(section(f"Showing the oldest 100 of {len(pending)}. "
                              f"Admins can use `{command} resend all`."))
    return _modal(ids.RESEND_MODAL, "Resend invitations", blocks, "Resend", meta)


def suspend_modal(email: str | None, meta: ModalContext) -> dict:
    return _modal(ids.SUSPEND_MODAL, "Suspend a customer", [
        _text_input(ids.EMAIL, "Customer email", initial=email, max_length=320),
        _text_input(ids.NOTE, "Note shown to the customer at login", multiline=True, max_length=500,
                    placeholder="Account on hold: please call accounts on 555-0100"),
    ], "Suspend", meta)


def deny_modal(email: str, meta: ModalContext) -> dict:
    return _modal(ids.DENY_MODAL, "Deny request", [
        section(f"Deny the invitation request for *{escape(email)}*?"),
        _text_input(ids.REASON, "Reason (told to the requester)", optional=True, multiline=True,
                    max_length=500),
    ], "Deny", meta)


def values(view: dict) -> dict:
    """Flatten a submitted view's state into {block_id: value}."""
    out = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "plain_text_input":
                out[block_id] = element.get("value") or ""
            elif kind in ("checkboxes", "multi_static_select"):
                out[block_id] = [o.get("value") for o in element.get("selected_options") or []]
            elif kind == "file_input":
                out[block_id] = element.get("files") or []
            elif kind in ("static_select", "radio_buttons"):
                out[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "number_input":
                out[block_id] = element.get("value") or ""
            elif kind == "conversations_select":
                out[block_id] = element.get("selected_conversation")
            elif kind == "channels_select":
                out[block_id] = element.get("selected_channel")
            elif kind == "timepicker":
                out[block_id] = element.get("selected_time")
    return out
