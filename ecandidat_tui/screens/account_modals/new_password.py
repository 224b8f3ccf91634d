"""The forced choice of a password at the first login."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from ...session import CandidateSession
from ...widgets.footer import Footer
from ..account_forms import field_error, set_error
from .base import PasswordFields

if TYPE_CHECKING:
    from ...services.accounts import LoginResult


class NewPasswordScreen(PasswordFields, Screen):
    """First login: the candidate replaces the one-time password before anything else."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Annuler", tooltip="Revenir à l'écran Connexion")]
    FIELDS: ClassVar = {"old": "newpw", "new": "newpw-password", "confirm": "newpw-confirm", None: "newpw"}

    def __init__(self, result: LoginResult, one_time_password: str) -> None:
        super().__init__(id="new-password")
        self.result = result
        self._one_time_password = one_time_password

    def compose(self) -> ComposeResult:
        yield Static(f"{self.app.settings.institution} — eCandidat", id="app-title")
        with VerticalScroll(id="newpw-body"):
            yield Static("Choisissez votre mot de passe", classes="screen-title")
            yield Static(f"Bienvenue {self.result.prenom} {self.result.nom}. Pour votre première "
                         "connexion, remplacez le mot de passe reçu par mail par votre propre mot de passe.",
                         id="newpw-intro", markup=False)
            yield from self.password_fields("newpw", "newpw-password", "newpw-confirm",
                                            "Nouveau mot de passe *", "Confirmation du mot de passe *")
            yield field_error("newpw")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Annuler", id="newpw-cancel")
                yield Button("Enregistrer", id="newpw-submit", variant="primary", classes="submit-button")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#newpw-password", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        set_error(self, "newpw", None)
        self.live_password(event, "newpw", "newpw-password", "newpw-confirm")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "newpw-confirm":
            self._submit()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "newpw-cancel":
            self.action_cancel()
        elif event.button.id == "newpw-submit":
            self._submit()

    def action_cancel(self) -> None:
        self._one_time_password = ""
        self.app.logout()

    def _submit(self) -> None:
        from ...services.account_rules import new_password_problems

        new = self.query_one("#newpw-password", Input).value
        confirm = self.query_one("#newpw-confirm", Input).value
        for widget_id in set(self.FIELDS.values()):
            set_error(self, widget_id, None)
        problems = new_password_problems(new, confirm)
        if problems:
            self._show({"new": problems.get("new"), "confirm": problems.get("confirm")})
            return
        for button in self.query(".submit-button"):
            button.disabled = True
        self._change(new, confirm)

    def _show(self, errors: dict[str | None, str | None]) -> None:
        if not self.is_attached:
            return
        for button in self.query(".submit-button"):
            button.disabled = False
        for field, message in errors.items():
            if message:
                set_error(self, self.FIELDS.get(field, "newpw"), message)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _change(self, new: str, confirm: str) -> None:
        from ...services.errors import DomainError

        try:
            self.app.services.accounts.change_password(self.result.account_id, self._one_time_password,
                                                       new, confirm)
        except DomainError as exc:
            errors = getattr(exc, "errors", None) or {exc.field: exc.message}
            self.app.call_from_thread(self._show, errors)
            return
        self.app.call_from_thread(self._changed)

    def _changed(self) -> None:
        self._one_time_password = ""
        r = self.result
        self.app.start_session(CandidateSession(account_id=r.account_id, login=r.login, nom=r.nom,
                                                prenom=r.prenom))
        self.app.notify("Votre mot de passe a été enregistré.")
