"""The recap's pièces grid: its column widths for the screen's width, and the file preview dialog."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..display import safe_text

PIECE_COLUMNS = ("Pièce justificative", "Fichier", "Statut", "Pièce conditionnelle", "Commentaire")
GRID_CHROME = 6  # screen columns around the grid's cells: the body's gutter, the grid's scrollbar (kept free)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def piece_column_widths(screen_width: int) -> tuple[int, ...]:
    """The pièces grid's column widths for a screen `screen_width` columns wide.

    All five columns of eCandidat when they fit (from ~100 columns), the
    Pièce justificative taking what is left; below that, Commentaire leaves
    the grid (the line under the grid shows the comment of the chosen
    piece), so that nothing has to be scrolled sideways at 80 columns.
    """
    room = screen_width - GRID_CHROME
    five = room - 2 * 5  # each cell has one column of padding on each side
    # Pièce conditionnelle: its whole header, and "☐ cliquez ici (n)" with its key.
    if five >= 34 + 16 + 12 + 20 + 20:
        return (five - (16 + 12 + 20 + 20), 16, 12, 20, 20)
    if five >= 24 + 14 + 12 + 20 + 14:
        return (five - (14 + 12 + 20 + 14), 14, 12, 20, 14)
    return (max(18, room - 2 * 4 - (14 + 12 + 20)), 14, 12, 20)


class PiecePreviewModal(ModalScreen[None]):
    """Name, type, size and page count or image size of a stored file."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Fermer", show=False)]

    def __init__(self, libelle: str, facts) -> None:
        super().__init__(id="piece-preview-dialog")
        self.libelle = libelle
        self.facts = facts

    def compose(self) -> ComposeResult:
        f = self.facts
        with Vertical(classes="dialog", id="preview-panel"):
            yield Static("Aperçu du fichier", classes="dialog-title")
            yield Static(_short(self.libelle, 200), id="preview-piece", markup=False)
            yield Static(f"Nom : {safe_text(f.name)}\nType : {f.type_label}\nTaille : {f.size_label}\n"
                         f"{'Pages' if f.mime == 'application/pdf' else 'Dimensions'} : {f.details}",
                         id="preview-facts", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fermer", id="preview-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#preview-close", Button).focus()

    @on(Button.Pressed, "#preview-close")
    def action_close(self) -> None:
        self.dismiss(None)
