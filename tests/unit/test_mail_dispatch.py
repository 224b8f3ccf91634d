"""The outbox and its dispatcher: transactions, back-off, failure, crashes, concurrency."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta, UTC

import pytest
from sqlmodel import select

from ecandidat_tui.domain import MAIL_FOOTER, MailKind, OutboxStatus
from ecandidat_tui.mail.backends import MailDeliveryError, MemoryBackend
from ecandidat_tui.mail.dispatch import CLAIM_SECONDS, MAX_ATTEMPTS, Dispatcher, backoff
from ecandidat_tui.mail.outbox import Outbox
from ecandidat_tui.mail.templates import TemplateRenderer
from ecandidat_tui.store.db import Database
from ecandidat_tui.store.models import FileBlob, OutboxMail

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLACEHOLDERS = dict(prenom="Ana", nom="Lopez", formation="Licence Droit", code_formation="L-DROIT")


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


class FlakyBackend(MemoryBackend):
    """Fails while `down` is true, then delivers."""

    def __init__(self, *, down: bool = True, permanent: bool = False) -> None:
        super().__init__()
        self.down, self.permanent, self.calls = down, permanent, 0

    def send(self, message) -> None:
        self.calls += 1
        if self.down:
            raise MailDeliveryError("smtp 127.0.0.1:2525: Connection refused", permanent=self.permanent)
        super().send(message)


class Crash(BaseException):
    """The process dies (power cut, kill -9) in the middle of a send."""


class CrashingBackend(MemoryBackend):
    def send(self, message) -> None:
        raise Crash()


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    return Outbox(TemplateRenderer(tmp_path / "mail-templates"))


def enqueue(db: Database, outbox: Outbox, to: str = "ana@example.org", *, at: datetime = T0, **extra) -> int:
    with db.session() as s:
        row = outbox.enqueue(s, MailKind.CANDIDATURE_CANCELLED, to, **{**PLACEHOLDERS, **extra})
        row.created_at = row.next_attempt_at = at
        s.flush()
        return row.id


def row(db: Database, mail_id: int) -> OutboxMail:
    with db.read_session() as s:
        return s.get(OutboxMail, mail_id)


# ------------------------------------------------------------------ outbox


def test_mail_exists_only_if_the_change_commits(database, outbox):
    with pytest.raises(RuntimeError), database.session() as s:
        outbox.enqueue(s, MailKind.CANDIDATURE_CANCELLED, "a@example.org", **PLACEHOLDERS)
        raise RuntimeError("the change failed")
    with database.read_session() as s:
        assert s.exec(select(OutboxMail)).all() == []


def test_enqueue_renders_and_dispatch_delivers(database, outbox):
    mail_id = enqueue(database, outbox, " ana@example.org ")
    backend = MemoryBackend()
    report = Dispatcher(database, backend, sender="noreply@univ.example", clock=Clock()).dispatch_pending()
    assert report.sent == [mail_id] and report.summary() == "1 envoyé(s), 0 à réessayer, 0 en échec."
    [message] = backend.messages
    assert message.to == "ana@example.org"
    assert message.subject == "Annulation de votre candidature à la formation Licence Droit"
    assert message.body.rstrip().endswith(MAIL_FOOTER)
    assert message.sender == "noreply@univ.example"
    stored = row(database, mail_id)
    assert (stored.status, stored.attempts, stored.last_error, stored.sent_at) == (OutboxStatus.SENT, 1, None, T0)
    assert message.message_id == stored.message_id
    # Nothing is sent twice.
    again = Dispatcher(database, backend, sender="x@univ.example", clock=Clock())
    assert again.dispatch_pending(ignore_backoff=True).sent == []
    assert len(backend.messages) == 1


def test_a_long_formation_title_does_not_break_the_change(database, outbox):
    mail_id = enqueue(database, outbox, formation="Master " + "Droit des affaires internationales " * 8)
    assert len(row(database, mail_id).subject) == 200


def test_attachment_comes_from_the_blob_store(database, outbox):
    pdf = b"%PDF-1.4 dossier"
    with database.session() as s:
        s.add(FileBlob(sha256="ab" * 32, mime="application/pdf", size=len(pdf), data=pdf))
        s.flush()
        outbox.enqueue(s, MailKind.DOSSIER_PDF, "ana@example.org", attachment=("dossier-L-DROIT.pdf", "ab" * 32),
                       date="02/03/2026", **PLACEHOLDERS)
    backend = MemoryBackend()
    Dispatcher(database, backend, sender="noreply@univ.example").dispatch_pending()
    [message] = backend.messages
    [attachment] = message.attachments
    assert (attachment.filename, attachment.mime, attachment.data) == ("dossier-L-DROIT.pdf", "application/pdf", pdf)


# ------------------------------------------------------------- back-off


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(hours=1)


def test_failure_keeps_the_mail_pending_and_backs_off(database, outbox):
    clock, backend = Clock(), FlakyBackend()
    dispatcher = Dispatcher(database, backend, sender="noreply@univ.example", clock=clock)
    mail_id = enqueue(database, outbox)

    report = dispatcher.dispatch_pending()
    assert report.retrying == [mail_id]
    stored = row(database, mail_id)
    assert (stored.status, stored.attempts) == (OutboxStatus.PENDING, 1)
    assert "Connection refused" in stored.last_error
    assert stored.next_attempt_at == T0 + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert dispatcher.dispatch_pending().retrying == []  # not due yet
    assert backend.calls == 1

    clock.advance(seconds=1)
    assert dispatcher.dispatch_pending().retrying == [mail_id]
    assert row(database, mail_id).next_attempt_at == clock.now + timedelta(seconds=60)

    backend.down = False
    clock.advance(seconds=60)
    assert dispatcher.dispatch_pending().sent == [mail_id]
    stored = row(database, mail_id)
    assert (stored.status, stored.attempts, stored.last_error) == (OutboxStatus.SENT, 3, None)
    assert len(backend.messages) == 1


def test_failed_after_max_attempts(database, outbox):
    clock, backend = Clock(), FlakyBackend()
    dispatcher = Dispatcher(database, backend, sender="noreply@univ.example", clock=clock)
    mail_id = enqueue(database, outbox)
    for _attempt in range(1, MAX_ATTEMPTS):
        assert dispatcher.dispatch_pending().retrying == [mail_id]
        clock.advance(hours=1)
    report = dispatcher.dispatch_pending()
    assert report.failed == [mail_id]
    stored = row(database, mail_id)
    assert (stored.status, stored.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    clock.advance(days=1)
    assert dispatcher.dispatch_pending(ignore_backoff=True).summary() == "0 envoyé(s), 0 à réessayer, 0 en échec."
    assert backend.calls == MAX_ATTEMPTS


def test_a_permanent_refusal_fails_at_once(database, outbox):
    dispatcher = Dispatcher(database, FlakyBackend(permanent=True), sender="noreply@univ.example", clock=Clock())
    mail_id = enqueue(database, outbox)
    assert dispatcher.dispatch_pending().failed == [mail_id]
    assert row(database, mail_id).status == OutboxStatus.FAILED


def test_ignore_backoff_tries_every_row_once(database, outbox):
    """`mail send`: a mail that keeps failing does not hold back the ones after it."""

    class RefusesAna(MemoryBackend):
        def send(self, message):
            if message.to == "ana@example.org":
                raise MailDeliveryError("450 mailbox busy")
            super().send(message)

    backend = RefusesAna()
    dispatcher = Dispatcher(database, backend, sender="noreply@univ.example", clock=Clock())
    first = enqueue(database, outbox, "ana@example.org")
    second = enqueue(database, outbox, "bob@example.org")
    report = dispatcher.dispatch_pending(ignore_backoff=True)
    assert (report.retrying, report.sent) == ([first], [second])
    report = dispatcher.dispatch_pending(ignore_backoff=True)  # back-off ignored: tried again now
    assert (report.retrying, report.sent) == ([first], [])
    assert row(database, first).attempts == 2


def test_an_unexpected_error_does_not_stop_the_others(database, outbox):
    class Broken(MemoryBackend):
        def send(self, message):
            if message.to == "ana@example.org":
                raise ValueError("header contains a newline")
            super().send(message)

    first = enqueue(database, outbox, "ana@example.org")
    second = enqueue(database, outbox, "bob@example.org")
    report = Dispatcher(database, Broken(), sender="noreply@univ.example", clock=Clock()).dispatch_pending()
    assert (report.retrying, report.sent) == ([first], [second])
    assert "ValueError" in row(database, first).last_error


# -------------------------------------------------------------- crashes


def test_a_crash_between_claim_and_send_leaves_the_mail_for_later(database, outbox):
    clock = Clock()
    mail_id = enqueue(database, outbox)
    with pytest.raises(Crash):
        Dispatcher(database, CrashingBackend(), sender="noreply@univ.example", clock=clock).dispatch_pending()
    stored = row(database, mail_id)
    assert (stored.status, stored.attempts) == (OutboxStatus.PENDING, 0)

    # Another dispatcher right away: the claim is still fresh, it may be mid-send.
    backend = MemoryBackend()
    survivor = Dispatcher(database, backend, sender="noreply@univ.example", clock=clock)
    assert survivor.dispatch_pending().sent == []
    assert survivor.dispatch_pending(ignore_backoff=True).sent == []

    clock.advance(seconds=CLAIM_SECONDS)
    assert survivor.dispatch_pending().sent == [mail_id]
    assert len(backend.messages) == 1


def test_a_crash_during_mail_send_is_recovered_by_mail_send(database, outbox):
    clock = Clock()
    mail_id = enqueue(database, outbox)
    with pytest.raises(Crash):
        Dispatcher(database, CrashingBackend(), sender="noreply@univ.example", clock=clock).dispatch_pending(
            ignore_backoff=True)
    clock.advance(seconds=CLAIM_SECONDS)
    backend = MemoryBackend()
    assert Dispatcher(database, backend, sender="n@univ.example", clock=clock).dispatch_pending(
        ignore_backoff=True).sent == [mail_id]


# ---------------------------------------------------------- concurrency


@pytest.mark.parametrize("ignore_backoff", [False, True], ids=["app", "mail-send"])
def test_two_dispatchers_never_send_a_mail_twice(database, outbox, ignore_backoff):
    ids = [enqueue(database, outbox, f"c{i}@example.org") for i in range(24)]

    class SlowBackend(MemoryBackend):
        def send(self, message):
            time.sleep(0.004)  # a network round trip: widens the window for a double send
            super().send(message)

    backend = SlowBackend()
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    # Two engines on one database, like two kiosks.
    engines = [Database(database.url), Database(database.url)]

    def run(db: Database, ignore: bool) -> None:
        try:
            dispatcher = Dispatcher(db, backend, sender="noreply@univ.example")
            start.wait()
            dispatcher.dispatch_pending(ignore_backoff=ignore)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engines[0], ignore_backoff)),
               threading.Thread(target=run, args=(engines[1], True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in engines:
        db.dispose()
    assert errors == []
    sent = sorted(m.to for m in backend.messages)
    assert sent == sorted(f"c{i}@example.org" for i in range(24))  # each exactly once
    with database.read_session() as s:
        rows = s.exec(select(OutboxMail).where(OutboxMail.id.in_(ids))).all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboxStatus.SENT, 1)}


# ----------------------------------------------------------------- reads


def test_list_and_show_return_plain_values(database, outbox):
    first = enqueue(database, outbox, "ana@example.org")
    second = enqueue(database, outbox, "bob@example.org")
    dispatcher = Dispatcher(database, MemoryBackend(), sender="noreply@univ.example", clock=Clock())
    assert dispatcher.pending_count() == 2
    assert [m.id for m in dispatcher.list_mails()] == [second, first]
    dispatcher.dispatch_pending(limit=1)
    assert dispatcher.pending_count() == 1
    [sent] = dispatcher.list_mails(status="sent")
    assert (sent.id, sent.to_addr, sent.sent_at) == (first, "ana@example.org", T0)
    [pending] = dispatcher.list_mails(status="pending")
    assert pending.sent_at is None
    assert [m.id for m in dispatcher.list_mails(to="bob@example.org")] == [second]
    shown = dispatcher.get_mail(first)
    assert shown.body.rstrip().endswith(MAIL_FOOTER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        shown.status = "x"  # frozen: a read model, not a live row
    assert dispatcher.get_mail(999_999) is None
