"""A yes/no question in a dialog: `ConfirmModal(message)` dismisses True on Oui.

    self.app.push_screen(ConfirmModal("Voulez-vous candidater à la formation X ?"), on_answer)

Ids: `confirm-message`, `confirm-yes`, `confirm-no`. Échap answers Non;
the focus starts on Non unless `default_yes=True`, so a stray Entrée never
does something irreversible.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal #confirm-panel {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ConfirmModal #confirm-title { text-style: bold; height: auto; margin-bottom: 1; }
    ConfirmModal #confirm-message { height: auto; }
    ConfirmModal #confirm-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmModal Button { margin-left: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "answer(False)", "Non", show=False)]

    def __init__(self, message: str, *, title: str = "Confirmation", yes: str = "Oui", no: str = "Non",
                 default_yes: bool = False, yes_variant: str = "primary", id: str | None = "confirm-modal") -> None:
        super().__init__(id=id)
        self.message = message
        self.title_text = title
        self.yes_label = yes
        self.no_label = no
        self.default_yes = default_yes
        self.yes_variant = yes_variant

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-panel", classes="dialog"):
            if self.title_text:
                yield Static(self.title_text, id="confirm-title", classes="dialog-title", markup=False)
            yield Static(self.message, id="confirm-message", markup=False)
            with Horizontal(id="confirm-buttons", classes="dialog-buttons"):
                yield Button(self.yes_label, id="confirm-yes", variant=self.yes_variant)  # type: ignore[arg-type]
                yield Button(self.no_label, id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes" if self.default_yes else "#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


__all__ = ["ConfirmModal"]
