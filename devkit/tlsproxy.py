"""A TLS-terminating reverse proxy on loopback, set up the way docs/operations.md sets up nginx.

It answers HTTPS with a throwaway certificate and forwards each request over plain HTTP to the
app, adding what nginx's `proxy_set_header` lines add: the client's address appended to
X-Forwarded-For, X-Forwarded-Proto https, X-Forwarded-Host and -Port. The upstream connection
leaves from `source` (127.0.0.1 by default), the address to name in FORWARDED_ALLOW_IPS."""
from __future__ import annotations

import http.client
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business, never passed on.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
              "upgrade", "content-length"}


class _Forwarder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # the app logs requests; the proxy stays quiet
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
                   and not k.lower().startswith("x-forwarded-")]
        earlier = self.headers.get("X-Forwarded-For")
        client = self.client_address[0]
        host = self.headers.get("Host", "")
        headers += [("X-Forwarded-For", f"{earlier}, {client}" if earlier else client),
                    ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", host),
                    ("X-Forwarded-Port", str(self.server.server_address[1]))]
        upstream = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port,
                                              timeout=60, source_address=(self.server.source, 0))
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                upstream.putheader(name, value)
            if body is not None:
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body)
            answer = upstream.getresponse()
            data = answer.read()
        except OSError:
            self.send_error(502, "Bad Gateway")
            return
        finally:
            upstream.close()
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, upstream: str, source: str, context: ssl.SSLContext):
        super().__init__(address, _Forwarder)
        self.upstream = urlsplit(upstream)
        self.source = source
        # The handshake happens in each connection's own thread, on its first read, so a client that
        # connects and says nothing cannot hold up the others.
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request, client_address):  # a browser hanging up mid-handshake is normal
        pass


class TlsProxy:
    """`with TlsProxy("http://127.0.0.1:8000", context) as proxy:` serves https://127.0.0.1:<port>."""

    def __init__(self, upstream: str, context: ssl.SSLContext, *, host: str = "127.0.0.1", port: int = 0,
                 source: str = "127.0.0.1"):
        self.server = _Server((host, port), upstream, source, context)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, host: str = "localhost") -> str:
        return f"https://{host}:{self.port}"

    def __enter__(self) -> "TlsProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
