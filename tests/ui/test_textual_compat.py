"""textual_compat: the private Textual names the app uses are there, each
section does what it says, and with them disabled the app falls back to
Textual's public behaviour."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ecandidat_tui import textual_compat
from ecandidat_tui.widgets.catalog_tree import CatalogTreeWidget
from ecandidat_tui.widgets.table import TextTable


def test_the_installed_textual_is_the_tested_one_and_has_every_name_used():
    assert textual_compat.installed_textual_version() in textual_compat.TESTED_TEXTUAL
    assert textual_compat.check() == []
    assert textual_compat.ENABLED


def test_an_untested_version_disables_the_private_paths(monkeypatch, caplog):
    monkeypatch.setattr(textual_compat, "installed_textual_version", lambda: "8.3.0")
    problems = textual_compat.check()
    assert problems and "8.3.0" in problems[0]
    monkeypatch.setattr(textual_compat, "PROBLEMS", problems)
    with caplog.at_level("WARNING"):
        textual_compat.warn_if_disabled()
    assert "8.3.0" in caplog.text


class CompatApp(App):
    def compose(self) -> ComposeResult:
        yield TextTable(id="table")
        tree = CatalogTreeWidget("root", id="tree")
        tree.show_root = False
        yield tree
        yield Footer()


@pytest.mark.parametrize("enabled", [True, False])
async def test_each_section_works_enabled_and_disabled(monkeypatch, enabled):
    """The instance attributes the sections read exist (they are not in
    PRIVATE_NAMES), and the public fallbacks give the same screen."""
    monkeypatch.setattr(textual_compat, "ENABLED", enabled)
    app = CompatApp()
    async with app.run_test(size=(80, 20)) as pilot:
        screen_timer = app.screen._update_timer  # PromptFrames reads Screen's own attribute
        assert screen_timer is not None
        table = app.query_one(TextTable)
        table.add_columns("Pièce", "Statut")
        await pilot.pause()
        for n in range(5):
            table.add_row(f"[b]Pièce {n}[/b]", "En attente")
        table.measure_rows()
        if enabled:
            assert table.virtual_size.height >= 5 + 1  # measured at once
        await pilot.pause()
        line = "".join(segment.text for segment in table.render_line(1))
        assert "[b]Pièce 0[/b]" in line  # literal text, either way

        tree = app.query_one(CatalogTreeWidget)
        with tree.rebuilding():
            for n in range(30):
                tree.root.add_leaf(f"formation {n}")
        await pilot.pause()
        assert tree.last_line == 29
        assert tree.show_vertical_scrollbar  # 30 lines in 20 rows: the scrollbar came
        with tree.rebuilding():
            tree.clear()
            tree.root.add_leaf("seule")
        await pilot.pause()
        assert tree.last_line == 0 and not tree.show_vertical_scrollbar
        assert textual_compat.footer_bindings_ready(app.query_one(Footer))


async def test_the_frame_timer_is_the_screens_update_timer():
    class PromptScreen(textual_compat.PromptFrames, Screen):
        def compose(self) -> ComposeResult:
            yield Static("x")

    class PromptApp(App):
        def on_mount(self) -> None:
            self.push_screen(PromptScreen())

    app = PromptApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen._update_timer, textual_compat._FrameTimer)
        for name in ("_active", "_repeat", "_interval", "_skip", "_reset"):
            assert hasattr(app.screen._update_timer, name)


def test_the_table_reads_these_instance_attributes():
    table = DataTable()
    for name in ("_require_update_dimensions", "_new_rows", "_row_locations", "_column_locations",
                 "_header_row_key", "_show_hover_cursor", "_update_count", "_cell_render_cache"):
        assert hasattr(table, name), name
