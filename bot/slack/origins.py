"""Where Slack's own hosts are, so nothing Slack-bound (the bot token, a reply) goes anywhere else.

Slack's Web API lives at slack.com (GovSlack: slack-gov.com); it serves uploaded files from files.<domain>
and takes replies at hooks.<domain>. Any other SLACK_API_URL is a stand-in for Slack (tests, the demo)
that serves everything from its own origin."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SLACK_DOMAINS = ("slack.com", "slack-gov.com")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class SlackOrigins:
    files: str   # where url_private may point, e.g. https://files.slack.com
    hooks: str   # where response_url may point, e.g. https://hooks.slack.com


def slack_origins(api_url: str) -> SlackOrigins:
    parts = urlsplit(api_url)
    host = (parts.hostname or "").lower()
    for domain in SLACK_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return SlackOrigins(files=f"https://files.{domain}", hooks=f"https://hooks.{domain}")
    own = f"{parts.scheme}://{parts.netloc}"
    return SlackOrigins(files=own, hooks=own)


def _origin_key(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def is_at(url: object, origin: str) -> bool:
    """True when `url` is an http(s) URL on exactly `origin` (scheme, host and port; no user:password@)."""
    if not isinstance(url, str):
        return False
    key = _origin_key(url)
    return key is not None and key == _origin_key(origin)


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url`, for a log line (never the path, which may carry anything)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "an unreadable address"
