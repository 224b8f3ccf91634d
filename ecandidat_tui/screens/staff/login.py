"""Staff login: identifiant and mot de passe; lockout after repeated failures."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ...widgets.safe_input import SafeInput
from ...widgets.footer import Footer
from ..login_base import LoginFieldsScreen
from .common import StaffScreen


class StaffLoginScreen(LoginFieldsScreen, StaffScreen):
    PASSWORD_OF: ClassVar[dict[str, str]] = {"staff-login": "#staff-password"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return False  # nothing to go back to
        return super().check_action(action, parameters)

    def compose(self) -> ComposeResult:
        yield Static(f"{self.app.settings.institution} — eCandidat, console du personnel", id="app-title")
        with VerticalScroll(id="staff-login-body", can_focus=False):  # noqa: SIM117  nested as the widget tree is
            with Vertical(id="staff-login-panel", classes="panel"):
                yield Static("Connexion du personnel", classes="panel-title")
                yield Label("Identifiant *")
                yield SafeInput(id="staff-login")
                yield Static("", id="staff-login-error", classes="field-error")
                yield Label("Mot de passe *")
                yield Input(id="staff-password", password=True)
                yield Static("", id="staff-password-error", classes="field-error")
                yield Button("Connexion", id="staff-login-submit", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#staff-login", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Mot de passe (Enter in Identifiant moves to it: LoginFieldsScreen)
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-login-submit":
            event.stop()
            self.submit()

    def submit(self) -> None:
        self.clear_errors()
        login = self.query_one("#staff-login", Input).value
        password = self.query_one("#staff-password", Input).value
        if not login.strip():
            self.set_error("staff-login", "Saisissez votre identifiant.")
            return
        self.call_staff(lambda staff: staff.authenticate_staff(login, password), self.logged_in,
                        field="staff-password")

    def show_error(self, exc, field=None) -> None:
        """A refused login empties the password: the next try is typed afresh, not appended."""
        password = self.query_one("#staff-password", Input)
        password.value = ""
        password.focus()
        super().show_error(exc, field)

    def logged_in(self, principal) -> None:
        self.query_one("#staff-password", Input).value = ""
        self.app.start_session(principal)
