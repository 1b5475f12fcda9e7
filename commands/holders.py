"""Who is doing a long piece of work (a bulk import, a resend-all), and whether they still are.

Work that a crash can cut short records its holder (host:pid:thread) and a heartbeat. The next
attempt continues it when the holder is gone: its process no longer exists on this host, or it
has been silent for STALE (another host, or a thread that failed)."""
from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from pathlib import Path

from commands.clock import clock

STALE = dt.timedelta(seconds=60)


def holder() -> str:
    """host:pid:thread of the caller (the Slack app runs long work on threads of one process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _process_alive(holder_id: str) -> bool:
    """False only when we can tell the process is gone (same host, no such pid)."""
    host, _, rest = holder_id.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """A killed process nobody has reaped yet (its parent died too) still answers kill(pid, 0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux), or it has just gone
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def busy_elsewhere(holder_id: str, heartbeat_at: dt.datetime) -> bool:
    """Someone else is at it now: a recent heartbeat from another thread or process still alive."""
    fresh = heartbeat_at > clock.now() - STALE
    return fresh and holder_id != holder() and _process_alive(holder_id)
