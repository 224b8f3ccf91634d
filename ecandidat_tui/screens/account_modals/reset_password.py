"""Choisir un nouveau mot de passe: the code received by mail and a new password twice."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from ..account_forms import field_error, set_error
from .base import AccountDialog, _field, _PasswordForm


class ResetPasswordModal(_PasswordForm, AccountDialog):
    """The code received by mail and a new password twice; dismisses with the login."""

    FIELDS = {"code": "reset-code", "new": "reset-password", "confirm": "reset-confirm", None: "reset"}

    def __init__(self) -> None:
        super().__init__(id="reset-password-screen")
        self._login: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reset-dialog", classes="dialog account-dialog"):
            yield Static("Choisir un nouveau mot de passe", id="reset-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id="reset-form"):
                yield from _field("Code de réinitialisation *", "reset-code")
                yield from self.password_fields("reset", "reset-password", "reset-confirm",
                                                "Nouveau mot de passe *", "Confirmation du mot de passe *")
                yield field_error("reset")
            yield Static("", id="reset-done", markup=False)
            with Horizontal(classes="dialog-buttons", id="reset-buttons"):
                yield Button("Annuler", id="reset-cancel")
                yield Button("Enregistrer", id="reset-submit", variant="primary", classes="submit-button")
            with Horizontal(classes="dialog-buttons", id="reset-done-buttons"):
                yield Button("Fermer", id="reset-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#reset-done").display = False
        self.query_one("#reset-done-buttons").display = False
        self.query_one("#reset-code", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "reset-code":
            set_error(self, "reset-code", None)
        self.live_password(event, "reset", "reset-password", "reset-confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "reset-confirm":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reset-cancel":
            self.dismiss(None)
        elif event.button.id == "reset-submit":
            self._submit()
        elif event.button.id == "reset-close":
            self.dismiss(self._login)

    def _submit(self) -> None:
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
        self._login = login
        for widget in self.query(Input):
            widget.value = ""
        self.query_one("#reset-form").display = False
        self.query_one("#reset-buttons").display = False
        self.query_one("#reset-done", Static).update(
            "Votre mot de passe a été changé. Connectez-vous avec votre login (rappelé dans le "
            "courriel) et ce nouveau mot de passe.")
        self.query_one("#reset-done").display = True
        self.query_one("#reset-done-buttons").display = True
        self.query_one("#reset-close", Button).focus()
