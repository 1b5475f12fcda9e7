"""Configuration, only from the environment variables DESIGN.md lists (plus a few optional ones)."""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from commands.actor import DEFAULT_COMMAND
from storage.db import DEFAULT_URL


class MissingSetting(SystemExit):
    """One clear line naming the missing variable."""

    def __init__(self, name: str, why: str):
        super().__init__(f"invitebot: set the environment variable {name} ({why}).")


@dataclass(frozen=True)
class Config:
    signing_secret: str | None
    bot_token: str | None
    slack_api_url: str
    database_url: str
    public_url: str
    smtp_url: str | None
    invite_command: str
    mail_from: str
    outbox_dir: str
    ratelimit_storage: str

    @classmethod
    def from_env(cls, env=None) -> "Config":
        env = os.environ if env is None else env
        public = (env.get("PUBLIC_URL") or "http://localhost:8000").rstrip("/")
        host = urlsplit(public).hostname or "localhost"
        command = env.get("INVITE_COMMAND") or DEFAULT_COMMAND
        if not command.startswith("/"):
            command = "/" + command
        return cls(
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_api_url=env.get("SLACK_API_URL") or "https://slack.com/api/",
            database_url=env.get("DATABASE_URL") or DEFAULT_URL,
            public_url=public,
            smtp_url=env.get("SMTP_URL") or None,
            invite_command=command,
            mail_from=env.get("MAIL_FROM") or f"Customer portal <no-reply@{host}>",
            outbox_dir=env.get("OUTBOX_DIR") or "outbox",
            ratelimit_storage=env.get("RATELIMIT_STORAGE_URI") or "memory://",
        )

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def require(self, *names: str) -> None:
        reasons = {"SLACK_SIGNING_SECRET": "the app's Signing Secret from api.slack.com/apps",
                   "SLACK_BOT_TOKEN": "the Bot User OAuth Token, xoxb-…"}
        for name in names:
            if not getattr(self, name.lower().removeprefix("slack_")):
                raise MissingSetting(name, reasons.get(name, "required"))

    def session_key(self) -> bytes:
        """Flask's session key, derived from the signing secret so every worker agrees on it."""
        secret = (self.signing_secret or "invitebot-local-only").encode()
        return hmac.new(secret, b"invitebot portal sessions", hashlib.sha256).digest()
