"""The App Home tab, published when someone opens it."""
from __future__ import annotations

from bot.slack.views.home import home_view
from commands.overview import overview


def publish_home(turn) -> None:
    turn.client.views_publish(user_id=turn.user_id, view=home_view(overview(turn.actor()),
                                                                    command=turn.config.invite_command))


def home_opened(turn) -> None:
    if (turn.body.get("event") or {}).get("tab", "home") == "home":
        publish_home(turn)
