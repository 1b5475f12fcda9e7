"""Files in and out of Slack: downloading an uploaded CSV, sharing CSVs by DM, progress DMs."""
from __future__ import annotations

import csv
import io
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.origins import is_at, origin_of
from commands.csvfile import FileRefused

log = logging.getLogger("invitebot.slack")


def _not_in_slack(command: str) -> FileRefused:
    return FileRefused("That file is not stored in Slack, so I did not fetch it. Upload the CSV again "
                       f"with `{command} bulk`.")


def private_url(client: WebClient, file_id: str, files_origin: str, command: str) -> str:
    """Where Slack itself says the uploaded file is (files.info), never what the request says; and only
    on Slack's file host, since fetching it sends the bot token along."""
    try:
        file = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        raise FileRefused(f"Slack could not find that file ({exc.response.get('error')}). Upload it again "
                          f"with `{command} bulk`.") from None
    url = file.get("url_private_download") or file.get("url_private")
    if not is_at(url, files_origin):
        log.warning("refused to fetch an upload from %s: not Slack's file host (%s)",
                    origin_of(url) if isinstance(url, str) else "nowhere", files_origin)
        raise _not_in_slack(command)
    return url


class _StayOnSlack(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within Slack's file host: urllib would carry the Authorization header
    (the bot token) to wherever a redirect points."""

    def __init__(self, origin: str, command: str):
        super().__init__()
        self.origin = origin
        self.command = command

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_at(newurl, self.origin):
            fp.close()
            log.warning("refused to follow a file download's redirect to %s: not Slack's file host (%s)",
                        origin_of(newurl), self.origin)
            raise _not_in_slack(self.command)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(origin: str, command: str) -> urllib.request.OpenerDirector:
    """HTTP(S) only (no file:, ftp: or data: handlers), redirects kept on `origin`."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    _StayOnSlack(origin, command), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _unreachable(url: str, exc: OSError) -> FileRefused:
    log.warning("could not fetch an upload from %s: %s", origin_of(url), type(exc).__name__)
    return FileRefused("Slack's file server did not answer. Try the upload again in a minute.")


def download(url: str, token: str, dest: Path, max_bytes: int, *, files_origin: str, command: str) -> Path:
    """Stream a file's url_private to disk with the bot token; refuse past max_bytes, and anywhere but
    Slack's file host."""
    if not is_at(url, files_origin):
        log.warning("refused to fetch an upload from %s: not Slack's file host (%s)", origin_of(url), files_origin)
        raise _not_in_slack(command)
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        resp = _opener(files_origin, command).open(req, timeout=60)
    except urllib.error.HTTPError as exc:
        raise FileRefused(f"Slack did not hand the file over (HTTP {exc.code}). Upload it again with "
                          f"`{command} bulk`.") from None
    except OSError as exc:  # no connection, a timeout
        raise _unreachable(url, exc) from None
    size = 0
    with resp, open(dest, "wb") as out:
        while True:
            try:
                chunk = resp.read(1 << 16)
            except OSError as exc:  # the connection dropped mid-file
                raise _unreachable(url, exc) from None
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FileRefused(f"The file is larger than {max_bytes / 1e6:.0f} MB, the most one upload "
                                  "takes. Split it into smaller files and upload each.")
            out.write(chunk)
    return dest


def dm_channel(client: WebClient, user_id: str) -> str:
    return client.conversations_open(users=user_id)["channel"]["id"]


def share_csv(client: WebClient, channel: str, filename: str, rows: Iterable[list[str]],
              title: str, comment: str | None = None) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    client.files_upload_v2(channel=channel, filename=filename, title=title,
                           content=buffer.getvalue().encode("utf-8"), initial_comment=comment)


class ProgressMessage:
    """A DM whose text is updated as work goes on, at most every `every` seconds."""

    def __init__(self, client: WebClient, user_id: str, text: str, every: float = 2.0):
        self.client = client
        self.every = every
        resp = client.chat_postMessage(channel=user_id, text=text)
        self.channel, self.ts = resp["channel"], resp["ts"]
        self._last = time.monotonic()

    def update(self, text: str, *, final: bool = False, blocks: list | None = None) -> None:
        if not final and time.monotonic() - self._last < self.every:
            return
        self._last = time.monotonic()
        self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
