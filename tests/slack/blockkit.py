"""Checks of Block Kit against slack_sdk's models and the limits Slack documents, for the builder tests."""
from __future__ import annotations

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.payloads import ModalContext

MESSAGE_BLOCKS, SURFACE_BLOCKS = 50, 100
LONG = "Quinn-" * 16 + "Pat"  # a 99-character name
LONG_EMAIL = ("p" * 64) + "@" + ("a" * 60) + "." + ("b" * 60) + ".example.com"
META = ModalContext(channel="C0GENERAL", response_url="https://hooks.slack.com/commands/T0/1/" + "x" * 200,
                    invitation=123456, message_channel="C0GENERAL", message_ts="1700000000.000100")


def _limits(node, path="") -> None:
    """Limits slack_sdk does not check everywhere: button values, option texts and values, headers."""
    if isinstance(node, dict):
        if node.get("type") == "button":
            assert len(node["value"]) <= 2000 and len(node["action_id"]) <= 255, path
        if node.get("type") == "header":
            assert len(node["text"]["text"]) <= 150, path
        if "options" in node:
            assert len(node["options"]) <= 100, path
            for option in node["options"]:
                assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150, path
        if node.get("type") in ("mrkdwn", "plain_text"):
            assert 0 < len(node["text"]) <= 3000, path
        for key, value in node.items():
            _limits(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _limits(value, f"{path}[{i}]")


def check_text(text: str) -> None:
    """A message's top-level text (the notification and fallback)."""
    assert text and len(text) <= 4000


def check_message(message: dict) -> None:
    check_text(message["text"])
    assert 0 < len(message["blocks"]) <= MESSAGE_BLOCKS
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        assert parsed.to_dict() == block  # nothing slack_sdk does not know about
    _limits(message["blocks"])


def check_view(view: dict) -> None:
    model = View(**view)
    model.validate_json()
    assert model.to_dict() == view
    assert len(view["blocks"]) <= SURFACE_BLOCKS
    assert len(view.get("private_metadata", "")) <= 3000
    _limits(view["blocks"])
