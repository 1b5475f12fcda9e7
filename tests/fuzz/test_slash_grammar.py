"""The slash command's grammar on any text: it never raises, and everything it returns has a reply path."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.slack.listeners.slash import HANDLERS
from commands.grammar import MAX_TEXT, Request, parse, usage

from .strategies import examples, long_text, slash_text

SURROUNDING = st.sampled_from(["", " ", "  \t", "\n", "\u00a0", "\r\n "])


def check(text: str | None) -> Request:
    """parse() returns a Request that the slash listener can answer, whatever the text."""
    request = parse(text)
    assert isinstance(request, Request)
    # `help` is answered in the ack (with the problem, if any); every other verb has a handler.
    assert request.verb == "help" or request.verb in HANDLERS, request
    assert isinstance(request.page, int) and request.page >= 1
    if request.verb == "invite":
        assert request.email and "@" in request.email
    if request.verb in ("status", "revoke", "reinstate", "access", "suspend"):
        assert request.email
    if request.verb == "resend" and not request.all:
        assert request.emails and all(request.emails)
    if request.verb == "admins" and request.sub:
        assert request.sub in ("add", "remove") and request.user_id
    if request.problem is not None:
        # A sentence for a person; what they typed comes back escaped, so no <!channel>, <@user>
        # or <url|label> of theirs reaches Slack through it.
        assert request.problem.strip() and len(request.problem) < 500
        assert "<" not in request.problem and ">" not in request.problem, request.problem
    if text is not None and len(text) > MAX_TEXT:
        assert request.verb == "help" and request.problem
    return request


@settings(max_examples=examples(700), deadline=None, database=None)
@given(slash_text, SURROUNDING, SURROUNDING)
@example(None, "", "")
@example("list ²", "", "")                       # str.isdigit() is true for it, int() refuses it
@example("list ٣ invited", "", "")
@example("list 99999999999999999999999999", "", "")
@example("resend " + ",".join(["a@b.co"] * 400), "", "")
@example("\x00" * MAX_TEXT, "", "")
@example("<mailto:pat@example.com|pat@example.com> Pat job:J1 account:", "", "")
@example("admins add <@U0ADMIN|ada>", "", "")
@example("admins add <!channel>", "", "")
@example("<!channel> hello", "", "")
def test_parse_never_raises_and_every_request_has_a_reply_path(text, before, after):
    request = check(text)
    if text is not None and len(before + text + after) <= MAX_TEXT:
        # Whitespace around the command changes nothing.
        assert check(before + text + after) == request


@settings(max_examples=examples(40), deadline=None, database=None)
@given(long_text)
@example("a" * (MAX_TEXT + 1))
@example("a" * MAX_TEXT)
def test_text_around_the_length_limit(text):
    check(text)


@settings(max_examples=50, deadline=None, database=None)
@given(st.text(min_size=1, max_size=30).filter(lambda s: not s.startswith("/")))
def test_usage_names_the_configured_command(name):
    assert usage("/" + name).count(f"`/{name}") >= 10
