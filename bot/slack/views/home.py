"""The App Home tab (pure)."""
from __future__ import annotations

from bot.slack import ids
from bot.slack.payloads import Ref
from bot.slack.views.messages import button, context, escape, section, slack_date

MAX_BLOCKS = 100


def home_view(overview, *, command: str) -> dict:
    """`command` is the slash command as people type it (INVITE_COMMAND)."""
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Your invitations"}}]
    if not overview.own:
        blocks.append(section(f"You have not invited anyone yet. Type `{command} customer@example.com` "
                              "in any channel."))
    for row in overview.own:
        inv = row.invitation
        text = f"*{escape(row.customer.email)}* — {row.label}"
        if inv.opened_at and row.label == "Invited":
            text += " (opened)"
        text += f"\n{slack_date(inv.created_at)}"
        accessory = None
        if row.label in ("Invited", "Expired"):
            accessory = button("Resend", ids.RESEND, Ref(e=row.customer.email))
        elif row.label == "Requested":
            accessory = button("Revoke", ids.REVOKE, Ref(e=row.customer.email))
        blocks.append(section(text, accessory))
    if overview.is_admin:
        blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Waiting for approval"}})
        if not overview.pending_approvals:
            blocks.append(section("No requests are waiting."))
        for inv in overview.pending_approvals:
            ref = Ref(i=inv.id)
            blocks.append(section(f"*{escape(inv.customer.email)}* requested by <@{inv.inviter}> "
                                  f"{slack_date(inv.created_at)}"))
            blocks.append({"type": "actions", "elements": [
                button("Approve", ids.APPROVE, ref, "primary"), button("Deny", ids.DENY, ref, "danger")]})
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Customers by status"}})
        counts = overview.counts
        blocks.append(section("  ·  ".join(f"{label}: *{n}*" for label, n in sorted(counts.items()))
                              if counts else "No customers yet."))
        if overview.failed:
            blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Failed deliveries"}})
            for row in overview.failed:
                blocks.append(section(f":warning: {row.kind} email to *{escape(row.to_address)}*: "
                                      f"{escape((row.last_error or '')[:200])}",
                                      button("Resend", ids.RESEND, Ref(e=row.to_address))))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [context(f"More items are not shown; use `{command} list`.")]
    return {"type": "home", "blocks": blocks}
