"""The dispatcher: delivers pending outbox rows with retry and back-off.

Each row is claimed, sent and marked in its own short transaction, so a
crash loses nothing (the row stays pending) and a second dispatcher (another
kiosk, or cron's `ecandidat mail send`) never sends the same row twice.

Claiming a row, under a row lock (PostgreSQL `FOR UPDATE SKIP LOCKED`,
SQLite's single writer taken up front by `BEGIN IMMEDIATE`), writes two marks:

- `next_attempt_at` moves `CLAIM_SECONDS` forward, so the row is not due for
  any other dispatcher while this one sends it;
- `sent_at` records the claim time while the row is still pending, so even a
  dispatcher that ignores back-off (`ecandidat mail send`) leaves a claimed
  row alone. A failed attempt clears it; a successful one overwrites it with
  the delivery time.

A dispatcher that dies between claim and send leaves the row pending; it is
claimable again once the claim expires.

Marking a row sent also masks the one-time secrets its body held
(`mail.outbox.mask_secrets`): a delivered mail leaves no usable code or
password in the store. Until then the body stays whole, so a failed attempt
can be retried. Logs name the row and the error, never the body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, UTC
from collections.abc import Callable

from sqlalchemy import or_
from sqlmodel import col, select

from ..domain import OutboxStatus
from ..store.db import Database
from ..store.models import FileBlob, OutboxMail
from .backends import MailBackend, MailDeliveryError
from .message import Attachment, Message
from .outbox import mask_secrets

log = logging.getLogger(__name__)

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
        return f"{len(self.sent)} envoyé(s), {len(self.retrying)} à réessayer, {len(self.failed)} en échec."


@dataclass(frozen=True)
class MailView:
    """One outbox row, as `ecandidat mail list/show` and the staff console read it."""

    id: int
    kind: str
    to_addr: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    attachment_name: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None  # only for a sent mail

    @classmethod
    def of(cls, row: OutboxMail) -> MailView:
        return cls(id=row.id, kind=row.kind, to_addr=row.to_addr, subject=row.subject, body=row.body,
                   status=row.status, attempts=row.attempts, last_error=row.last_error,
                   attachment_name=row.attachment_name, created_at=row.created_at,
                   next_attempt_at=row.next_attempt_at,
                   sent_at=row.sent_at if row.status == OutboxStatus.SENT else None)


@dataclass(frozen=True)
class _Claimed:
    id: int
    message: Message


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, db: Database, backend: MailBackend, *, sender: str,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.db, self.backend, self.sender, self.clock = db, backend, sender, clock

    # ------------------------------------------------------------ claim

    def _claim(self, now: datetime, ignore_backoff: bool, skip: set[int]) -> _Claimed | None:
        """Take the oldest deliverable row for this dispatcher, or None."""
        with self.db.session() as session:
            query = select(OutboxMail).where(OutboxMail.status == OutboxStatus.PENDING)
            if ignore_backoff:
                # Due or backing off, but not claimed by a live dispatcher.
                query = query.where(or_(col(OutboxMail.sent_at).is_(None),
                                        col(OutboxMail.sent_at) <= now - timedelta(seconds=CLAIM_SECONDS)))
            else:
                query = query.where(OutboxMail.next_attempt_at <= now)
            if skip:
                query = query.where(col(OutboxMail.id).not_in(skip))
            query = query.order_by(col(OutboxMail.id)).limit(1)
            if self.db.is_postgresql:
                query = query.with_for_update(skip_locked=True)
            row = session.exec(query).first()
            if row is None:
                return None
            row.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
            row.sent_at = now
            session.add(row)
            attachments: tuple[Attachment, ...] = ()
            if row.attachment_sha256:
                blob = session.get(FileBlob, row.attachment_sha256)
                if blob is not None:
                    attachments = (Attachment(row.attachment_name or "piece-jointe",
                                              blob.mime or "application/octet-stream", blob.data),)
            message = Message(to=row.to_addr, subject=row.subject, body=row.body, sender=self.sender,
                              message_id=row.message_id, attachments=attachments, date=row.created_at)
            return _Claimed(row.id, message)

    # ------------------------------------------------------------- send

    def dispatch_pending(self, *, ignore_backoff: bool = False, limit: int = 200) -> DispatchReport:
        """Deliver what is due (everything pending with `ignore_backoff`), at most `limit` rows.

        Each row is attempted at most once per call.
        """
        report = DispatchReport()
        seen: set[int] = set()
        for _ in range(limit):
            claimed = self._claim(self.clock(), ignore_backoff, seen)
            if claimed is None:
                break
            seen.add(claimed.id)
            try:
                self.backend.send(claimed.message)
            except MailDeliveryError as exc:
                self._record_failure(claimed.id, str(exc), report, permanent=exc.permanent)
            except Exception as exc:  # a bad row must not stop the others
                self._record_failure(claimed.id, f"{type(exc).__name__}: {exc}", report, permanent=False)
            else:
                self._mark_sent(claimed.id)
                report.sent.append(claimed.id)
        return report

    def _record_failure(self, row_id: int, error: str, report: DispatchReport, *, permanent: bool) -> None:
        with self.db.session() as session:
            row = session.get_one(OutboxMail, row_id)
            row.attempts += 1
            row.last_error = error[:500]
            row.sent_at = None
            if permanent or row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
                report.failed.append(row_id)
                log.error("mail %s to %s failed for good after %s attempt(s): %s",
                          row_id, row.to_addr, row.attempts, row.last_error)
            else:
                row.next_attempt_at = self.clock() + backoff(row.attempts)
                report.retrying.append(row_id)
                log.warning("mail %s to %s not delivered (attempt %s), retry at %s: %s",
                            row_id, row.to_addr, row.attempts, row.next_attempt_at.isoformat(), row.last_error)
            session.add(row)

    def _mark_sent(self, row_id: int) -> None:
        with self.db.session() as session:
            row = session.get_one(OutboxMail, row_id)
            row.status = OutboxStatus.SENT
            if row.secrets:
                row.body = mask_secrets(row.body, row.secrets)
                row.secrets = None
            row.sent_at = self.clock()
            row.last_error = None
            row.attempts += 1
            session.add(row)

    # ------------------------------------------------------------- read

    def list_mails(self, *, status: str | None = None, to: str | None = None,
                   limit: int = 50) -> list[MailView]:
        """The newest mails first, optionally only one status or one recipient."""
        with self.db.read_session() as session:
            query = select(OutboxMail).order_by(col(OutboxMail.id).desc()).limit(limit)
            if status:
                query = query.where(OutboxMail.status == status)
            if to:
                query = query.where(OutboxMail.to_addr == to)
            return [MailView.of(row) for row in session.exec(query).all()]

    def get_mail(self, mail_id: int) -> MailView | None:
        with self.db.read_session() as session:
            row = session.get(OutboxMail, mail_id)
            return MailView.of(row) if row is not None else None

    def pending_count(self) -> int:
        from sqlalchemy import func

        with self.db.read_session() as session:
            return session.exec(
                select(func.count()).select_from(OutboxMail).where(OutboxMail.status == OutboxStatus.PENDING)
            ).one()
