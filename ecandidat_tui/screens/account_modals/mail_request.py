"""The two requests by mail: J'ai oublié mes identifiants, J'ai perdu mon code
d'activation (one dialog asking an address, two texts and button sets)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Button, Input, Static

from ..account_forms import set_error
from .base import AccountDialog, labelled_input


class _MailRequestModal(AccountDialog):
    """Ask an address, call the service, show the same answer whatever happened."""

    INTRO = ""
    SUBMIT = ("Envoyer", "submit")
    DONE = ""
    METHOD = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FIELDS = {"mail": f"{cls.PREFIX}-mail", None: f"{cls.PREFIX}-mail"}
        cls.DONE_ID = f"{cls.PREFIX}-done"

    def __init__(self) -> None:
        super().__init__(id=f"{self.PREFIX}-dialog-screen")

    def compose_form(self) -> ComposeResult:
        yield Static(self.INTRO, markup=False)
        yield from labelled_input("Adresse mail *", f"{self.PREFIX}-mail")

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, f"{self.PREFIX}-mail", None)

    def other_button(self, name: str) -> None:
        self.dismiss(name.removesuffix("-done"))  # "have-code", "validate": the caller opens the next dialog

    def submit(self) -> None:
        from ...services.account_rules import mail_problem

        mail = self.query_one(f"#{self.PREFIX}-mail", Input).value
        problem = mail_problem(mail)
        if problem:
            set_error(self, f"{self.PREFIX}-mail", problem)
            return
        self.call_service(self.METHOD, mail, on_success=self._done)

    def _done(self, _result: Any) -> None:
        self.show_done(self.done_text())

    def done_text(self) -> str:
        """What the dialog says once the request is sent (the same whether the address is known or not)."""
        return self.DONE


class ForgotIdentifiersModal(_MailRequestModal):
    """J'ai oublié mes identifiants; dismisses "have-code" to open the reset dialog."""

    PREFIX = "forgot"
    TITLE_TEXT = "J'ai oublié mes identifiants"
    INTRO = ("Saisissez l'adresse mail de votre compte : vous recevrez votre login et un code "
             "pour choisir un nouveau mot de passe.")
    METHOD = "request_identifiers"

    def done_text(self) -> str:
        hours = self.app.settings.reset_code_hours
        return ("Si un compte correspond à cette adresse, un courriel contenant votre login et un code "
                f"de réinitialisation (valable {hours} heure{'s' if hours > 1 else ''}) vient de lui être "
                "envoyé. Choisissez ensuite « J'ai reçu un code ».")

    def request_buttons(self) -> ComposeResult:
        yield from super().request_buttons()
        yield Button("J'ai reçu un code", id="forgot-have-code")

    def done_buttons(self) -> ComposeResult:
        yield Button("J'ai reçu un code", id="forgot-have-code-done", variant="primary")
        yield Button("Fermer", id="forgot-close")


class LostCodeModal(_MailRequestModal):
    """J'ai perdu mon code d'activation; dismisses "validate" to open Valider mon compte."""

    PREFIX = "lost"
    TITLE_TEXT = "J'ai perdu mon code d'activation"
    INTRO = ("Saisissez l'adresse mail de votre compte : un nouveau code d'activation vous sera "
             "envoyé (l'ancien ne fonctionnera plus).")
    DONE = ("Si un compte en attente de validation correspond à cette adresse, un nouveau code "
            "d'activation vient de lui être envoyé. L'ancien code ne fonctionne plus.")
    METHOD = "resend_activation"

    def done_buttons(self) -> ComposeResult:
        yield Button("Valider mon compte", id="lost-validate", variant="primary")
        yield Button("Fermer", id="lost-close")
