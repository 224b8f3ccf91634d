"""PieceService: attach/replace/remove, shared pieces, Non concerné, refusals leave the store unchanged."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlmodel import select

from ecandidat_tui.domain import StatutDossier, StatutPiece
from ecandidat_tui.services.errors import ConcurrentEdit, DomainError, Forbidden
from ecandidat_tui.services.uploads import UploadRefused
from ecandidat_tui.store.models import Candidature, FileBlob, PieceSubmission
from ecandidat_tui.testing import make_harness

CAP = 1024


@pytest.fixture
def h(tmp_path):
    harness = make_harness(tmp_path / "home", demo_catalog=False, upload_max_bytes=CAP)
    yield harness
    harness.services.close()


@pytest.fixture
def cand(h):
    c = h.insert_candidate()
    h.seed_profile(c)
    return c


def piece(h, cand, cid, code):
    return next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == code)


def store_state(h):
    with h.services.db.read_session() as s:
        blobs = sorted(b.sha256 for b in s.exec(select(FileBlob)).all())
        subs = sorted((p.id, p.statut, p.blob_sha256, p.version) for p in s.exec(select(PieceSubmission)).all())
    return blobs, subs


def small_pdf(h, name="lettre.pdf", body=b"lettre"):
    path = h.upload_path(name)
    path.write_bytes(b"%PDF-1.4\n" + body + b"\n%%EOF\n")
    return path


def test_attach_stores_blob_and_transmits(h, cand):
    cid = h.seed_candidature(cand.account_id)
    row = piece(h, cand, cid, "LETTRE")
    path = small_pdf(h)
    result = h.services.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    after = piece(h, cand, cid, "LETTRE")
    assert (after.statut_label, after.file_name, after.can_remove, after.can_preview) == (
        "Transmise", "lettre.pdf", True, True)
    with h.services.db.read_session() as s:
        blob = s.get(FileBlob, result.sha256)
        assert bytes(blob.data) == path.read_bytes() and blob.mime == "application/pdf"


def test_same_file_twice_is_one_blob(h, cand):
    cid = h.seed_candidature(cand.account_id)
    path = small_pdf(h)
    for code in ("LETTRE", "RELEVES"):
        row = piece(h, cand, cid, code)
        h.services.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)
    blobs, _ = store_state(h)
    assert len(blobs) == 1


def test_replace_drops_the_old_blob(h, cand):
    cid = h.seed_candidature(cand.account_id)
    row = piece(h, cand, cid, "LETTRE")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, small_pdf(h, "a.pdf", b"a"), row.version)
    row = piece(h, cand, cid, "LETTRE")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, small_pdf(h, "b.pdf", b"b"), row.version)
    blobs, _ = store_state(h)
    assert len(blobs) == 1 and piece(h, cand, cid, "LETTRE").file_name == "b.pdf"


def test_remove_file(h, cand):
    cid = h.seed_candidature(cand.account_id)
    row = piece(h, cand, cid, "LETTRE")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, small_pdf(h), row.version)
    row = piece(h, cand, cid, "LETTRE")
    h.services.pieces.remove_file(cand.account_id, row.submission_id, row.version)
    after = piece(h, cand, cid, "LETTRE")
    assert after.statut_label == "En attente" and after.file_name is None
    assert store_state(h)[0] == []


def test_shared_upload_serves_every_open_candidature(h, cand):
    a = h.seed_candidature(cand.account_id)
    b = h.seed_candidature(cand.account_id)
    closed = h.seed_candidature(cand.account_id)
    with h.services.db.session() as s:
        s.get(Candidature, closed).statut = StatutDossier.RECEPTIONNE
    row = piece(h, cand, a, "PHOTO")
    result = h.services.pieces.attach_file(cand.account_id, row.submission_id, h.make_png("photo.png"), row.version)
    assert set(result.candidature_ids) == {a, b} and result.shared_count == 1
    assert piece(h, cand, b, "PHOTO").statut_label == "Transmise"
    assert piece(h, cand, closed, "PHOTO").statut_label == "En attente"
    # A non-shared piece stays where it was put.
    row = piece(h, cand, a, "LETTRE")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, small_pdf(h), row.version)
    assert piece(h, cand, b, "LETTRE").statut_label == "En attente"
    # Removing the shared file removes it from both open candidatures.
    row = piece(h, cand, b, "PHOTO")
    h.services.pieces.remove_file(cand.account_id, row.submission_id, row.version)
    assert piece(h, cand, a, "PHOTO").statut_label == "En attente"


def test_non_concerne_toggle(h, cand):
    cid = h.seed_candidature(cand.account_id)
    row = piece(h, cand, cid, "LANGUE")
    assert row.conditional and row.can_toggle_non_concerne
    h.services.pieces.set_non_concerne(cand.account_id, row.submission_id, row.version)
    row = piece(h, cand, cid, "LANGUE")
    assert row.statut_label == "Non concerné" and not row.can_attach
    with pytest.raises(Forbidden, match="pas être concerné"):
        h.services.pieces.attach_file(cand.account_id, row.submission_id, small_pdf(h), row.version)
    h.services.pieces.set_non_concerne(cand.account_id, row.submission_id, row.version, False)
    assert piece(h, cand, cid, "LANGUE").statut_label == "En attente"
    mandatory = piece(h, cand, cid, "CV")
    assert not mandatory.can_toggle_non_concerne
    with pytest.raises(Forbidden, match="obligatoire"):
        h.services.pieces.set_non_concerne(cand.account_id, mandatory.submission_id, mandatory.version)


def test_stale_piece_edit_is_refused(h, cand):
    cid = h.seed_candidature(cand.account_id)
    seen_a = piece(h, cand, cid, "LETTRE")
    seen_b = piece(h, cand, cid, "LETTRE")
    h.services.pieces.attach_file(cand.account_id, seen_a.submission_id, small_pdf(h, "a.pdf", b"a"), seen_a.version)
    before = store_state(h)
    with pytest.raises(ConcurrentEdit):
        h.services.pieces.attach_file(cand.account_id, seen_b.submission_id, small_pdf(h, "b.pdf", b"b"),
                                      seen_b.version)
    assert store_state(h) == before
    assert piece(h, cand, cid, "LETTRE").file_name == "a.pdf"


def test_locked_after_transmission(h, cand):
    cid = h.seed_candidature(cand.account_id)
    with h.services.db.session() as s:
        s.get(Candidature, cid).statut = StatutDossier.RECEPTIONNE
    row = piece(h, cand, cid, "LETTRE")
    assert not row.can_attach and "transmise" in row.lock_reason
    with pytest.raises(Forbidden, match="transmise"):
        h.services.pieces.attach_file(cand.account_id, row.submission_id, small_pdf(h), row.version)


def _fifo(h):
    path = h.upload_path("tube.pdf")
    os.mkfifo(path)
    return path


def _escaping(h):
    outside = h.home / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 secret")
    link = h.upload_path("lien.pdf")
    link.symlink_to(outside)
    return link


def _broken(h):
    link = h.upload_path("casse.pdf")
    link.symlink_to(h.upload_path("absent.pdf"))
    return link


def _folder(h):
    path = h.upload_path("dossier")
    path.mkdir()
    return path


def _text(h):
    path = h.upload_path("texte.pdf")
    path.write_text("bonjour")
    return path


def _empty(h):
    path = h.upload_path("vide.pdf")
    path.touch()
    return path


def _over(h):
    path = h.upload_path("gros.pdf")
    path.write_bytes(b"%PDF-" + b"0" * (CAP + 1 - 5))
    return path


def _device(h):
    link = h.upload_path("null.pdf")
    link.symlink_to("/dev/null")
    return link


@pytest.mark.parametrize("make, message", [
    (_fifo, "n'est pas un fichier ordinaire"),
    (_device, "en dehors des dossiers autorisés"),
    (lambda h: "/dev/zero", "en dehors des dossiers autorisés"),
    (_escaping, "en dehors des dossiers autorisés"),
    (_broken, "lien symbolique cassé"),
    (_folder, "est un dossier"),
    (_text, "ni un PDF"),
    (_empty, "est vide"),
    (_over, "dépasse la taille maximale"),
])
def test_refused_upload_leaves_store_unchanged(h, cand, make, message):
    cid = h.seed_candidature(cand.account_id)
    row = piece(h, cand, cid, "LETTRE")
    path = make(h)
    before = store_state(h)
    with pytest.raises(UploadRefused, match=message):
        h.services.pieces.attach_file(cand.account_id, row.submission_id, path, row.version)
    assert store_state(h) == before


def test_preview_facts(h, cand):
    cid = h.seed_candidature(cand.account_id)
    row = piece(h, cand, cid, "PHOTO")
    h.services.pieces.attach_file(cand.account_id, row.submission_id, h.make_png("id.png", 35, 45), row.version)
    facts = h.services.pieces.preview(cand.account_id, row.submission_id)
    assert (facts.name, facts.type_label, facts.width, facts.height) == ("id.png", "Image PNG", 35, 45)
    with pytest.raises(DomainError, match="pas de fichier"):
        h.services.pieces.preview(cand.account_id, piece(h, cand, cid, "CV").submission_id)


def test_piece_of_another_candidate_not_found(h, cand):
    cid = h.seed_candidature(cand.account_id)
    other = h.insert_candidate(nom="Autre", prenom="Personne")
    row = piece(h, cand, cid, "LETTRE")
    with pytest.raises(DomainError, match="n'existe pas"):
        h.services.pieces.attach_file(other.account_id, row.submission_id, small_pdf(h), row.version)
    assert row.statut == StatutPiece.EN_ATTENTE
