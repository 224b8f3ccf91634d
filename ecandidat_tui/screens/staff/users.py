"""Staff users (admins): list them, add one, disable one.

The same StaffService calls as `ecandidat staff-user add|list|disable`; the
service checks that the caller is an admin on every call. The password is
typed twice and never shown.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Input, Select, Static

from ...domain import Role
from ...services.errors import DomainError, ValidationFailed
from ...services.staff_views import StaffUserView
from ...widgets.safe_input import SafeInput
from ...widgets.confirm import ConfirmModal
from ...widgets.footer import Footer
from ...widgets.table import TextTable
from .common import StaffScreen, compact_button

# StaffService field name -> the widget id its message is shown under
FIELDS = {
    "login": "staff-user-login",
    "role": "staff-user-role",
    "centres": "staff-user-centres",
    "password": "staff-user-password",
}
ADD_FORM = "staff-user-form"  # marks a refusal of the add form (see show_error)


class StaffUsersScreen(StaffScreen):
    def compose(self) -> ComposeResult:
        yield Static("eCandidat — console du personnel", id="app-title")
        yield self.staff_header()
        with VerticalScroll(id="staff-users-body", can_focus=False):
            yield Static("Personnel", classes="screen-title")
            yield Static("Chargement…", id="staff-users-status")
            table = TextTable(id="staff-users-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("Identifiant", "Rôle", "Centres", "État")
            yield table
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Désactiver", id="staff-user-disable", variant="error")
                yield compact_button("Déverrouiller", id="staff-user-unlock")
            yield Static("Ajouter un membre du personnel", classes="section-title")
            with Horizontal(classes="staff-filters"):
                yield SafeInput(id="staff-user-login", placeholder="Identifiant")
                yield Select([(r.label, r.value) for r in Role], id="staff-user-role",
                             prompt="Rôle", value=Role.SUPPORT.value, allow_blank=False)
            yield Static("", id="staff-user-login-error", classes="field-error")
            yield Static("", id="staff-user-role-error", classes="field-error")
            yield SafeInput(id="staff-user-centres", placeholder="Centres (codes séparés par des virgules)")
            yield Static("", id="staff-user-centres-error", classes="field-error")
            with Horizontal(classes="staff-filters"):
                yield Input(id="staff-user-password", password=True, placeholder="Mot de passe")
                yield Input(id="staff-user-password-confirm", password=True,
                            placeholder="Confirmation du mot de passe")
            yield Static("", id="staff-user-password-error", classes="field-error")
            yield Static("", id="staff-user-password-confirm-error", classes="field-error")
            with Horizontal(classes="staff-buttons"):
                yield compact_button("Ajouter", id="staff-user-add", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.call_staff(lambda staff: staff.list_staff_users(by=self.app.principal), self.show)

    def show(self, users: list[StaffUserView]) -> None:
        table = self.query_one("#staff-users-table", DataTable)
        table.clear()
        for u in users:
            state = "Désactivé" if u.disabled else ("Verrouillé" if u.locked else "Actif")
            table.add_row(u.login, Role(u.role).label, ", ".join(u.centres), state, key=u.login)
        self.query_one("#staff-users-status", Static).update(f"{len(users)} membre(s) du personnel.")

    # ------------------------------------------------------------ actions

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-user-add":
            event.stop()
            self.add_user()
        elif event.button.id == "staff-user-disable":
            event.stop()
            self.ask_disable()
        elif event.button.id == "staff-user-unlock":
            event.stop()
            self.ask_unlock()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.add_user()

    def add_user(self) -> None:
        self.clear_errors()
        login = self.query_one("#staff-user-login", Input).value.strip()
        role = self.query_one("#staff-user-role", Select).value
        centres = [c.strip() for c in self.query_one("#staff-user-centres", Input).value.split(",") if c.strip()]
        password = self.query_one("#staff-user-password", Input).value
        confirm = self.query_one("#staff-user-password-confirm", Input).value
        if password != confirm:
            self.set_error("staff-user-password-confirm", "Les deux mots de passe ne correspondent pas.")
            return
        role_value = "" if role is Select.NULL else str(role)
        principal = self.app.principal

        def call(staff):
            added = staff.add_staff_user(login, password, role_value, centres=centres, by=principal)
            return added, staff.list_staff_users(by=principal)

        self.call_staff(call, self.added, ADD_FORM)

    def added(self, result: tuple[StaffUserView, list[StaffUserView]]) -> None:
        user, users = result
        for field in ("staff-user-login", "staff-user-centres", "staff-user-password",
                      "staff-user-password-confirm"):
            self.query_one(f"#{field}", Input).value = ""
        self.show(users)
        self.notify(f"Membre du personnel {user.login} ajouté ({Role(user.role).label}).")

    def highlighted_login(self) -> str | None:
        table = self.query_one("#staff-users-table", DataTable)
        if table.row_count == 0:
            self.notify("Aucun membre du personnel sélectionné.", severity="warning")
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def ask_unlock(self) -> None:
        self._confirm_then("unlock_staff_user", "Déverrouiller le compte du personnel {login} et effacer ses "
                           "échecs de connexion ?", "Compte {login} déverrouillé.")

    def ask_disable(self) -> None:
        self._confirm_then("disable_staff_user", "Désactiver le compte du personnel {login} ? Il ne pourra "
                           "plus se connecter à la console.", "Compte {login} désactivé.")

    def _confirm_then(self, action: str, question: str, done: str) -> None:
        """Ask about the highlighted user; on Oui, call `StaffService.<action>` and show the list again."""
        login = self.highlighted_login()
        if login is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                principal = self.app.principal

                def call(staff):
                    getattr(staff, action)(login, by=principal)
                    return staff.list_staff_users(by=principal)

                self.call_staff(call, lambda users: self._changed(users, done.format(login=login)))

        self.app.push_screen(ConfirmModal(question.format(login=login)), answered)

    def _changed(self, users: list[StaffUserView], message: str) -> None:
        self.show(users)
        self.notify(message)

    def show_error(self, exc: DomainError, field: str | None = None) -> None:
        """Refusals of the add form go under their field; everything else is a notification."""
        if field != ADD_FORM:
            self.notify(exc.message, severity="error", timeout=8)
            return
        errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "": exc.message}
        for name, message in errors.items():
            if not (name in FIELDS and self.set_error(FIELDS[name], message)):
                self.notify(message, severity="error", timeout=8)
