"""Assistance: the four entries, Markdown pages, the institution's overrides."""

from __future__ import annotations


import pytest
from textual.widgets import Markdown, Static

from ecandidat_tui.app import CandidateSession
from ecandidat_tui.screens.assistance import AssistanceScreen, ContentScreen, load_content

PAGES = [
    ("#assistance-faq", "faq", "Foire aux questions",
     ["Comment créer un compte", "Transmettre ma candidature", "Annuler la candidature"]),
    ("#assistance-outils", "boite-a-outils", "Boîte à outils", ["Formats acceptés", "10 Mo", "Curriculum vitae"]),
    ("#assistance-aide", "aide", "Aide", ["La procédure pas à pas", "Qui contacter", "Université Exemple"]),
]


def rendered_text(screen) -> str:
    """What the Markdown widget shows (its blocks' text), not the file."""
    from textual.widgets._markdown import MarkdownBlock

    return " ".join(str(block._content) for block in screen.query(MarkdownBlock))


@pytest.mark.parametrize("button, page, title, phrases", PAGES)
async def test_each_page_renders_its_markdown(ecandidat, button, page, title, phrases):
    cand = ecandidat.seed_candidate()
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        await pilot.click(button)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ContentScreen) and app.screen.page == page
        assert str(app.screen.query_one("#content-title", Static).content) == title
        assert not app.screen.query_one("#content-markdown", Markdown).loading
        text = rendered_text(app.screen)
        for phrase in phrases:
            assert phrase in text
        assert "{{" not in text  # every placeholder filled
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)


async def test_keyboard_only_reaches_a_page_and_scrolls_it(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("enter")  # the FAQ button has the focus
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.page == "faq"
        scroll = app.screen.query_one("#content-scroll")
        assert scroll.has_focus and scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0


async def test_the_institution_overrides_a_page_from_its_config_dir(ecandidat):
    override = ecandidat.settings.config_dir / "content" / "faq.md"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("## Questions de {{institution}}\n\nAppelez le 04 00 00 00 00.\n", encoding="utf-8")
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.click("#assistance-faq")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = rendered_text(app.screen)
        assert "Questions de Université Exemple" in text and "04 00 00 00 00" in text
        assert "Comment créer un compte" not in text


def test_packaged_pages_describe_every_status_and_the_ten_pieces(ecandidat):
    from ecandidat_tui.domain import Decision, StatutDossier, StatutPiece

    faq = load_content("faq", ecandidat.settings)
    for value in [*StatutDossier, *StatutPiece, *Decision]:
        assert f"| {value.label} |" in faq, value
    outils = load_content("boite-a-outils", ecandidat.settings)
    assert all(f"\n{n}. **" in outils or f"\n{n}. " in outils for n in range(1, 11))
    assert "PDF" in outils and "JPEG" in outils and "PNG" in outils


async def test_catalogue_des_formations_opens_the_catalog_read_only(ecandidat):
    from ecandidat_tui.screens.catalog import OffreFormationScreen

    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.click("#assistance-catalogue")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, OffreFormationScreen)
        assert app.screen.mode == "browse"
