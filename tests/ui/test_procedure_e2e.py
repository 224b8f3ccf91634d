"""The seed procedure, from `Nouvelle candidature` to `Transmettre ma candidature`, by keyboard."""

from __future__ import annotations

from sqlmodel import select

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.store.models import AuditLog, Candidature, FileBlob, PieceSubmission
from ecandidat_tui.testing import settle


async def test_seed_procedure_end_to_end(ecandidat):
    h = ecandidat
    cand = h.seed_candidate(nom="Gockel", prenom="Charlotte")
    h.seed_profile(cand)
    h.seed_open_formation("PROC-E2E", titre="Licence Procédure étudiant")
    # Ten files on the candidate's USB key: PDFs, a PNG photo, a JPEG scan.
    files = {
        "IDENTITE": h.make_jpeg("cni.jpg", 800, 600),
        "PHOTO": h.make_png("photo.png", 35, 45),
        "RELEVES": h.make_pdf("releves.pdf", pages=3, text="Relevés"),
        "CV": h.make_pdf("cv.pdf", text="Curriculum vitae"),
        "LETTRE": h.make_pdf("lettre-v1.pdf", text="Lettre brouillon"),
        "FORM_COMPL": h.make_pdf("formulaire.pdf", text="Formulaire"),
        "DIPLOMES": h.make_pdf("diplomes.pdf", text="Diplômes"),
        "INFO_COMPL": h.make_pdf("infos.pdf", text="Informations"),
        "TRADUCTION": h.make_pdf("traduction.pdf", text="Traduction"),
    }
    replacement = h.make_pdf("lettre-v2.pdf", text="Lettre finale")

    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await settle(app, pilot)
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        assert app.screen.query_one("#candidatures-empty").display

        # Nouvelle candidature -> Offre de formation (apply): filter, Entrée, Oui.
        app.screen.query_one("#candidature-new").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.id == "offre-formation"
        await pilot.press(*"PROC-E2E", "enter")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Licence Procédure étudiant" in str(app.screen.query_one("#confirm-message").content)
        await pilot.press("enter")  # Oui
        await settle(app, pilot)

        # The recap opens on the new candidature.
        assert app.screen.id == "recap-screen"
        table = app.screen.query_one("#pieces-table")
        assert table.row_count == 10
        assert [str(c.label) for c in table.columns.values()] == [
            "Pièce justificative", "Fichier", "Statut", "Pièce conditionnelle", "Commentaire"]
        transmit = app.screen.query_one("#recap-transmit")
        assert transmit.disabled and transmit.variant != "success"
        assert "Pièce manquante" in str(app.screen.query_one("#recap-transmit-reason").content)
        assert "Date limite de retour" in str(app.screen.query_one("#recap-limite").content)

        codes = [p.code for p in app.screen.recap.pieces]

        async def goto(code: str) -> None:
            table.focus()
            target = codes.index(code)
            while table.cursor_row < target:
                await pilot.press("down")
            while table.cursor_row > target:
                await pilot.press("up")
            await pilot.pause()

        async def attach(code: str, path) -> None:
            await goto(code)
            await pilot.press("a")
            await pilot.pause()
            assert app.screen.id == "piece-file-dialog"
            await pilot.press(*path.name, "enter")  # a bare name: looked up in the upload folder
            await settle(app, pilot)
            assert app.screen.id == "recap-screen"

        for code, path in files.items():
            await attach(code, path)
        await attach("LETTRE", replacement)  # the tenth file replaces the draft letter

        by_code = {p.code: p for p in app.screen.recap.pieces}
        assert by_code["LETTRE"].file_name == "lettre-v2.pdf"
        assert by_code["LANGUE"].statut_label == "En attente"
        assert "LANGUE" not in files
        assert transmit.disabled  # the language certificate is still missing

        # The conditional piece: sworn statement "not concerned".
        await goto("LANGUE")
        assert str(app.screen.query_one("#piece-non-concerne").label) == (
            "Si vous n'êtes pas concerné par cette pièce, cliquez ici")
        await pilot.press("n")
        await pilot.pause()
        assert "sur l'honneur" in str(app.screen.query_one("#confirm-message").content)
        await pilot.press("shift+tab", "enter")
        await settle(app, pilot)

        # Every piece is in: the button turns green and is enabled.
        assert not transmit.disabled and transmit.variant == "success"
        assert str(app.screen.query_one("#recap-transmit-reason").content) == ""
        table.focus()
        await pilot.press("t")
        await pilot.pause()
        assert "ne pourrez plus la modifier" in str(app.screen.query_one("#confirm-message").content)
        await pilot.press("shift+tab", "enter")
        await settle(app, pilot)
        assert "Statut du dossier : Réceptionné" in str(app.screen.query_one("#recap-informations").content)
        assert transmit.disabled
        assert app.screen.query_one("#recap-cancel").disabled
        assert app.screen.query_one("#piece-add").disabled

        await pilot.press("escape")
        await settle(app, pilot)
        cands = app.screen.query_one("#candidatures-table")
        assert cands.row_count == 1
        assert [str(c) for c in cands.get_row_at(0)][1:3] == ["Réceptionné", "En attente"]

    # The store: status, the nine distinct files as blobs, the replaced draft gone.
    with h.services.db.read_session() as s:
        candidature = s.exec(select(Candidature).where(Candidature.account_id == cand.account_id)).one()
        assert candidature.statut == "receptionne" and candidature.transmitted_at is not None
        subs = s.exec(select(PieceSubmission).where(PieceSubmission.candidature_id == candidature.id)).all()
        assert sorted(p.statut for p in subs) == ["non_concerne"] + ["transmise"] * 9
        blobs = {b.sha256: b for b in s.exec(select(FileBlob)).all()}
        assert len(blobs) == 9
        for sub in subs:
            if sub.blob_sha256:
                expected = (replacement if sub.file_name == "lettre-v2.pdf" else
                            next(p for p in files.values() if p.name == sub.file_name))
                assert bytes(blobs[sub.blob_sha256].data) == expected.read_bytes()
        assert s.exec(select(AuditLog).where(AuditLog.action == "transmit")).one().actor == cand.login
    subjects = [m.subject for m in h.mails(to=cand.mail)]
    assert any(s_ == "Votre candidature à la formation Licence Procédure étudiant" for s_ in subjects)
    assert any("a été transmise" in s_ for s_ in subjects)
