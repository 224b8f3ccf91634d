"""The dispatcher: delivers pending outbox rows with retry and back-off.

Each row is claimed, sent and marked in its own short transaction, so a
crash loses nothing (the row stays pending) and a second dispatcher (another
kiosk, or cron's `ecandidat mail send`) never sends the same row twice:
claiming moves `next_attempt_at` forward under a row lock (PostgreSQL
`FOR UPDATE SKIP LOCKED`, SQLite's single writer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlmodel import col, select

from ..domain import OutboxStatus
from ..store.db import Database
from ..store.models import FileBlob, OutboxMail
from .backends import MailBackend, MailDeliveryError
from .message import Attachment, Message

MAX_ATTEMPTS = 12
CLAIM_SECONDS = 300  # a claimed row is invisible to other dispatchers this long


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed."


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Dispatcher:
    def __init__(self, db: Database, backend: MailBackend, *, sender: str,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.db, self.backend, self.sender, self.clock = db, backend, sender, clock

    def _claim(self, now: datetime, ignore_backoff: bool) -> tuple[OutboxMail, bytes | None, str | None] | None:
        with self.db.session() as session:
            query = select(OutboxMail).where(OutboxMail.status == OutboxStatus.PENDING)
            if not ignore_backoff:
                query = query.where(OutboxMail.next_attempt_at <= now)
            query = query.order_by(col(OutboxMail.id)).limit(1)
            if self.db.is_postgresql:
                query = query.with_for_update(skip_locked=True)
            row = session.exec(query).first()
            if row is None:
                return None
            row.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
            data = mime = None
            if row.attachment_sha256:
                blob = session.get(FileBlob, row.attachment_sha256)
                if blob is not None:
                    data, mime = blob.data, blob.mime
            session.add(row)
            session.flush()
            return row, data, mime

    def dispatch_pending(self, *, ignore_backoff: bool = False, limit: int = 200) -> DispatchReport:
        report = DispatchReport()
        seen: set[int] = set()
        for _ in range(limit):
            now = self.clock()
            claimed = self._claim(now, ignore_backoff)
            if claimed is None:
                break
            row, data, mime = claimed
            if row.id in seen:  # ignore_backoff would hand back a row that just failed
                break
            seen.add(row.id)
            attachments = ()
            if row.attachment_name and data is not None:
                attachments = (Attachment(row.attachment_name, mime or "application/octet-stream", data),)
            message = Message(to=row.to_addr, subject=row.subject, body=row.body, sender=self.sender,
                              message_id=row.message_id, attachments=attachments, date=row.created_at)
            try:
                self.backend.send(message)
            except MailDeliveryError as exc:
                self._record_failure(row.id, str(exc), report)
            else:
                self._mark(row.id, status=OutboxStatus.SENT, sent_at=self.clock(), last_error=None)
                report.sent.append(row.id)
        return report

    def _record_failure(self, row_id: int, error: str, report: DispatchReport) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMail, row_id)
            row.attempts += 1
            row.last_error = error[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
                report.failed.append(row_id)
            else:
                row.next_attempt_at = self.clock() + backoff(row.attempts)
                report.retrying.append(row_id)
            session.add(row)

    def _mark(self, row_id: int, **values) -> None:
        with self.db.session() as session:
            row = session.get(OutboxMail, row_id)
            for key, value in values.items():
                setattr(row, key, value)
            row.attempts += 1
            session.add(row)

    def list_mails(self, *, status: str | None = None, limit: int = 50) -> list[OutboxMail]:
        with self.db.read_session() as session:
            query = select(OutboxMail).order_by(col(OutboxMail.id).desc()).limit(limit)
            if status:
                query = query.where(OutboxMail.status == status)
            return list(session.exec(query).all())

    def get_mail(self, mail_id: int) -> OutboxMail | None:
        with self.db.read_session() as session:
            return session.get(OutboxMail, mail_id)

    def pending_count(self) -> int:
        with self.db.read_session() as session:
            return len(session.exec(select(OutboxMail.id).where(OutboxMail.status == OutboxStatus.PENDING)).all())
