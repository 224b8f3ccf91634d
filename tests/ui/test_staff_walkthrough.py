"""What a walk through the staff console at 80x24 found (issue 15, items 1 to 4),
each driven the way a person does it: decisions private until validated,
Validée never overriding "Non concerné", every staff screen readable at 80
columns, and the console's conveniences."""

from __future__ import annotations

import csv

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Input, Select

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.screens.recap import RecapScreen
from ecandidat_tui.services.errors import DomainError
from ecandidat_tui.store.models import AuditLog, Candidature, PieceSubmission, StaffUser
from ecandidat_tui.testing import click_visible, settle, staff_log_in, text_of, wait_until

SIZE = (80, 24)


async def type_search(app, pilot, text):
    await click_visible(app, pilot, "#staff-search")
    await pilot.press(*text)
    await settle(app, pilot)


def shown_line(app, table_id: str, row: int) -> str:
    """What the terminal shows on a table's row (0 = first row under the header)."""
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return "".join(segment.text for segment in table.render_line(1 + row)).rstrip()


def fits(app, table_id: str) -> bool:
    """Nothing of the table lies beyond its right edge: no sideways scrolling."""
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return table.max_scroll_x == 0 and table.virtual_size.width <= table.scrollable_content_region.width


async def open_dossier(app, pilot, staff, login):
    await staff_log_in(app, pilot, staff)
    await type_search(app, pilot, login)
    await pilot.press("enter", "enter")  # to the results, open the row
    await settle(app, pilot)
    if app.screen.query("#staff-open-dossiers"):
        await pilot.press("f7")
        await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.screen.query_one("#staff-pieces", DataTable)


async def confirm_yes(app, pilot):
    await pilot.pause()
    await pilot.click("#confirm-yes")
    await settle(app, pilot)


def audit(h, action):
    with h.services.db.read_session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)).all())


# ------------------------------------------------ 1. a decision is private until validated


async def candidate_sees(h, cand, cid) -> tuple[str, str]:
    """The candidate's Candidatures tab line and the recap's information, as shown."""
    app = h.app()
    async with app.run_test(size=SIZE) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await settle(app, pilot)
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        table = app.screen.query_one("#candidatures-table", DataTable)
        line = " | ".join(str(cell) for cell in table.get_row_at(0))
        table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen) and app.screen.candidature_id == cid
        return line, text_of(app, "#recap-informations")


async def test_a_recorded_decision_stays_private_until_validated(ecandidat):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("gestionnaire", ["CTR-A"], login="paul")
    cand = h.insert_candidate("Dupré", "Élise", "elise@example.org", login="AB12CD34")
    h.seed_profile(cand)
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        app.screen.query_one("#staff-decision", Select).value = "favorable"
        await click_visible(app, pilot, "#staff-decision-comment")
        await pilot.press(*"Avis interne réservé")
        await click_visible(app, pilot, "#staff-decision-record")
        await settle(app, pilot)
        assert "Favorable — non validée" in text_of(app, "#staff-recap-info")

    line, info = await candidate_sees(h, cand, dossier.candidature_id)
    assert "Favorable" not in line and "En attente" in line
    assert "Favorable" not in info and "Avis interne" not in info
    assert not h.mails(to="elise@example.org", subject="Décision")

    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        await click_visible(app, pilot, "#staff-decision-validate")
        await confirm_yes(app, pilot)
        assert "non validée" not in text_of(app, "#staff-recap-info")

    line, info = await candidate_sees(h, cand, dossier.candidature_id)
    assert "Favorable" in line
    assert "Décision : Favorable — Avis interne réservé" in info
    assert "Avis interne réservé" in h.last_mail(to="elise@example.org", subject="Décision").body


# ------------------------------------- 2. Validée never turns "Non concerné" into "Validée"


