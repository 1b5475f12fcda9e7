"""Requests made to break things rather than to use them (issue 11, findings 9 and 10): a clean 4xx,
one log line, no traceback, and nothing a request carries can forge or garble a log line."""
from __future__ import annotations

import http.client
import logging
import urllib.parse

import pytest
import requests

from bot import logs

from jobkit import wait_until
from tlskit import serve_behind_proxy

FORGED = "2026-12-02 00:00:00,000 WARNING invitebot.web: forged"


@pytest.mark.parametrize("workspace_id", ["9223372036854775808", "9" * 40, "18446744073709551616"])
def test_a_brand_stylesheet_id_past_any_database_integer_is_a_404_without_a_traceback(portal, caplog,
                                                                                    workspace_id):
    caplog.set_level(logging.INFO)
    answer = requests.get(f"{portal.url}/brand/{workspace_id}.css")
    assert answer.status_code == 404
    assert "Page not found" in answer.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len([r for r in caplog.records if r.name == "invitebot.access"]) == 1


def test_the_largest_real_id_still_answers_with_the_default_colour(portal):
    answer = requests.get(f"{portal.url}/brand/9223372036854775807.css")
    assert answer.status_code == 200 and "--accent: #2b5fad" in answer.text


def _raw_get(base: str, raw_path: str) -> int:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", raw_path, skip_accept_encoding=True)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_path_cannot_forge_a_log_line_or_send_escape_codes_to_the_terminal(tls, db_url, smtp, tmp_path):
    log = tmp_path / "serve.log"
    with serve_behind_proxy(tls, db_url, smtp.url, log, workers=1) as served:
        injected = "/signup/x%0a" + urllib.parse.quote(FORGED)
        escape = "/signup/y%1b%5b2J%1b%5b31mRED%0d"
        assert _raw_get(served.upstream, injected) == 410
        assert _raw_get(served.upstream, escape) == 410
        assert _raw_get(served.upstream, "/login") == 200  # and the log line after them is written
        wait_until(lambda: '"GET /login HTTP/1.1" 200' in log.read_text(), 10, "the access log line")
    text = log.read_text()
    lines = text.splitlines()
    assert not [line for line in lines if line.startswith(FORGED[:23])], text
    assert "\x1b" not in text and "\r" not in text
    assert any("/signup/x\\n" + FORGED in line for line in lines), "the path is logged, escaped"
    assert any("/signup/y\\x1b[2J\\x1b[31mRED\\r" in line for line in lines)


def test_the_apps_own_log_lines_stay_one_line_whatever_the_values(caplog):
    handler = logging.StreamHandler()
    logs.one_line([handler])
    record = logging.LogRecord("invitebot.web", logging.WARNING, __file__, 1,
                               "refused a request from %s for %s", ("10.0.0.1\n" + FORGED, "\x1b[2J\u2028x"),
                               None)
    line = handler.format(record)
    assert "\n" not in line and "\x1b" not in line and "\u2028" not in line
    assert line.endswith("refused a request from 10.0.0.1\\n" + FORGED + " for \\x1b[2J\\u2028x")
