"""Web origins (scheme, host, port): how the app tells its own site, and Slack's hosts, from anywhere else."""
from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None for anything else (or one with user:password@)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def is_at(url: object, origin: str) -> bool:
    """True when `url` is an http(s) URL on exactly `origin` (scheme, host and port; no user:password@)."""
    if not isinstance(url, str):
        return False
    key = origin_key(url)
    return key is not None and key == origin_key(origin)


def origin_of(url: str) -> str:
    """scheme://host[:port] of `url`, for a log line (never the path, which may carry anything)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "an unreadable address"
