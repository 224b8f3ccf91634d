"""A transmitted candidature never changes because another one changed (DOMAIN.md §4).

The web platform's known failure: a shared piece (the photo, the identity
document) replaced or removed in one candidature changed the candidatures
already transmitted. Here every way a shared piece can change in an open
candidature is tried against a transmitted one and a returned (Incomplet)
one, on SQLite and PostgreSQL, and so is a change racing the transmission.
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from ecandidat_tui.domain import StatutDossier, StatutPiece
from ecandidat_tui.services.errors import ConcurrentEdit
from ecandidat_tui.services.pieces import PieceService
from ecandidat_tui.store.models import Candidature, FileBlob, PieceSubmission


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


def rows(h, cid):
    return {p.code: p for p in h.services.candidatures.recap(h.account_id, cid).pieces}


def frozen(h, cid):
    """Everything of a dossier's pièces that a change elsewhere must not touch, with their bytes."""
    with h.services.db.read_session() as s:
        subs = s.exec(select(PieceSubmission).where(PieceSubmission.candidature_id == cid)
                      .order_by(PieceSubmission.id)).all()
        blobs = {p.blob_sha256: bytes(s.get(FileBlob, p.blob_sha256).data) for p in subs if p.blob_sha256}
        return [(p.id, p.statut, p.blob_sha256, p.file_name, p.commentaire, p.version) for p in subs], blobs


def complete(h, cid, photo="photo.png"):
    """Attach a file to every piece of the dossier (the photo first: it is shared)."""
    for code, row in sorted(rows(h, cid).items(), key=lambda kv: kv[0] != "PHOTO"):
        if row.can_attach and row.file_name is None:
            path = h.make_png(photo) if code == "PHOTO" else h.make_pdf(f"{code}-{cid}.pdf", text=f"{code} {cid}")
            h.services.pieces.attach_file(h.account_id, row.submission_id, path, row.version)


def transmit(h, cid):
    recap = h.services.candidatures.recap(h.account_id, cid)
    return h.services.candidatures.transmit_candidature(h.account_id, cid, recap.version)


@pytest.fixture
def dossiers(h):
    """A transmitted (Réceptionné) dossier, a returned (Incomplet) one, and an open one; all ask for the photo."""
    cand = h.seed_candidate()
    h.account_id = cand.account_id
    sent, returned, open_ = (h.seed_candidature(cand.account_id) for _ in range(3))
    for cid in (sent, returned):
        complete(h, cid, photo=f"photo-{cid}.png")
        transmit(h, cid)
    with h.services.db.session() as s:
        s.get(Candidature, returned).statut = StatutDossier.INCOMPLET
    assert rows(h, open_)["PHOTO"].shared
    return sent, returned, open_


def test_attaching_replacing_and_removing_a_shared_piece_leaves_transmitted_dossiers_alone(h, dossiers):
    sent, returned, open_ = dossiers
    before = {cid: frozen(h, cid) for cid in (sent, returned)}
    pieces = h.services.pieces

    row = rows(h, open_)["PHOTO"]
    result = pieces.attach_file(h.account_id, row.submission_id, h.make_png("nouvelle.png", width=40), row.version)
    assert result.candidature_ids == (open_,)
    row = rows(h, open_)["PHOTO"]
    pieces.attach_file(h.account_id, row.submission_id, h.make_png("autre.png", width=41), row.version)
    row = rows(h, open_)["PHOTO"]
    pieces.remove_file(h.account_id, row.submission_id, row.version)
    assert rows(h, open_)["PHOTO"].file_name is None

    assert {cid: frozen(h, cid) for cid in (sent, returned)} == before
    assert rows(h, sent)["PHOTO"].file_name == f"photo-{sent}.png"


def test_a_shared_piece_changed_in_a_returned_dossier_stays_there(h, dossiers):
    sent, returned, open_ = dossiers
    before = frozen(h, sent)
    row = rows(h, returned)["PHOTO"]
    result = h.services.pieces.attach_file(h.account_id, row.submission_id, h.make_png("refaite.png", width=42),
                                           row.version)
    assert result.candidature_ids == (returned, open_)  # the open one follows, the transmitted one does not
    assert frozen(h, sent) == before


def test_cancelling_the_open_dossier_and_staff_review_leave_transmitted_dossiers_alone(h, dossiers):
    sent, returned, open_ = dossiers
    before = frozen(h, sent)
    row = rows(h, open_)["PHOTO"]
    h.services.pieces.attach_file(h.account_id, row.submission_id, h.make_png("la-meme.png", width=43), row.version)
    recap = h.services.candidatures.recap(h.account_id, open_)
    h.services.candidatures.cancel_candidature(h.account_id, open_, recap.version)

    principal = h.seed_staff("admin").principal
    review = h.services.staff.staff_recap(principal, returned)
    photo = next(p for p in review.pieces if p.code == "PHOTO")
    h.services.staff.review_pieces(principal, returned, [(photo.id, photo.version)], StatutPiece.REFUSEE,
                                   "Photo floue")
    assert frozen(h, sent) == before


def test_a_shared_change_racing_the_transmission_never_reaches_the_transmitted_dossier(h, monkeypatch):
    """The transmission commits while the shared change is between its read and its write."""
    cand = h.seed_candidate()
    h.account_id = cand.account_id
    first, second = h.seed_candidature(cand.account_id), h.seed_candidature(cand.account_id)
    complete(h, first)
    recap = h.services.candidatures.recap(h.account_id, first)
    row = rows(h, second)["PHOTO"]
    new_photo = h.make_png("course.png", width=44)
    inside, transmitted = threading.Event(), threading.Event()
    original = PieceService._shared_siblings

    def paused(self, s, account_id, sub):
        siblings = original(self, s, account_id, sub)
        inside.set()
        transmitted.wait(timeout=2)  # without the lock the transmission commits now
        return siblings

    monkeypatch.setattr(PieceService, "_shared_siblings", paused)
    outcome: dict[str, object] = {}

    def transmit_first():
        inside.wait(timeout=10)
        try:
            outcome["transmit"] = h.services.candidatures.transmit_candidature(h.account_id, first, recap.version)
        except ConcurrentEdit as exc:
            outcome["transmit"] = exc
        transmitted.set()

    racer = threading.Thread(target=transmit_first)
    racer.start()
    h.services.pieces.attach_file(h.account_id, row.submission_id, new_photo, row.version)
    racer.join(timeout=30)

    with h.services.db.read_session() as s:
        statut = s.get(Candidature, first).statut
    photo = rows(h, first)["PHOTO"]
    if statut == StatutDossier.RECEPTIONNE:  # transmitted first: sent with the photo it had
        assert photo.file_name == "photo.png"
    else:  # the change came first: the transmission read a stale dossier and was refused
        assert isinstance(outcome["transmit"], ConcurrentEdit)
        assert photo.file_name == "course.png"
