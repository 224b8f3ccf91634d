"""Choisir un nouveau mot de passe: the code received by mail and a new password twice."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Input

from ..account_forms import field_error, set_error
from .base import AccountDialog, labelled_input, PasswordFields


class ResetPasswordModal(PasswordFields, AccountDialog):
    """The code received by mail and a new password twice; dismisses with the login."""

    PREFIX = "reset"
    FIELDS: ClassVar = {"code": "reset-code", "new": "reset-password", "confirm": "reset-confirm", None: "reset"}
    LAST_INPUT = "reset-confirm"
    TITLE_TEXT = "Choisir un nouveau mot de passe"
    SUBMIT = ("Enregistrer", "submit")
    DONE_ID = "reset-done"

    def __init__(self) -> None:
        super().__init__(id="reset-password-screen")

    def compose_form(self) -> ComposeResult:
        yield from labelled_input("Code de réinitialisation *", "reset-code")
        yield from self.password_fields("reset", "reset-password", "reset-confirm",
                                        "Nouveau mot de passe *", "Confirmation du mot de passe *")
        yield field_error("reset")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "reset-code":
            set_error(self, "reset-code", None)
        self.live_password(event, "reset", "reset-password", "reset-confirm")

    def submit(self) -> None:
        from ...services.account_rules import new_password_problems
        from ...services.errors import ValidationFailed

        self.clear_errors()
        code = self.query_one("#reset-code", Input).value
        new = self.query_one("#reset-password", Input).value
        confirm = self.query_one("#reset-confirm", Input).value
        problems = new_password_problems(new, confirm)
        if not code.strip():
            problems = {"code": "Saisissez le code de réinitialisation reçu par mail", **problems}
        if problems:
            self.show_refusal(ValidationFailed(problems))
            return
        self.call_service("reset_password", code, new, confirm, on_success=self._reset)

    def _reset(self, login: str) -> None:
        self.outcome = login
        self.show_done("Votre mot de passe a été changé. Connectez-vous avec votre login (rappelé dans le "
                       "courriel) et ce nouveau mot de passe.")
