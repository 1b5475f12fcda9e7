"""Configuration, only from the environment variables DESIGN.md lists (plus a few optional ones)."""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.proxy import BadProxySetting, Network, parse_allowed
from commands.actor import DEFAULT_COMMAND
from storage.db import DEFAULT_URL


class MissingSetting(SystemExit):
    """One clear line naming the missing variable."""

    def __init__(self, name: str, why: str):
        super().__init__(f"invitebot: set the environment variable {name} ({why}).")


class BadSetting(SystemExit):
    """One clear line naming the variable whose value cannot work, and what to do."""

    def __init__(self, text: str):
        super().__init__(f"invitebot: {text}")


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
    forwarded_allow_ips: tuple[Network, ...] | None = ()  # the proxies to trust; None = any

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
            forwarded_allow_ips=_proxies(env.get("FORWARDED_ALLOW_IPS")),
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

    def check_ratelimit_storage(self) -> None:
        """Refuse, in one line, a RATELIMIT_STORAGE_URI that cannot work (unknown, or its package missing)."""
        from limits.errors import ConfigurationError
        from limits.storage import storage_from_string
        try:
            storage_from_string(self.ratelimit_storage)
        except ConfigurationError as exc:
            scheme = self.ratelimit_storage.split(":", 1)[0]
            if "prerequisite not available" not in str(exc) or "redis" not in scheme:
                raise BadSetting(f"RATELIMIT_STORAGE_URI: {scheme}:// is not a rate-limit storage invitebot "
                                 "can use. Use memory:// (one worker) or redis://host:6379.") from None
            raise BadSetting(f"RATELIMIT_STORAGE_URI is {scheme}://…, but the redis package is not installed."
                             " Install it with: pip install 'invitebot[redis]'.") from None


def _proxies(value: str | None):
    try:
        return parse_allowed(value)
    except BadProxySetting as exc:
        raise BadSetting(f"{exc}. Name the reverse proxies to trust, comma-separated, or leave it unset.") from None
