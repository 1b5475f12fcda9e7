"""What people (and Slack) might send: any text at all, and text shaped like the commands."""
from __future__ import annotations

import os

from hypothesis import strategies as st

from commands.grammar import MAX_TEXT, VERBS

# Every Unicode code point Python's str can hold, surrogates included: Slack's form body is decoded
# text, and a person can paste anything.
ANY_CHAR = st.characters(exclude_categories=())
WEIRD = ["", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "\U0001f600",
         "👩‍👩‍👧", "²", "٣", "Ⅻ", "½", "&amp;", "&lt;", "&gt;", "<!channel>", "<!here>", "<@U0ADMIN>",
         "<@U0ADMIN|ada>", "<#C0GENERAL|general>", "<mailto:a@b.co|a@b.co>", "<mailto:>", "<http://x|y>",
         "*bold*", "`code`", "a@b", "@", "a@", "@b.co", "pat@example.com", "PAT@EXAMPLE.COM",
         "pat@exämple.com", "pät@example.com", "a..b@example.com", "x@[127.0.0.1]", "x@localhost",
         "account:", "account:ACC-1", "acct=A", "job:", "job:J/1", "JOB:j", "all", "ALL", "add", "remove",
         "0", "-1", "1", "99999999999999999999999999", "9" * 400, "１２", "NaN", "1e9", "%", "'", '"',
         "\\", "drop table customer;", "a" * 101, "é" * 70]

# Page numbers and their look-alikes: digits of other scripts, superscripts, fractions, huge numbers.
# (str.isdigit() is true for all of these; int() takes only the decimal ones.)
NOT_DECIMAL_DIGITS = [c for c in map(chr, range(0x3000)) if c.isdigit() and not c.isdecimal()]
number_like = st.one_of(st.integers().map(str),
                        st.text(st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=4),
                        st.text(st.sampled_from(NOT_DECIMAL_DIGITS), min_size=1, max_size=3))
word = st.one_of(st.sampled_from(WEIRD), st.text(ANY_CHAR, max_size=30),
                 st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=20),
                 number_like)
separator = st.sampled_from([" ", "  ", "\t", "\n", ", ", ",", " \u00a0", "\u3000"])


@st.composite
def command_shaped(draw) -> str:
    """A verb (or an address) followed by random words: reaches past the first word into each handler."""
    head = draw(st.one_of(st.sampled_from(sorted(VERBS)), st.sampled_from(sorted(VERBS)).map(str.upper),
                          st.sampled_from(["pat@example.com", "<mailto:pat@example.com|pat@example.com>",
                                           "x@y", "Kim@Example.COM"]), word))
    words = draw(st.lists(st.tuples(separator, word), max_size=6))
    return head + "".join(sep + w for sep, w in words)


slash_text = st.one_of(
    st.text(ANY_CHAR),                                   # anything at all
    st.text(st.sampled_from(["\x00", "\x07", "\x1f", "\x7f", "\u0085", "\u2028", " ", "a", "@"]),
            max_size=50),                                # control characters and separators
    command_shaped(),
    command_shaped(),                                    # (twice as often: it reaches the handlers)
)
# Around the length limit the command reads (slow to generate, so drawn in a test of its own).
long_text = st.text(ANY_CHAR, min_size=MAX_TEXT - 3, max_size=MAX_TEXT + 3)

# Text as it can travel in an HTTP form body to the app (no lone surrogates: they cannot be encoded).
sendable_text = st.one_of(slash_text, slash_text, slash_text, long_text).map(
    lambda s: s.encode("utf-8", "replace").decode("utf-8"))


def examples(n: int) -> int:
    """`n` examples, times INVITEBOT_FUZZ_SCALE (default 1) for a longer hunt on a developer's machine."""
    return max(1, int(n * float(os.environ.get("INVITEBOT_FUZZ_SCALE") or 1)))
