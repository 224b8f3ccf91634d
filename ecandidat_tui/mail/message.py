"""The `Message` a backend delivers, built from an outbox row."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, UTC


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    sender: str
    message_id: str = field(default_factory=lambda: make_msgid(domain="ecandidat-tui"))
    attachments: tuple[Attachment, ...] = ()
    date: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_email(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Message-ID"] = self.message_id
        msg["Date"] = format_datetime(self.date)
        msg.set_content(self.body)
        for att in self.attachments:
            maintype, _, subtype = att.mime.partition("/")
            msg.add_attachment(att.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=att.filename)
        return msg
