"""Valider mon compte: the activation code, or the pasted validation link."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from ..account_forms import set_error
from .base import AccountDialog, labelled_input


class ValidateAccountModal(AccountDialog):
    """Valider mon compte; dismisses with the validated login (or None)."""

    PREFIX = "validate"
    FIELDS: ClassVar = {"code": "validate-code", None: "validate-code"}

    def __init__(self) -> None:
        super().__init__(id="validate-account")

    def compose(self) -> ComposeResult:
        with Vertical(id="validate-dialog", classes="dialog account-dialog"):
            yield Static("Valider mon compte", id="validate-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="validate-form"):
                yield Static("Saisissez le code d'activation reçu par mail, ou collez le lien de "
                             "validation qu'il contient.", markup=False)
                yield from labelled_input("Code d'activation *", "validate-code")
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

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, "validate-code", None)

    def submit(self) -> None:
        code = self.query_one("#validate-code", Input).value
        if not code.strip():
            set_error(self, "validate-code", "Saisissez le code d'activation reçu par mail")
            return
        self.call_service("validate_account", code, on_success=self._validated)

    def _validated(self, login: str) -> None:
        self.outcome = login
        self.show_done(f"Votre compte {login} est validé. Vous pouvez vous connecter avec le login et le mot "
                       "de passe reçus par mail.", message_id="validate-success")
