"""Connexion: the two panels of the eCandidat home page.

"Je suis étudiant à l'université" logs in through the institution's
directory (ENT): the first time it opens Création de compte pre-filled, then
it opens the account directly. "Je ne suis pas étudiant à l'université"
logs in with the eCandidat login and password and offers the recovery
links. A first login goes through `NewPasswordScreen` before Mon compte.

This module imports only Textual at load time: the services (and SQL) are
reached from thread workers, so the screen paints before they are ready.
"""

from __future__ import annotations

from typing import ClassVar, TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ..session import CandidateSession
from .login_base import LoginFieldsScreen
from ..widgets.safe_input import SafeInput
from ..widgets.footer import Footer

if TYPE_CHECKING:
    from ..services.accounts import LoginResult


def _error(widget_id: str) -> Static:
    error = Static("", id=widget_id, classes="field-error", markup=False)
    error.display = False
    return error


class ConnexionScreen(LoginFieldsScreen):
    """Log in (ENT or eCandidat account) or start creating an account."""

    # The login field has the focus from the first frame (focusing it in
    # on_mount moved the focus a second time, restyling the screen twice).
    AUTO_FOCUS = "#login-user"
    PASSWORD_OF: ClassVar[dict[str, str]] = {"login-user": "#login-password", "ent-login": "#ent-password"}

    def compose(self) -> ComposeResult:
        yield Static(f"{self.app.settings.institution} — eCandidat", id="app-title")
        with VerticalScroll(id="connexion-body"):
            yield Static("Connexion", classes="screen-title")
            with Horizontal(id="connexion-panels"):
                with Vertical(id="panel-ent", classes="panel"):
                    yield Static("Je suis étudiant à l'université", classes="panel-title")
                    yield Static("Connectez-vous avec votre compte ENT (la première fois, vous créerez "
                                 "votre compte eCandidat).", classes="panel-help")
                    yield Label("Identifiant ENT *")
                    yield SafeInput(id="ent-login")
                    yield Label("Mot de passe ENT *")
                    yield Input(id="ent-password", password=True)
                    yield Button("Connexion ENT", id="ent-connexion", variant="primary")
                    yield _error("ent-error")
                with Vertical(id="panel-ecandidat", classes="panel"):
                    yield Static("Je ne suis pas étudiant à l'université", classes="panel-title")
                    yield Static("Veuillez vous connecter avec votre compte eCandidat", classes="panel-help")
                    yield Label("Utilisateur *")
                    yield SafeInput(id="login-user")
                    yield Label("Mot de passe *")
                    yield Input(id="login-password", password=True)
                    yield Button("Connexion", id="login-submit", variant="primary")
                    yield _error("login-error")
                    yield Button("J'ai oublié mes identifiants", id="link-forgot", classes="link", compact=True)
                    yield Button("J'ai perdu mon code d'activation", id="link-lost-code", classes="link",
                                 compact=True)
                    yield Button("Créer un compte", id="link-create-account", classes="link", compact=True)
                    yield Button("Valider mon compte", id="link-validate", classes="link", compact=True)
        yield Footer()

    # ----------------------------------------------------------- events

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        widget_id = event.input.id
        if widget_id == "login-password":
            self._login()
        elif widget_id == "ent-password":
            self._ent_login()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("login-user", "login-password"):
            self._show("login-error", None)
        elif event.input.id in ("ent-login", "ent-password"):
            self._show("ent-error", None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = {
            "login-submit": self._login,
            "ent-connexion": self._ent_login,
            "link-forgot": self.open_forgot,
            "link-lost-code": self.open_lost_code,
            "link-create-account": self.open_create_account,
            "link-validate": self.open_validate,
        }.get(event.button.id or "")
        if action is not None:
            action()

    def _show(self, widget_id: str, message: str | None) -> None:
        error = self.query_one(f"#{widget_id}", Static)
        error.update(message or "")
        error.display = bool(message)

    # ----------------------------------------------------------- eCandidat login

    def _login(self) -> None:
        user = self.query_one("#login-user", Input).value.strip()
        password_input = self.query_one("#login-password", Input)
        password = password_input.value
        if not user or not password:
            self._show("login-error", "Saisissez votre utilisateur et votre mot de passe")
            (password_input if user else self.query_one("#login-user", Input)).focus()
            return
        with password_input.prevent(Input.Changed):  # not a keystroke: keep the coming error shown
            password_input.value = ""  # never left on screen, whatever the outcome
        self.query_one("#login-submit", Button).disabled = True
        self._authenticate(user, password)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _authenticate(self, user: str, password: str) -> None:
        from ..services.errors import DomainError

        try:
            result = self.app.services.accounts.authenticate(user, password)
        except DomainError as exc:
            self.app.call_from_thread(self._login_refused, "login-error", "#login-password", exc.message)
            return
        self.app.call_from_thread(self._logged_in, result, password)

    def _login_refused(self, error_id: str, focus: str, message: str) -> None:
        if not self.is_attached:
            return
        self.query_one("#login-submit", Button).disabled = False
        self.query_one("#ent-connexion", Button).disabled = False
        self._show(error_id, message)
        self.query_one(focus, Input).focus()

    def _logged_in(self, result: LoginResult, password: str) -> None:
        if result.must_change_password:
            from .account_modals import NewPasswordScreen

            self.app.push_screen(NewPasswordScreen(result, password))
            return
        self.app.start_session(CandidateSession(account_id=result.account_id, login=result.login,
                                                nom=result.nom, prenom=result.prenom))

    # ----------------------------------------------------------- ENT login

    def _ent_login(self) -> None:
        ent_login = self.query_one("#ent-login", Input).value.strip()
        password_input = self.query_one("#ent-password", Input)
        password = password_input.value
        if not ent_login or not password:
            self._show("ent-error", "Saisissez votre identifiant ENT et votre mot de passe")
            (password_input if ent_login else self.query_one("#ent-login", Input)).focus()
            return
        with password_input.prevent(Input.Changed):
            password_input.value = ""
        self.query_one("#ent-connexion", Button).disabled = True
        self._authenticate_ent(ent_login, password)

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _authenticate_ent(self, ent_login: str, password: str) -> None:
        from ..services.errors import DomainError

        try:
            outcome = self.app.services.accounts.authenticate_ent(ent_login, password)
        except DomainError as exc:
            self.app.call_from_thread(self._login_refused, "ent-error", "#ent-password", exc.message)
            return
        self.app.call_from_thread(self._ent_outcome, outcome)

    def _ent_outcome(self, outcome) -> None:
        if outcome.login is not None:
            self._logged_in(outcome.login, "")
            return
        if not self.is_attached:
            return
        from .account_modals import CreateAccountModal

        self.query_one("#ent-connexion", Button).disabled = False
        with self.query_one("#ent-login", Input).prevent(Input.Changed):
            self.query_one("#ent-login", Input).value = ""
        self.app.push_screen(CreateAccountModal(prefill=outcome.prefill), self._account_created)

    # ----------------------------------------------------------- links

    def open_create_account(self) -> None:
        from .account_modals import CreateAccountModal

        self.app.push_screen(CreateAccountModal(), self._account_created)

    def _account_created(self, login: str | None) -> None:
        if login:
            self.query_one("#login-user", Input).focus()

    def open_validate(self) -> None:
        from .account_modals import ValidateAccountModal

        self.app.push_screen(ValidateAccountModal(), self._validated)

    def _validated(self, login: str | None) -> None:
        if login:
            self.query_one("#login-user", Input).value = login
            self.query_one("#login-password", Input).focus()

    def open_forgot(self) -> None:
        from .account_modals import ForgotIdentifiersModal

        self.app.push_screen(ForgotIdentifiersModal(), self._forgot_closed)

    def _forgot_closed(self, choice: str | None) -> None:
        if choice == "have-code":
            from .account_modals import ResetPasswordModal

            self.app.push_screen(ResetPasswordModal(), self._validated)

    def open_lost_code(self) -> None:
        from .account_modals import LostCodeModal

        self.app.push_screen(LostCodeModal(), self._lost_code_closed)

    def _lost_code_closed(self, choice: str | None) -> None:
        if choice == "validate":
            self.open_validate()
