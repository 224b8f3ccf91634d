"""Candidatures tab and recap: gate, picker, refusals, concurrency, cancel, download, decision."""

from __future__ import annotations

import threading

from sqlmodel import select

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.domain import Decision, StatutDossier
from ecandidat_tui.screens.file_picker import RootedFileOpen
from ecandidat_tui.screens.recap import RecapScreen
from ecandidat_tui.store.models import Candidature, FileBlob, PieceSubmission
from ecandidat_tui.testing import open_recap, settle, wait_until


def login(app, cand):
    app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))


async def recap_of(app, pilot, cand, cid):
    login(app, cand)
    await open_recap(pilot, cid)


async def goto(app, pilot, code):
    table = app.screen.query_one("#pieces-table")
    table.focus()
    target = [p.code for p in app.screen.recap.pieces].index(code)
    while table.cursor_row < target:
        await pilot.press("down")
    await pilot.pause()


def blobs(h):
    with h.services.db.read_session() as s:
        return sorted(b.sha256 for b in s.exec(select(FileBlob)).all())


def comment_on(h, cand, cid, code: str, text: str) -> None:
    """The commission's comment on a piece, as the staff console stores it."""
    row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == code)
    with h.services.db.session() as s:
        s.get(PieceSubmission, row.submission_id).commentaire = text


def grid_line(screen, code: str) -> str:
    """What the pièces grid shows on a piece's line (below its header)."""
    codes = [p.code for p in screen.recap.pieces]
    table = screen.query_one("#pieces-table")
    return "".join(segment.text for segment in table.render_line(1 + codes.index(code)))


def ready(h):
    cand = h.insert_candidate()
    h.seed_profile(cand)
    return cand


async def test_gate_refuses_and_jumps_to_the_missing_tab(ecandidat):
    cand = ecandidat.insert_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(100, 30)) as pilot:
        login(app, cand)
        await settle(app, pilot)
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        await pilot.click("#candidature-new")
        await settle(app, pilot)
        error = str(app.screen.query_one("#candidature-gate-error").content)
        assert "Informations perso." in error and "Adresse" in error and "Baccalauréat" in error
        assert app.screen.id != "offre-formation"
        await pilot.press("enter")  # the focus is on "Compléter mon profil"
        await settle(app, pilot)
        assert app.screen.query_one("#profile-tabs").active == "tab-info"


async def test_refused_upload_is_shown_and_store_unchanged(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    fake = h.upload_path("faux.pdf")
    fake.write_text("pas un pdf")
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        await goto(app, pilot, "LETTRE")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"faux.pdf", "enter")
        await settle(app, pilot)
        # Refused: the dialog stays open with the reason and what was typed.
        assert app.screen.id == "piece-file-dialog"
        assert "ni un PDF" in str(app.screen.query_one("#file-path-error").content)
        await pilot.press("escape")
        await settle(app, pilot)
        pieces = app.screen.recap.pieces
        assert pieces[[p.code for p in pieces].index("LETTRE")].statut_label == "En attente"
    assert blobs(h) == []


async def test_picker_browses_inside_the_root_only(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    photo = h.make_png("photo.png", 35, 45)
    root = h.settings.effective_upload_roots()[0]
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        await goto(app, pilot, "PHOTO")
        await pilot.click("#piece-add")
        await pilot.pause()
        await pilot.click("#file-browse")
        # Not settle(): the browse worker waits for the picker to be answered.
        await pilot.pause()
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, RootedFileOpen)
        from textual_fspicker.parts import DirectoryNavigation

        nav = picker.query_one(DirectoryNavigation)
        assert nav.location == root
        nav.location = root.parent  # e.g. ".." chosen in the list
        await pilot.pause()
        await pilot.pause()
        assert nav.location == root
        picker.query_one("Input").focus()
        await pilot.press(*"photo.png", "enter")
        await settle(app, pilot)
        assert app.screen.id == "piece-file-dialog"
        assert app.screen.query_one("#file-path").value == str(photo)
        await pilot.click("#file-ok")
        await settle(app, pilot)
        row = next(p for p in app.screen.recap.pieces if p.code == "PHOTO")
        assert (row.statut_label, row.file_name) == ("Transmise", "photo.png")
        # Preview: name, type, size and the image size.
        await pilot.click("#piece-preview")
        await settle(app, pilot)
        facts = str(app.screen.query_one("#preview-facts").content)
        assert "photo.png" in facts and "Image PNG" in facts and "35 × 45" in facts
        await pilot.press("escape")
        await pilot.pause()
        # Remove it again (confirmation first).
        await pilot.click("#piece-remove")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        row = next(p for p in app.screen.recap.pieces if p.code == "PHOTO")
        assert row.statut_label == "En attente" and row.file_name is None
    assert blobs(h) == []


