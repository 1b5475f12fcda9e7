"""Pure builders for what the timed jobs post (R17)."""
from __future__ import annotations

from bot.slack import ids
from bot.slack.payloads import Ref
from bot.slack.views.messages import actions, button, context, escape, section, slack_date
from commands.actor import SIGNUP


def expired_dm(invitation) -> dict:
    email = invitation.customer.email
    return {"text": f"Your invitation to {email} expired unused.",
            "blocks": [section(f"Your invitation to *{escape(email)}* expired "
                               f"{slack_date(invitation.expires_at)} without being used. "
                               "Send a fresh link if they still need access."),
                       actions(button("Resend", ids.RESEND, Ref(e=email), "primary"))]}


def digest_message(digest, part: int, invitations: list) -> dict:
    """One message of the daily digest: ≤ 45 invitations, one section each (under 50 blocks)."""
    total = len(digest.invitations)
    parts = len(digest.parts())
    head = (f"*{total} invitation(s) pending for more than {digest.workspace.reminder_days} day(s)*"
            + (f" — part {part + 1} of {parts}" if parts > 1 else ""))
    blocks = [section(head)]
    for inv in invitations:
        by = f"from {escape(inv.inviter_name)}" if inv.inviter == SIGNUP else f"invited by <@{inv.inviter}>"
        blocks.append(section(f"*{escape(inv.customer.email)}* — {by} "
                              f"{slack_date(inv.created_at)}" + (" · opened" if inv.opened_at else ""),
                              button("Resend", ids.RESEND, Ref(e=inv.customer.email))))
    if part == parts - 1:
        blocks.append(context("Resend sends a fresh link and restarts its validity."))
    return {"text": f"{total} invitation(s) still pending", "blocks": blocks}


def channel_problem_dm(channel: str, error: str, *, command: str) -> dict:
    # Adding the app from the channel's details works whatever our command is called; typing an
    # invite command there would run Slack's built-in channel invite, not ours.
    why = {"not_in_channel": "I am not a member of it — add me from the channel's details "
                             "(Integrations → Add apps)",
           "is_archived": "it is archived", "channel_not_found": "it no longer exists"}.get(error, error)
    return {"text": "The reminder digest could not be posted.",
            "blocks": [section(f"The daily reminder digest could not be posted in <#{channel}>: {why}. "
                               f"Choose another reminder channel in `{command} settings`, or fix the "
                               "channel. I will keep trying daily and tell you only once.")]}


def delivery_failed_dm(row) -> dict:
    return {"text": f"The email to {row.to_address} could not be delivered.",
            "blocks": [section(f":warning: The {row.kind} email to *{escape(row.to_address)}* could not "
                               f"be delivered: {escape((row.last_error or '')[:300])}\n"
                               "Check the address, then retry with a fresh link."),
                       actions(button("Retry", ids.RESEND, Ref(e=row.to_address), "primary"))]}
