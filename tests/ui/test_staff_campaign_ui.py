"""Campagne (F9) at 80×24, driven like a person: create a formation, move its
dates (the stranding question), add and remove pieces, a centre created by an admin."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import DataTable, Select

from ecandidat_tui.store.models import AuditLog, Centre, PieceSubmission
from ecandidat_tui.testing import click_visible, settle, staff_log_in, text_of

SIZE = (80, 24)


async def retype(app, pilot, selector, text):
    """Select what the field holds and type over it."""
    await click_visible(app, pilot, selector)
    await pilot.press("home", "ctrl+k", *text)


async def open_campaign(app, pilot, staff):
    await staff_log_in(app, pilot, staff)
    await pilot.press("f9")
    await settle(app, pilot)


def audit(h, action):
    with h.services.db.read_session() as s:
        return s.exec(select(AuditLog).where(AuditLog.action == action)).all()


def day(h, days):
    return (h.services.ctx.today() + timedelta(days=days)).strftime("%d/%m/%Y")


async def test_a_gestionnaire_creates_a_formation_with_a_piece(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    gest = ecandidat.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_campaign(app, pilot, gest)
        table = app.screen.query_one("#campaign-formations", DataTable)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == ["FA1"]  # their centre only
        await click_visible(app, pilot, "#campaign-new")
        await settle(app, pilot)
        # one centre, one commission: already chosen
        assert app.screen.query_one("#formation-commission", Select).value == "CTR-A/COM-CTR-A"
        await retype(app, pilot, "#formation-code", "M2-NEW")
        await retype(app, pilot, "#formation-titre", "Master Nouveau")
        await retype(app, pilot, "#formation-date-debut-depot", day(ecandidat, 0))
        await retype(app, pilot, "#formation-date-fin-depot", day(ecandidat, 2))  # before début: refused below
        await retype(app, pilot, "#formation-date-limite-retour", day(ecandidat, 1))
        await click_visible(app, pilot, "#formation-save")
        await settle(app, pilot)
        assert text_of(app, "#formation-date-limite-retour-error") == "Doit être après la date de fin de dépôt."
        await retype(app, pilot, "#formation-date-limite-retour", day(ecandidat, 9))
        app.screen.query_one("#formation-piece-type", Select).value = "IDENT"
        await click_visible(app, pilot, "#formation-piece-add")
        await click_visible(app, pilot, "#formation-ouverte")  # closed to candidates for now
        await click_visible(app, pilot, "#formation-save")
        await settle(app, pilot)
        assert app.screen.query_one("#formation-code").disabled  # saved: now edited
        assert text_of(app, "#formation-date-limite-retour-error") == ""
    detail = ecandidat.services.catalog.formation_by_code("M2-NEW")
    assert (detail.titre, detail.centre_code, [p.code for p in detail.pieces]) == ("Master Nouveau", "CTR-A",
                                                                                   ["IDENT"])
    assert detail.date_limite_retour == ecandidat.services.ctx.today() + timedelta(days=9)
    assert detail.state == "closed"  # its dates are open, the box was unticked
    assert [a.actor for a in audit(ecandidat, "formation_create")] == ["paul"]


async def test_a_deadline_moved_into_the_past_asks_first(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    ecandidat.seed_dossier(ecandidat.insert_candidate().account_id, statut="en_attente")
    gest = ecandidat.seed_staff("gestionnaire", ["CTR-A"])
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_campaign(app, pilot, gest)
        app.screen.query_one("#campaign-formations").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        await retype(app, pilot, "#formation-date-debut-depot", day(ecandidat, -20))
        await retype(app, pilot, "#formation-date-fin-depot", day(ecandidat, -2))
        await retype(app, pilot, "#formation-date-limite-retour", day(ecandidat, -1))
        await pilot.press("enter")  # Entrée in a field saves
        await settle(app, pilot)
        message = text_of(app, "#confirm-message")
        assert message.startswith("Cette modification touche 1 candidature(s)") and message.endswith("Continuer ?")
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert ecandidat.services.catalog.formation_by_code("FA1").date_fin_depot > ecandidat.services.ctx.today()
        await click_visible(app, pilot, "#formation-save")
        await settle(app, pilot)
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
    detail = ecandidat.services.catalog.formation_by_code("FA1")
    assert detail.date_limite_retour == ecandidat.services.ctx.today() - timedelta(days=1)
    assert len(audit(ecandidat, "formation_update")) == 1


async def test_removing_a_supplied_piece_and_adding_another(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    waiting = ecandidat.seed_dossier(ecandidat.insert_candidate().account_id, statut="en_attente")
    admin = ecandidat.seed_staff("admin")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_campaign(app, pilot, admin)
        table = app.screen.query_one("#campaign-formations", DataTable)
        table.move_cursor(row=table.get_row_index("FA1"))
        await click_visible(app, pilot, "#campaign-edit")
        await settle(app, pilot)
        pieces = app.screen.query_one("#formation-pieces", DataTable)
        assert [pieces.get_row_at(i)[0] for i in range(pieces.row_count)] == ["IDENT", "RELEVE"]
        pieces.focus()
        pieces.move_cursor(row=pieces.get_row_index("RELEVE"))
        await click_visible(app, pilot, "#formation-piece-remove")
        app.screen.query_one("#formation-piece-type", Select).value = "PHOTO"
        await click_visible(app, pilot, "#formation-piece-add")
        assert [pieces.get_row_at(i)[0] for i in range(pieces.row_count)] == ["IDENT", "PHOTO"]
        await click_visible(app, pilot, "#formation-save")
        await settle(app, pilot)
        assert "touche 1 candidature(s)" in text_of(app, "#confirm-message")
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
    assert [p.code for p in ecandidat.services.catalog.formation_by_code("FA1").pieces] == ["IDENT", "PHOTO"]
    with ecandidat.services.db.read_session() as s:
        kept = s.exec(select(PieceSubmission).where(PieceSubmission.candidature_id == waiting.candidature_id)).all()
    assert len(kept) == 2  # IDENT kept with its file, PHOTO now asked, RELEVE gone


async def test_an_admin_creates_a_centre_a_gestionnaire_cannot(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    admin = ecandidat.seed_staff("admin")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_campaign(app, pilot, admin)
        await click_visible(app, pilot, "#campaign-settings")
        await settle(app, pilot)
        await retype(app, pilot, "#centre-code", "CTR-N")
        await retype(app, pilot, "#centre-libelle", "Nouveau centre")
        await retype(app, pilot, "#centre-max-candidatures", "zéro")
        await click_visible(app, pilot, "#centre-create")
        await settle(app, pilot)
        assert text_of(app, "#centre-max-candidatures-error") == "Nombre entier attendu."
        await retype(app, pilot, "#centre-max-candidatures", "4")
        await click_visible(app, pilot, "#centre-create")
        await settle(app, pilot)
    with ecandidat.services.db.read_session() as s:
        assert s.exec(select(Centre.max_candidatures).where(Centre.code == "CTR-N")).one() == 4
    gest = ecandidat.seed_staff("gestionnaire", ["CTR-A"])
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_campaign(app, pilot, gest)
        await click_visible(app, pilot, "#campaign-settings")
        await settle(app, pilot)
        assert not app.screen.query("#centre-create") and not app.screen.query("#piece-save")


async def test_a_gestionnaire_loads_and_edits_a_commission_contact(ecandidat):
    ecandidat.seed_staff_formation("CTR-A", "FA1")
    gest = ecandidat.seed_staff("gestionnaire", ["CTR-A"])
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_campaign(app, pilot, gest)
        await click_visible(app, pilot, "#campaign-settings")
        await settle(app, pilot)
        await retype(app, pilot, "#commission-centre-code", "CTR-A")
        await retype(app, pilot, "#commission-code", "COM-CTR-A")
        await pilot.press("enter")  # loads what the commission holds
        await settle(app, pilot)
        assert app.screen.query_one("#commission-mail").value == "commission@example.org"
        assert app.screen.query_one("#commission-libelle").value == "Commission CTR-A"
        await retype(app, pilot, "#commission-telephone", "04 91 00 00 00")
        await click_visible(app, pilot, "#commission-save")
        await settle(app, pilot)
        detail = ecandidat.services.catalog.formation_by_code("FA1")
        assert (detail.telephone, detail.mail) == ("04 91 00 00 00", "commission@example.org")
        # another centre's commission: refused, said in a notification
        ecandidat.seed_staff_formation("CTR-B", "FB1")
        await retype(app, pilot, "#commission-centre-code", "CTR-B")
        await retype(app, pilot, "#commission-code", "COM-CTR-B")
        await pilot.press("enter")
        await settle(app, pilot)
        assert [n.message for n in app._notifications][-1] == "Ce dossier ne relève pas de vos centres de candidature."
