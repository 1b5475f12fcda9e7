"""Where Slack's own hosts are, so nothing Slack-bound (the bot token, a reply) goes anywhere else.

Slack's Web API lives at slack.com (GovSlack: slack-gov.com); it serves uploaded files from files.<domain>
and takes replies at hooks.<domain>. Any other SLACK_API_URL is a stand-in for Slack (tests, the demo)
that serves everything from its own origin."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SLACK_DOMAINS = ("slack.com", "slack-gov.com")


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
