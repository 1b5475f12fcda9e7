"""Logging set-up: one line per record, whatever the values in it.

A logged value can come from anyone (a URL path, a header, a name typed on a form). A newline in it
would forge a whole log line, and terminal escape codes would rewrite what an operator sees, so every
control character in a message is written as its escape (`\\n`, `\\x1b`)."""
from __future__ import annotations

import logging
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def escape_controls(text: str) -> str:
    """The text on one line, its control characters written as escapes."""
    return _CONTROL.sub(_escaped, text)


class OneLineFormatter(logging.Formatter):
    """The message always on one line; a traceback keeps its own lines but no other control character."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return _CONTROL_BUT_NEWLINE.sub(_escaped, super().formatException(ei))


def one_line(handlers) -> None:
    """Give each handler the one-line formatter, keeping its format and date format."""
    for handler in handlers:
        current = handler.formatter or logging.Formatter(FORMAT)
        if not isinstance(current, OneLineFormatter):
            handler.setFormatter(OneLineFormatter(current._fmt, current.datefmt))


def setup(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    one_line(logging.getLogger().handlers)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
