"""Navigation: header buttons, F-keys, the command palette, Accueil's to-do list."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input, Static

from ecandidat_tui.app import CandidateApp
from ecandidat_tui.session import CandidateSession
from ecandidat_tui.screens.accueil import AccueilScreen
from ecandidat_tui.screens.assistance import AssistanceScreen, ContentScreen
from ecandidat_tui.screens.connexion import ConnexionScreen
from ecandidat_tui.screens.mon_compte import MonCompteScreen
from ecandidat_tui.testing import wait_until

def session_of(cand) -> CandidateSession:
    return CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom)


async def logged_in(app: CandidateApp, pilot, cand) -> None:
    app.start_session(session_of(cand))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def stack_types(app: CandidateApp) -> list[type]:
    return [type(s) for s in app.screen_stack[1:]]


async def test_f_keys_reach_every_destination_and_come_back(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        assert isinstance(app.screen, MonCompteScreen)

        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, AccueilScreen)

        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)
        # Destinations replace each other above Mon compte: the stack does not grow.
        assert stack_types(app) == [MonCompteScreen, AssistanceScreen]

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MonCompteScreen)

        await pilot.press("f10")
        await pilot.pause()
        assert app.candidate is None
        assert stack_types(app) == [ConnexionScreen]


async def test_header_buttons_navigate_with_the_mouse(ecandidat):
    cand = ecandidat.seed_candidate(nom="Gockel", prenom="Charlotte")
    app = ecandidat.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot, cand)
        await pilot.press("f2")
        await pilot.pause()
        header_name = app.screen.query_one("#candidate-name", Static)
        assert "CHARLOTTE GOCKEL" in str(header_name.content)

        await pilot.click("#nav-assistance")
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)
        assert "CHARLOTTE GOCKEL" in str(app.screen.query_one("#candidate-name", Static).content)

        await pilot.click("#nav-accueil")
        await pilot.pause()
        assert isinstance(app.screen, AccueilScreen)

        await pilot.click("#nav-deconnexion")
        await pilot.pause()
        assert app.candidate is None
        assert isinstance(app.screen, ConnexionScreen)


async def test_footer_shows_the_keys_only_when_they_apply(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # Before login: Assistance and the catalogue are open to everyone, the rest is not.
        assert {"assistance", "offre_formation"} <= {b.binding.action for b in app.active_bindings.values()}
        assert not {"accueil", "deconnexion"} & {b.binding.action for b in app.active_bindings.values()}
        await pilot.press("f2", "f10")
        await pilot.pause()
        assert isinstance(app.screen, ConnexionScreen)

        await logged_in(app, pilot, cand)
        actions = {b.binding.action for b in app.active_bindings.values() if b.binding.show}
        assert {"accueil", "assistance", "offre_formation", "deconnexion"} <= actions
        keys = {b.binding.action: b.binding.key for b in app.active_bindings.values()}
        assert (keys["accueil"], keys["assistance"], keys["offre_formation"], keys["deconnexion"]) == (
            "f2", "f3", "f4", "f10")


async def test_assistance_is_reachable_before_login_with_a_reduced_header(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)
        assert app.screen.query_one("#nav-accueil", Button).display is False
        assert app.screen.query_one("#nav-deconnexion", Button).display is False
        assert app.screen.query_one("#nav-assistance", Button).display is True
        await pilot.press("escape")
        await pilot.pause()
        assert stack_types(app) == [ConnexionScreen]


async def test_logging_out_empties_the_clipboard(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        app.copy_to_clipboard("1234567890A")  # e.g. an INE copied from a form
        await pilot.press("f10")
        await pilot.pause()
        assert app.candidate is None
        assert app.clipboard == ""


async def test_navigation_keys_are_inert_under_a_dialog(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app(strict_errors=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        app.report_unexpected_error(RuntimeError("boom"))
        await pilot.pause()
        await pilot.press("f10")
        await pilot.pause()
        assert app.candidate is not None
        assert app.screen.id == "error-dialog"


async def test_command_palette_offers_the_destinations_and_nothing_else(ecandidat):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await logged_in(app, pilot, cand)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme")
        from textual.command import CommandList

        palette_list = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: palette_list.option_count > 0)  # the search is over
        prompts = [str(palette_list.get_option_at_index(i).prompt) for i in range(palette_list.option_count)]
        assert [p.splitlines()[0] for p in prompts] == ["Aucune page ne correspond"]  # no theme switcher
        await pilot.press(*["backspace"] * 5, *"assist")
        await wait_until(pilot, lambda: any("Assistance" in str(palette_list.get_option_at_index(i).prompt)
                                            for i in range(palette_list.option_count)))
        prompts = [str(palette_list.get_option_at_index(i).prompt) for i in range(palette_list.option_count)]
        assert any("Assistance" in p for p in prompts)
        assert not any("Quit" in p or "Theme" in p for p in prompts)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)


async def test_accueil_lists_the_profile_to_complete(ecandidat):
    cand = ecandidat.seed_candidate(prenom="Charlotte")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        todo = str(app.screen.query_one("#todo-profile", Static).content)
        assert "Informations perso." in todo and "Adresse" in todo and "Baccalauréat" in todo
        assert "Bonjour Charlotte" in str(app.screen.query_one("#accueil-greeting", Static).content)
        await pilot.click("#accueil-mon-compte")
        await pilot.pause()
        assert isinstance(app.screen, MonCompteScreen)


async def test_accueil_counts_the_pieces_and_days_of_an_open_candidature(ecandidat):
    cand = ecandidat.seed_candidate()
    ecandidat.seed_profile(cand)
    formation_id = ecandidat.seed_open_formation(titre="Licence Test", pieces=("CV", "LETTRE"), limit_in_days=12)
    cand_id = ecandidat.seed_candidature(cand.account_id, formation_id)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.screen.query("#todo-profile")
        text = str(app.screen.query_one(f"#todo-candidature-{cand_id}", Static).content)
        assert "Licence Test" in text
        assert "2 pièces justificatives à fournir" in text
        assert "dans 12 jours" in text


async def test_f4_opens_the_catalog_in_browse_mode(ecandidat):
    from ecandidat_tui.screens.catalog import OffreFormationScreen

    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, OffreFormationScreen)
        await pilot.press("f3")
        await pilot.pause()
        assert stack_types(app) == [MonCompteScreen, AssistanceScreen]


async def test_logout_leaves_no_candidate_input_behind(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click("#login-user")
        await pilot.press(*"ABCD1234")
        cand = ecandidat.seed_candidate()
        await logged_in(app, pilot, cand)
        await pilot.press("f10")
        await pilot.pause()
        assert app.candidate is None
        assert stack_types(app) == [ConnexionScreen]
        inputs = list(app.screen.query(Input))
        assert [i.id for i in inputs if i.id == "login-user"] == ["login-user"]
        assert [i.value for i in inputs] == [""] * len(inputs)
        assert all("ABCD1234" not in i.value for s in app.screen_stack for i in s.query(Input))


def _recap(ecandidat, cand):
    from ecandidat_tui.screens.recap import RecapScreen

    ecandidat.seed_profile(cand)
    formation_id = ecandidat.seed_open_formation(titre="Licence Nav", pieces=("CV",))
    candidature_id = ecandidat.seed_candidature(cand.account_id, formation_id)
    return lambda: RecapScreen(candidature_id)


def _catalog(ecandidat, cand):
    from ecandidat_tui.screens.catalog import OffreFormationScreen

    return lambda: OffreFormationScreen(mode="browse")


# name -> (harness, candidate) -> a factory of that screen (seeding done once)
SCREENS = {
    "accueil": lambda h, c: AccueilScreen,
    "assistance": lambda h, c: AssistanceScreen,
    "faq": lambda h, c: (lambda: ContentScreen("faq")),
    "catalog": _catalog,
    "recap": _recap,
}


@pytest.mark.parametrize("screen_name", list(SCREENS))
@pytest.mark.parametrize("how", ["keys", "mouse"])
async def test_every_logged_in_screen_reaches_every_destination(ecandidat, screen_name, how):
    cand = ecandidat.seed_candidate()
    screen_factory = SCREENS[screen_name](ecandidat, cand)
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, cand)
        for key, button, expected in [("f2", "#nav-accueil", AccueilScreen),
                                      ("f3", "#nav-assistance", AssistanceScreen)]:
            app.push_screen(screen_factory())
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.query_one("#candidate-name")  # the header is there
            if how == "keys":
                await pilot.press(key)
            else:
                await pilot.click(button)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, expected), (screen_name, key)
            assert stack_types(app) == [MonCompteScreen, expected]
        app.push_screen(screen_factory())
        await app.workers.wait_for_complete()
        await pilot.pause()
        if how == "keys":
            await pilot.press("f10")
        else:
            await pilot.click("#nav-deconnexion")
        await pilot.pause()
        assert app.candidate is None
        assert stack_types(app) == [ConnexionScreen]
