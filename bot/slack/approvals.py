"""Posting approval requests and updating them after the decision (R4)."""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.slack.views.messages import approval_decided, approval_request, decision_dm
from commands import invitations
from commands.actor import SIGNUP

log = logging.getLogger("invitebot.approvals")


def post_request(turn, invitation) -> None:
    post_request_with(turn.client, turn.directory, turn.team_id, invitation)


def post_request_with(client, directory, team_id: str, invitation) -> None:
    """To the approval channel, else the channel it was typed in, else by DM to the admins."""
    message = approval_request(invitation, invitation.inviter_name or invitation.inviter)
    for channel in invitations.approval_destination(invitation):
        try:
            resp = client.chat_postMessage(channel=channel, **message)
        except SlackApiError as exc:
            log.info("could not post the approval request in a channel (%s); trying the next place",
                     exc.response.get("error"))
            continue
        invitations.record_request_message(invitation.id, resp["channel"], resp["ts"])
        return
    for admin_id in directory.admin_ids(team_id):
        try:
            resp = client.chat_postMessage(channel=admin_id, **message)
        except SlackApiError as exc:
            log.warning("could not DM an admin the approval request: %s", exc.response.get("error"))
            continue
        invitations.record_request_message(invitation.id, resp["channel"], resp["ts"])


def announce_decision(turn, invitation, clicked: tuple[str, str] | None = None) -> None:
    """Update the request message(s) in place and tell the requester by DM."""
    decided = approval_decided(invitation)
    places = [clicked] if clicked and all(clicked) else []
    places += [place for place in invitations.request_messages(invitation) if place not in places]
    for channel, ts in places:
        try:
            turn.client.chat_update(channel=channel, ts=ts, **decided)
        except SlackApiError as exc:
            log.warning("could not update the approval message: %s", exc.response.get("error"))
    if invitation.inviter != SIGNUP:  # a customer who signed up is told by email instead
        turn.client.chat_postMessage(channel=invitation.inviter, **decision_dm(invitation))
