"""Sends what Slack sends: slash commands, block actions, view submissions and events, signed."""
from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from slack_sdk.signature import SignatureVerifier


@dataclass
class Reply:
    status: int
    body: str

    def json(self):
        return json.loads(self.body) if self.body else None


class SlackSim:
    def __init__(self, app_url: str, signing_secret: str, standin, team_id: str | None = None):
        self.events_url = app_url.rstrip("/") + "/slack/events"
        self.signer = SignatureVerifier(signing_secret)
        self.standin = standin
        self.team_id = team_id or standin.team_id
        self._ids = itertools.count(1)

    def post(self, body: str, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, headers: dict | None = None) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or self.signer.generate_signature(timestamp=ts, body=body)
        req = urllib.request.Request(self.events_url, data=body.encode(), method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return Reply(resp.status, resp.read().decode())
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode())

    def _response_url(self) -> str:
        return f"{self.standin.url}/response/{next(self._ids)}"

    def _trigger(self) -> str:
        return f"{next(self._ids)}.trigger"

    def command_body(self, user: str, text: str, command: str = "/invite", channel: str = "C0GENERAL") -> str:
        return urllib.parse.urlencode({
            "token": "deprecated", "team_id": self.team_id, "team_domain": "local",
            "channel_id": channel, "channel_name": "general", "user_id": user,
            "user_name": user.lower(), "command": command, "text": text, "api_app_id": "A0LOCAL",
            "response_url": self._response_url(), "trigger_id": self._trigger()})

    def command(self, user: str, text: str, command: str = "/invite", channel: str = "C0GENERAL") -> Reply:
        return self.post(self.command_body(user, text, command, channel), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def _base(self, user: str) -> dict:
        return {"team": {"id": self.team_id, "domain": "local"},
                "user": {"id": user, "team_id": self.team_id, "username": user.lower()},
                "api_app_id": "A0LOCAL", "token": "deprecated", "trigger_id": self._trigger()}

    def click(self, user: str, action_id: str, value: str, *, channel: str | None = None,
              message_ts: str | None = None, home: bool = False) -> Reply:
        """A button press in a message (channel, message_ts) or on the App Home."""
        payload = {"type": "block_actions", **self._base(user),
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                                "value": value, "action_ts": str(time.time())}]}
        if home:
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home"}
        else:
            payload["container"] = {"type": "message", "channel_id": channel, "message_ts": message_ts,
                                    "is_ephemeral": False}
            payload["channel"] = {"id": channel}
            payload["message"] = {"ts": message_ts}
            payload["response_url"] = self._response_url()
        return self.interaction(payload)

    def submit(self, user: str, callback_id: str, values: dict, private_metadata: str = "") -> Reply:
        """A modal's submission; `values` maps block_id to a string, a list (checkboxes) or None."""
        state = {}
        for block_id, value in values.items():
            if isinstance(value, list):
                element = {"type": "checkboxes",
                           "selected_options": [{"value": v, "text": {"type": "plain_text", "text": v}}
                                                for v in value]}
            else:
                element = {"type": "plain_text_input", "value": value}
            state[block_id] = {block_id: element}
        payload = {"type": "view_submission", **self._base(user),
                   "view": {"id": "VMODAL", "type": "modal", "callback_id": callback_id,
                            "private_metadata": private_metadata, "state": {"values": state},
                            "hash": "h"}}
        return self.interaction(payload)

    def event(self, event: dict, event_id: str | None = None, retry: int | None = None) -> Reply:
        body = json.dumps({"token": "deprecated", "team_id": self.team_id, "api_app_id": "A0LOCAL",
                           "type": "event_callback", "event": event,
                           "event_id": event_id or f"Ev{next(self._ids):08d}",
                           "event_time": int(time.time())})
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(body, "application/json", headers=headers)
