"""Valider mon compte: the activation code, or the pasted validation link."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from ..account_forms import set_error
from .base import AccountDialog, _field


class ValidateAccountModal(AccountDialog):
    """Valider mon compte; dismisses with the validated login (or None)."""

    FIELDS = {"code": "validate-code", None: "validate-code"}

    def __init__(self) -> None:
        super().__init__(id="validate-account")
        self._login: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="validate-dialog", classes="dialog account-dialog"):
            yield Static("Valider mon compte", id="validate-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="validate-form"):
                yield Static("Saisissez le code d'activation reçu par mail, ou collez le lien de "
                             "validation qu'il contient.", markup=False)
                yield from _field("Code d'activation *", "validate-code")
            yield Static("", id="validate-success", markup=False)
            with Horizontal(classes="dialog-buttons", id="validate-buttons"):
                yield Button("Annuler", id="validate-cancel")
                yield Button("Valider", id="validate-submit", variant="primary", classes="submit-button")
            with Horizontal(classes="dialog-buttons", id="validate-done-buttons"):
                yield Button("Fermer", id="validate-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#validate-success").display = False
        self.query_one("#validate-done-buttons").display = False
        self.query_one("#validate-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, "validate-code", None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "validate-cancel":
            self.dismiss(None)
        elif event.button.id == "validate-submit":
            self._submit()
        elif event.button.id == "validate-close":
            self.dismiss(self._login)

    def _submit(self) -> None:
        code = self.query_one("#validate-code", Input).value
        if not code.strip():
            set_error(self, "validate-code", "Saisissez le code d'activation reçu par mail")
            return
        self.call_service("validate_account", code, on_success=self._validated)

    def _validated(self, login: str) -> None:
        self._login = login
        self.query_one("#validate-code", Input).value = ""
        self.query_one("#validate-form").display = False
        self.query_one("#validate-buttons").display = False
        self.query_one("#validate-success", Static).update(
            f"Votre compte {login} est validé. Vous pouvez vous connecter avec le login et le mot "
            "de passe reçus par mail.")
        self.query_one("#validate-success").display = True
        self.query_one("#validate-done-buttons").display = True
        self.query_one("#validate-close", Button).focus()
