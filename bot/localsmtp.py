"""A local SMTP sink (aiosmtpd) for the demo and the tests; it can be told to refuse or drop."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable

from aiosmtpd.controller import Controller

# A behaviour decides the reply to one DATA command: None accepts, "drop" closes the connection
# after the message arrived (without replying), any other string is the SMTP reply to send.
Behaviour = Callable[[int], "str | None"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            self.sink.attempts += 1
            n = self.sink.attempts
        verdict = self.sink.behaviour(n) if self.sink.behaviour else None
        if verdict == "drop":
            # Record what arrived, then vanish before replying: the client sees a dropped connection.
            self.sink._keep(envelope)
            server.transport.close()
            return "421 closing"
        if verdict:
            return verdict
        self.sink._keep(envelope)
        return "250 OK"


class SmtpSink:
    """Collects every accepted message in `messages` (parsed) for the demo and the tests."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None,
                 behaviour: Behaviour | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.behaviour = behaviour
        self.messages: list[email.message.EmailMessage] = []
        self.attempts = 0
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.controller = Controller(_Handler(self), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def _keep(self, envelope) -> None:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(msg)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10) -> list:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
