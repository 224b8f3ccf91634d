"""The calm dialog an unexpected error shows: what happened, a reference, the way on.

Shown by `error_reporting.ErrorReportingMixin` when a worker fails with an
unexpected error; the reference is in the log next to the traceback.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

ERROR_TITLE = "Une erreur inattendue s'est produite"


class UnexpectedErrorScreen(ModalScreen[None]):
    """The calm dialog: what happened, the reference, and the way on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Fermer", id="error-close", tooltip="Fermer ce message"),
    ]

    def __init__(self, reference: str) -> None:
        super().__init__(id="error-dialog")
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical(id="error-panel", classes="dialog"):
            yield Static(ERROR_TITLE, id="error-title", classes="dialog-title")
            yield Static(
                "L'opération n'a pas pu aboutir. Rien n'a été enregistré à moitié : "
                "vous pouvez continuer à utiliser eCandidat, et réessayer.",
                id="error-message",
            )
            yield Static(f"Référence : {self.reference}", id="error-reference")
            yield Static(
                "Si le problème se reproduit, communiquez cette référence au service "
                "d'assistance (voir Assistance > Aide).",
                id="error-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fermer", id="error-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#error-close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "error-close":
            event.stop()
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
