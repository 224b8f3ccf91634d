"""Issue 15, items 6 to 14: what a new candidate met walking the guide end to end.

Each test drives the screens as a person would (keys, clicks) and checks
what the screen shows and what the store holds.
"""

from __future__ import annotations

import html
import re

import pytest
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.screens.profile_forms import ProfileForm
from ecandidat_tui.screens.recap import RecapScreen
from ecandidat_tui.testing import click_visible, settle, wait_until

SIZES = [(80, 24), (120, 40)]


def screen_lines(app) -> list[str]:
    """The terminal's lines as a person reads them (from the screenshot the app exports)."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[int, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m[2]), []).append((round(float(m[1]) / 12.2), html.unescape(m[3])))
    lines = []
    for _, parts in sorted(rows.items()):
        line = ""
        for column, text in sorted(parts):
            line = line.ljust(column) + text.replace("\xa0", " ")
        lines.append(line)
    return lines


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def log_in(app, cand) -> None:
    app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))


def ready(h):
    cand = h.insert_candidate()
    h.seed_profile(cand)
    return cand


def assert_centred(app, dialog_selector: str = ".dialog") -> None:
    screen = app.screen
    assert isinstance(screen, ModalScreen), screen
    panel = screen.query_one(dialog_selector).region
    width, height = app.size
    assert abs((panel.x + panel.right) - width) <= 1, (panel, app.size)
    assert abs((panel.y + panel.bottom) - height) <= 1, (panel, app.size)
    # the screen it came from still shows around it (tinted, not blanked)
    assert screen.styles.background.a < 1


# ------------------------------------------------------- 6. read-only after a first candidature


async def test_informations_perso_is_read_only_after_a_first_candidature(ecandidat):
    cand = ready(ecandidat)
    code = "WALK6"
    ecandidat.seed_open_formation(code)
    app = ecandidat.app()
    async with app.run_test(size=(120, 40)) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        assert not app.screen.query_one("#info-edit", Button).disabled  # before: editable
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        await pilot.click("#candidature-new")
        await settle(app, pilot)
        await pilot.press(*code.lower())
        await settle(app, pilot)
        await wait_until(pilot, lambda: not app.screen.query_one("#catalog-apply").disabled)
        await pilot.click("#catalog-apply")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        app.screen.show_tab("tab-info")
        await settle(app, pilot)
        edit = app.screen.query_one("#info-edit", Button)
        assert edit.disabled
        assert "plus modifiables" in str(app.screen.query_one("#info-lock").content)
        await pilot.click("#info-edit")
        await settle(app, pilot)
        assert not isinstance(app.screen, ProfileForm)


# ------------------------------------------------------- 7. dialogs centred over their screen


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("link", ["#link-create-account", "#link-validate", "#link-forgot",
                                  "#link-lost-code"])
async def test_connexion_dialogs_are_centred(ecandidat, size, link):
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await click_visible(app, pilot, link)
        await settle(app, pilot)
        assert_centred(app)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("button", ["#info-change-mail", "#info-change-password"])
async def test_account_change_dialogs_are_centred(ecandidat, size, button):
    cand = ready(ecandidat)
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        await click_visible(app, pilot, button)
        await settle(app, pilot)
        assert_centred(app)


@pytest.mark.parametrize("size", SIZES)
async def test_recap_dialogs_are_centred(ecandidat, size):
    cand = ready(ecandidat)
    ecandidat.seed_candidature(cand.account_id, ecandidat.seed_open_formation(pieces=("IDENTITE",)))
    ecandidat.make_pdf("cni.pdf")
    app = ecandidat.app()
    async with app.run_test(size=size) as pilot:
        log_in(app, cand)
        await settle(app, pilot)
        app.screen.show_tab("tab-candidatures")
        await settle(app, pilot)
        app.screen.query_one("#candidatures-table").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen)
        app.screen.query_one("#pieces-table").focus()
        await pilot.press("a")  # Ajouter un fichier
        await settle(app, pilot)
        assert_centred(app)
        await pilot.press(*"cni.pdf", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecapScreen)
        app.screen.query_one("#pieces-table").focus()
        await pilot.press("o")  # Aperçu
        await settle(app, pilot)
        assert_centred(app)
        await pilot.press("escape")
        await settle(app, pilot)
        await click_visible(app, pilot, "#recap-download")
        await settle(app, pilot)
        assert_centred(app)
