"""CandidateApp: the kiosk / terminal application a candidate uses.

The Connexion screen paints first; the services (database opened and
migrated, demo catalog loaded) are prepared in a thread worker meanwhile.
Screens reach them only from their own thread workers, through
`app.services`, which waits until they are ready.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from textual import work
from textual.app import App
from textual.binding import Binding

from .config import Settings
from .theme import register_themes

if TYPE_CHECKING:  # the services (SQLModel, SQLAlchemy) load in a worker, after the first paint
    from .services import Services

ServicesFactory = Callable[[Settings], "Services"]


@dataclass(frozen=True)
class CandidateSession:
    """Who is logged in. Dropped whole at Déconnexion."""

    account_id: int
    login: str
    nom: str
    prenom: str

    @property
    def display_name(self) -> str:
        return f"{self.prenom} {self.nom}".upper()


class CandidateApp(App[int]):
    TITLE = "eCandidat"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Quitter", id="quit", show=False, priority=True)]

    def __init__(self, settings: Settings, services: Services | None = None,
                 services_factory: ServicesFactory | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.candidate: CandidateSession | None = None
        self._services = services
        self._services_factory = services_factory
        self._services_error: BaseException | None = None
        self._services_ready = threading.Event()
        if services is not None:
            self._services_ready.set()

    # ------------------------------------------------------------ services

    @property
    def services(self) -> Services:
        """The services; call from a thread worker (it waits for start-up)."""
        self._services_ready.wait()
        if self._services is None:
            raise RuntimeError("services failed to start") from self._services_error
        return self._services

    @work(thread=True, exclusive=True, group="startup", exit_on_error=False)
    def _prepare_services(self) -> None:
        try:
            assert self._services_factory is not None
            self._services = self._services_factory(self.settings)
        except BaseException as exc:
            self._services_error = exc
            self.call_from_thread(self.notify, f"Base de données indisponible : {exc}",
                                  severity="error", timeout=30)
            raise
        finally:
            self._services_ready.set()

    # ------------------------------------------------------------- screens

    def on_mount(self) -> None:
        register_themes(self)
        from .screens.connexion import ConnexionScreen

        self.push_screen(ConnexionScreen())
        if self._services is None and self._services_factory is not None:
            self.set_timer(0.15, self._prepare_services)  # paint and settle first, then load
        self.set_interval(self.settings.mail_dispatch_seconds, self.dispatch_mail)

    @work(thread=True, exclusive=True, group="mail", exit_on_error=False)
    def dispatch_mail(self) -> None:
        """Deliver pending mails; a failure leaves them pending for next time."""
        self.services.dispatcher.dispatch_pending()

    def start_session(self, session: CandidateSession) -> None:
        """After a successful login: remember who it is and show Mon compte."""
        from .screens.mon_compte import MonCompteScreen

        self.candidate = session
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(MonCompteScreen())

    # ------------------------------------------------------- navigation
    # One action per destination of the header; keys, mouse and the command
    # palette all go through these.

    def action_accueil(self) -> None:
        if self.candidate is not None:
            self.start_session(self.candidate)

    def action_assistance(self) -> None:
        from .screens.assistance import AssistanceScreen

        self.push_screen(AssistanceScreen())

    def action_offre_formation(self) -> None:
        from .screens.catalog import OffreFormationScreen

        self.push_screen(OffreFormationScreen(mode="browse"))

    def action_deconnexion(self) -> None:
        self.logout()

    def logout(self) -> None:
        """Déconnexion: drop the candidate and every screen that showed them."""
        self.candidate = None
        from .screens.connexion import ConnexionScreen

        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(ConnexionScreen())


def _build_services(settings: Settings) -> "Services":
    from .services import build_services  # imported in the worker, not before the first paint

    return build_services(settings)


def run_candidate_app(settings: Settings) -> int:
    app = CandidateApp(settings, services_factory=_build_services)
    result = app.run()
    if app._services is not None:
        app._services.close()
    return result or 0
