"""Serving the Flask app: gunicorn in production, a thread for tests and the demo; logs never show tokens."""
from __future__ import annotations

import logging
import re
import threading

from gunicorn.app.base import BaseApplication
from gunicorn.errors import AppImportError
from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler, make_server

from bot.logs import escape_controls, one_line

# Paths whose last part is a secret (invitation and sign-up tokens).
_SECRET_PATH = re.compile(r"^/(i|join)/[^/?#\s]+")


def redact_path(path: str) -> str:
    """The path as it may appear in a log: no token, no query string, no control character."""
    path = (path or "").split("?", 1)[0]
    return escape_controls(_SECRET_PATH.sub(lambda m: f"/{m.group(1)}/[redacted]", path))


class RedactingLogger(Logger):
    """gunicorn's access log with tokens and query strings removed.

    Only the request-line atoms are offered (gunicorn's own atoms() adds one per request header,
    response header and environ key, ~100 a request): a format asking for anything else gets "-",
    so no header (a Referer holding an invitation link, say) can reach the log."""

    def setup(self, cfg):
        super().setup(cfg)
        one_line(self.error_log.handlers + self.access_log.handlers)

    def atoms(self, resp, req, environ, request_time):
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        path = redact_path(environ.get("PATH_INFO", ""))
        sent = getattr(resp, "sent", None)
        method, protocol = escape_controls(method), escape_controls(protocol)
        return {"h": escape_controls(environ.get("REMOTE_ADDR", "-")), "r": f"{method} {path} {protocol}",
                "s": status, "m": method, "U": path, "q": "", "H": protocol, "b": str(sent) if sent is not None else "-",
                "B": sent, "T": request_time.seconds, "M": request_time.seconds * 1000
                + request_time.microseconds // 1000, "D": request_time.seconds * 1_000_000
                + request_time.microseconds, "{raw_uri}e": path}


class GunicornServer(BaseApplication):
    def __init__(self, app_factory, options: dict):
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # gunicorn 25.1+ opens a control socket at one path per user: a second `serve` on the host
        # would take it over. invitebot does not use it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self):
        try:
            return self.app_factory()
        except SystemExit as exc:
            # A start check's one line (a bad setting, Slack refusing the token): gunicorn halts with it
            # instead of restarting the worker in a loop that prints it again and again.
            raise AppImportError(str(exc.code)) from None


def serve_gunicorn(app_factory, host: str, port: int, workers: int, post_worker_init=None) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 8,
        "worker_class": "gthread",
        "timeout": 60,
        "accesslog": "-",
        "errorlog": "-",
        "logger_class": RedactingLogger,
        # Forwarded headers are trusted by the app (bot/proxy.py, FORWARDED_ALLOW_IPS) and nowhere
        # else: gunicorn would otherwise take X-Forwarded-Proto from anyone on 127.0.0.1.
        "forwarded_allow_ips": "",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
    }
    if post_worker_init:
        options["post_worker_init"] = post_worker_init
    GunicornServer(app_factory, options).run()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        # The environ's address: the real client's once a trusted proxy's header was read (bot/proxy.py).
        client = getattr(self, "environ", {}).get("REMOTE_ADDR") or self.address_string()
        logging.getLogger("invitebot.access").info('%s "%s %s" %s', escape_controls(client),
                                                  escape_controls(self.command), redact_path(self.path), code)


class ThreadServer:
    """The app on a real socket in a background thread (tests and the demo)."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
