"""Files in and out of Slack: downloading an uploaded CSV, sharing CSVs by DM, progress DMs."""
from __future__ import annotations

import csv
import io
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from slack_sdk import WebClient

from commands.bulk import FileRefused


def download(url: str, token: str, dest: Path, max_bytes: int) -> Path:
    """Stream a file's url_private to disk with the bot token; refuse past max_bytes."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    size = 0
    with urllib.request.urlopen(req, timeout=60) as resp, open(dest, "wb") as out:
        while chunk := resp.read(1 << 16):
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
