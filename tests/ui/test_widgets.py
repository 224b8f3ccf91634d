"""The project's small Textual widgets: the footer that composes only when its
keys change, and the table that shows text as typed, draws new rows in the
next frame and draws its text cells itself."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input
from ecandidat_tui.textual_compat import FooterKey

from ecandidat_tui.widgets.footer import Footer
from ecandidat_tui.widgets.table import TextTable


class KeysApp(App):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f5", "send", "Envoyer"), Binding("f6", "other", "Autre")]

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


async def test_footer_keys_composed_again_keep_textuals_classes():
    """The keys the footer composes again show their new state with Textual's classes
    (how often they are restyled on the way is counted by benchmarks/bench_restyles.py)."""
    app = KeysApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        before = _keys(app)
        app.can_send = False
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        after = _keys(app)
        assert after["f5"] is not before["f5"] and after["f5"].has_class("-disabled")  # composed again
        assert [key.has_class("-compact") for key in after.values()] == [
            key.has_class("-command-palette") for key in after.values()]  # as Textual leaves them


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield TextTable(id="table", cursor_type="row", zebra_stripes=True)


async def test_rows_measured_at_once_are_in_the_tables_size_before_any_idle():
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(TextTable)
        table.add_columns("Pièce", "Statut")
        await pilot.pause()
        for n in range(12):
            table.add_row(f"Pièce {n}", "En attente")
        assert table.virtual_size.height < 12  # Textual measures them when idle
        table.measure_rows()
        assert table.virtual_size.height >= 12 + 1  # the rows and the header, now


# Cells that people and staff type, as the screens fill them: markup-looking,
# accented, wide (☑, CJK, emoji), longer than their column, empty, missing.
CELLS = [
    ("notes[bold].pdf", "[+]", "En attente", "☐ cliquez ici (n)", "Voir [/mail] svp"),
    ("Relevé de notes du baccalauréat et des années suivantes", "日本語の書類.pdf", "Validée", "", None),
    ("Photo d'identité 🙂", "photo.png", "Refusée", "☑ Non concerné", "Trop sombre, à refaire"),
    ("[red]Lettre[/red]", "", "Non concerné", "", "x" * 40),
]


def _cells(segments) -> list:
    """Each cell of a drawn line: its character and its whole style (meta included)."""
    return [(ch, segment.style) for segment in segments for ch in segment.text]


async def test_text_cells_show_as_typed_never_as_markup():
    """A file named "notes[bold].pdf" showed as "notes.pdf"; a comment with
    "[/mail]" raised MarkupError while the table was drawn."""
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        table = app.query_one(TextTable)
        table.add_column("Pièce", width=22)
        table.add_column("Fichier", width=16)
        table.add_column("Commentaire", width=20)
        table.add_row("[red]Lettre[/red]", "notes[bold].pdf", "Voir [/mail] svp")
        await pilot.pause()
        line = "".join(segment.text for segment in table.render_line(1))
        assert "[red]Lettre[/red]" in line and "notes[bold].pdf" in line and "Voir [/mail] svp" in line
        assert table.get_row_at(0) == ["[red]Lettre[/red]", "notes[bold].pdf", "Voir [/mail] svp"]
        assert sorted(table.get_row_at(0)) == ["Voir [/mail] svp", "[red]Lettre[/red]", "notes[bold].pdf"]


async def test_text_cells_are_drawn_as_textual_draws_them():
    """TextTable draws one-line text cells itself; cell by cell, with their
    styles and the mouse's meta, they are what Textual's drawing through Rich
    gives: header, zebra rows, the cursor's row, the hovered row, cropped and
    wide text, whichever of the cursor's and the cell's colours come first."""
    app = TableApp()
    async with app.run_test(size=(110, 12)) as pilot:
        table = app.query_one(TextTable)
        for label, width in zip(("Pièce justificative", "Fichier", "Statut", "Pièce conditionnelle",
                                 "Commentaire"), (20, 11, 12, 14, 20), strict=True):
            table.add_column(label, width=width)
        for n, row in enumerate(CELLS):
            table.add_row(*row, key=str(n))
        table.add_row(Text("riche", style="bold"), 12.5, 3, "", "", key="renderables")
        await pilot.pause()
        table.move_cursor(row=1)
        table.hover_coordinate = Coordinate(2, 0)
        await pilot.pause()

        def drawn(textual: bool) -> list:
            table._clear_caches()
            if textual:
                table._render_cell = lambda *args, **kwargs: DataTable._render_cell(table, *args, **kwargs)
            try:
                return [_cells(table.render_line(y)) for y in range(len(CELLS) + 2)]
            finally:
                table.__dict__.pop("_render_cell", None)

        for foreground, background in (("css", "renderable"), ("renderable", "css"), ("css", "css")):
            table.cursor_foreground_priority = foreground
            table.cursor_background_priority = background
            fast, textual = drawn(False), drawn(True)
            assert fast == textual, (foreground, background)
        assert "☑ Non concerné" in "".join(ch for ch, _ in fast[3])  # the rows are really there
        # every cell but the styled Text took the short way (so both ways were compared)
        table._clear_caches()
        ways = []
        one_line = table._one_line
        table._one_line = lambda r, c: ways.append(one_line(r, c) is not None) or one_line(r, c)
        for y in range(len(CELLS) + 2):
            table.render_line(y)
        assert ways.count(False) == 1 and ways.count(True) == 5 * (len(CELLS) + 2) - 1
