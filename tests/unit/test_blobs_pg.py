"""Content-addressed blobs and other insert races on PostgreSQL, where transactions run side by side.

Each race is lined up with a barrier placed *after* the point where the old
code looked for an existing row and *before* it inserted, so both terminals
see "missing" and both insert: exactly what happened in the fleet benchmark.
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from ecandidat_tui.domain import StatutPiece
from ecandidat_tui.services import staff_users as staff_module
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import FileBlob, PieceSubmission, StaffUser

pytestmark = pytest.mark.pg


def _run_together(targets):
    errors: list[BaseException] = []
    results: list[object] = [None] * len(targets)

    def run(i, target):
        try:
            results[i] = target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results, errors


def _lettre(h, account_id, cid):
    return next(p for p in h.services.candidatures.recap(account_id, cid).pieces if p.code == "LETTRE")


def test_two_kiosks_attaching_the_same_bytes_at_once_both_succeed(ecandidat_pg, monkeypatch):
    h = ecandidat_pg
    formation = h.seed_open_formation(pieces=("LETTRE",))
    a = h.insert_candidate("Martin", "Alice")
    b = h.insert_candidate("Durand", "Bruno")
    jobs = []
    for cand, ine in ((a, "1234567890V"), (b, "0123456789M")):
        h.seed_profile(cand, ine=ine)
        cid = h.seed_candidature(cand.account_id, formation)
        jobs.append((cand.account_id, _lettre(h, cand.account_id, cid)))
    path = h.upload_path("formulaire.pdf")
    path.write_bytes(b"%PDF-1.4\n% the blank Formulaire complementaire\n%%EOF\n")

    # Both transactions are open and have loaded their piece before either stores the blob.
    pieces = h.services.pieces
    original = pieces._editable
    barrier = threading.Barrier(2, timeout=20)

    def editable_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(pieces, "_editable", editable_then_wait)
    results, errors = _run_together([
        lambda acc=acc, row=row: pieces.attach_file(acc, row.submission_id, path, row.version)
        for acc, row in jobs])

    assert errors == []
    assert results[0].sha256 == results[1].sha256
    with h.services.db.read_session() as s:
        assert s.exec(select(FileBlob.sha256)).all() == [results[0].sha256]
        used = s.exec(select(PieceSubmission.blob_sha256, PieceSubmission.statut)
                      .where(PieceSubmission.id.in_([row.submission_id for _, row in jobs]))).all()
    assert sorted(used) == [(results[0].sha256, StatutPiece.TRANSMISE)] * 2


def test_a_blob_freed_by_one_candidate_while_another_attaches_it_is_kept(ecandidat_pg, monkeypatch):
    """A replaces its file X (X becomes an orphan) while B attaches the same bytes X."""
    h = ecandidat_pg
    formation = h.seed_open_formation(pieces=("LETTRE",))
    a = h.insert_candidate("Martin", "Alice")
    b = h.insert_candidate("Durand", "Bruno")
    for cand, ine in ((a, "1234567890V"), (b, "0123456789M")):
        h.seed_profile(cand, ine=ine)
    cid_a = h.seed_candidature(a.account_id, formation)
    cid_b = h.seed_candidature(b.account_id, formation)
    x = h.upload_path("x.pdf")
    x.write_bytes(b"%PDF-1.4\n% x\n%%EOF\n")
    y = h.upload_path("y.pdf")
    y.write_bytes(b"%PDF-1.4\n% y\n%%EOF\n")
    row = _lettre(h, a.account_id, cid_a)
    sha_x = h.services.pieces.attach_file(a.account_id, row.submission_id, x, row.version).sha256
    row_a = _lettre(h, a.account_id, cid_a)
    row_b = _lettre(h, b.account_id, cid_b)

    pieces = h.services.pieces
    original = pieces._editable
    barrier = threading.Barrier(2, timeout=20)

    def editable_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(pieces, "_editable", editable_then_wait)
    _, errors = _run_together([
        lambda: pieces.attach_file(a.account_id, row_a.submission_id, y, row_a.version),
        lambda: pieces.attach_file(b.account_id, row_b.submission_id, x, row_b.version)])

    assert errors == []
    assert _lettre(h, b.account_id, cid_b).file_name == "x.pdf"
    with h.services.db.read_session() as s:
        assert s.get(FileBlob, sha_x) is not None


def test_two_admins_adding_the_same_staff_login_at_once(ecandidat_pg, monkeypatch):
    h = ecandidat_pg
    barrier = threading.Barrier(2, timeout=20)
    original = staff_module.hash_secret

    def hash_then_wait(secret):  # called after the "login already used?" check, before the insert
        hashed = original(secret)
        barrier.wait()
        return hashed

    monkeypatch.setattr(staff_module, "hash_secret", hash_then_wait)
    add = h.services.staff.add_staff_user
    results, errors = _run_together([lambda: add("agent.race", "Personnel-2026!", "support")] * 2)

    assert [r.login for r in results if r is not None] == ["agent.race"]
    assert [(type(e), e.message, e.field) for e in errors] == [
        (DomainError, "Ce login est déjà utilisé par un membre du personnel.", "login")]
    with h.services.db.read_session() as s:
        assert len(s.exec(select(StaffUser).where(StaffUser.login == "agent.race")).all()) == 1
