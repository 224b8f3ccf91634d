"""Mail backends: where a `Message` goes. `make_backend` picks one from settings.

- `maildir`: a standard Maildir (stdlib `mailbox`), readable by any mail client;
- `smtp`: a real server, STARTTLS, SSL or plain, with login;
- `console`: prints to stderr (development);
- `memory`: keeps messages in a list (tests).
"""

from __future__ import annotations

import base64
import mailbox
import smtplib
import ssl
import sys
import threading
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from ..config import Settings
from ..display import safe_text
from .message import Message


class MailDeliveryError(Exception):
    """The backend could not deliver; the outbox keeps the mail and retries.

    `permanent` means retrying cannot help (the server refused the recipient
    for good): the dispatcher marks the mail failed at once.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


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
        """Print the mail as a person reads it (headers, plain body, attachment names)."""
        stream = self.stream or sys.stderr
        lines = [f"From: {message.sender}", f"To: {message.to}", f"Subject: {message.subject}",
                 f"Date: {format_datetime(message.date)}", f"Message-ID: {message.message_id}", "",
                 message.body.rstrip("\n")]
        lines += [f"[pièce jointe : {a.filename} ({a.mime}, {len(a.data)} octets)]" for a in message.attachments]
        stream.write(safe_text("\n".join(lines), multiline=True) + "\n" + "=" * 72 + "\n")  # a terminal
        stream.flush()


class MaildirBackend:
    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def send(self, message: Message) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
            raise MailDeliveryError(self._scrub(f"smtp {self.host}:{self.port}: {_describe(exc)}"),
                                    permanent=_is_permanent(exc)) from None

    def _scrub(self, text: str) -> str:
        """Never let the password (plain or in an AUTH exchange) reach a log or the outbox."""
        if not self.password:
            return text
        secrets = {self.password}
        for blob in (f"\0{self.user}\0{self.password}", self.password):
            secrets.add(base64.b64encode(blob.encode()).decode())
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "********")
        return text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {reply}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for rcpt, (code, raw) in exc.recipients.items():
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            parts.append(f"{rcpt}: {code} {text}")
        return "recipient refused: " + "; ".join(parts)
    return str(exc) or type(exc).__name__


def _is_permanent(exc: BaseException) -> bool:
    """A 5xx refusal of the recipient or of the message itself; login and TLS problems are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


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
