"""The Bolt app, built once from the configuration."""
from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler,
                                                   RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)

from bot.config import Config
from bot.slack.people import Directory
from bot.slack.register import register
from bot.slack.views.modals import refusal_modal
from commands.clock import clock
from storage.db import session
from storage.runs import SlackEventReceipt

log = logging.getLogger("invitebot.slack")


def web_client(config: Config) -> WebClient:
    """Slack's Web API at SLACK_API_URL; 429s honour Retry-After, 5xx and dropped connections retry."""
    base = config.slack_api_url if config.slack_api_url.endswith("/") else config.slack_api_url + "/"
    return WebClient(token=config.bot_token, base_url=base, timeout=15, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ])


class _ExpectedBoltWarnings(logging.Filter):
    """Bolt warns at start that SLACK_BOT_TOKEN and the client's token go unused because `authorize`
    is given. Here that is the design (authorize hands Bolt that very token), so the warning would
    only alarm whoever reads the log."""

    UNUSED_TOKEN = ("As you gave `client` as well, `token` will be unused",
                    "As `installation_store` or `authorize` has been used, `token`")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.UNUSED_TOKEN)


class SlackUnavailable(SystemExit):
    """Start stops with one clear line: without Slack's word on whose token this is, the app cannot tell
    its own workspace's requests from another's."""


# Slack's errors that mean "not now" rather than "not this token".
_TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def installed_team(client: WebClient, config: Config) -> str:
    """The workspace SLACK_BOT_TOKEN belongs to, asked of Slack once (auth.test); the client retries
    dropped connections, 5xx and 429 before this gives up."""
    try:
        team = client.auth_test().get("team_id")
    except SlackApiError as exc:
        error = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        if error in _TRANSIENT or exc.response.status_code >= 500:
            raise SlackUnavailable(f"invitebot: could not reach Slack at {config.slack_api_url} to check "
                                   f"SLACK_BOT_TOKEN ({error}); start again once Slack answers.") from None
        raise SlackUnavailable(f"invitebot: Slack refused SLACK_BOT_TOKEN ({error}); set it to the app's "
                               "Bot User OAuth Token (xoxb-…).") from None
    except Exception as exc:  # no connection, a timeout, not HTTP at all
        raise SlackUnavailable(f"invitebot: could not reach Slack at {config.slack_api_url} to check "
                               f"SLACK_BOT_TOKEN ({type(exc).__name__}); start again once Slack answers.") from None
    if not isinstance(team, str) or not team:
        raise SlackUnavailable("invitebot: Slack's auth.test named no workspace for SLACK_BOT_TOKEN.")
    return team


OTHER_WORKSPACE = ("This app is installed for another workspace, so it cannot act on requests from yours. "
                   "Ask an admin of your workspace to install it there.")


def teams_named(body: dict) -> set[str]:
    """Every workspace a request names: the command's, the interaction's and its user's, the view's and
    the event's (a request is refused if any of them is not ours)."""
    def team_of(value):
        return value.get("id") if isinstance(value, dict) else value

    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    named = [body.get("team_id"), team_of(body.get("team")), user.get("team_id"), view.get("team_id"),
             view.get("app_installed_team_id")]
    named += [a.get("team_id") for a in body.get("authorizations") or [] if isinstance(a, dict)]
    return {t for t in named if t}


def _printable(team: object) -> str:
    """A team id fit for a log line: what Slack's ids are made of, and short."""
    return "".join(c for c in str(team) if c.isascii() and c.isalnum())[:24] or "?"


def build_app(config: Config) -> App:
    config.require("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
    client = web_client(config)
    team = installed_team(client, config)

    def authorize(enterprise_id, team_id, logger):
        # One workspace, one bot token: nothing to ask Slack (Bolt's default calls auth.test inside
        # the first request of each worker, before the ack).
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=config.bot_token)

    bolt_log = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _ExpectedBoltWarnings) for f in bolt_log.filters):
        bolt_log.addFilter(_ExpectedBoltWarnings())
    app = App(signing_secret=config.signing_secret, client=client, authorize=authorize,
              process_before_response=True,  # the ack is the HTTP response; no 10 ms polling
              token_verification_enabled=False,
              # bot/slack/http.py checks the signature of the raw body, then gives Bolt the parsed body.
              request_verification_enabled=False)

    @app.middleware
    def only_our_workspace(body, next):
        """Single-workspace mode: the bot token's workspace only. Another one's request does nothing,
        creates nothing and is told so where Slack shows a reply (a command, a modal)."""
        named = teams_named(body)
        if named == {team}:
            return next()
        others = named - {team}
        log.warning("refused a request from another workspace (%s): this app serves %s only",
                    ", ".join(sorted(_printable(t) for t in others)) or "none named", team)
        if body.get("command"):
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": OTHER_WORKSPACE})
        if body.get("type") == "view_submission":
            return BoltResponse(status=200, body={"response_action": "update",
                                                  "view": refusal_modal("Not available", OTHER_WORKSPACE)})
        return BoltResponse(status=200, body="")

    @app.middleware
    def drop_redelivered_events(body, next):
        """Slack re-delivers events it thinks were missed; each event_id is handled once."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id:
            with session():
                first = SlackEventReceipt.claim(event_id, clock.now())
            if not first:
                return BoltResponse(status=200, body="")
        return next()

    register(app, Directory(client, command=config.invite_command), config)
    return app
