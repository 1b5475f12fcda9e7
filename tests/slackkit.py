"""Helpers shared by the suites that drive the app through the Slack stand-in."""
from __future__ import annotations


def _walk(node, visit) -> None:
    if isinstance(node, dict):
        visit(node)
        for child in node.values():
            _walk(child, visit)
    elif isinstance(node, list):
        for child in node:
            _walk(child, visit)


def visible_text(message: dict) -> str:
    """Everything a person can read in a message or view: its text and every text object in its blocks."""
    parts = [message["text"]] if isinstance(message.get("text"), str) else []
    _walk(message.get("blocks") or [], lambda n: parts.append(n["text"]) if n.get("type") in (
        "mrkdwn", "plain_text") and isinstance(n.get("text"), str) else None)
    return "\n".join(parts)


def buttons(message: dict) -> dict[str, str]:
    """action_id -> value of every button in a message or view."""
    found = {}
    _walk(message.get("blocks") or [], lambda n: found.__setitem__(n["action_id"], n.get("value"))
          if n.get("type") == "button" else None)
    return found


def bolt_executor(flask_app):
    """The thread pool Bolt runs lazy listeners on, behind /slack/events (so tests can wait for it)."""
    view = flask_app.view_functions["slack_events"]
    for cell in view.__closure__ or ():
        runner = getattr(getattr(cell.cell_contents, "app", None), "_listener_runner", None)
        if runner is not None:
            return runner.listener_executor
    raise AssertionError("could not find Bolt's listener executor behind /slack/events")
