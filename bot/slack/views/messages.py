"""Pure builders: command results -> Block Kit messages."""
from __future__ import annotations

import calendar
import datetime as dt
import re

from bot.slack import ids
from commands.actor import SIGNUP
from commands.customers import LABELS
from commands.invitations import proposed_changes
from bot.slack.payloads import Ref

_UTC_TEXT = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC")
MAX_TEXT = 2900  # a section's text may hold 3,000 characters


def slack_date(value: dt.datetime | None) -> str:
    """A time each reader sees in their own time zone (Slack date formatting)."""
    if value is None:
        return "—"
    epoch = calendar.timegm(value.timetuple())
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{value:%Y-%m-%d %H:%M} UTC>"


def localise(text: str) -> str:
    """Turn the commands' "YYYY-MM-DD HH:MM UTC" times into Slack date tokens."""
    def swap(m):
        return slack_date(dt.datetime.strptime(f"{m.group(1)} {m.group(2)}", "%Y-%m-%d %H:%M"))
    return _UTC_TEXT.sub(swap, text)


def escape(text: str) -> str:
    """Customer-supplied text shown in mrkdwn: no mentions, links or markup sneak through."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def section(text: str, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": _fit(text)}}
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(text)}]}


def button(text: str, action_id: str, value: Ref, style: str | None = None) -> dict:
    b = {"type": "button", "text": {"type": "plain_text", "text": text[:75]},
         "action_id": action_id, "value": value.dump()}
    if style:
        b["style"] = style
    return b


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def _fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def reply(text: str, *buttons: dict) -> dict:
    """A reply message: the text, and the next useful action as buttons."""
    text = localise(text)
    blocks = [section(text)]
    if buttons:
        blocks.append(actions(*buttons))
    return {"text": text[:MAX_TEXT], "blocks": blocks}


def outcome_reply(outcome) -> dict:
    email = outcome.customer.email if outcome.customer else None
    buttons = []
    if email and outcome.state in ("sent", "welcome", "requested", "approved", "created"):
        buttons.append(button("Status", ids.STATUS, Ref(e=email)))
    if email and outcome.state == "created":
        buttons.append(button("Send invitation", ids.RESEND, Ref(e=email), "primary"))
    return reply(escape(outcome.message), *buttons)


def error_reply(exc) -> dict:
    buttons = []
    if getattr(exc, "offer", None) == "resend" and getattr(exc, "email", None):
        buttons.append(button("Resend", ids.RESEND, Ref(e=exc.email), "primary"))
    return reply(escape(exc.message), *buttons)


def approval_request(invitation, requester_label: str) -> dict:
    """R4: the request posted for the admins, with Approve / Deny, and the changes to the customer's
    details it would make (R16), so the admin knows what they approve."""
    c = invitation.customer
    changes = proposed_changes(invitation)
    changed = {change.field for change in changes}
    details = [f"*{escape(c.email)}*"]
    if c.name and "name" not in changed:
        details.append(f"Name: {escape(c.name)}")
    if c.account_number and "account_number" not in changed:
        details.append(f"Account: {escape(c.account_number)}")
    if invitation.job_ref:
        details.append(f"Job: {escape(invitation.job_ref)}")
    if changes:
        details.append("*Changes to their details, applied only if you approve:*")
        details += [f"{change.label}: {escape(change.before)} → {escape(change.after)}" for change in changes]
        if "account_number" in changed:  # the role is kept, so an account admin stays one in the new account
            details.append(f"Role: {'account admin' if c.role == 'admin' else 'member'} (unchanged)")
    if invitation.inviter == SIGNUP:
        text = (f"{escape(invitation.inviter_name)} asks for access to the portal:\n" + "\n".join(details))
    else:
        text = f"<@{invitation.inviter}> asks to invite a customer to the portal:\n" + "\n".join(details)
    ref = Ref(i=invitation.id)
    return {"text": f"{requester_label} asks to invite {c.email}",
            "blocks": [section(text),
                       actions(button("Approve", ids.APPROVE, ref, "primary"),
                               button("Deny", ids.DENY, ref, "danger"),
                               block_id="decision"),
                       context(f"Requested {slack_date(invitation.created_at)}")]}


def approval_decided(invitation) -> dict:
    """The request message after the decision: who decided and when, no buttons."""
    c = invitation.customer
    if invitation.status == "denied":
        verdict = f":no_entry: Denied by <@{invitation.approver}> {slack_date(invitation.decided_at)}"
        if invitation.deny_reason:
            verdict += f"\nReason: {escape(invitation.deny_reason)}"
    else:
        verdict = f":white_check_mark: Approved by <@{invitation.approver}> {slack_date(invitation.decided_at)}; the invitation was sent."
    who = escape(invitation.inviter_name) if invitation.inviter == SIGNUP else f"<@{invitation.inviter}>"
    return {"text": f"Invitation request for {c.email}: {verdict}",
            "blocks": [section(f"{who} asked to invite *{escape(c.email)}*"), section(verdict)]}


def decision_dm(invitation) -> dict:
    """R4: the requester is told by DM."""
    email = escape(invitation.customer.email)
    if invitation.status == "denied":
        text = f"Your request to invite {email} was denied by <@{invitation.approver}>."
        if invitation.deny_reason:
            text += f" Reason: {escape(invitation.deny_reason)}"
        return reply(text)
    return reply(f"Your request to invite {email} was approved by <@{invitation.approver}>; "
                 "the invitation email is on its way.", button("Status", ids.STATUS, Ref(e=invitation.customer.email)))


def status_message(view) -> dict:
    """R10, R11, R16: status, access, role and the timeline."""
    c = view.customer
    label = view.label + (" (opened)" if view.opened else "")
    lines = [f"*{escape(c.email)}* — *{label}*"]
    if c.name:
        lines.append(f"Name: {escape(c.name)}")
    if c.suspended and c.suspension_note:
        lines.append(f"Suspension note: {escape(c.suspension_note)}")
    if view.invitation and view.invitation.status == "pending":
        lines.append(f"Link valid until {slack_date(view.invitation.expires_at)}")
    lines.append(f"Role: {'account admin' if c.role == 'admin' else 'member'}"
                 + (f" of account {escape(c.account_number)}" if c.account_number else ""))
    lines.append("Access: " + (", ".join(c.access_areas) if c.access_areas else "none"))
    timeline, room = [], MAX_TEXT - 100
    for e in reversed(view.timeline[-40:]):  # the newest entries matter most; never cut one in half
        who = "" if e.actor in ("system", "customer") else f" by <@{e.actor}>"
        detail = f": {escape(e.detail[:200])}" if e.detail else ""
        entry = f"• {slack_date(e.created_at)} — {e.kind.replace('_', ' ')}{who}{detail}"
        if len(entry) + 1 > room:
            break
        room -= len(entry) + 1
        timeline.insert(0, entry)
    if timeline and len(timeline) < len(view.timeline):
        timeline.insert(0, f"_{len(view.timeline) - len(timeline)} earlier entries not shown_")
    blocks = [section("\n".join(lines))]
    if timeline:
        blocks.append(section("*History*\n" + "\n".join(timeline)))
    if view.failed_deliveries:
        blocks.append(context(f":warning: {len(view.failed_deliveries)} email(s) could not be delivered: "
                              + escape(view.failed_deliveries[0].last_error or "")[:300]))
    buttons = []
    if view.label in ("Invited", "Expired"):
        buttons.append(button("Resend", ids.RESEND, Ref(e=c.email), "primary"))
    if view.label in ("Invited", "Requested"):
        buttons.append(button("Revoke", ids.REVOKE, Ref(e=c.email), "danger"))
    if buttons:
        blocks.append(actions(*buttons))
    return {"text": f"{c.email}: {label}", "blocks": blocks}


def list_message(view) -> dict:
    if not view.rows:
        return reply(escape(view.message))
    lines = [f"• {escape(r.customer.email)} — {r.label}"
             + (f" (invited by <@{r.invitation.inviter}>)" if r.invitation else "") for r in view.rows]
    what = f"{view.status} " if view.status else ""
    blocks = [section(f"*{view.total} {what}customer(s)* — page {view.page} of {view.pages}"),
              section("\n".join(lines))]
    nav = []
    word = next((k for k, v in LABELS.items() if v == view.status), None)
    if view.page > 1:
        nav.append(button("Previous", ids.LIST_PAGE + "_prev", Ref(s=word, p=view.page - 1)))
    if view.page < view.pages:
        nav.append(button("Next page", ids.LIST_PAGE + "_next", Ref(s=word, p=view.page + 1)))
    if nav:
        blocks.append(actions(*nav))
    return {"text": f"{view.total} {what}customer(s)", "blocks": blocks}


def batch_reply(batch) -> dict:
    return reply(escape(batch.message))
