"""Slack re-delivers, people type twice, Slack's API says "slow down": each thing still happens once."""
from __future__ import annotations

import threading

from bot.slack import ids
from storage.models import Event, Invitation, OutboxEmail
from storage.runs import SlackEventReceipt

from slack.conftest import ADMIN, AGENT, buttons, visible_text


def test_an_event_delivered_four_times_with_the_same_id_is_handled_once(stack, db):
    event = {"type": "app_home_opened", "user": AGENT, "tab": "home"}
    first = stack.event(event, event_id="Ev0HOME1")
    retries = [stack.event(event, event_id="Ev0HOME1", retry=n) for n in (1, 2, 3)]
    assert [r.status for r in [first, *retries]] == [200, 200, 200, 200]
    stack.settle()  # every listener the four deliveries started has finished
    assert len(stack.calls("views.publish")) == 1
    assert SlackEventReceipt.select().count() == 1


def test_a_different_event_id_is_handled_again(stack):
    event = {"type": "app_home_opened", "user": AGENT, "tab": "home"}
    stack.event(event, event_id="Ev0HOME1")
    stack.event(event, event_id="Ev0HOME2")
    stack.wait("views.publish", 2)


def test_the_same_invite_typed_twice_sends_one_email_and_offers_resend(stack, db):
    first = visible_text(stack.command(ADMIN, "x@y.com").reply())
    assert "Invitation sent to x@y.com" in first
    second = stack.command(ADMIN, "x@y.com").reply()
    assert "x@y.com was already invited by Ada Admin" in visible_text(second)
    assert "Nothing new was sent" in visible_text(second)
    assert buttons(second) == {ids.RESEND: '{"e":"x@y.com"}'}

    assert OutboxEmail.select().count() == 1 and Invitation.select().count() == 1
    assert stack.deliver().sent == 1
    assert stack.deliver().sent == 0
    assert len(stack.mail_to("x@y.com")) == 1


def test_the_same_invite_typed_twice_at_the_same_moment_sends_one_email(stack, db):
    start = threading.Barrier(2)
    sent = []

    def type_it():
        start.wait()
        sent.append(stack.command(ADMIN, "x@y.com"))

    threads = [threading.Thread(target=type_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    replies = sorted(visible_text(s.reply()) for s in sent)
    assert "Invitation sent to x@y.com" in replies[0]
    assert "x@y.com was already invited" in replies[1]
    assert OutboxEmail.select().count() == 1
    assert Event.select().where(Event.kind == "sent").count() == 1


def test_a_request_again_for_a_customer_awaiting_approval_says_so_without_a_second_request(stack, db):
    stack.command(AGENT, "pat@example.com").reply()
    stack.approval_request("pat@example.com")
    again = visible_text(stack.command(AGENT, "pat@example.com").reply())
    assert "already has an invitation request from Sam Agent waiting for an admin's approval" in again
    stack.settle()
    assert Invitation.select().count() == 1
    assert len(stack.calls("chat.postMessage")) == 1


def test_a_rate_limited_approval_request_is_posted_once_after_waiting(stack, db):
    stack.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    stack.command(AGENT, "pat@example.com").reply()
    stack.approval_request("pat@example.com")
    stack.settle()
    assert len(stack.calls("chat.postMessage")) == 1  # the 429 was not recorded as a post
    assert Invitation.get().request_message_ts


def test_a_slack_server_error_on_publishing_the_home_tab_is_retried(stack):
    stack.slack.fail_next("views.publish", status=500)
    stack.event({"type": "app_home_opened", "user": AGENT, "tab": "home"})
    stack.wait("views.publish")
