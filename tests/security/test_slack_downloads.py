"""Finding 12.1: a bulk upload is fetched only from Slack's file host, never where a payload (or a
redirect) points, so the bot token reaches nobody else."""
from __future__ import annotations

import http.server
import json
import logging
import threading

import pytest

from bot.localslack import BOT_TOKEN
from bot.slack import ids
from bot.origins import is_at
from bot.slack.origins import SlackOrigins, slack_origins
from bot.slack.payloads import ModalContext
from storage.models import Customer

from security.signedkit import FORM, as_form, base_payload, no_traceback, post_signed
from slack.conftest import CHANNEL

CSV = b"Account Number,Customer Email\r\nA1,ann@example.com\r\n"



# --- finding 12.1: the bulk upload's download ---------------------------------------------------------
class Listener:
    """Someone else's web server: records each request it gets (path and headers), answers with a CSV."""

    def __init__(self, redirect_to: str | None = None):
        self.requests: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append({"path": self.path, "headers": dict(self.headers)})
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.end_headers()
                self.wfile.write(b"Account Number,Customer Email\r\nX9,stolen@example.com\r\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Listener":
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    with Listener() as running:
        yield running


def _upload(stack, file: dict):
    """An admin submits the bulk modal with `file` in its file_input, as Slack would send it."""
    view = {"id": "VBULK", "type": "modal", "callback_id": ids.BULK_MODAL, "hash": "h",
            "private_metadata": ModalContext(channel=CHANNEL).dump(),
            "state": {"values": {ids.FILE: {ids.FILE: {"type": "file_input", "files": [file]}},
                                 ids.SEND_NOW: {ids.SEND_NOW: {"type": "checkboxes", "selected_options": []}}}}}
    status, _ = post_signed(stack, as_form({"type": "view_submission", **base_payload(), "view": view}), FORM)
    assert status == 200
    stack.settle()


def _progress(stack) -> str:
    """The last text of the upload's progress DM to the admin."""
    texts = [c.args.get("text") or "" for c in stack.calls("chat.update")]
    texts += [c.args.get("text") or "" for c in stack.calls("chat.postMessage")]
    return "\n".join(texts)


def _token_nowhere(caplog, listener) -> None:
    assert BOT_TOKEN not in caplog.text
    assert not any(BOT_TOKEN in json.dumps(r) for r in listener.requests)


@pytest.mark.parametrize("api_url, files, hooks", [
    ("https://slack.com/api/", "https://files.slack.com", "https://hooks.slack.com"),
    ("https://slack-gov.com/api/", "https://files.slack-gov.com", "https://hooks.slack-gov.com"),
    ("http://127.0.0.1:5005/api/", "http://127.0.0.1:5005", "http://127.0.0.1:5005"),  # the stand-in
])
def test_slacks_file_and_reply_hosts_follow_from_slack_api_url(api_url, files, hooks):
    assert slack_origins(api_url) == SlackOrigins(files=files, hooks=hooks)


@pytest.mark.parametrize("url, allowed", [
    ("https://files.slack.com/files-pri/T0-F0/download/customers.csv", True),
    ("https://FILES.slack.com:443/files-pri/T0-F0/customers.csv", True),
    ("http://files.slack.com/files-pri/T0-F0/customers.csv", False),
    ("https://files.slack.com:8443/x.csv", False),
    ("https://files.slack.com.attacker.example/x.csv", False),
    ("https://files.slack.com@attacker.example/x.csv", False),
    ("https://attacker.example@files.slack.com/x.csv", False),
    ("https://slack.com/x.csv", False),
    ("file:///etc/hostname", False),
    ("//files.slack.com/x.csv", False),
    ("https://files.slack.com:99999/x.csv", False),
    ("", False),
    (None, False),
])
def test_only_slacks_own_file_host_counts_as_slacks(url, allowed):
    assert is_at(url, "https://files.slack.com") is allowed


def test_the_upload_is_fetched_from_what_slack_says_not_the_url_in_the_payload(stack, db, caplog, listener):
    caplog.set_level(logging.DEBUG)
    file = stack.slack.add_file("customers.csv", CSV)
    _upload(stack, {**file, "url_private": f"{listener.url}/steal", "url_private_download": f"{listener.url}/steal"})
    assert listener.requests == []
    assert Customer.get_or_none(Customer.email == "ann@example.com") is not None
    assert Customer.get_or_none(Customer.email == "stolen@example.com") is None
    _token_nowhere(caplog, listener)


def _refused_and_nothing_sent_out(stack, caplog, listener) -> None:
    """The uploader is told the file was not imported, nothing was, and the token went nowhere."""
    assert listener.requests == []
    told = _progress(stack)
    assert "customers.csv was not imported" in told and "not stored in Slack" in told
    assert Customer.select().count() == 0
    _token_nowhere(caplog, listener)
    no_traceback(caplog)


@pytest.mark.parametrize("where", ["listener", "file", "userinfo", "https-elsewhere"])
def test_a_file_slack_reports_somewhere_else_is_refused_and_the_token_goes_nowhere(stack, db, caplog, listener,
                                                                                   where):
    caplog.set_level(logging.DEBUG)
    url = {"listener": f"{listener.url}/files/F1/customers.csv",
           "file": "file:///etc/hostname",
           "userinfo": f"{stack.slack.url}@127.0.0.1:{listener.server.server_address[1]}/x.csv",
           "https-elsewhere": "https://files.slack.com.attacker.example/x.csv"}[where]
    file = stack.slack.add_file("customers.csv", CSV, url=url)
    _upload(stack, file)
    _refused_and_nothing_sent_out(stack, caplog, listener)


def test_a_redirect_to_another_host_is_not_followed(stack, db, caplog, listener):
    caplog.set_level(logging.DEBUG)
    file = stack.slack.add_file("customers.csv", CSV, redirect=f"{listener.url}/files/stolen.csv")
    _upload(stack, file)
    _refused_and_nothing_sent_out(stack, caplog, listener)


def test_a_redirect_within_slacks_file_host_is_followed(stack, db):
    real = stack.slack.add_file("real.csv", CSV)
    file = stack.slack.add_file("customers.csv", b"", redirect=real["url_private_download"])
    _upload(stack, file)
    assert Customer.get_or_none(Customer.email == "ann@example.com") is not None


def test_a_file_slack_does_not_know_is_refused_clearly(stack, db, listener):
    _upload(stack, {"id": "F0NOSUCH", "name": "customers.csv", "url_private": f"{listener.url}/steal"})
    assert listener.requests == []
    assert "customers.csv was not imported" in _progress(stack)
    assert Customer.select().count() == 0
