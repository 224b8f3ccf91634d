"""List fields keep their choice when the characters and Tab arrive in one burst
(fast typing, SSH lag, a password manager's auto-type), as a terminal delivers them."""

from __future__ import annotations

from ecandidat_tui.screens.mon_compte import MonCompteScreen
from ecandidat_tui.screens.profile_forms import BaccalaureatForm, InformationsForm
from ecandidat_tui.testing import fill_form, log_in, type_ahead, wait_for_screen, wait_until


async def open_form(pilot, tab: str, button: str, form_type):
    app = pilot.app
    await wait_for_screen(pilot, MonCompteScreen)
    app.screen.show_tab(tab)
    await pilot.pause()
    await pilot.click(button)
    return await wait_for_screen(pilot, form_type)


async def test_serie_typed_with_tab_in_one_burst_is_chosen_and_saved(ecandidat):
    cand = ecandidat.seed_candidate()
    ecandidat.seed_profile(cand)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, cand)
        form = await open_form(pilot, "tab-bac", "#bac-edit", BaccalaureatForm)
        form.query_one("#bac-serie").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        type_ahead(app, *"Bac général", "tab")
        await wait_until(pilot, lambda: not form.query_one("#bac-serie").has_focus)
        await pilot.pause()
        assert form.field("serie").value == "GEN"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, MonCompteScreen)
    assert ecandidat.services.profile.get_baccalaureat(cand.account_id).serie == "GEN"


async def test_france_typed_with_tab_in_one_burst_shows_the_departement(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, cand)
        form = await open_form(pilot, "tab-info", "#info-edit", InformationsForm)
        await fill_form(pilot, {"Pays de naissance": "Allemagne"})
        assert not form.query_one("#info-departement-naissance-field").display
        form.query_one("#info-pays-naissance").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        type_ahead(app, *"France", "tab")
        await wait_until(pilot, lambda: not form.query_one("#info-pays-naissance").has_focus)
        await pilot.pause()
        assert form.field("pays_naissance").value == "FRA"
        assert form.query_one("#info-departement-naissance-field").display
