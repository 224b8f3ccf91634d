"""DossierPdfService: a real PDF (read back with pypdf), saved or mailed."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from ecandidat_tui.services.dossier_pdf import dossier_file_name
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import FileBlob, OutboxMail, Stage
from ecandidat_tui.testing import make_harness

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def h(tmp_path):
    harness = make_harness(tmp_path / "home", demo_catalog=False)
    yield harness
    harness.services.close()


@pytest.fixture
def dossier(h):
    cand = h.insert_candidate(nom="Gockel", prenom="Chloé")
    h.seed_profile(cand)
    with h.services.db.session() as s:
        s.add(Stage(account_id=cand.account_id, annee=2024, duree="2 mois", organisme="Hôpital Nord",
                    descriptif="Accueil des patients"))
    fid = h.seed_open_formation("MAS-ÉCO", titre="Master Économie appliquée")
    cid = h.seed_candidature(cand.account_id, fid)
    recap = h.services.candidatures.recap(cand.account_id, cid)
    lettre = next(p for p in recap.pieces if p.code == "LETTRE")
    h.services.pieces.attach_file(cand.account_id, lettre.submission_id, h.make_pdf("lettre.pdf"), lettre.version)
    langue = next(p for p in recap.pieces if p.code == "LANGUE")
    h.services.pieces.set_non_concerne(cand.account_id, langue.submission_id, langue.version)
    return cand, cid


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_file_name_rule():
    assert dossier_file_name("E2YQLXU1", "Gockel", "Chloé", "LIC-INFO") == "dossier-E2YQLXU1_GOCKEL_CHLOE-LIC-INFO.pdf"
    assert dossier_file_name("A1", "d'Artagnan / x", "Jean Paul", "M 1") == "dossier-A1_D-ARTAGNAN-X_JEAN-PAUL-M-1.pdf"


def test_pdf_holds_the_whole_dossier(h, dossier):
    cand, cid = dossier
    pdf = h.services.dossier_pdf.build(cand.account_id, cid)
    assert pdf.file_name == f"dossier-{cand.login}_GOCKEL_CHLOE-MAS-ECO.pdf"
    assert pdf.data.startswith(b"%PDF-")
    text = text_of(pdf.data)
    for expected in ("Gockel", "Chloé", "Master Économie appliquée", "MAS-ÉCO", "Baccalauréat",
                     "Hôpital Nord", "Date limite de retour", "Pièces justificatives",
                     "Transmise", "Non concerné", "En attente", "lettre.pdf", "Adresse de contact",
                     "Marseille"):
        assert expected in text, expected


def test_save_to_folder(h, dossier, tmp_path):
    cand, cid = dossier
    folder = tmp_path / "cle"
    folder.mkdir()
    path = h.services.dossier_pdf.save_to(cand.account_id, cid, folder)
    assert path.parent == folder.resolve() and path.name.startswith(f"dossier-{cand.login}_")
    assert "Chloé" in text_of(path.read_bytes())
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left
    with pytest.raises(DomainError, match="n'existe pas"):
        h.services.dossier_pdf.save_to(cand.account_id, cid, tmp_path / "absent")


def test_kiosk_saves_only_on_removable_media(h, dossier, tmp_path):
    cand, cid = dossier
    usb = tmp_path / "media" / "usb"
    usb.mkdir(parents=True)
    h.settings.kiosk = True
    h.settings.kiosk_roots = [tmp_path / "media"]
    with pytest.raises(DomainError, match="support amovible"):
        h.services.dossier_pdf.save_to(cand.account_id, cid, tmp_path)
    assert h.services.dossier_pdf.save_to(cand.account_id, cid, usb).exists()


def test_mail_with_attachment(h, dossier):
    cand, cid = dossier
    to = h.services.dossier_pdf.mail_to_candidate(cand.account_id, cid)
    assert to == cand.mail
    with h.services.db.read_session() as s:
        row = s.exec(select(OutboxMail).where(OutboxMail.kind == "dossier_pdf")).one()
        blob = s.get(FileBlob, row.attachment_sha256)
        assert row.attachment_name.startswith(f"dossier-{cand.login}_") and blob.mime == "application/pdf"
        assert "Chloé" in text_of(bytes(blob.data))
    mail = h.last_mail(to=cand.mail, subject="Votre dossier de candidature")
    assert mail.attachments and mail.attachments[0].filename == row.attachment_name


def test_core_font_fallback_keeps_french_accents(h, dossier, monkeypatch):
    from ecandidat_tui.services import dossier_pdf

    monkeypatch.setattr(dossier_pdf, "FONT_DIRS", ())
    cand, cid = dossier
    text = text_of(h.services.dossier_pdf.build(cand.account_id, cid).data)
    assert "Chloé" in text and "Non concerné" in text and "Baccalauréat" in text
