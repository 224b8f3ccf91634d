"""CandidateApp: the kiosk / terminal application a candidate uses.

The Connexion screen paints first; the services (database opened and
migrated, demo catalog loaded) are prepared in a thread worker meanwhile.
Screens reach them only from their own thread workers, through
`app.services`, which waits until they are ready.

The app also owns what holds every screen together:

- navigation: the four destinations of the header (`Accueil`,
  `Assistance`, `Offre de formation`, `Déconnexion`) are app actions, bound
  to F2, F3, F4 and F10 (shown in the footer), run by the `NavHeader`
  buttons and offered by the command palette (Ctrl+P), which offers nothing
  else;
- kiosk mode (`settings.kiosk`): the inactivity timeout and its warning,
  the staff unlock code to quit, no Ctrl+Z suspend;
- the terminal watchdog (an SSH drop ends the process);
- unexpected errors: a calm dialog with a reference, the traceback in the
  log file (`screens/errors.py`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import partial
from typing import ClassVar, TYPE_CHECKING
from collections.abc import Callable, Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from .app_base import FOCUS_KEYS, LeanStylingMixin, ServicesFactory, ServicesHostMixin, build_services_in_worker
from .config import Settings
from .screens.errors import ErrorReportingMixin, configure_logging
from .session import CandidateSession
from .theme import preset_themes

if TYPE_CHECKING:  # the services (SQLModel, SQLAlchemy) load in a worker, after the first paint
    from .services import Services


@dataclass(frozen=True)
class Destination:
    """One entry of the header: its action, label, key and whether it needs a login."""

    action: str
    label: str
    key: str
    help: str
    needs_candidate: bool
    footer: str = ""  # a shorter label for the footer, which must fit 80 columns

    @property
    def footer_label(self) -> str:
        return self.footer or self.label


DESTINATIONS: tuple[Destination, ...] = (
    Destination("accueil", "Accueil", "f2", "Ce qu'il vous reste à faire", True),
    Destination("assistance", "Assistance", "f3", "FAQ, catalogue des formations, boîte à outils, aide", False),
    Destination("offre_formation", "Offre de formation", "f4", "Parcourir les formations proposées", False,
                footer="Formations"),
    Destination("deconnexion", "Déconnexion", "f10", "Fermer votre session sur ce poste", True),
)
NAV_ACTIONS = {d.action: d for d in DESTINATIONS}


class NavigationCommands(Provider):
    """The command palette: the header's destinations, and nothing else."""

    def _destinations(self) -> list[Destination]:
        app = self.app
        allowed = getattr(app, "destination_allowed", None)
        return [d for d in DESTINATIONS if allowed is None or allowed(d.action)]

    def _run(self, action: str) -> None:
        # Called once the palette has closed; the action re-checks the session.
        self.app.call_later(getattr(self.app, f"action_{action}"))

    async def discover(self) -> Hits:
        for dest in self._destinations():
            yield DiscoveryHit(dest.label, partial(self._run, dest.action), help=dest.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for dest in self._destinations():
            score = matcher.match(dest.label)
            if score > 0:
                yield Hit(score, matcher.highlight(dest.label), partial(self._run, dest.action),
                          text=dest.label, help=dest.help)


class CandidateApp(ErrorReportingMixin, ServicesHostMixin, LeanStylingMixin, App[int]):
    TITLE = "eCandidat"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {NavigationCommands}
    UNREPORTED_WORKER_GROUPS = ("startup", "mail")  # they notify or retry on their own
    # Screens narrower than 100 columns get `-narrow`: app.tcss tightens the footer there.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *FOCUS_KEYS,
        *(Binding(d.key, d.action, d.footer_label, id=f"nav-{d.action.replace('_', '-')}", tooltip=d.help)
          for d in DESTINATIONS),
        Binding("ctrl+p", "command_palette", "Menu", id="command-palette", show=False, priority=True,
                tooltip="Aller à une page (Accueil, Assistance, Offre de formation, Déconnexion)"),
        Binding("ctrl+q", "quit", "Quitter", id="quit", show=False, priority=True,
                tooltip="Quitter eCandidat (code du personnel en mode libre-service)"),
    ]

    def __init__(self, settings: Settings, services: Services | None = None,
                 services_factory: ServicesFactory | None = None, *, strict_errors: bool = False) -> None:
        super().__init__()
        self._init_error_reporting(strict_errors)
        configure_logging(settings.log_file)
        self.settings = settings
        preset_themes(self)  # before the stylesheet is parsed: no second parse on mount
        self.candidate: CandidateSession | None = None
        self.terminal_gone = False
        self._last_activity = time.monotonic()
        # The warning counts until its result is handled, not just until it leaves
        # the stack: a tick in between would open a second one under the same id.
        self._idle_warning: Screen | None = None
        self._init_services(services, services_factory)

    # ------------------------------------------------------------- screens

    def on_mount(self) -> None:
        from .screens.connexion import ConnexionScreen

        self.push_screen(ConnexionScreen())
        self._start_background()
        if self.settings.kiosk:
            self._last_activity = time.monotonic()
            poll = min(1.0, max(0.1, float(self.settings.idle_timeout_seconds) / 4))
            self.set_interval(poll, self.check_inactivity, name="kiosk-idle")

    def start_session(self, session: CandidateSession) -> None:
        """After a successful login: remember who it is and show Mon compte."""
        from .screens.mon_compte import MonCompteScreen

        self.candidate = session
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(MonCompteScreen())

    # ------------------------------------------------------- navigation
    # One action per destination of the header; keys, mouse and the command
    # palette all go through these. A destination opens above the session's
    # base screen (Mon compte, or Connexion before login), so the stack never
    # grows by wandering around, and Échap/Fermer returns to the base.

    def destination_allowed(self, action: str) -> bool:
        dest = NAV_ACTIONS.get(action)
        return dest is not None and (self.candidate is not None or not dest.needs_candidate)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NAV_ACTIONS:
            # Not from under a dialog (error, idle warning, unlock, confirmations).
            if isinstance(self.screen, ModalScreen):
                return False
            return self.destination_allowed(action)
        return True

    def _open_destination(self, screen: Screen) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(screen)

    def action_accueil(self) -> None:
        if self.candidate is None:
            return
        from .screens.accueil import AccueilScreen

        self._open_destination(AccueilScreen())

    def action_assistance(self) -> None:
        from .screens.assistance import AssistanceScreen

        self._open_destination(AssistanceScreen())

    def action_offre_formation(self) -> None:
        from .screens.catalog import OffreFormationScreen

        self._open_destination(OffreFormationScreen(mode="browse"))

    def action_mon_compte(self) -> None:
        """Back to the session's base screen (Mon compte once logged in)."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_deconnexion(self) -> None:
        if self.candidate is not None:
            self.logout()

    def logout(self) -> None:
        """Déconnexion: drop the candidate and every screen that showed them.

        On a kiosk the next person must find nothing of the previous one: the
        session, every screen (and so every form value), notifications and
        the app's clipboard go; a fresh Connexion screen is shown.
        """
        self.candidate = None
        from .screens.connexion import ConnexionScreen

        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.clear_notifications()
        self._clipboard = ""
        self._last_activity = time.monotonic()
        self.push_screen(ConnexionScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """No theme switcher, screenshot or quit in the palette: only NavigationCommands."""
        return ()

    # ------------------------------------------------------------- kiosk

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseUp, events.MouseMove,
                              events.MouseScrollDown, events.MouseScrollUp)):
            self._last_activity = time.monotonic()
        await super().on_event(event)

    def _has_candidate_traces(self) -> bool:
        """Is there anything of a person on screen (a session, a dialog, typed text)?"""
        if self.candidate is not None or len(self.screen_stack) > 2:
            return True
        return any(bool(i.value) for i in self.screen.query(Input))

    def check_inactivity(self) -> None:
        """Kiosk: after `idle_timeout_seconds` of inactivity, warn, then log out."""
        from .screens.kiosk import IdleWarningScreen, UnlockScreen

        if self._idle_warning is not None and self._idle_warning.is_attached:
            return
        if not self._has_candidate_traces() or any(isinstance(s, UnlockScreen) for s in self.screen_stack):
            self._last_activity = time.monotonic()
            return
        if time.monotonic() - self._last_activity < float(self.settings.idle_timeout_seconds):
            return
        self._idle_warning = IdleWarningScreen(self.settings.idle_warning_seconds)
        self.push_screen(self._idle_warning, self._idle_warning_closed)

    def _idle_warning_closed(self, timed_out: bool | None) -> None:
        self._idle_warning = None
        self._last_activity = time.monotonic()
        if timed_out:
            self.logout()

    async def action_quit(self) -> None:
        if not self.settings.kiosk:
            self.exit()
            return
        from .screens.kiosk import UnlockScreen

        if not any(isinstance(s, UnlockScreen) for s in self.screen_stack):
            self.push_screen(UnlockScreen(self.settings.kiosk_unlock_hash), self._unlock_closed)

    def _unlock_closed(self, unlocked: bool | None) -> None:
        if unlocked:
            self.exit()

    def action_suspend_process(self) -> None:
        # A suspended kiosk app would leave the candidate at a shell prompt.
        if not self.settings.kiosk:
            super().action_suspend_process()


def run_candidate_app(settings: Settings) -> int:
    if settings.kiosk:
        os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)  # keep Ctrl+C/Ctrl+Z as plain keys
    app = CandidateApp(settings, services_factory=build_services_in_worker)
    result = app.run()
    app.close_services()
    return result or 0
