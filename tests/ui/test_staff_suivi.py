"""Suivi des dossiers (F7) and the home screen's totals, driven as a gestionnaire would, at 80×24."""

from __future__ import annotations

from textual.widgets import DataTable

from ecandidat_tui.screens.staff.suivi import SuiviScreen
from ecandidat_tui.testing import settle, staff_log_in, text_of

SIZE = (80, 24)


def seed(h):
    for i, statut in enumerate(["en_attente", "en_attente", "receptionne", "incomplet"]):
        cand = h.insert_candidate(nom=f"Nom{chr(65 + i)}", mail=f"s{i}@example.org")
        h.seed_dossier(cand.account_id, "FA1", "CTR-A", statut=statut)
    cand = h.insert_candidate(nom="Ailleurs", mail="b@example.org")
    h.seed_dossier(cand.account_id, "FB1", "CTR-B", statut="en_attente")


async def test_the_home_screen_and_f7_show_what_is_still_coming(ecandidat):
    seed(ecandidat)
    staff = ecandidat.seed_staff("gestionnaire", centres=["CTR-A"])
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await settle(app, pilot)
        assert text_of(app, "#staff-pending").startswith(
            "Dossiers : 2 en attente de transmission · 1 réceptionné(s) · 0 complet(s) · 1 incomplet(s)")

        await pilot.press("f7")
        await settle(app, pilot)
        assert isinstance(app.screen, SuiviScreen)
        table = app.screen.query_one("#staff-suivi", DataTable)
        assert [str(c.label) for c in table.columns.values()] == [
            "Formation", "Att.", "Réc.", "Cpl.", "Inc.", "Fav.", "Déf.", "L.A.", "L.C.", "Pré."]
        lines = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert lines == [["FA1", "2", "1", "0", "1", "0", "0", "0", "0", "0"],
                         ["Total CTR-A", "2", "1", "0", "1", "0", "0", "0", "0", "0"]]
        assert "4 candidature(s) ; 2 en attente de transmission." in text_of(app, "#staff-suivi-status")
        # Every column is on screen at 80 columns: no sideways scrolling.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, SuiviScreen)


async def test_support_staff_have_neither_the_totals_nor_f7(ecandidat):
    seed(ecandidat)
    staff = ecandidat.seed_staff("support")
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        assert app.screen.query_one("#staff-pending").display is False
        assert app.check_action("suivi", ()) is False
        await pilot.press("f7")
        await settle(app, pilot)
        assert not isinstance(app.screen, SuiviScreen)


async def test_enter_on_a_centre_opens_its_list_pages_and_exports_to_excel(ecandidat, tmp_path, monkeypatch):
    from openpyxl import load_workbook
    from textual.widgets import Input, ProgressBar

    from ecandidat_tui.screens.staff.centre import CentreCandidaturesScreen
    seed(ecandidat)
    for i in range(3):  # 7 candidatures in CTR-A, pages of 3
        cand = ecandidat.insert_candidate(nom=f"Page{chr(65 + i)}", mail=f"p{i}@example.org")
        ecandidat.seed_dossier(cand.account_id, "FA2", "CTR-A", statut="receptionne")
    monkeypatch.setattr(CentreCandidaturesScreen, "page_size", 3)
    staff = ecandidat.seed_staff("gestionnaire", centres=["CTR-A"])
    app = ecandidat.staff_app()
    async with app.run_test(size=SIZE) as pilot:
        await staff_log_in(app, pilot, staff)
        await pilot.press("f7")
        await settle(app, pilot)
        table = app.screen.query_one("#staff-suivi", DataTable)
        table.move_cursor(row=table.get_row_index("CTR-A/"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CentreCandidaturesScreen)
        assert text_of(app, "#staff-centre-status").startswith("1–3 sur 7 candidature(s).")
        grid = app.screen.query_one("#staff-centre-table", DataTable)
        assert [str(grid.get_row_at(i)[1]).split()[0] for i in range(grid.row_count)] == ["NomA", "NomB", "NomC"]
        assert grid.virtual_size.width <= grid.scrollable_content_region.width  # no sideways scrolling
        await pilot.press(">")
        await settle(app, pilot)
        assert text_of(app, "#staff-centre-status").startswith("4–6 sur 7")
        await pilot.press(">", ">")
        await settle(app, pilot)
        assert text_of(app, "#staff-centre-status").startswith("7–7 sur 7")
        await pilot.press("<")
        await settle(app, pilot)
        assert text_of(app, "#staff-centre-status").startswith("4–6 sur 7")

        path = app.screen.query_one("#staff-centre-export-path", Input)
        path.value = str(tmp_path / "centre.xlsx")
        await pilot.click("#staff-centre-export-xlsx")
        await settle(app, pilot)
        await settle(app, pilot)
        assert "7 candidature(s) exportée(s)" in text_of(app, "#staff-centre-status")
        assert app.screen.query_one("#staff-centre-progress", ProgressBar).percentage == 1.0
        assert load_workbook(tmp_path / "centre.xlsx").active.max_row == 8
        # Again: the file exists, the console asks before replacing it.
        await pilot.click("#staff-centre-export-xlsx")
        await settle(app, pilot)
        assert str(app.screen.query_one("#confirm-message").content).startswith("Le fichier")
        await pilot.click("#confirm-no")
        await settle(app, pilot)
        assert isinstance(app.screen, CentreCandidaturesScreen)
