"""Reverse proxies: their X-Forwarded-* headers count only when the proxy is one FORWARDED_ALLOW_IPS names.

Behind nginx or Caddy every request reaches invitebot from the proxy's address. Trusting the proxy's
headers gives the rate limits and the logs the real client, and the pages the real scheme (https)
and host. Anyone else's forwarded headers are ignored: a client cannot pick its own address."""
from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BadProxySetting(ValueError):
    pass


def parse_allowed(value: str | None) -> tuple[Network, ...] | None:
    """`FORWARDED_ALLOW_IPS` as networks: addresses and CIDR ranges, comma-separated; `*` = any (None)."""
    items = [part.strip() for part in (value or "").split(",") if part.strip()]
    if "*" in items:
        return None
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise BadProxySetting(f"FORWARDED_ALLOW_IPS: {item!r} is not an IP address or network "
                                  "(e.g. 127.0.0.1 or 10.0.0.0/8)") from None
    return tuple(networks)


class TrustedProxies:
    """WSGI middleware: Werkzeug's ProxyFix (one hop) for requests from a trusted proxy, nothing otherwise."""

    def __init__(self, app, allowed: tuple[Network, ...] | None):
        self.app = app
        self.allowed = allowed
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)

    def trusts(self, address: str | None) -> bool:
        if self.allowed is None:
            return True
        try:
            ip = ipaddress.ip_address((address or "").split("%", 1)[0])
        except ValueError:
            return False
        return any(ip in network for network in self.allowed)

    def __call__(self, environ, start_response):
        if self.allowed != () and self.trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
