"""Decision letters: produced at validation, chosen by decision and diploma, overridable, the candidate's only."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlmodel import select

from ecandidat_tui.domain import Decision
from ecandidat_tui.services.decision_letter import diploma_type, reflow
from ecandidat_tui.services.errors import ConcurrentEdit, DomainError, Forbidden, NotFound, TargetExists
from ecandidat_tui.store.models import Adresse, AuditLog, Candidature, FileBlob


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(data)).pages)


def audit(h, action):
    with h.services.db.read_session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def decided(h, decision=Decision.FAVORABLE, *, titre="Licence Informatique", rang=None, commentaire=None,
            validate=True, code="FA1"):
    """A transmitted dossier of Élise Dupré in CTR-A, with a recorded (and validated) decision."""
    h.seed_staff_formation("CTR-A", code, titre=titre)
    cand = h.insert_candidate("Dupré", "Élise", f"elise-{code.lower()}@example.org")
    with h.services.db.session() as s:
        s.add(Adresse(account_id=cand.account_id, pays="FRA", adresse="12 rue des Écoles", code_postal="75005",
                      commune="Paris"))
    dossier = h.seed_dossier(cand.account_id, code, "CTR-A")
    gest = h.seed_staff("gestionnaire", ["CTR-A"]).principal
    recap = h.services.staff.record_decision(gest, dossier.candidature_id, 1, decision, rang=rang,
                                             commentaire=commentaire)
    if validate:
        recap = h.services.staff.validate_decision(gest, dossier.candidature_id, recap.candidature.version)
    return cand, dossier.candidature_id, gest, recap


def test_the_letter_is_produced_at_validation_and_kept(h):
    cand, cid, gest, recap = decided(h, Decision.LISTE_COMPLEMENTAIRE, rang=4,
                                     commentaire="Dossier solide, revoir la lettre", validate=False)
    # A comment holding a control is refused when recorded; an address stored before that rule
    # (or imported) may still hold one: the letter shows it visibly, never raw.
    with h.services.db.session() as s:
        s.exec(select(Adresse).where(Adresse.account_id == cand.account_id)).one().complement1 = "Bât. \x1b[31mB"
    recap = h.services.staff.validate_decision(gest, cid, recap.candidature.version)
    assert recap.has_letter
    pdf = h.services.decision_letters.letter(cand.account_id, cid)
    assert pdf.file_name == f"courrier-{cand.login.upper()}_DUPRE_ELISE-FA1.pdf"
    text = pdf_text(pdf.data)
    for expected in (h.settings.institution, "Commission CTR-A", "commission@example.org", "Élise Dupré",
                     "12 rue des Écoles", "75005 Paris", "Objet : Candidature sur liste complémentaire",
                     "« Licence Informatique » (FA1)", "au rang 4", "Décision : Liste complémentaire",
                     "Rang sur la liste complémentaire : 4",
                     "Commentaire de la commission", "Dossier solide"):
        assert expected in text, (expected, text)
    assert "\x1b" not in text  # hostile input is made visible, not written
    with h.services.db.read_session() as s:
        row = s.get(Candidature, cid)
        blob = s.get(FileBlob, row.decision_letter_sha256)
        assert (blob.mime, bytes(blob.data)) == ("application/pdf", pdf.data)
    [produced] = audit(h, "decision_letter_produced")
    assert (produced.actor, produced.candidature_id) == (gest.login, cid)
    assert json.loads(produced.details)["sha256"] == row.decision_letter_sha256
    # The mail points to the letter.
    mail = h.last_mail(to=cand.mail, subject="Décision")
    assert "Télécharger le courrier" in mail.body and "Récapitulatif" in mail.body
    # The candidate's Récapitulatif offers it.
    assert h.services.candidatures.recap(cand.account_id, cid).has_letter


@pytest.mark.parametrize(("titre", "dtype"), [
    ("Licence Informatique", "licence"), ("Licence professionnelle Métiers du numérique", "licence-pro"),
    ("Licence pro. Logistique", "licence-pro"), ("Master Droit des affaires", "master"),
    ("DU Langue des signes", "du"), ("Diplôme d'université de criminologie", "du"),
    ("Diplôme universitaire de technologie", "du"), ("BTS Comptabilité", "autre"), ("", "autre"),
])
def test_type_of_diploma_from_the_title(titre, dtype):
    assert diploma_type(titre) == dtype


def test_the_template_is_chosen_by_decision_and_type_of_diploma(ecandidat):
    h = ecandidat
    cand, cid, _, _ = decided(h, Decision.FAVORABLE, titre="Master Chimie verte", code="MAS1")
    master = pdf_text(h.services.decision_letters.letter(cand.account_id, cid).data)
    assert "Objet : Admission en Master" in master and "première année du master" in master
    cand, cid, _, _ = decided(h, Decision.FAVORABLE, titre="Licence Chimie", code="LIC1")
    licence = pdf_text(h.services.decision_letters.letter(cand.account_id, cid).data)
    assert "Objet : Avis favorable — Licence Chimie" in licence and "master" not in licence
    cand, cid, _, _ = decided(h, Decision.DEFAVORABLE, titre="Master Physique", code="MAS2")
    refused = pdf_text(h.services.decision_letters.letter(cand.account_id, cid).data)
    assert "Objet : Avis défavorable" in refused and "Rang" not in refused


def test_the_institution_overrides_templates_in_the_config_folder(ecandidat):
    h = ecandidat
    folder = h.settings.config_dir / "letter-templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "favorable.txt").write_text("Objet : Bonne nouvelle, {prenom}\n\nBienvenue en {diplome} "
                                          "« {formation} » ({institution}).\n", encoding="utf-8")
    (folder / "favorable-du.txt").write_text("Objet : DU accordé\n\nVotre DU {{spécial}} est accordé.\n",
                                             encoding="utf-8")
    cand, cid, _, _ = decided(h, Decision.FAVORABLE, titre="Master Chimie verte", code="MAS1")
    text = pdf_text(h.services.decision_letters.letter(cand.account_id, cid).data)
    # The institution's favorable.txt wins over the shipped favorable-master.txt.
    assert "Objet : Bonne nouvelle, Élise" in text and "Bienvenue en Master « Master Chimie verte »" in text
    cand, cid, _, _ = decided(h, Decision.FAVORABLE, titre="DU Criminologie", code="DU1")
    text = pdf_text(h.services.decision_letters.letter(cand.account_id, cid).data)
    assert "Objet : DU accordé" in text and "Votre DU {spécial} est accordé." in text


@pytest.mark.parametrize(("content", "problem"), [
    ("Bonjour {prenom}\n", "la première ligne doit être « Objet : … »"),
    ("Objet : x\n\nBonjour {password}\n", "{password} n'est pas un champ connu"),
    ("Objet : x\n\nBonjour {nom:>999999999}\n", "ne prend ni format ni conversion"),
    ("Objet : x\n\nBonjour {nom\n", "accolade non fermée"),
    (b"Objet : x\n\n\xff\xfe", "n'est pas un texte UTF-8"),
])
def test_a_bad_override_refuses_the_validation_with_a_french_message(ecandidat, content, problem):
    h = ecandidat
    folder = h.settings.config_dir / "letter-templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "defavorable.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    cand, cid, gest, recap = decided(h, Decision.DEFAVORABLE, validate=False)
    with pytest.raises(DomainError) as err:
        h.services.staff.validate_decision(gest, cid, recap.candidature.version)
    assert problem in err.value.message and "defavorable.txt" in err.value.message
    assert err.value.field == "staff-decision"
    # Nothing was published: not validated, no mail, no letter; fixing the file lets it through.
    with h.services.db.read_session() as s:
        row = s.get(Candidature, cid)
        assert (row.decision_validated, row.decision_letter_sha256) == (False, None)
    assert not h.mails(to=cand.mail)
    path.unlink()
    assert h.services.staff.validate_decision(gest, cid, recap.candidature.version).has_letter


def test_no_letter_before_validation_nor_for_another_candidate(h):
    cand, cid, gest, recap = decided(h, Decision.FAVORABLE, validate=False)
    letters = h.services.decision_letters
    assert not recap.has_letter
    assert not h.services.candidatures.recap(cand.account_id, cid).has_letter
    with pytest.raises(DomainError, match="Aucun courrier"):
        letters.letter(cand.account_id, cid)
    # Role and centre are the service's: another centre's gestionnaire, a support, get nothing produced.
    h.seed_staff_formation("CTR-B", "FB1")
    for role, centres in (("gestionnaire", ["CTR-B"]), ("support", [])):
        with pytest.raises(Forbidden):
            h.services.staff.validate_decision(h.seed_staff(role, centres).principal, cid,
                                               recap.candidature.version)
    assert not audit(h, "decision_letter_produced")
    with pytest.raises(ConcurrentEdit):
        h.services.staff.validate_decision(gest, cid, recap.candidature.version - 1)
    h.services.staff.validate_decision(gest, cid, recap.candidature.version)
    other = h.insert_candidate("Martin", "Paul", "paul@example.org")
    with pytest.raises(NotFound):
        letters.letter(other.account_id, cid)
    with pytest.raises(NotFound):
        letters.save_to(other.account_id, cid, h.home / "uploads")
    assert not audit(h, "decision_letter_saved")


def test_a_decision_validated_before_letters_says_there_is_none(ecandidat):
    h = ecandidat
    cand, cid, _, _ = decided(h, Decision.FAVORABLE)
    with h.services.db.session() as s:
        s.get(Candidature, cid).decision_letter_sha256 = None
    assert not h.services.candidatures.recap(cand.account_id, cid).has_letter
    with pytest.raises(DomainError, match="validée avant la mise en place des courriers"):
        h.services.decision_letters.letter(cand.account_id, cid)


def test_the_candidate_saves_the_letter_never_replacing_a_file_unasked(ecandidat):
    h = ecandidat
    cand, cid, _, _ = decided(h, Decision.FAVORABLE)
    letters = h.services.decision_letters
    folder = h.home / "uploads"
    path = letters.save_to(cand.account_id, cid, folder)
    assert path.parent == folder.resolve() and path.read_bytes() == letters.letter(cand.account_id, cid).data
    path.write_bytes(b"mine")
    with pytest.raises(TargetExists):
        letters.save_to(cand.account_id, cid, folder)
    assert path.read_bytes() == b"mine"
    assert letters.save_to(cand.account_id, cid, folder, overwrite=True).read_bytes().startswith(b"%PDF")
    saved = audit(h, "decision_letter_saved")
    assert [(r.actor_kind, r.actor, r.candidature_id) for r in saved] == [("candidat", cand.login, cid)] * 2
    with pytest.raises(DomainError, match="chemin complet"):
        letters.save_to(cand.account_id, cid, "relative/folder")


def test_template_lines_are_reflowed_into_paragraphs_but_lists_stay():
    body = "Madame,\n\nLa commission a\nexaminé votre dossier.\n\nPièces :\n- relevé\n- photo\n\n\n"
    assert reflow(body) == ["Madame,", "La commission a examiné votre dossier.", "Pièces :\n- relevé\n- photo"]
