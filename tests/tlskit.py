"""TLS for tests: a throwaway certificate authority (trustme) and the reverse proxy in front of the app."""
from __future__ import annotations

import base64
import hashlib
import ssl
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization


@dataclass(frozen=True)
class Tls:
    ca: trustme.CA
    leaf: trustme.LeafCert

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.leaf.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def spki_pin(leaf: trustme.LeafCert) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)): how Chromium names a key to trust."""
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture(scope="session")
def tls() -> Tls:
    ca = trustme.CA()
    return Tls(ca, ca.issue_cert("localhost", "127.0.0.1"))


REDIS_URL = "redis://127.0.0.1:6379/11"  # a database of its own on the machine's Redis, emptied per use


def fresh_redis(url: str = REDIS_URL) -> str:
    """The test Redis database, emptied; skips on a laptop without Redis, fails under CI=true."""
    import redis
    from conftest import IN_CI
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {url} is required under CI=true: {exc}")
        pytest.skip(f"Redis not reachable at {url} ({exc}); start redis-server")
    return url


@dataclass
class ProxiedServe:
    """`invitebot serve` (gunicorn) behind the TLS proxy, as docs/operations.md deploys it."""

    url: str            # the public https:// address, PUBLIC_URL
    upstream: str       # serve's own http:// address
    log: Path
    config: object    # for the test's own delivery pass: the same PUBLIC_URL


@contextmanager
def serve_behind_proxy(tls: Tls, db_url: str, smtp_url: str, log, *, workers: int = 2, **env: str):
    from bot.config import Config
    from bot.localslack import BOT_TOKEN, LocalSlack
    from bot.localsmtp import free_port
    from conftest import TEAM
    from jobkit import cli_env, spawn, stop, wait_until
    from devkit.tlsproxy import TlsProxy

    port = free_port()
    upstream = f"http://127.0.0.1:{port}"
    with LocalSlack(team_id=TEAM) as slack, TlsProxy(upstream, tls.server_context()) as proxy:
        public = proxy.url()
        settings = dict(DATABASE_URL=db_url, SMTP_URL=smtp_url, PUBLIC_URL=public, SLACK_API_URL=slack.api_url,
                        SLACK_SIGNING_SECRET="proxy-test-secret", SLACK_BOT_TOKEN=BOT_TOKEN,
                        FORWARDED_ALLOW_IPS="127.0.0.1")
        settings.update(env)
        proc = spawn(["serve", "--port", str(port), "--workers", str(workers)], cli_env(**settings), log)
        try:
            def up() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(f"serve stopped (exit {proc.returncode}):\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(f"{upstream}/healthz", timeout=2) as answer:
                        return answer.status == 200
                except OSError:
                    return False

            wait_until(up, 60, "serve to answer /healthz")
            yield ProxiedServe(public, upstream, log, Config.from_env(settings))
        finally:
            stop([proc])
