"""Themes: the institution's, the high-contrast one, and the terminal's own ANSI colours."""

from __future__ import annotations

import pytest

from ecandidat_tui.testing import make_harness


@pytest.mark.parametrize("overrides, expected", [
    ({}, "ecandidat"),
    ({"high_contrast": True}, "ecandidat-contraste"),
    ({"theme": "textual-ansi"}, "ansi-dark"),
    ({"theme": "ansi-light"}, "ansi-light"),
    ({"theme": "textual-ansi", "high_contrast": True}, "ecandidat-contraste"),
])
async def test_settings_choose_the_theme(tmp_path, overrides, expected):
    harness = make_harness(tmp_path / "home", **overrides)
    try:
        app = harness.app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.theme == expected
            assert {"ecandidat", "ecandidat-contraste"} <= set(app.available_themes)
    finally:
        harness.services.close()


async def test_focus_is_visible_on_a_button(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        button = app.screen.query_one("#assistance-faq")
        assert button.has_focus
        assert "reverse" in str(button.styles.text_style)
        await pilot.press("tab")
        await pilot.pause()
        assert "reverse" not in str(button.styles.text_style)