async def test_other_terminal_changed_the_piece_first(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        await goto(app, pilot, "LETTRE")
        # Meanwhile, another kiosk logged in as the same candidate attaches a letter.
        row = next(p for p in h.services.candidatures.recap(cand.account_id, cid).pieces if p.code == "LETTRE")
        h.services.pieces.attach_file(cand.account_id, row.submission_id, h.make_pdf("autre.pdf"), row.version)
        h.make_pdf("mienne.pdf", text="mienne")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"mienne.pdf", "enter")
        await settle(app, pilot)
        assert any("modifiées depuis un autre poste" in n.message for n in app._notifications)
        row = next(p for p in app.screen.recap.pieces if p.code == "LETTRE")
        assert row.file_name == "autre.pdf"  # the screen reloaded what the store holds


async def test_cancel_candidature(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        await pilot.click("#recap-cancel")
        await pilot.pause()
        assert "irréversible" in str(app.screen.query_one("#confirm-message").content)
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert not isinstance(app.screen, RecapScreen)
        assert app.screen.query_one("#candidatures-empty").display
    with h.services.db.read_session() as s:
        assert s.get(Candidature, cid) is None
    assert h.last_mail(to=cand.mail, subject="Annulation")


async def test_download_saves_the_pdf(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    root = h.settings.effective_upload_roots()[0]
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        await pilot.click("#recap-download")
        await pilot.pause()
        assert app.screen.query_one("#download-folder").value == str(root)
        assert not app.screen.query("#download-mail")  # mail only at a kiosk
        await pilot.click("#download-save")
        await settle(app, pilot)
    saved = list(root.glob(f"dossier-{cand.login}_*.pdf"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"%PDF-")


async def test_kiosk_download_by_mail(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    h.settings.kiosk = True
    h.settings.kiosk_roots = [h.home / "usb"]
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        await pilot.click("#recap-download")
        await pilot.pause()
        await pilot.click("#download-mail")
        await settle(app, pilot)
    mail = h.last_mail(to=cand.mail, subject="Votre dossier de candidature")
    assert mail.attachments[0].filename.startswith(f"dossier-{cand.login}_")


async def test_favorable_decision_confirmed(ecandidat):
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    with h.services.db.session() as s:
        c = s.get(Candidature, cid)
        c.statut, c.decision, c.decision_validated = StatutDossier.COMPLET, Decision.FAVORABLE, True
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await recap_of(app, pilot, cand, cid)
        assert "Décision : Favorable" in str(app.screen.query_one("#recap-informations").content)
        assert app.screen.query_one("#recap-decision-actions").display
        await pilot.click("#recap-confirm")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert "Votre réponse : Confirmation" in str(app.screen.query_one("#recap-informations").content)
        assert not app.screen.query_one("#recap-decision-actions").display
    assert h.last_mail(to=cand.mail, subject="Confirmation de votre inscription")
    with h.services.db.read_session() as s:
        assert s.get(Candidature, cid).confirmation == "confirmee"
        assert all(p.statut == "piece_en_attente" for p in
                   s.exec(select(PieceSubmission).where(PieceSubmission.candidature_id == cid)).all())


async def test_file_names_and_comments_show_as_typed(ecandidat):
    """Brackets in a file's name or in the commission's comment are text: the
    grid showed "notes[bold].pdf" as "notes.pdf", and a comment holding
    "[/mail]" broke the drawing of the grid (Rich markup)."""
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    h.make_pdf("notes[bold].pdf")
    comment_on(h, cand, cid, "PHOTO", "Voir [/mail] svp")
    app = h.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await recap_of(app, pilot, cand, cid)
        await goto(app, pilot, "LETTRE")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"notes[bold].pdf", "enter")
        await settle(app, pilot)
        row = next(p for p in app.screen.recap.pieces if p.code == "LETTRE")
        assert row.file_name == "notes[bold].pdf"
        assert "notes[bold].pdf" in grid_line(app.screen, "LETTRE")
        assert "Voir [/mail] svp" in grid_line(app.screen, "PHOTO")


async def test_a_slow_first_read_shows_the_screen_then_the_recap(ecandidat, monkeypatch):
    """The recap is read while the screen is built; a store slower than the
    first layout's wait (FIRST_READ_WAIT) gets the screen shown at once, the
    busy indicator, then the pieces when the read comes back."""
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    read = h.services.candidatures.recap
    gate = threading.Event()

    def slow_recap(*args):
        gate.wait(5)
        return read(*args)

    app = h.app()
    async with app.run_test(size=(100, 40)) as pilot:
        login(app, cand)
        await settle(app, pilot)
        monkeypatch.setattr(h.services.candidatures, "recap", slow_recap)
        screen = RecapScreen(cid)
        app.push_screen(screen)
        # The screen shows without the recap (its first layout waits FIRST_READ_WAIT
        # at most), then the busy indicator (after BUSY_DELAY), the read still held.
        await wait_until(pilot, lambda: screen.is_mounted and bool(screen.query("#recap-busy")))
        assert app.screen is screen and screen.recap is None
        table = screen.query_one("#pieces-table")
        assert table.row_count == 0 and str(table.ordered_columns[0].label) == "Pièce justificative"
        assert screen.query_one("#recap-busy").display
        gate.set()
        await settle(app, pilot)
        assert screen.recap is not None and screen.query_one("#pieces-table").row_count == len(screen.recap.pieces)
        assert not screen.query_one("#recap-busy").display


async def test_a_refused_first_read_is_told(ecandidat):
    """The candidature went away (cancelled on another terminal) before the
    recap was read: the person is told, and the screen stays empty."""
    h = ecandidat
    cand = ready(h)
    app = h.app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        login(app, cand)
        await settle(app, pilot)
        app.push_screen(RecapScreen(999_999))
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen) and app.screen.recap is None
        assert any("n'existe pas (ou plus)" in n.message for n in app._notifications)


async def test_the_pieces_grid_fits_the_terminal_and_follows_a_resize(ecandidat):
    """At 80 columns the grid fits without sideways scrolling (Commentaire goes
    to the line under the grid); wider, the five columns of eCandidat, the
    Pièce justificative taking the room left; a resize fits them again and
    keeps the chosen piece."""
    h = ecandidat
    cand = ready(h)
    cid = h.seed_candidature(cand.account_id)
    comment_on(h, cand, cid, "PHOTO", "Photo trop sombre")
    app = h.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await recap_of(app, pilot, cand, cid)
        screen = app.screen
        table = screen.query_one("#pieces-table")
        assert app.focused is table  # the grid has the focus as the screen opens

        def labels() -> list[str]:
            return [str(column.label) for column in table.ordered_columns]

        def fits() -> bool:  # no sideways scrolling, and no room lost but the scrollbar's
            return 0 <= table.scrollable_content_region.width - table.virtual_size.width <= 2

        assert labels() == ["Pièce justificative", "Fichier", "Statut", "Pièce conditionnelle"]
        assert fits(), (table.virtual_size, table.scrollable_content_region, screen.size)
        await goto(app, pilot, "PHOTO")
        assert "Commentaire : Photo trop sombre" in str(screen.query_one("#piece-detail").content)

        for width in (100, 130, 200, 80):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            assert fits(), width
            assert len(labels()) == (4 if width < 100 else 5), width
            assert screen.selected.code == "PHOTO"  # the cursor stayed on the chosen piece
        await pilot.resize_terminal(130, 30)
        await pilot.pause()
        assert "Photo trop sombre" in grid_line(screen, "PHOTO")
