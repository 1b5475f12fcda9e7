"""The local Slack stand-in: answers the Web API methods the bot calls, over real HTTP.

Records every call; can add latency, answer 429 with Retry-After or 5xx, and serves response_url posts.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, jsonify, request

from bot.server import ThreadServer

BOT_TOKEN = "xoxb-local-stand-in"


@dataclass
class Call:
    method: str
    args: dict
    at: float = field(default_factory=time.monotonic)


@dataclass
class User:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False

    def as_slack(self, team_id: str) -> dict:
        return {"id": self.id, "team_id": team_id, "name": self.name.lower().replace(" ", "."),
                "real_name": self.name, "deleted": False, "is_bot": self.is_bot,
                "is_admin": self.is_admin, "is_owner": self.is_owner, "is_primary_owner": self.is_owner,
                "profile": {"real_name": self.name, "display_name": self.name}}


class LocalSlack:
    """A fake of Slack's servers only; everything else in tests and the demo is real."""

    def __init__(self, team_id: str = "T0LOCAL", token: str = BOT_TOKEN):
        self.team_id = team_id
        self.token = token
        self.teams: dict[str, str] = {token: team_id}  # bot token -> its workspace (auth.test)
        self.users: dict[str, User] = {}
        self.calls: list[Call] = []
        self.latency = 0.0
        self.not_in_channel: set[str] = set()
        self._faults: list[dict] = []
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._lock = threading.Condition()
        self.files: dict[str, dict] = {}          # file id -> {"name", "content", "channel", "title"}
        self.app = self._build()
        self.server: ThreadServer | None = None

    # --- set-up -------------------------------------------------------------------------------
    def add_user(self, user_id: str, name: str, *, admin: bool = False, owner: bool = False) -> User:
        user = User(user_id, name, is_admin=admin, is_owner=owner)
        self.users[user_id] = user
        return user

    def add_team(self, team_id: str, token: str) -> str:
        """Another workspace with the app installed: its own bot token, which auth.test names it for."""
        self.teams[token] = team_id
        return token

    def add_file(self, name: str, content: bytes, *, url: str | None = None, redirect: str | None = None) -> dict:
        """A file a person uploaded; returns what Slack puts in a file_input's state (and files.info says).

        For tests of the download: `url` makes Slack report the file somewhere else; `redirect` makes
        its download answer with a redirect there."""
        file_id = f"F{next(self._views):08d}"
        self.files[file_id] = {"name": name, "content": content, "url": url, "redirect": redirect}
        return self._file_object(file_id)

    def _file_object(self, file_id: str) -> dict:
        stored = self.files[file_id]
        name, url = stored["name"], stored.get("url")
        return {"id": file_id, "name": name, "size": len(stored["content"]), "filetype": "csv",
                "url_private": url or f"{self.url}/files/{file_id}/{name}",
                "url_private_download": url or f"{self.url}/files/{file_id}/download/{name}"}

    def uploaded(self) -> list[dict]:
        """Files the bot shared (files_upload_v2 completed), oldest first."""
        return [f for f in self.files.values() if f.get("shared")]

    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` get `status` (429 carries Retry-After)."""
        with self._lock:
            self._faults.append({"method": method, "status": status, "retry_after": retry_after,
                                 "left": times})

    def start(self) -> "LocalSlack":
        self.server = ThreadServer(self.app).__enter__()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.__exit__(None, None, None)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return f"{self.server.url}/api/"

    # --- what happened ------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10, where=None) -> list[Call]:
        """Block until `count` calls of `method` (matching `where`) have arrived."""
        def matching():
            return [c for c in self.calls if c.method == method and (where is None or where(c))]
        with self._lock:
            self._lock.wait_for(lambda: len(matching()) >= count, timeout)
            found = matching()
        if len(found) < count:
            seen = sorted({c.method for c in self.calls})
            raise AssertionError(f"expected {count} call(s) of {method}, got {len(found)}; seen: {seen}")
        return found

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the HTTP side ------------------------------------------------------------------------
    def _record(self, method: str, args: dict) -> None:
        with self._lock:
            self.calls.append(Call(method, args))
            self._lock.notify_all()

    def _fault_for(self, method: str) -> dict | None:
        with self._lock:
            for fault in self._faults:
                if fault["method"] in (method, "*") and fault["left"] > 0:
                    fault["left"] -= 1
                    return fault
        return None

    def _build(self) -> Flask:
        app = Flask("localslack")

        @app.route("/api/<method>", methods=["GET", "POST"])
        def api(method):
            if self.latency:
                time.sleep(self.latency)
            fault = self._fault_for(method)
            if fault:
                resp = jsonify(ok=False, error="ratelimited" if fault["status"] == 429 else "internal_error")
                resp.status_code = fault["status"]
                if fault["status"] == 429:
                    resp.headers["Retry-After"] = str(fault["retry_after"])
                return resp
            token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
            if token not in self.teams:
                return jsonify(ok=False, error="invalid_auth")
            args = dict(request.args)
            args.update(request.form.to_dict())
            if request.is_json:
                args.update(request.get_json(silent=True) or {})
            for key in ("blocks", "view", "attachments"):
                if isinstance(args.get(key), str):
                    try:
                        args[key] = json.loads(args[key])
                    except ValueError:
                        pass
            self._record(method, args)
            if method == "auth.test":
                return jsonify(self._m_auth_test(args, self.teams[token]))
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            return jsonify(handler(args) if handler else {"ok": True})

        @app.get("/files/<file_id>/<path:name>")
        def file_download(file_id, name):
            if (request.headers.get("Authorization") or "").removeprefix("Bearer ") not in self.teams:
                return "not authorised", 403  # url_private needs the bot token
            stored = self.files.get(file_id)
            if stored is None:
                return "not found", 404
            self._record("file_download", {"id": file_id})
            if stored.get("redirect"):
                return "", 302, {"Location": stored["redirect"]}
            return stored["content"], 200, {"Content-Type": "text/csv"}

        @app.post("/upload/<file_id>")
        def file_upload(file_id):
            if file_id not in self.files:
                return "unknown upload", 404
            self.files[file_id]["content"] = request.get_data()
            self._record("file_upload", {"id": file_id, "size": len(request.get_data())})
            return "OK - " + str(len(request.get_data()))

        @app.post("/response/<key>")
        def response_url(key):
            if self.latency:
                time.sleep(self.latency)
            self._record("response_url", {"key": key, **(request.get_json(silent=True) or {})})
            return "ok"

        return app

    def _m_auth_test(self, args, team_id: str | None = None):
        return {"ok": True, "team_id": team_id or self.team_id, "user_id": "U0BOT", "bot_id": "B0BOT"}

    def _m_files_info(self, args):
        if args.get("file") not in self.files:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self._file_object(args["file"])}

    def _m_users_info(self, args):
        user = self.users.get(args.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.as_slack(self.team_id)}

    def _m_users_list(self, args):
        return {"ok": True, "members": [u.as_slack(self.team_id) for u in self.users.values()],
                "response_metadata": {"next_cursor": ""}}

    def _channel(self, channel: str) -> str:
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _m_chat_postMessage(self, args):
        channel = args.get("channel", "")
        if channel in self.not_in_channel:
            return {"ok": False, "error": "not_in_channel"}
        ts = f"{1700000000 + next(self._ts)}.000100"
        return {"ok": True, "channel": self._channel(channel), "ts": ts,
                "message": {"text": args.get("text"), "blocks": args.get("blocks"), "ts": ts}}

    def _m_chat_postEphemeral(self, args):
        return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}

    def _m_chat_update(self, args):
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _m_conversations_open(self, args):
        return {"ok": True, "channel": {"id": self._channel(args.get("users", "U").split(",")[0])}}

    def _m_files_getUploadURLExternal(self, args):
        file_id = f"F{next(self._views):08d}"
        self.files[file_id] = {"name": args.get("filename"), "content": b""}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args):
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        done = []
        for f in files or []:
            stored = self.files.get(f.get("id"))
            if stored is None:
                return {"ok": False, "error": "file_not_found"}
            stored.update(shared=True, title=f.get("title"), channel=args.get("channel_id"),
                          comment=args.get("initial_comment"))
            done.append({"id": f["id"], "title": f.get("title"), "name": stored["name"]})
        return {"ok": True, "files": done}

    def _view(self, args):
        view = dict(args.get("view") or {})
        view.setdefault("id", args.get("view_id") or f"V{next(self._views):08d}")
        view["hash"] = f"h{next(self._views)}"
        return {"ok": True, "view": view}

    _m_views_open = _view
    _m_views_update = _view
    _m_views_push = _view
    _m_views_publish = _view
