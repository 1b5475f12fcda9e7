"""The Slack side of the timed jobs: DMs and the digest, through the retrying WebClient."""
from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.approvals import post_request_with
from bot.slack.people import Directory
from bot.slack.views import notices as views
from commands.actor import SIGNUP, SYSTEM
from jobs.tasks import ChannelUnavailable
from storage.models import Invitation, OutboxEmail

log = logging.getLogger("invitebot.notices")
CHANNEL_PROBLEMS = {"not_in_channel", "is_archived", "channel_not_found"}


class SlackNotices:
    def __init__(self, client: WebClient, *, command: str):
        self.client = client
        self.command = command  # the slash command as people type it (INVITE_COMMAND), named in notices
        self.directory = Directory(client, command=command)

    def expired(self, invitation: Invitation) -> None:
        who = _person_to_tell(invitation)
        if who:
            self.client.chat_postMessage(channel=who, **views.expired_dm(invitation))

    def digest_part(self, digest, part: int, invitations: list) -> None:
        try:
            self.client.chat_postMessage(channel=digest.channel,
                                         **views.digest_message(digest, part, invitations))
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in CHANNEL_PROBLEMS:
                raise ChannelUnavailable(error) from None
            raise

    def channel_problem(self, workspace, channel: str, error: str) -> None:
        for admin in self.directory.admin_ids(workspace.team_id):
            self.client.chat_postMessage(channel=admin,
                                         **views.channel_problem_dm(channel, error, command=self.command))

    def signup_request(self, invitation: Invitation) -> None:
        """R15: a sign-up from the portal is posted for the admins like an agent's request (R4)."""
        post_request_with(self.client, self.directory, invitation.workspace.team_id, invitation)

    def delivery_failed(self, row: OutboxEmail) -> None:
        invitation = Invitation.get_or_none(Invitation.id == row.invitation_id) if row.invitation_id else None
        who = _person_to_tell(invitation) if invitation else None
        if who:
            self.client.chat_postMessage(channel=who, **views.delivery_failed_dm(row))


def _person_to_tell(invitation: Invitation) -> str | None:
    """The inviter; for a customer's own sign-up (no Slack inviter) the admin who approved it."""
    if invitation.inviter == SIGNUP:
        return invitation.approver
    return invitation.inviter if invitation.inviter and invitation.inviter != SYSTEM else None
