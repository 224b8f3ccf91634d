"""Changer d'adresse mail (Mon compte > Informations perso.)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from ..account_forms import field_error, set_error
from .base import CREATION_WARNING, AccountDialog, labelled_input


class ChangeMailModal(AccountDialog):
    """Changer d'adresse mail: on success the candidate is logged out until the new address is validated."""

    PREFIX = "chmail"
    FIELDS: ClassVar = {"mail": "chmail-mail", "mail_confirm": "chmail-confirm", None: "chmail"}
    LAST_INPUT = "chmail-confirm"
    CANCELLED = False
    TITLE_TEXT = "Changer d'adresse mail"

    def __init__(self, account_id: int, current_mail: str | None = None) -> None:
        super().__init__(id="change-mail")
        self.account_id = account_id
        self.current_mail = current_mail

    def compose_form(self) -> ComposeResult:
        yield Static(CREATION_WARNING, classes="account-warning", markup=False)
        if self.current_mail:
            yield Static(f"Adresse actuelle : {self.current_mail}", id="chmail-current", markup=False)
        yield from labelled_input("Nouvelle adresse mail *", "chmail-mail")
        yield from labelled_input("Confirmation Adresse Mail *", "chmail-confirm")
        yield field_error("chmail")

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, f"{event.input.id}", None)
        set_error(self, "chmail", None)

    @on(Input.Blurred, "#chmail-mail")
    def _mail_left(self, event: Input.Blurred) -> None:
        from ...services.account_rules import mail_problem

        if event.value and self.is_attached:
            set_error(self, "chmail-mail", mail_problem(event.value))

    def submit(self) -> None:
        from ...services import account_rules as rules
        from ...services.errors import ValidationFailed

        self.clear_errors()
        mail = self.query_one("#chmail-mail", Input).value
        confirm = self.query_one("#chmail-confirm", Input).value
        problems: dict[str, str] = {}
        if problem := rules.mail_problem(mail):
            problems["mail"] = problem
        if problem := rules.mail_confirm_problem(mail, confirm):
            problems["mail_confirm"] = problem
        if problems:
            self.show_refusal(ValidationFailed(problems))
            return
        self.call_service("change_mail", self.account_id, mail, confirm, on_success=self._changed)

    def _changed(self, new_mail: str) -> None:
        self.app.logout()
        self.app.notify(f"Un courriel de validation a été envoyé à {new_mail}. Votre compte est bloqué "
                        "jusqu'à la validation de cette adresse ; vous pourrez ensuite vous reconnecter.",
                        timeout=20)
