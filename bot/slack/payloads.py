"""Small typed payloads for button values and private_metadata (never strings spliced together)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields


class _Payload:
    def dump(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None):
        """A forged or garbled payload becomes an empty one, which the listener then refuses."""
        try:
            data = json.loads(raw if isinstance(raw, str) and raw else "{}")
        except (ValueError, RecursionError):  # not JSON, or nested past what the parser takes
            return cls()
        if not isinstance(data, dict):
            return cls()
        wanted = {f.name: f.type for f in fields(cls)}
        clean = {}
        for key, value in data.items():
            if key not in wanted or isinstance(value, bool):
                continue
            expected = int if str(wanted[key]).startswith("int") else str
            # Ints fit a database's 64-bit integer (SQLite raises on a larger one); text stays short.
            if isinstance(value, expected) and (abs(value) < 2 ** 63 if expected is int else len(value) <= 500):
                clean[key] = value
        return cls(**clean)


@dataclass(frozen=True)
class Ref(_Payload):
    """Points at one invitation (by id) or customer (by email), optionally a page of a list."""

    i: int | None = None       # invitation id
    e: str | None = None       # customer email
    s: str | None = None       # list status filter
    p: int | None = None       # list page


@dataclass(frozen=True)
class ModalContext(_Payload):
    """Where a modal came from, so its result can be told there."""

    channel: str | None = None
    response_url: str | None = None
    invitation: int | None = None
    message_channel: str | None = None
    message_ts: str | None = None
    kind: str | None = None        # which email template a templates modal shows
    email: str | None = None       # whose access an access modal edits


# --- the shape of what Slack sends ------------------------------------------------------------------
# Checked once, before Bolt and the listeners read a body: each field they read has the type Slack
# gives it, so a body of another shape is refused with one log line instead of failing deep inside.
# Fields not listed are never read and may hold anything; a listed field may be null unless marked.

@dataclass(frozen=True)
class _Object:
    fields: dict
    nullable: bool = True


@dataclass(frozen=True)
class _List:
    item: object
    nullable: bool = True


@dataclass(frozen=True)
class _Map:
    """An object whose keys are ids chosen elsewhere (block ids, action ids), each value of one shape."""
    value: object
    nullable: bool = True


@dataclass(frozen=True)
class _Either:
    choices: tuple


_TYPE_NAMES = {str: "text", int: "a number", bool: "true or false", dict: "an object"}


def _problem(value, spec, path: str) -> str | None:
    if value is None:
        return None if getattr(spec, "nullable", True) else f"{path} is null"
    if isinstance(spec, _Either):
        if any(_problem(value, choice, path) is None for choice in spec.choices):
            return None
        return f"{path} has the wrong type"
    if isinstance(spec, _Object):
        if not isinstance(value, dict):
            return f"{path} is not an object"
        for key, field_spec in spec.fields.items():
            if key in value and (found := _problem(value[key], field_spec, f"{path}.{key}")):
                return found
        return None
    if isinstance(spec, (_List, _Map)):
        items = value if isinstance(spec, _List) else value.values() if isinstance(value, dict) else None
        if items is None or (isinstance(spec, _List) and not isinstance(value, list)):
            return f"{path} is not {'a list' if isinstance(spec, _List) else 'an object'}"
        inner = spec.item if isinstance(spec, _List) else spec.value
        where = f"{path}[]" if isinstance(spec, _List) else f"{path}.*"  # never the key: it is the sender's
        for item in items:
            if item is None:
                return f"{where} is null"
            if found := _problem(item, inner, where):
                return found
        return None
    wanted = spec if isinstance(spec, tuple) else (spec,)
    if isinstance(value, bool) and bool not in wanted or not isinstance(value, wanted):
        return f"{path} is not {_TYPE_NAMES.get(wanted[0], wanted[0].__name__)}"
    return None


_OPTION = _Object({"value": str, "text": _Object({"type": str, "text": str})})
_FILE = _Object({"id": str, "name": str, "title": str, "filetype": str, "size": int,
                 "url_private": str, "url_private_download": str})
_ELEMENT = _Object({"type": str, "value": str, "selected_option": _OPTION, "selected_options": _List(_OPTION),
                    "files": _List(_FILE), "selected_conversation": str, "selected_channel": str,
                    "selected_time": str, "selected_date": str, "selected_user": str,
                    "selected_users": _List(str), "timezone": str})
_VIEW = _Object({"id": str, "type": str, "callback_id": str, "private_metadata": str, "hash": str,
                 "team_id": str, "app_installed_team_id": str, "root_view_id": str, "previous_view_id": str,
                 "external_id": str, "app_id": str, "bot_id": str,
                 "state": _Object({"values": _Map(_Map(_ELEMENT), nullable=False)})})
_ACTION = _Object({"type": str, "action_id": str, "block_id": str, "value": str, "action_ts": str,
                   "selected_option": _OPTION, "selected_options": _List(_OPTION)})
_BODY = _Object({
    # slash commands (a form: every value is text)
    "command": str, "text": str, "team_id": str, "team_domain": str, "enterprise_id": str,
    "enterprise_name": str, "channel_id": str, "channel_name": str, "user_id": str, "user_name": str,
    "api_app_id": str, "response_url": str, "trigger_id": str, "token": str, "ssl_check": str,
    "is_enterprise_install": (bool, str),
    # interactivity
    "type": str, "callback_id": str,
    "team": _Object({"id": str, "domain": str, "enterprise_id": str, "enterprise_name": str}),
    "user": _Object({"id": str, "team_id": str, "username": str, "name": str}),
    "enterprise": _Either((str, _Object({"id": str, "name": str}))),
    "channel": _Object({"id": str, "name": str}),
    "container": _Object({"type": str, "channel_id": str, "message_ts": str, "view_id": str,
                          "thread_ts": str, "is_ephemeral": bool}),
    "message": _Object({"ts": str, "thread_ts": str, "text": str, "user": str}),
    "view": _VIEW,
    "actions": _List(_ACTION),
    "response_urls": _List(_Object({"response_url": str, "channel_id": str, "block_id": str, "action_id": str}),
                           nullable=False),
    # the Events API
    "event_id": str, "event_time": int, "challenge": str, "context_team_id": str, "context_enterprise_id": str,
    "is_ext_shared_channel": bool,
    "event": _Object({"type": str, "user": str, "tab": str, "channel": str, "team": str, "user_team": str,
                      "event_ts": str, "bot_id": str}, nullable=False),
    "authorizations": _List(_Object({"team_id": str, "enterprise_id": str, "user_id": str, "is_bot": bool,
                                     "is_enterprise_install": bool})),
}, nullable=False)

# What this app answers: a slash command, these interactivity types, and Events API callbacks.
INTERACTIVE = {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
EVENTS = {"event_callback", "url_verification"}


def shape_problem(body: object) -> str | None:
    """Why `body` (a parsed request from Slack) is not something the listeners can read, or None."""
    if not isinstance(body, dict):
        return "the body is not an object"
    if found := _problem(body, _BODY, "body"):
        return found
    if "command" in body:
        return None if body["command"] else "body.command is empty"
    if body.get("ssl_check"):
        return None
    kind = body.get("type")
    if kind not in INTERACTIVE | EVENTS:
        return "not a kind of request this app answers"
    if kind in INTERACTIVE and not (isinstance(body.get("user"), dict) and body["user"].get("id")):
        return "body.user names nobody"  # Slack always says who clicked or submitted
    if kind == "block_actions":
        actions = body.get("actions")
        if not actions or any(not a.get("action_id") for a in actions):
            return "body.actions names no action"
    elif kind in ("view_submission", "view_closed"):
        if not isinstance(body.get("view"), dict) or not body["view"].get("callback_id"):
            return "body.view names no callback"
    elif kind in ("shortcut", "message_action"):
        if not body.get("callback_id"):
            return "body.callback_id is missing"
    elif kind == "event_callback":
        if not isinstance(body.get("event"), dict) or not body["event"].get("type"):
            return "body.event names no type"
    elif not body.get("challenge"):
        return "body.challenge is missing"
    return None


def response_urls(body: dict) -> list[str]:
    """Every address a reply to this request could be posted to: its own, and the modal's it came from."""
    found = [body.get("response_url")] + [u.get("response_url") for u in body.get("response_urls") or []]
    view = body.get("view") or {}
    found.append(ModalContext.load(view.get("private_metadata")).response_url)
    return [url for url in found if url]
