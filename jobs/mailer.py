"""Where email goes: an SMTP server from SMTP_URL, or .eml files in a local folder when it is unset."""
from __future__ import annotations

import smtplib
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class TemporaryFailure(Exception):
    """Try again later: a 4xx reply or a dropped connection."""


class PermanentFailure(Exception):
    """Do not retry: a 5xx reply."""


class ConfigError(ValueError):
    pass


def _classify(exc: Exception) -> Exception:
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    if isinstance(code, int) and 500 <= code < 600:
        return PermanentFailure(f"{code} {_reply_text(exc)}")
    if isinstance(code, int):
        return TemporaryFailure(f"{code} {_reply_text(exc)}")
    return TemporaryFailure(f"{type(exc).__name__}: {exc}")


def _reply_text(exc: Exception) -> str:
    err = getattr(exc, "smtp_error", b"")
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        err = next(iter(exc.recipients.values()))[1]
    return err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)


class SmtpTransport:
    """One connection per batch (R17 outbox); failures come back as Temporary/PermanentFailure."""

    def __init__(self, url: str, timeout: float = 30):
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ConfigError(f"SMTP_URL must look like smtp://user:pass@host:port "
                              f"(schemes: {', '.join(SCHEMES)}); got scheme '{parts.scheme}'.")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or SCHEMES[parts.scheme]
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def describe(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def _connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
        if self.user:
            conn.login(self.user, self.password or "")
        return conn

    @contextmanager
    def session(self):
        sender = _SmtpSession(self)
        try:
            yield sender
        finally:
            sender.close()


class _SmtpSession:
    def __init__(self, transport: SmtpTransport):
        self.transport = transport
        self.conn: smtplib.SMTP | None = None

    def connect(self) -> None:
        """Raises TemporaryFailure when the server cannot be reached at all."""
        if self.conn is None:
            try:
                self.conn = self.transport._connect()
            except (OSError, smtplib.SMTPException) as exc:
                raise _classify(exc) from None

    def send(self, msg: EmailMessage) -> None:
        self.connect()
        try:
            self.conn.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self.close()
            raise _classify(exc) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # the connection is gone; the next message reconnects
            raise _classify(exc) from None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None


class FolderTransport:
    """With SMTP_URL unset: each message becomes an .eml file a person can open."""

    def __init__(self, folder: str | Path = "outbox"):
        self.folder = Path(folder)

    def describe(self) -> str:
        return f"the folder {self.folder}/"

    @contextmanager
    def session(self):
        yield self

    def connect(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage) -> None:
        self.connect()
        name = msg["Message-ID"].strip("<>").split("@")[0]
        path = self.folder / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(path)


def transport_from_url(url: str | None, folder: str | Path = "outbox"):
    return SmtpTransport(url) if url else FolderTransport(folder)
