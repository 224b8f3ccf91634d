"""Changer de mot de passe (Mon compte > Informations perso.)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Input

from ..account_forms import field_error, set_error
from .base import AccountDialog, labelled_input, PasswordFields


class ChangePasswordModal(PasswordFields, AccountDialog):
    """Changer de mot de passe (Mon compte > Informations perso.); dismisses True when done."""

    PREFIX = "chpw"
    FIELDS: ClassVar = {"old": "chpw-old", "new": "chpw-new", "confirm": "chpw-confirm", None: "chpw"}
    LAST_INPUT = "chpw-confirm"
    CANCELLED = False
    TITLE_TEXT = "Changer de mot de passe"

    def __init__(self, account_id: int) -> None:
        super().__init__(id="change-password")
        self.account_id = account_id

    def compose_form(self) -> ComposeResult:
        yield from labelled_input("Ancien mot de passe *", "chpw-old", password=True)
        yield from self.password_fields("chpw", "chpw-new", "chpw-confirm",
                                        "Nouveau mot de passe *", "Confirmation du mot de passe *")
        yield field_error("chpw")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "chpw-old":
            set_error(self, "chpw-old", None)
        self.live_password(event, "chpw", "chpw-new", "chpw-confirm")

    def submit(self) -> None:
        from ...services.account_rules import new_password_problems
        from ...services.errors import ValidationFailed

        self.clear_errors()
        old = self.query_one("#chpw-old", Input).value
        new = self.query_one("#chpw-new", Input).value
        confirm = self.query_one("#chpw-confirm", Input).value
        problems = new_password_problems(new, confirm)
        if not old:
            problems = {"old": "L'ancien mot de passe est obligatoire", **problems}
        if problems:
            self.show_refusal(ValidationFailed(problems))
            return
        self.call_service("change_password", self.account_id, old, new, confirm, on_success=self._changed)

    def _changed(self, _result: Any) -> None:
        for widget in self.query(Input):
            widget.value = ""
        self.app.notify("Votre mot de passe a été modifié.")
        self.dismiss(True)
