"""One incoming Slack request as the callbacks see it, and the one place errors become replies (R18, R20)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.config import Config
from bot.slack.payloads import ModalContext
from bot.slack.people import Directory
from bot.slack.views.messages import error_reply, reply
from commands.actor import Actor
from commands.errors import CommandError
from storage.db import session

log = logging.getLogger("invitebot.slack")

TROUBLE = ("Something went wrong on our side and that did not complete. Nothing was lost; "
           "please try again in a minute.")


@dataclass
class Turn:
    body: dict
    client: WebClient
    directory: Directory
    config: Config

    @property
    def team_id(self) -> str:
        b = self.body
        return (b.get("team_id") or (b.get("team") or {}).get("id")
                or (b.get("user") or {}).get("team_id") or "")

    @property
    def user_id(self) -> str:
        b = self.body
        return b.get("user_id") or (b.get("user") or {}).get("id") or (b.get("event") or {}).get("user") or ""

    @property
    def channel_id(self) -> str | None:
        b = self.body
        return b.get("channel_id") or (b.get("channel") or {}).get("id") or self.modal.channel

    @property
    def trigger_id(self) -> str | None:
        return self.body.get("trigger_id")

    @property
    def modal(self) -> ModalContext:
        return ModalContext.load((self.body.get("view") or {}).get("private_metadata"))

    @property
    def response_url(self) -> str | None:
        b = self.body
        if b.get("response_url"):
            return b["response_url"]
        urls = b.get("response_urls") or []
        return urls[0].get("response_url") if urls else self.modal.response_url

    def actor(self) -> Actor:
        return self.directory.actor(self.team_id, self.user_id)

    def cached_actor(self) -> Actor | None:
        return self.directory.cached_actor(self.team_id, self.user_id)

    def reply(self, message: dict, *, replace: bool = False) -> None:
        """Tell the person privately: through response_url, else ephemeral in the channel, else by DM."""
        if self.response_url and not self._from_home():
            WebhookClient(self.response_url).send(
                text=message.get("text"), blocks=message.get("blocks"),
                response_type="ephemeral", replace_original=replace)
            return
        if self.channel_id and not self._from_home():
            self.client.chat_postEphemeral(channel=self.channel_id, user=self.user_id, **message)
            return
        self.client.chat_postMessage(channel=self.user_id, **message)

    def _from_home(self) -> bool:
        return (self.body.get("view") or {}).get("type") == "home" or \
            (self.body.get("container") or {}).get("type") == "view"


def run_turn(fn, directory: Directory, config: Config):
    """Wrap a callback taking a Turn into a Bolt listener; typed errors become one clear reply each."""

    def listener(body, client):
        turn = Turn(body=body, client=client, directory=directory, config=config)
        try:
            with session():
                fn(turn)
        except CommandError as exc:
            _safely(turn, error_reply(exc))
        except SlackApiError as exc:
            log.warning("Slack API call failed in %s: %s", fn.__name__, exc.response.get("error"))
            _safely(turn, reply(f"Slack did not accept that ({exc.response.get('error')}). "
                                "Please try again; if it keeps happening, tell an admin."))
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            _safely(turn, reply(TROUBLE))

    # Not functools.wraps: Bolt reads the argument names (body, client) of what it is given.
    listener.__name__ = listener.__qualname__ = fn.__name__
    return listener


def _safely(turn: Turn, message: dict) -> None:
    try:
        turn.reply(message)
    except Exception:
        log.exception("could not deliver a reply")
