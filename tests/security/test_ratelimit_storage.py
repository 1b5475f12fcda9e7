"""Rate limits kept in Redis, as docs/operations.md sets them up for several workers (issue 11, finding 3)."""
from __future__ import annotations

import logging
import subprocess

import pytest
import requests

from bot.browser import Page
from bot.config import Config
from bot.localsmtp import free_port
from bot.server import ThreadServer

from jobkit import INVITEBOT, cli_env
from tlskit import fresh_redis


def _site(db_url: str, storage: str) -> ThreadServer:
    from bot.web import create_app
    return ThreadServer(create_app(Config.from_env({"DATABASE_URL": db_url, "RATELIMIT_STORAGE_URI": storage,
                                                    "SLACK_SIGNING_SECRET": "test-signing-secret"})))


def _wrong_logins(base: str, count: int, first: int = 0) -> list[int]:
    """Failed logins from one client, each naming another account (only the per-client limit applies)."""
    browser = requests.Session()
    token = Page(200, browser.get(f"{base}/login").text).csrf_token
    return [browser.post(f"{base}/login", data={"csrf_token": token, "email": f"x{n}@example.com",
                                                "password": "wrong-guess"}).status_code
            for n in range(first, first + count)]


def test_serve_refuses_a_redis_storage_without_the_redis_package_in_one_line(db_url, tmp_path):
    # Python finds this `redis` first and cannot import it: as on a machine where it is not installed.
    shadow = tmp_path / "shadow" / "redis"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named redis')\n")
    env = cli_env(DATABASE_URL=db_url, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1",
                  RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", PYTHONPATH=str(tmp_path / "shadow"))
    done = subprocess.run([str(INVITEBOT), "serve", "--port", str(free_port())], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "invitebot: RATELIMIT_STORAGE_URI is redis://…, but the redis package is not installed. "
        "Install it with: pip install 'invitebot[redis]'."]


def test_an_unknown_storage_is_refused_in_one_line():
    with pytest.raises(SystemExit) as stopped:
        Config.from_env({"RATELIMIT_STORAGE_URI": "bogus://host"}).check_ratelimit_storage()
    assert str(stopped.value) == ("invitebot: RATELIMIT_STORAGE_URI: bogus:// is not a rate-limit storage "
                                  "invitebot can use. Use memory:// (one worker) or redis://host:6379.")


def test_with_redis_down_the_pages_work_and_stay_limited_with_a_warning(db_url, caplog):
    caplog.set_level(logging.WARNING)
    nothing_there = f"redis://127.0.0.1:{free_port()}"
    with _site(db_url, nothing_there) as site:
        assert requests.get(f"{site.url}/login").status_code == 200
        assert _wrong_logins(site.url, 11) == [401] * 10 + [429]
        assert requests.get(f"{site.url}/healthz").status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("falling back to in-memory storage" in w for w in warnings), warnings
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("invitebot")]


def test_workers_share_the_limits_through_redis(db_url):
    storage = fresh_redis()
    with _site(db_url, storage) as first, _site(db_url, storage) as second:
        assert _wrong_logins(first.url, 5) == [401] * 5
        assert _wrong_logins(second.url, 5, first=5) == [401] * 5
        assert _wrong_logins(first.url, 1, first=10) == [429]
