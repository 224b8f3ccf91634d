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
- unexpected errors: the traceback in the log file with a reference; a
  failed worker shows a calm dialog quoting it, a bug in a handler ends the
  app with one calm line (`error_reporting.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from .app_base import (
    FOCUS_KEYS,
    LeanStylingMixin,
    RestingCursorMixin,
    ServicesFactory,
    ServicesHostMixin,
    build_services_in_worker,
)
from .clock import SYSTEM_CLOCK, Clock
from .config import Settings
from .error_reporting import ErrorReportingMixin, configure_logging
from .session import CandidateSession
from .theme import preset_themes

if TYPE_CHECKING:  # the services (SQLModel, SQLAlchemy) load in a worker, after the first paint
    from .screens.kiosk import IdleWarningScreen
    from .services import Services


@dataclass(frozen=True)
class Destination:
    """One entry of the header: its action, label, key and whether it needs a login."""

    action: str
    label: str
    key: str
    help: str
    needs_candidate: bool


DESTINATIONS: tuple[Destination, ...] = (
    Destination("accueil", "Accueil", "f2", "Ce qu'il vous reste à faire", True),
    Destination("assistance", "Assistance", "f3", "FAQ, catalogue des formations, boîte à outils, aide", False),
    Destination("offre_formation", "Offre de formation", "f4", "Parcourir les formations proposées", False),
    Destination("deconnexion", "Déconnexion", "f10", "Fermer votre session sur ce poste", True),
)
NAV_ACTIONS = {d.action: d for d in DESTINATIONS}


NO_MATCH = "Aucune page ne correspond"
PALETTE_PLACEHOLDER = "Aller à une page…"


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
        found = False
        for dest in self._destinations():
            score = matcher.match(dest.label)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(dest.label), partial(self._run, dest.action),
                          text=dest.label, help=dest.help)
        if not found:
            # Said in French here: without any hit the palette shows its own English line.
            yield Hit(1, NO_MATCH, self._nothing, text=NO_MATCH, help="Échap pour fermer ce menu")

    def _nothing(self) -> None:
        """Choosing "Aucune page ne correspond" just closes the menu."""


class CandidateApp(ErrorReportingMixin, ServicesHostMixin, LeanStylingMixin, RestingCursorMixin, App[int]):
    TITLE = "eCandidat"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {NavigationCommands}
    UNREPORTED_WORKER_GROUPS = ("startup", "mail")  # they notify or retry on their own
    # Screens narrower than 100 columns get `-narrow`: app.tcss tightens the footer there.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *FOCUS_KEYS,
        *(Binding(d.key, d.action, d.label, id=f"nav-{d.action.replace('_', '-')}", tooltip=d.help)
          for d in DESTINATIONS),
        Binding("ctrl+p", "command_palette", "Menu", id="command-palette", show=False, priority=True,
                tooltip="Aller à une page (Accueil, Assistance, Offre de formation, Déconnexion)"),
        Binding("ctrl+q", "quit", "Quitter", id="quit", show=False, priority=True,
                tooltip="Quitter eCandidat (code du personnel en mode libre-service)"),
    ]

    def __init__(self, settings: Settings, services: Services | None = None,
                 services_factory: ServicesFactory | None = None, *, strict_errors: bool = False,
                 clock: Clock | None = None) -> None:
        super().__init__()
        # The kiosk timers read this clock (tests pass a TestClock they can advance).
        self.clock = clock or SYSTEM_CLOCK
        self._init_error_reporting(strict_errors)
        configure_logging(settings.log_file)
        self.settings = settings
        preset_themes(self)  # before the stylesheet is parsed: no second parse on mount
        self.candidate: CandidateSession | None = None
        self.last_upload_folder: Path | None = None  # where this candidate last took a file from
        self.terminal_gone = False
        self._last_activity = self.clock.monotonic()
        # The warning counts until its result is handled, not just until it leaves
        # the stack: a tick in between would open a second one under the same id.
        self._idle_warning: IdleWarningScreen | None = None
        self._clock_unsubscribe: Callable[[], None] = lambda: None
        self._init_services(services, services_factory)

    # ------------------------------------------------------------- screens

    def on_mount(self) -> None:
        from .screens.connexion import ConnexionScreen

        self.push_screen(ConnexionScreen())
        self._start_background()
        self._start_cursor_rest()
        if self.settings.kiosk:
            self._last_activity = self.clock.monotonic()
            poll = min(1.0, max(0.1, float(self.settings.idle_timeout_seconds) / 4))
            self.set_interval(poll, self.check_inactivity, name="kiosk-idle")
            # A clock that jumps (a test's) is checked at once, not at the next poll.
            self._clock_unsubscribe = self.clock.subscribe(self._clock_jump_noticed)

    def on_unmount(self) -> None:
        self._clock_unsubscribe()

    def _clock_jump_noticed(self) -> None:
        self.call_later(self._clock_jumped)

    def _clock_jumped(self) -> None:
        if self._idle_warning is None:
            self.check_inactivity()
        elif self._idle_warning.is_attached:
            self._idle_warning.tick()

    def start_session(self, session: CandidateSession) -> None:
        """After a successful login: remember who it is and show Mon compte."""
        from .screens.mon_compte import MonCompteScreen

        self.candidate = session
        self.last_upload_folder = None
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
            if action == "offre_formation" and self.screen.id == "offre-formation":
                return False  # already there; and at 80 columns its footer has no room for it
            return self.destination_allowed(action)
        return True

    def _open_destination(self, screen: Screen, callback: Callable[[Any], None] | None = None) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(screen, callback)

    def action_accueil(self) -> None:
        if self.candidate is None:
            return
        from .screens.accueil import AccueilScreen

        self._open_destination(AccueilScreen())

    def action_assistance(self) -> None:
        from .screens.assistance import AssistanceScreen

        self._open_destination(AssistanceScreen())

    def action_offre_formation(self) -> None:
        """F4: the Offre de formation; a logged-in candidate may apply from it."""
        from .screens.catalog import OffreFormationScreen

        if self.candidate is None:
            self._open_destination(OffreFormationScreen(mode="browse"))
        else:
            self._open_destination(OffreFormationScreen(mode="apply"), self._formation_chosen)

    def _formation_chosen(self, formation_id: int | None) -> None:
        """Apply as Nouvelle candidature does, from Mon compte's Candidatures tab."""
        from .screens.candidatures_tab import CandidaturesPanel
        from .screens.mon_compte import MonCompteScreen

        if formation_id is None or self.candidate is None or not isinstance(self.screen, MonCompteScreen):
            return
        self.screen.show_tab("tab-candidatures")
        self.screen.query_one(CandidaturesPanel).create(formation_id)

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
        self.last_upload_folder = None
        from .screens.connexion import ConnexionScreen

        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.clear_notifications()
        self.copy_to_clipboard("")  # the app's copy and, where it can, the terminal's
        self._last_activity = self.clock.monotonic()
        self.push_screen(ConnexionScreen())

    def action_command_palette(self) -> None:
        """Ctrl+P: Textual's palette, with a French placeholder."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=PALETTE_PLACEHOLDER, id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """No theme switcher, screenshot or quit in the palette: only NavigationCommands."""
        return ()

    # ------------------------------------------------------------- kiosk

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, self._ACTIVITY):  # what a person does, as the resting cursor counts it
            self._last_activity = self.clock.monotonic()
        await super().on_event(event)

    def _has_candidate_traces(self) -> bool:
        """Is there anything of a person on screen (a session, a dialog, typed text)?"""
        if self.candidate is not None or len(self.screen_stack) > 2:
            return True
        return any(bool(i.value) for i in self.screen.query(Input))

    def check_inactivity(self) -> None:
        """Kiosk: after `idle_timeout_seconds` of inactivity, warn, then log out, whatever
        is open (a form, the menu, the staff unlock left half-typed)."""
        from .screens.kiosk import IdleWarningScreen

        if self._idle_warning is not None:  # open, opening, or its result not yet handled
            return
        if not self._has_candidate_traces():
            self._last_activity = self.clock.monotonic()
            return
        if self.clock.monotonic() - self._last_activity < float(self.settings.idle_timeout_seconds):
            return
        self._idle_warning = IdleWarningScreen(self.settings.idle_warning_seconds, clock=self.clock.monotonic)
        self.push_screen(self._idle_warning, self._idle_warning_closed)

    def _idle_warning_closed(self, timed_out: bool | None) -> None:
        self._idle_warning = None
        self._last_activity = self.clock.monotonic()
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
    return app.return_code or result or 0  # 1 after an unexpected error (error_reporting)
