"""Whatever people type, they get a clear private answer and HTTP 200; typed markup never becomes markup."""
from __future__ import annotations

import pytest

from bot.slack import ids
from bot.slack.turn import TROUBLE
from storage.models import Customer, Invitation

from slack.conftest import ADMIN, AGENT, AGENT2, buttons, row_counts, visible_text


def _answer(stack, user: str, text: str) -> str:
    """The person's private answer: in the ack itself (help and nonsense) or posted to response_url."""
    sent = stack.command(user, text)
    assert sent.status == 200, sent.body
    if sent.body:
        answer = sent.json()
        assert answer["response_type"] == "ephemeral"
        return answer["text"]
    reply = sent.reply()
    assert reply["response_type"] == "ephemeral"
    return visible_text(reply)


def _clear(text: str) -> None:
    assert text.strip()
    for leak in ("Traceback", "Error:", "Exception", TROUBLE):
        assert leak not in text


@pytest.mark.parametrize("typed, expected", [
    ("frobnicate", "`frobnicate` is not something I know. Here is what I can do:"),
    ("🎉", "`🎉` is not something I know."),
    ("revoke", "Say which customer: `revoke customer@example.com`."),
    ("reinstate", "Say which customer: `reinstate customer@example.com`."),
    ("access", "Say which customer: `access customer@example.com`."),
    ("admins add", "Use `admins add @person` or `admins remove @person`."),
    ("admins promote <@U0AGENT2|kim>", "Use `admins add @person` or `admins remove @person`."),
    ("admins add kim", "Mention the person with @, e.g. `admins add @Jane`."),
    ("x" * 4000, "That is 4000 characters, more than the 3000 this command reads."),
])
def test_nonsense_and_missing_arguments_are_answered_in_the_ack_with_usage(stack, db, typed, expected):
    text = _answer(stack, AGENT, typed)
    _clear(text)
    assert expected in text
    assert "`/invite status [email]`" in text  # what to do next
    stack.settle()
    assert row_counts()["Customer"] == 0


@pytest.mark.parametrize("typed, expected", [
    ("pat@", "`pat@` is not a valid email address"),
    ("pat@example", "`pat@example` is not a valid email address"),
    ("pat@@example.com", "is not a valid email address"),
    ("status not-an-email", "`not-an-email` is not a valid email address"),
    ("resend pat@", "`pat@` is not a valid email address"),
    ("revoke <mailto:nobody@example.com|nobody@example.com>", "There is no invitation for nobody@example.com"),
    ("pat@example.com lee@example.com", "Invite one customer at a time"),
    ("pat@example.com " + "Longname " * 20, "The name is too long (179 characters; 100 at most)"),
    ("pat@example.com job:" + "J" * 65, "The job reference is too long (65 characters; 64 at most)"),
    ("list 🎉", "Unknown status `🎉`"),
])
def test_bad_arguments_get_a_clear_private_reply_and_change_nothing(stack, db, typed, expected):
    text = _answer(stack, ADMIN, typed)
    _clear(text)
    assert expected in text
    stack.settle()
    assert row_counts()["Customer"] == 0


def test_emoji_in_a_name_is_kept_as_typed(stack, db):
    text = _answer(stack, ADMIN, "pat@example.com Pat 🎉 Quinn")
    assert "Invitation sent to pat@example.com" in text
    assert Customer.get().name == "Pat 🎉 Quinn"


def test_markup_typed_in_a_name_is_shown_escaped_in_the_approval_request(stack, db):
    _answer(stack, AGENT, "pat@example.com <b>Pat</b> <!channel> <!here> <@U0ADMIN> <https://evil.example|click>")
    request = stack.approval_request("pat@example.com").args
    shown = visible_text(request)
    for raw in ("<!channel>", "<!here>", "<@U0ADMIN>", "<b>", "<https://evil.example"):
        assert raw not in shown
    assert "Name: &lt;b&gt;Pat&lt;/b&gt; &lt;!channel&gt; &lt;!here&gt; &lt;@U0ADMIN&gt;" in shown
    assert Customer.get().name.startswith("<b>Pat</b> <!channel>")


def test_characters_slack_sends_as_entities_are_stored_as_typed(stack, db):
    # Typed "/invite pat@example.com Tom & Jerry <Ltd>": Slack escapes &, < and > in the text it sends.
    _answer(stack, AGENT, "pat@example.com Tom &amp; Jerry &lt;Ltd&gt; job:R&amp;D")
    customer = Customer.get()
    assert customer.name == "Tom & Jerry <Ltd>"
    assert Invitation.get().job_ref == "R&D"
    shown = visible_text(stack.approval_request("pat@example.com").args)
    assert "Name: Tom &amp; Jerry &lt;Ltd&gt;" in shown and "Job: R&amp;D" in shown


def test_markup_typed_as_a_subcommand_is_echoed_escaped(stack):
    text = _answer(stack, AGENT, "<!channel>")
    assert "`&lt;!channel&gt;` is not something I know" in text
    assert "<!channel>" not in text


def test_a_garbled_button_value_is_refused_with_a_way_forward(stack, db):
    stack.command(AGENT, "pat@example.com").reply()
    stack.approval_request("pat@example.com")
    clicked = stack.click(ADMIN, ids.APPROVE, '{"i": "1; DROP TABLE invitation"}', channel="C0GENERAL",
                          message_ts="1.1")
    assert clicked.status == 200
    text = visible_text(clicked.reply())
    assert "That button no longer points at an invitation. Type `/invite list` to see them." in text
    stack.settle()
    assert Invitation.get().status == "requested"


def test_a_button_for_an_invitation_that_does_not_exist_says_so(stack):
    clicked = stack.click(ADMIN, ids.APPROVE, '{"i":999}', channel="C0GENERAL", message_ts="1.1")
    assert "That invitation request no longer exists." in visible_text(clicked.reply())


def test_a_resend_button_pressed_by_someone_else_names_the_admins(stack):
    reply = stack.command(ADMIN, "pat@example.com").reply()
    clicked = stack.click(AGENT2, ids.STATUS, buttons(reply)[ids.STATUS], channel="C0GENERAL",
                          message_ts="1.2")
    assert "*pat@example.com* — *Invited*" in visible_text(clicked.reply())
    status = stack.command(AGENT2, "status pat@example.com").reply()
    clicked = stack.click(AGENT2, ids.RESEND, buttons(status)[ids.RESEND], channel="C0GENERAL",
                          message_ts="1.3")
    text = visible_text(clicked.reply())
    assert "Only team admins can resend invitations sent by someone else. Ask Ada Admin, Bea Admin" in text
