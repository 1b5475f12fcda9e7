"""The Slack app manifest for these handlers, for a given public URL and command name."""
from __future__ import annotations

import yaml

SCOPES = ["commands", "chat:write", "users:read", "im:write", "files:read", "files:write"]
EVENTS = ["app_home_opened"]


def manifest(url: str, command: str = "/invite") -> dict:
    endpoint = url.rstrip("/") + "/slack/events"
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "invitebot",
            "description": "Invite customers to your customer portal and track every invitation.",
            "background_color": "#2b5fad",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": "invitebot", "always_online": True},
            "slash_commands": [{
                "command": command, "url": endpoint,
                "description": "Invite a customer to the portal, or check, resend, revoke…",
                "usage_hint": "customer@example.com [name] [account:123] [job:ref] | status | list | help",
                "should_escape": True,  # mentions arrive as <@U…|name>, which `admins add` reads
            }],
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "event_subscriptions": {"request_url": endpoint, "bot_events": list(EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": endpoint},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def render(url: str, command: str = "/invite") -> str:
    header = (f"# invitebot Slack app manifest for {url}\n"
              "# Regenerate with: INVITE_COMMAND=/yourname invitebot manifest --url https://your.host\n")
    return header + yaml.safe_dump(manifest(url, command), sort_keys=False, allow_unicode=True)
