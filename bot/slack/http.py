"""POST /slack/events: commands, interactivity and events, verified by Slack's signature."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

from bot.config import Config

log = logging.getLogger("invitebot.web")


def mount(app: Flask, config: Config, limiter: Limiter, csrf: CSRFProtect) -> None:
    """Adds POST /slack/events to the Flask app, in front of the Bolt app."""
    from slack_bolt.adapter.flask import SlackRequestHandler
    from slack_sdk.signature import SignatureVerifier

    from bot.slack.app import build_app

    handler = SlackRequestHandler(build_app(config))
    verifier = SignatureVerifier(config.signing_secret)

    @app.post("/slack/events")
    @csrf.exempt
    @limiter.exempt
    def slack_events():
        # Checked before Bolt reads the body: a forged or garbled request gets 401, never a 500.
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and signature
                and verifier.is_valid(request.get_data(), timestamp, signature)):
            # Never the body: a forged request may carry anything, and a real one carries people's data.
            log.warning("refused a request to /slack/events from %s: missing, wrong or stale signature",
                        request.remote_addr)
            return jsonify(error="invalid request signature"), 401
        return handler.handle(request)
