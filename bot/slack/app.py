"""The Bolt app, built once from the configuration."""
from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler,
                                                   RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)

from bot.config import Config
from bot.slack.people import Directory
from bot.slack.register import register
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


def build_app(config: Config) -> App:
    config.require("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
    client = web_client(config)
    def authorize(enterprise_id, team_id, logger):
        # One workspace, one bot token: nothing to ask Slack (Bolt's default calls auth.test inside
        # the first request of each worker, before the ack).
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=config.bot_token)

    bolt_log = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _ExpectedBoltWarnings) for f in bolt_log.filters):
        bolt_log.addFilter(_ExpectedBoltWarnings())
    app = App(signing_secret=config.signing_secret, client=client, authorize=authorize,
              process_before_response=True,  # the ack is the HTTP response; no 10 ms polling
              token_verification_enabled=False)

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
