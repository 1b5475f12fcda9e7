"""Slack gives an app 3 seconds to answer; slow Web API calls happen after the ack, never before it.

A behavioural bound, not a benchmark: with every Slack API call taking 2.5 s, anything that called Slack
before acking would take at least that long.
"""
from __future__ import annotations

from bot.slack import ids

from slack.conftest import ADMIN, AGENT, buttons, visible_text

SLOW_SLACK = 2.5
SLACK_DEADLINE = 3.0


def test_commands_and_clicks_are_acked_within_three_seconds_while_slack_is_slow(stack):
    stack.command(AGENT, "help")  # the app's one-off auth.test on its first request, not measured here
    stack.command(AGENT, "pat@example.com").reply()
    approve = buttons(stack.approval_request("pat@example.com").args)[ids.APPROVE]
    stack.settle()

    stack.slack.latency = SLOW_SLACK
    timed = {
        "/invite": stack.command(AGENT, ""),
        "/invite x@y.com": stack.command(ADMIN, "x@y.com"),
        "/invite status": stack.command(AGENT, "status pat@example.com"),
        "Approve": stack.click(ADMIN, ids.APPROVE, approve, channel="C0GENERAL", message_ts="1.1"),
    }
    for what, sent in timed.items():
        assert sent.status == 200, what
        assert sent.seconds < SLACK_DEADLINE, f"{what} took {sent.seconds:.2f} s to ack"

    # ...and the work still happens afterwards, at Slack's pace.
    assert "Invitation sent to x@y.com" in visible_text(timed["/invite x@y.com"].reply(timeout=30))
    assert "*pat@example.com*" in visible_text(timed["/invite status"].reply(timeout=30))
    assert stack.wait("chat.update", timeout=30)
