"""The project's small Textual widgets: the footer that composes only when its
keys change, and the table that draws new rows in the next frame."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from ecandidat_tui.widgets.footer import Footer
from ecandidat_tui.widgets.table import MeasuredDataTable


class KeysApp(App):
    BINDINGS = [Binding("f5", "send", "Envoyer"), Binding("f6", "other", "Autre")]

    def __init__(self) -> None:
        super().__init__()
        self.can_send = True

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return True if self.can_send else None  # None: shown, greyed out
        return True

    def action_send(self) -> None:
        pass

    def action_other(self) -> None:
        pass


def _keys(app: App) -> dict[str, FooterKey]:
    return {key.key: key for key in app.screen.query(FooterKey)}


async def test_the_footer_keeps_its_keys_while_they_do_not_change():
    app = KeysApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        shown = _keys(app)
        assert {"f5", "f6"} <= set(shown) and not shown["f5"].has_class("-disabled")

        await pilot.press("tab")  # the focus moves: the bindings may have changed, they did not
        await pilot.pause()
        assert app.focused.id == "second"
        assert _keys(app) == shown  # the very same widgets: not composed again

        app.can_send = False
        app.refresh_bindings()
        await pilot.pause()
        now = _keys(app)
        assert now["f5"].has_class("-disabled")  # what changed shows
        assert now["f5"] is not shown["f5"]


async def test_a_burst_of_binding_notices_composes_the_footer_once():
    app = KeysApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        composed = []
        recompose = footer.recompose

        async def counted():
            composed.append(1)
            await recompose()

        footer.recompose = counted
        app.can_send = False
        for _ in range(5):
            app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert composed == [1]


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield MeasuredDataTable(id="table")


async def test_rows_measured_at_once_are_in_the_tables_size_before_any_idle():
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(MeasuredDataTable)
        table.add_columns("Pièce", "Statut")
        await pilot.pause()
        for n in range(12):
            table.add_row(f"Pièce {n}", "En attente")
        assert table.virtual_size.height < 12  # Textual measures them when idle
        table.measure_rows()
        assert table.virtual_size.height >= 12 + 1  # the rows and the header, now
