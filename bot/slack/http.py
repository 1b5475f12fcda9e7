"""POST /slack/events: commands, interactivity and events, verified by Slack's signature.

The endpoint checks everything Bolt would otherwise trip over, in this order, each refusal one log line
and never the body (a forged request may carry anything, a real one carries people's data):
the signature (401), then the body's encoding, JSON and shape (400). It parses the body once and hands
Bolt that parsed body, so Bolt's own guess at the format (any body containing the word "payload" was
read as an empty interaction) no longer applies."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

from bot.config import Config
from bot.origins import is_at
from bot.slack.origins import slack_origins
from bot.slack.payloads import response_urls, shape_problem

log = logging.getLogger("invitebot.web")

# Seconds since 1970 have 10 digits until the year 2286; a longer header is not a time, and slack_sdk's
# verifier would overflow converting it.
MAX_TIMESTAMP_DIGITS = 12


class Refused(Exception):
    """A signed request that cannot be handled; the message says why, in words safe to log."""


def mount(app: Flask, config: Config, limiter: Limiter, csrf: CSRFProtect) -> None:
    """Adds POST /slack/events to the Flask app, in front of the Bolt app."""
    from slack_bolt.adapter.flask import SlackRequestHandler
    from slack_bolt.adapter.flask.handler import to_flask_response
    from slack_bolt.request import BoltRequest
    from slack_sdk.signature import SignatureVerifier

    from bot.slack.app import build_app

    handler = SlackRequestHandler(build_app(config))
    verifier = SignatureVerifier(config.signing_secret)
    hooks = slack_origins(config.slack_api_url).hooks

    def signed(raw: bytes) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS
                and signature):
            return False
        try:
            return verifier.is_valid(raw, timestamp, signature)
        except Exception:  # whatever the verifier trips over, the answer is the same: not signed
            return False

    @app.post("/slack/events")
    @csrf.exempt
    @limiter.exempt
    def slack_events():
        raw = request.get_data()
        if not signed(raw):
            log.warning("refused a request to /slack/events from %s: missing, wrong or stale signature",
                        request.remote_addr)
            return jsonify(error="invalid request signature"), 401
        try:
            body = _parse(raw, request.mimetype)
            problem = shape_problem(body)
            if problem:
                raise Refused(problem)
            if any(not is_at(url, hooks) for url in response_urls(body)):
                raise Refused("a response_url is not Slack's")
            bolt_request = _bolt_request(BoltRequest, body)
        except Refused as exc:
            log.warning("refused a signed request to /slack/events from %s: %s", request.remote_addr, exc)
            return jsonify(error="malformed request"), 400
        return to_flask_response(handler.app.dispatch(bolt_request))


def _bolt_request(bolt_request_class, body: dict):
    """Bolt's request for the parsed body. Bolt reads the body's ids as it builds it: should the shape
    check have let through something Bolt cannot read, that too is a refusal, not a 500."""
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
    # Bolt reads top-level fields as `body.get(key, {})`: an explicit null there would reach it as None.
    present = {key: value for key, value in body.items() if value is not None}
    try:
        return bolt_request_class(body=json.dumps(present), headers={**headers, "Content-Type": "application/json"})
    except Exception as exc:
        raise Refused(f"Bolt could not read the body ({type(exc).__name__})") from None


def _parse(raw: bytes, mimetype: str):
    """The body as Slack means it: JSON (Events API), a form with a JSON `payload` (interactivity), or a
    plain form (slash commands)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("the body is not UTF-8") from None
    try:
        if mimetype == "application/json" or text.startswith("{"):
            return json.loads(text)
        form = dict(parse_qsl(text, keep_blank_values=True))
        return json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):
        raise Refused("the body is not valid JSON") from None
