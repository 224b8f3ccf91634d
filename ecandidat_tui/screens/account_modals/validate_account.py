"""Valider mon compte: the activation code, or the pasted validation link."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.widgets import Input, Static

from ..account_forms import set_error
from .base import AccountDialog, labelled_input

if TYPE_CHECKING:
    from ...services.accounts import Validated


class ValidateAccountModal(AccountDialog):
    """Valider mon compte; dismisses with the validated login (or None)."""

    PREFIX = "validate"
    FIELDS: ClassVar = {"code": "validate-code", None: "validate-code"}
    TITLE_TEXT = "Valider mon compte"
    SUBMIT = ("Valider", "submit")
    DONE_ID = "validate-success"

    def __init__(self) -> None:
        super().__init__(id="validate-account")

    def compose_form(self) -> ComposeResult:
        yield Static("Saisissez le code d'activation reçu par mail, ou collez le lien de "
                     "validation qu'il contient.", markup=False)
        yield from labelled_input("Code d'activation *", "validate-code")

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, "validate-code", None)

    def submit(self) -> None:
        code = self.query_one("#validate-code", Input).value
        if not code.strip():
            set_error(self, "validate-code", "Saisissez le code d'activation reçu par mail")
            return
        self.call_service("validate", code, on_success=self._validated)

    def _validated(self, validated: Validated) -> None:
        self.outcome = validated.login
        self.show_done(validated.advice)  # the right advice for each kind of account
