"""StaffApp: the support console (`ecandidat staff`, typically an SSH ForceCommand).

Same services and database as the kiosks. The staff login screen paints
first while the services are prepared in a thread worker; after login the
search screen is the base of the session. Global keys (shown in the footer):
F5 Formations and F7 Suivi des dossiers (gestionnaires, admins), F6 Journal (admins), F8 Personnel
(admins), F9 Campagne (gestionnaires, admins), F10 Déconnexion,
Échap goes back one screen, Ctrl+Q quits. Roles are enforced by
`StaffService`; the app only hides what a role cannot use.
"""

from __future__ import annotations

from typing import ClassVar, TYPE_CHECKING

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from .app_base import (
    FOCUS_KEYS,
    LeanStylingMixin,
    RestingCursorMixin,
    ServicesFactory,
    ServicesHostMixin,
    build_services_in_worker,
)
from .config import Settings
from .error_reporting import ErrorReportingMixin, configure_logging
from .services.staff_views import StaffPrincipal
from .theme import preset_themes

if TYPE_CHECKING:
    from .services import Services



class StaffApp(ErrorReportingMixin, ServicesHostMixin, LeanStylingMixin, RestingCursorMixin, App[int]):
    TITLE = "eCandidat — console du personnel"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    UNREPORTED_WORKER_GROUPS = ("startup", "mail")
    BINDINGS: ClassVar[list[BindingType]] = [
        *FOCUS_KEYS,
        Binding("f5", "formations", "Formations", id="staff-nav-formations",
                tooltip="Candidatures par formation et export CSV"),
        Binding("f6", "audit", "Journal", id="staff-nav-audit", tooltip="Journal des actions (administrateurs)"),
        # Not in the footer (it would push F10 off an 80-column line): the home screen names it.
        Binding("f7", "suivi", "Suivi", id="staff-nav-suivi", show=False,
                tooltip="Dossiers en attente, reçus et décisions, par formation"),
        Binding("f8", "staff_users", "Personnel", id="staff-nav-users",
                tooltip="Membres du personnel (administrateurs)"),
        # Not in the footer: at 80 columns it is full. Said on the Formations screen (F5) and in docs/staff.md.
        Binding("f9", "campaign", "Campagne", id="staff-nav-campaign", show=False,
                tooltip="Formations, dates, pièces justificatives et centres (gestionnaires, admins)"),
        Binding("f10", "deconnexion", "Déconnexion", id="staff-nav-deconnexion",
                tooltip="Fermer votre session"),
        Binding("ctrl+q", "quit", "Quitter", id="quit", show=False, priority=True),
    ]

    def __init__(self, settings: Settings, services: Services | None = None,
                 services_factory: ServicesFactory | None = None, *, strict_errors: bool = False) -> None:
        super().__init__()
        self._init_error_reporting(strict_errors)
        configure_logging(settings.log_file)
        self.settings = settings
        preset_themes(self)  # before the stylesheet is parsed: no second parse on mount
        self.principal: StaffPrincipal | None = None
        self._init_services(services, services_factory)

    # ------------------------------------------------------------- screens

    def on_mount(self) -> None:
        from .screens.staff.login import StaffLoginScreen

        self.push_screen(StaffLoginScreen())
        self._start_background()
        self._start_cursor_rest()

    def start_session(self, principal: StaffPrincipal) -> None:
        from .screens.staff.search import StaffSearchScreen

        self.principal = principal
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(StaffSearchScreen())

    def open_screen(self, screen) -> None:
        self.push_screen(screen)

    # ---------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("formations", "suivi", "campaign", "audit", "staff_users", "deconnexion"):
            if self.principal is None or isinstance(self.screen, ModalScreen):
                return False
            if action in ("formations", "suivi", "campaign"):
                return self.principal.role in ("gestionnaire", "admin")
            if action in ("audit", "staff_users"):
                return self.principal.role == "admin"
        return True

    def _back_to_search(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_formations(self) -> None:
        from .screens.staff.formations import FormationListScreen

        self._back_to_search()
        self.push_screen(FormationListScreen())

    def action_suivi(self) -> None:
        from .screens.staff.suivi import SuiviScreen

        self._back_to_search()
        self.push_screen(SuiviScreen())

    def action_campaign(self) -> None:
        from .screens.staff.campaign import CampaignScreen

        self._back_to_search()
        self.push_screen(CampaignScreen())

    def action_audit(self) -> None:
        from .screens.staff.audit import AuditScreen

        self._back_to_search()
        self.push_screen(AuditScreen())

    def action_staff_users(self) -> None:
        from .screens.staff.users import StaffUsersScreen

        self._back_to_search()
        self.push_screen(StaffUsersScreen())

    def action_deconnexion(self) -> None:
        self.logout()

    def logout(self) -> None:
        from .screens.staff.login import StaffLoginScreen

        self.principal = None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.clear_notifications()
        self.push_screen(StaffLoginScreen())

    def end_session(self, message: str) -> None:
        """The store refused the session's user (disabled meanwhile): back to the login screen."""
        if self.principal is None:
            return
        self.logout()
        self.notify(message, severity="error", timeout=10)


def run_staff_app(settings: Settings) -> int:
    app = StaffApp(settings, services_factory=build_services_in_worker)
    result = app.run()
    app.close_services()
    return app.return_code or result or 0  # 1 after an unexpected error (error_reporting)
