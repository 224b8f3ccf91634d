"""Decision letters on screen, at 80x24: validated in the staff console, downloaded from the Récapitulatif."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable, Input, Select

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.domain import Decision
from ecandidat_tui.store.models import AuditLog, Candidature, FileBlob
from ecandidat_tui.testing import click_visible, open_recap, settle, staff_log_in, text_of

SIZE = (80, 24)


def audit(h, action):
    with h.services.db.read_session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


async def open_dossier(app, pilot, staff, login):
    await staff_log_in(app, pilot, staff)
    app.screen.query_one("#staff-search", Input).focus()
    await pilot.press(*login)
    await settle(app, pilot)
    await pilot.press("enter", "enter")
    await settle(app, pilot)
    if app.screen.query("#staff-open-dossiers"):
        await pilot.press("f7")
        await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.screen.query_one("#staff-pieces", DataTable)


async def decide_and_validate(app, pilot):
    app.screen.query_one("#staff-decision", Select).value = "favorable"
    await click_visible(app, pilot, "#staff-decision-comment")
    await pilot.press(*"Bienvenue")
    await click_visible(app, pilot, "#staff-decision-record")
    await settle(app, pilot)
    await click_visible(app, pilot, "#staff-decision-validate")
    await pilot.pause()
    await pilot.click("#confirm-yes")
    await settle(app, pilot)


async def test_validating_in_the_console_produces_the_letter(ecandidat):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "MAS1", titre="Master Chimie verte")
    staff = h.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    cand = h.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "MAS1", "CTR-A")
    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        assert "Courrier" not in text_of(app, "#staff-recap-info")
        await decide_and_validate(app, pilot)
        info = text_of(app, "#staff-recap-info")
        assert "Favorable" in info and "non validée" not in info
        assert "Courrier de décision : disponible pour le candidat" in info
    with h.services.db.read_session() as s:
        row = s.get(Candidature, dossier.candidature_id)
        assert row.decision_validated and s.get(FileBlob, row.decision_letter_sha256).mime == "application/pdf"
    [produced] = audit(h, "decision_letter_produced")
    assert (produced.actor, produced.candidature_id) == ("paul", dossier.candidature_id)
    assert "Télécharger le courrier" in h.last_mail(to="elise@example.org", subject="Décision").body


async def test_a_broken_institution_template_is_refused_next_to_the_decision(ecandidat):
    h = ecandidat
    folder = h.settings.config_dir / "letter-templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "favorable.txt").write_text("Objet : x\n\nBonjour {mot_de_passe}\n", encoding="utf-8")
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    cand = h.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        await decide_and_validate(app, pilot)
        error = text_of(app, "#staff-decision-error")
        assert "favorable.txt est invalide" in error and "{mot_de_passe}" in error
        assert "non validée" in text_of(app, "#staff-recap-info")
    with h.services.db.read_session() as s:
        assert not s.get(Candidature, dossier.candidature_id).decision_validated
    assert not h.mails(to="elise@example.org", subject="Décision")


async def recap_of(app, pilot, cand, cid):
    app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
    await open_recap(pilot, cid)


def seeded(h, validate=True):
    h.seed_staff_formation("CTR-A", "FA1", titre="Licence Chimie")
    cand = h.insert_candidate("Dupré", "Élise", "elise@example.org")
    h.seed_profile(cand)
    cid = h.seed_dossier(cand.account_id, "FA1", "CTR-A").candidature_id
    gest = h.seed_staff("gestionnaire", ["CTR-A"]).principal
    recap = h.services.staff.record_decision(gest, cid, 1, Decision.FAVORABLE, commentaire="Bienvenue")
    if validate:
        h.services.staff.validate_decision(gest, cid, recap.candidature.version)
    return cand, cid


async def test_the_candidate_downloads_the_letter_from_the_recap(ecandidat):
    h = ecandidat
    cand, cid = seeded(h)
    root = h.settings.effective_upload_roots()[0]
    app = h.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        button = app.screen.query_one("#recap-letter")
        assert button.display and str(button.label) == "Télécharger le courrier"
        assert button.region.bottom <= SIZE[1] and button.region.right <= SIZE[0]  # on screen at 80x24
        await click_visible(app, pilot, "#recap-letter")
        await pilot.pause()
        assert text_of(app, ".dialog-title") == "Télécharger le courrier"
        assert app.screen.query_one("#download-folder", Input).value == str(root)
        await pilot.click("#download-save")
        await settle(app, pilot)
        [saved] = root.glob(f"courrier-{cand.login}_DUPRE_ELISE-FA1.pdf")
        assert saved.read_bytes() == h.services.decision_letters.letter(cand.account_id, cid).data
        saved.write_bytes(b"mes notes")
        # Again: the existing file is replaced only when the candidate says so.
        await click_visible(app, pilot, "#recap-letter")
        await pilot.pause()
        await pilot.click("#download-save")
        await settle(app, pilot)
        assert "existe déjà" in text_of(app, "#confirm-message")
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert saved.read_bytes() == b"mes notes"
        await click_visible(app, pilot, "#recap-letter")
        await pilot.pause()
        await pilot.click("#download-save")
        await settle(app, pilot)
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert saved.read_bytes().startswith(b"%PDF-")
    assert [r.actor for r in audit(h, "decision_letter_saved")] == [cand.login] * 2


async def test_no_letter_button_before_validation_and_a_word_for_old_decisions(ecandidat):
    h = ecandidat
    cand, cid = seeded(h, validate=False)
    app = h.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        assert "En attente" in text_of(app, "#recap-informations")
        assert not app.screen.query("#recap-letter")
    # A decision validated before letters existed: said, no button.
    with h.services.db.session() as s:
        s.get(Candidature, cid).decision_validated = True
    app = h.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        assert "Courrier : aucun" in text_of(app, "#recap-informations")
        assert not app.screen.query("#recap-letter")
