"""Mail backends: where a `Message` goes. `make_backend` picks one from settings.

- `maildir`: a standard Maildir (stdlib `mailbox`), readable by any mail client;
- `smtp`: a real server, STARTTLS, SSL or plain, with login;
- `console`: prints to stderr (development);
- `memory`: keeps messages in a list (tests).
"""

from __future__ import annotations

import mailbox
import smtplib
import ssl
import sys
import threading
from pathlib import Path
from typing import Protocol

from ..config import Settings
from .message import Message


class MailDeliveryError(Exception):
    """The backend could not deliver; the outbox keeps the mail and retries."""


class MailBackend(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self.messages.append(message)


class ConsoleBackend:
    name = "console"

    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, message: Message) -> None:
        stream = self.stream or sys.stderr
        stream.write(message.to_email().as_string() + "\n")
        stream.flush()


class MaildirBackend:
    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def send(self, message: Message) -> None:
        try:
            box = mailbox.Maildir(self.path, create=True)
            box.add(mailbox.MaildirMessage(message.to_email()))
        except OSError as exc:
            raise MailDeliveryError(f"maildir {self.path}: {exc.strerror or exc}") from exc


class SmtpBackend:
    name = "smtp"

    def __init__(self, host: str, port: int, *, security: str = "starttls", user: str = "",
                 password: str = "", timeout: float = 10.0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.security = host, port, security
        self.user, self.password, self.timeout = user, password, timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            client.starttls(context=self.ssl_context)
        return client

    def send(self, message: Message) -> None:
        if not self.host:
            raise MailDeliveryError("smtp_host is not set")
        try:
            with self._connect() as client:
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(message.to_email())
        except (OSError, smtplib.SMTPException) as exc:
            # The error text never contains the password: smtplib does not echo it.
            raise MailDeliveryError(f"smtp {self.host}:{self.port}: {exc}") from exc


def make_backend(settings: Settings) -> MailBackend:
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings.smtp_host, settings.smtp_port, security=settings.smtp_security,
                           user=settings.smtp_user, password=settings.smtp_password,
                           timeout=settings.smtp_timeout)
    if settings.mail_backend == "console":
        return ConsoleBackend()
    if settings.mail_backend == "memory":
        return MemoryBackend()
    return MaildirBackend(settings.mail_dir)