async def test_validating_a_selection_keeps_non_concerne_and_says_what_was_skipped(ecandidat):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("gestionnaire", ["CTR-A"])
    cand = h.insert_candidate("Dupré", "Élise", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    sworn = dossier.piece_ids[1]
    with h.services.db.session() as s:  # the candidate declared the second piece "Non concerné"
        piece = s.get(PieceSubmission, sworn)
        piece.statut, piece.blob_sha256, piece.file_name = "non_concerne", None, None
    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        app.screen.query_one("#staff-pieces", DataTable).focus()
        await pilot.press("ctrl+a")
        await click_visible(app, pilot, "#staff-piece-validee")
        await settle(app, pilot)
        assert [str(r[2]) for r in map(app.screen.query_one("#staff-pieces", DataTable).get_row_at, (0, 1))] == [
            "Validée", "Non concerné"]
        messages = [n.message for n in app._notifications]
        assert any("1 pièce(s) validée(s), 1 ignorée(s)" in m for m in messages), messages
        await click_visible(app, pilot, "#staff-dossier-complet")  # Non concerné counts for Complet
        await confirm_yes(app, pilot)
        assert "Complet" in text_of(app, "#staff-recap-info")
    with h.services.db.read_session() as s:
        assert s.get(PieceSubmission, sworn).statut == "non_concerne"
        assert s.get(PieceSubmission, dossier.piece_ids[0]).statut == "validee"
    assert len(audit(h, "piece_validee")) == 1  # the skipped piece left no trace either


# ------------------------------------------------------ 3. every staff screen at 80x24

LONG_TITRE = "Master Mention Sciences de l'éducation parcours Ingénierie de la formation à distance"
LONG_PIECE_FILE = "releve-de-notes-du-premier-semestre-de-la-licence-troisieme-annee.pdf"


async def test_dossier_review_shows_each_status_and_file_at_80_columns(ecandidat):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1", titre=LONG_TITRE)
    staff = h.seed_staff("admin")
    cand = h.insert_candidate("Dupré", "Élise", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    with h.services.db.session() as s:
        s.get(PieceSubmission, dossier.piece_ids[1]).file_name = LONG_PIECE_FILE
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        assert fits(app, "staff-pieces")
        first, second = shown_line(app, "staff-pieces", 0), shown_line(app, "staff-pieces", 1)
        assert "Transmise" in first and "ident.pdf" in first
        assert "Transmise" in second and LONG_PIECE_FILE[:10] in second
        table = app.screen.query_one("#staff-pieces", DataTable)
        table.focus()
        await pilot.press("down")
        assert LONG_PIECE_FILE in text_of(app, "#staff-piece-details")  # whole, under the grid
        await pilot.resize_terminal(120, 40)
        await settle(app, pilot)
        assert fits(app, "staff-pieces") and "Commentaire" in shown_line(app, "staff-pieces", -1)


async def test_formations_and_candidatures_lists_fit_80_columns(ecandidat):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1", titre=LONG_TITRE)
    staff = h.seed_staff("gestionnaire", ["CTR-A"])
    cand = h.insert_candidate("Dupré", "Élise", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A")
    h.services.staff.record_decision(staff.principal, dossier.candidature_id, 1, "defavorable")
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await pilot.press("f5")
        await settle(app, pilot)
        assert fits(app, "staff-formations")
        header, row = shown_line(app, "staff-formations", -1), shown_line(app, "staff-formations", 0)
        assert all(label in header for label in ("Code", "Formation", "Centre", "Candidatures"))
        assert row.startswith(" FA1") and "CTR-A" in row and row.endswith("1"), row
        await pilot.press("enter")
        await settle(app, pilot)
        assert fits(app, "staff-formation-candidatures")
        assert "Défavorable" in shown_line(app, "staff-formation-candidatures", 0)
        await pilot.press("escape", "escape")
        await type_search(app, pilot, "AB12")
        await pilot.press("enter", "enter")  # a gestionnaire goes straight to the candidatures
        await settle(app, pilot)
        assert fits(app, "staff-candidatures")
        assert "Défavorable — non validée" in shown_line(app, "staff-candidatures", 0)


async def test_audit_log_shows_the_details_at_80_columns(ecandidat, tmp_path):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1")
    admin = h.seed_staff("admin", login="root")
    h.services.staff.export_formation_csv(admin.principal, "FA1", tmp_path, statut="receptionne")
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, admin)
        await pilot.press("f6")
        await settle(app, pilot)
        assert fits(app, "staff-audit-table")
        table = app.screen.query_one("#staff-audit-table", DataTable)
        table.focus()
        await pilot.press("down")  # the export, under today's login
        details = text_of(app, "#staff-audit-details")
        assert "formation_exported" in details and str(tmp_path / "candidatures-FA1.csv") in details
        assert '"statut": "receptionne"' in details


# ------------------------------------------------------------- 4. staff conveniences


async def test_down_from_the_search_box_then_enter_opens_the_highlighted_candidate(ecandidat):
    h = ecandidat
    staff = h.seed_staff("support")
    h.insert_candidate("Dupont", "Jean", login="CD34EF56")
    h.insert_candidate("Dupré", "Élise", login="AB12CD34")
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await type_search(app, pilot, "dup")
        await pilot.press("down")
        assert app.screen.query_one("#staff-results", DataTable).has_focus
        await pilot.press("down", "enter")  # the second hit: Dupré
        await settle(app, pilot)
        assert "Login : AB12CD34" in text_of(app, "#staff-candidate-info")


async def test_a_failed_staff_login_empties_the_password_and_is_audited(ecandidat):
    h = ecandidat
    admin = h.seed_staff("admin", login="root")
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await click_visible(app, pilot, "#staff-login")
        await pilot.press(*"inconnu", "tab", *"Mauvais-2026!", "enter")
        await settle(app, pilot)
        assert "incorrect" in text_of(app, "#staff-password-error")
        password = app.screen.query_one("#staff-password", Input)
        assert password.value == "" and password.has_focus
        await click_visible(app, pilot, "#staff-login")
        app.screen.query_one("#staff-login", Input).value = ""
        await staff_log_in(app, pilot, admin)
        await pilot.press("f6")
        await settle(app, pilot)
        actions = [(str(r[1]), str(r[2])) for r in map(app.screen.query_one("#staff-audit-table", DataTable).get_row_at,
                                                          range(2))]
        assert actions == [("root", "staff_login"), ("?", "staff_login_failed")]


async def test_an_admin_unlocks_a_locked_staff_account(ecandidat):
    h = ecandidat
    admin = h.seed_staff("admin", login="root")
    paul = h.seed_staff("support", login="paul")
    for _ in range(h.settings.max_failed_logins):
        with pytest.raises(DomainError):
            h.services.staff.authenticate_staff("paul", "Mauvais-2026!")
    with pytest.raises(DomainError, match="verrouillé"):
        h.services.staff.authenticate_staff("paul", paul.password)
    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staff_log_in(app, pilot, admin)
        await pilot.press("f8")
        await settle(app, pilot)
        table = app.screen.query_one("#staff-users-table", DataTable)
        table.focus()
        await pilot.press("down", "up")  # by login: paul, then root
        assert [str(c) for c in table.get_row_at(table.cursor_row)][::3] == ["paul", "Verrouillé"]
        await click_visible(app, pilot, "#staff-user-unlock")
        await confirm_yes(app, pilot)
        row = next(table.get_row_at(i) for i in range(table.row_count) if str(table.get_row_at(i)[0]) == "paul")
        assert str(row[3]) == "Actif"
    assert h.services.staff.authenticate_staff("paul", paul.password).login == "paul"
    assert [(r.actor, r.details) for r in audit(h, "staff_user_unlocked")] == [("root", '{"staff_login": "paul"}')]


async def test_a_disabled_users_open_session_returns_to_the_login_screen(ecandidat):
    h = ecandidat
    admin = h.seed_staff("admin", login="root")
    paul = h.seed_staff("support", login="paul")
    h.insert_candidate("Dupré", "Élise", login="AB12CD34")
    app = h.staff_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await staff_log_in(app, pilot, paul)
        h.services.staff.disable_staff_user("paul", by=admin.principal)  # at the admin's terminal
        await type_search(app, pilot, "AB12")
        await wait_until(pilot, lambda: app.principal is None)
        assert app.screen.query_one("#staff-login", Input)
        assert any("désactivé" in n.message for n in app._notifications)


async def test_the_candidate_view_counts_the_failed_logins_that_locked_it(ecandidat):
    h = ecandidat
    staff = h.seed_staff("support")
    cand = h.seed_candidate()
    for _ in range(h.settings.max_failed_logins):
        with pytest.raises(DomainError):
            h.services.accounts.authenticate(cand.login, "Mauvais-2026!")
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await type_search(app, pilot, cand.login)
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        info = text_of(app, "#staff-candidate-info")
        assert "Verrouillé : Oui" in info
        assert f"Échecs de connexion : {h.settings.max_failed_logins}" in info


async def test_the_candidates_answer_reads_desistement_everywhere(ecandidat, tmp_path):
    h = ecandidat
    h.seed_staff_formation("CTR-A", "FA1")
    staff = h.seed_staff("gestionnaire", ["CTR-A"])
    cand = h.insert_candidate("Dupré", "Élise", login="AB12CD34")
    dossier = h.seed_dossier(cand.account_id, "FA1", "CTR-A", statut="complet")
    with h.services.db.session() as s:
        c = s.get(Candidature, dossier.candidature_id)
        c.decision, c.decision_validated, c.confirmation = "favorable", True, "desistement"
    app = h.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_dossier(app, pilot, staff, "AB12CD34")
        info = text_of(app, "#staff-recap-info")
        assert "Réponse du candidat : Désistement" in info and "desistement" not in info
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Favorable — Désistement" in shown_line(app, "staff-candidatures", 0)
        await pilot.press("f5")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Désistement" in shown_line(app, "staff-formation-candidatures", 0)
        app.screen.query_one("#staff-export-path", Input).value = str(tmp_path / "fa1.csv")
        await click_visible(app, pilot, "#staff-export")
        await settle(app, pilot)
    with (tmp_path / "fa1.csv").open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["Décision"], r["Réponse du candidat"]) for r in exported] == [("Favorable", "Désistement")]


def test_staff_user_lock_state_is_what_the_store_holds(ecandidat):
    """The unlock above is real: the store's lock is lifted and the count forgotten."""
    h = ecandidat
    admin = h.seed_staff("admin", login="root")
    h.seed_staff("support", login="paul")
    for _ in range(h.settings.max_failed_logins):
        with pytest.raises(DomainError):
            h.services.staff.authenticate_staff("paul", "Mauvais-2026!")
    h.services.staff.unlock_staff_user("paul", by=admin.principal)
    with h.services.db.read_session() as s:
        user = s.exec(select(StaffUser).where(StaffUser.login == "paul")).one()
        assert (user.locked_until, user.failed_attempts) == (None, 0)
    paul_principal = h.services.staff.authenticate_staff("paul", "Personnel-2026!")
    with pytest.raises(DomainError, match="rôle"):
        h.services.staff.unlock_staff_user("root", by=paul_principal)
