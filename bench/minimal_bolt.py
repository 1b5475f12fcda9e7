"""The baseline for bench/ack.py: the smallest Bolt app that acks /invite, behind Flask.

Same Bolt mode as ours (process_before_response=True), no database, no Slack calls, no lazy work.
bench/ack.py serves `app` with bot.server.serve_gunicorn (our production server settings).
Run directly (as `make bench` does with every bench/*.py) it only says what it is.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

# Bolt calls auth.test once per process on the first request (token_verification_enabled=False defers
# it); SLACK_API_URL points that at the bench's stand-in, as for our app.
bolt = App(signing_secret=os.environ.get("SLACK_SIGNING_SECRET", "bench-signing-secret"),
           client=WebClient(token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"),
                            base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/")),
           process_before_response=True,
           token_verification_enabled=False)


@bolt.command(os.environ.get("INVITE_COMMAND", "/invite"))
def invite(ack):
    ack()


handler = SlackRequestHandler(bolt)
app = Flask(__name__)


@app.post("/slack/events")
def slack_events():
    return handler.handle(request)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


if __name__ == "__main__":
    print("bench/minimal_bolt.py is the baseline app that bench/ack.py serves; nothing to run on its own.")
