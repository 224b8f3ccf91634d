"""What the candidate app and the staff console share: services prepared in
a thread worker after the first paint, the mail dispatcher's interval, the
watchdog that ends the process when its terminal goes away (SSH drop), the
parsed-CSS cache, and the skipping of restyles Textual does that change
nothing (`LeanStylingMixin`). Most of this is about how fast a session
starts: see "Start-up" in docs/deployment.md.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING
from collections.abc import Callable

from textual import events, work
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from . import startup_gc, textual_compat
from .config import Settings
from .css_cache import install_css_cache

if TYPE_CHECKING:
    from .services import Services
    from .watchdog import TerminalWatchdog

ServicesFactory = Callable[[Settings], "Services"]

# How long a thread may keep the interpreter while another waits for it.
# Python's 5 ms suits throughput; here the event loop shares the interpreter
# with thread workers that read the store (a whole catalog, SQLAlchemy being
# imported), and each turn of the loop, which waits on its selector and so
# lets go of the interpreter, waited up to 5 ms to get it back: opening the
# Offre de formation took twice as long while its catalog was being read.
SWITCH_INTERVAL = 0.001


def build_services_in_worker(settings: Settings) -> Services:
    """The services factory of both apps: SQLModel is imported here, in the worker."""
    from .services import build_services

    return build_services(settings)


def _first_resume_keeps_styles(screen: Screen) -> None:
    """A screen pushed for the first time is styled as its widgets mount,
    just before its first `ScreenResume`, which would restyle every node
    again (`refresh_styles`). That first resume is told not to; later ones
    (back from a dialog, after another screen) restyle as usual."""
    post_message = screen.post_message

    def first_post(message):
        if isinstance(message, events.ScreenResume):
            message.refresh_styles = False
            del screen.post_message  # the class's method again from now on
        return post_message(message)

    screen.post_message = first_post


# Tab and Shift+Tab move the focus as the key arrives. Textual binds them on
# the screen, and a screen binding runs once the key has reached the focused
# widget and come back: keys typed behind it (fast typing, a password manager,
# a badge reader) had already been handed to the field being left, a password
# into the visible login field on a kiosk. No widget of the apps uses Tab
# itself (the text areas move the focus with it too).
FOCUS_KEYS = [
    Binding("tab", "focus_next", "Champ suivant", show=False, priority=True),
    Binding("shift+tab", "focus_previous", "Champ précédent", show=False, priority=True),
]


class LeanStylingMixin:
    """Three restyles Textual does that change nothing; mix in before `App`.

    - A screen gets its breakpoint class (`-narrow`/`-wide`) in its first
      `Resize`, after it was styled on mount and again on `ScreenResume`: a
      third full restyle of every node of the screen. The app's size is known
      when a screen is pushed, so the class is set then, without a restyle,
      and the `Resize` finds nothing to change. The app must define
      `HORIZONTAL_BREAKPOINTS`.
    - A widget that changes a class in its constructor (a Button sets its
      variant and style classes) is restyled at once although it is not in
      the DOM yet; it is styled anyway when it mounts. Such restyles of
      detached nodes are skipped.
    - A new screen's first `ScreenResume` restyles the whole screen its
      widgets were styled for a moment before (`_first_resume_keeps_styles`).

    Together about a third of the time to paint Connexion.
    """

    def _preset_breakpoint(self, screen: Screen) -> None:
        breakpoints = (screen.HORIZONTAL_BREAKPOINTS if screen.HORIZONTAL_BREAKPOINTS is not None
                       else self.HORIZONTAL_BREAKPOINTS) or []
        width = self.size.width
        chosen = next((name for limit, name in sorted(breakpoints, reverse=True) if width >= limit), None)
        screen.update_classes({name: name == chosen for _, name in breakpoints}, update=False)

    def get_default_screen(self) -> Screen:
        screen = super().get_default_screen()  # styled when registered, then resumed
        self._preset_breakpoint(screen)
        _first_resume_keeps_styles(screen)
        return screen

    def push_screen(self, screen, *args, **kwargs):
        if isinstance(screen, Screen) and not screen.is_attached:
            self._preset_breakpoint(screen)
            _first_resume_keeps_styles(screen)
        return super().push_screen(screen, *args, **kwargs)

    def update_styles(self, node, animate: bool = True) -> None:
        if node is not self and not node.is_attached:
            return  # styled when it mounts (the app applies the stylesheet on register)
        super().update_styles(node, animate=animate)


class RestingCursorMixin:
    """A text cursor blinks while a person is there, and rests when nobody is.

    Textual's cursor blinks forever: a repaint written to the terminal twice a
    second by every console left open, which is the whole CPU of an idle SSH
    console (see "Capacity" in docs/deployment.md). After
    `cursor_rest_seconds` without a key, a click or a paste, the focused
    field's cursor stops blinking and stays drawn; the next key, click or
    paste makes it blink again, before the key reaches the field. A field
    that gets the focus while nobody is there (a screen opened by a timer) is
    rested at the next check (four per delay). Mix in before `App`; call `_start_cursor_rest`
    in `on_mount`.
    """

    settings: Settings
    _ACTIVITY = (events.Key, events.MouseDown, events.MouseUp, events.MouseMove,
                 events.MouseScrollDown, events.MouseScrollUp, events.Paste)
    _last_input: float | None = None  # monotonic time of the last key, click or paste; None until mounted
    _rested_cursors: tuple[Widget, ...] = ()

    def _start_cursor_rest(self) -> None:
        rest = self.settings.cursor_rest_seconds
        self._last_input = time.monotonic()
        # Checked four times per delay (every 15 s by default): the cursor rests between
        # 1 and 1.25 delays after the last key. (Timer.reset restarts only at the next tick.)
        self.set_interval(rest / 4, self._check_cursor_rest, name="cursor-rest")  # type: ignore[attr-defined]

    def _check_cursor_rest(self) -> None:
        if self._last_input is not None and time.monotonic() - self._last_input >= self.settings.cursor_rest_seconds:
            self._rest_cursor()

    def _rest_cursor(self) -> None:
        """Nobody typed for a while: the focused field's cursor stops blinking, visible."""
        widget = self.focused  # type: ignore[attr-defined]
        if widget is not None and getattr(widget, "cursor_blink", None) is True:
            widget.cursor_blink = False
            self._rested_cursors += (widget,)

    def _wake_cursors(self) -> None:
        for widget in self._rested_cursors:
            if not widget.is_attached:
                continue
            if widget.has_focus:
                widget.cursor_blink = True
            else:  # an Input's watcher would start blinking a field that has no focus
                widget.set_reactive(type(widget).cursor_blink, True)  # type: ignore[attr-defined]
        self._rested_cursors = ()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, self._ACTIVITY) and self._last_input is not None:
            self._last_input = time.monotonic()
            if self._rested_cursors:
                self._wake_cursors()
        await super().on_event(event)  # type: ignore[misc]


class ServicesHostMixin:
    """Mix into an App before `App`; call `_init_services` in `__init__` (once
    the theme is chosen) and `_start_background` in `on_mount`."""

    settings: Settings

    def _init_services(self, services: Services | None, factory: ServicesFactory | None) -> None:
        textual_compat.install_output_guard()  # before anything is drawn
        self._services = services
        self._services_factory = factory
        self._services_error: BaseException | None = None
        self._services_ready = threading.Event()
        # Set once the database answered at the head revision: a login from
        # then on succeeds (waiting, if it comes that early, for the ORM).
        self.ready_to_log_in = threading.Event()
        self._watchdog: TerminalWatchdog | None = None
        self._switch_interval: float | None = None  # Python's, while the app runs
        # After the theme is chosen (see css_cache): parsed CSS from the last run.
        self._css_cache = install_css_cache(self, self.settings.data_dir / "cache")
        if services is not None:
            self._services_ready.set()
            self.ready_to_log_in.set()
        elif factory is not None:
            startup_gc.pause()  # until the services are ready (see startup_gc)

    def get_driver_class(self):
        """Textual's driver, but one whose input survives bytes that are not UTF-8."""
        from .textual_compat import tolerant_driver_class

        return tolerant_driver_class(super().get_driver_class())  # type: ignore[misc]

    @property
    def services(self) -> Services:
        """The services; call from a thread worker (it waits for start-up)."""
        self._services_ready.wait()
        if self._services is None:
            raise RuntimeError("services failed to start") from self._services_error
        return self._services

    # Seconds between two tries while the database does not answer at start-up (then the last, again).
    SERVICES_RETRY_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 15)

    @work(thread=True, exclusive=True, group="startup", exit_on_error=False)
    def _prepare_services(self) -> None:
        """Build the services. While the database cannot be reached (a server
        restarting, every connection taken at 9 a.m.), try again with growing
        pauses, saying so once; a login typed meanwhile waits and goes through."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        tries = 0
        try:
            while True:
                try:
                    self._services = self._build_services()
                    return
                except Exception as exc:
                    # Imported here: SQLAlchemy loads after the probe (see store/probe.py).
                    from .services.errors import DatabaseUnavailable
                    from .store.db import is_unavailable

                    if not isinstance(exc, DatabaseUnavailable) and not is_unavailable(exc):
                        raise
                    if tries == 0:
                        self.call_from_thread(self.notify, "Base de données indisponible : nouvel essai dans un "
                                              "instant. Vous pouvez saisir vos identifiants.",
                                              severity="warning", timeout=15)
                    delay = self.SERVICES_RETRY_DELAYS[min(tries, len(self.SERVICES_RETRY_DELAYS) - 1)]
                    tries += 1
                    deadline = time.monotonic() + delay
                    while time.monotonic() < deadline:
                        if worker.is_cancelled:
                            raise
                        time.sleep(0.05)
        except BaseException as exc:
            self._services_error = exc
            self.call_from_thread(self.notify, f"Base de données indisponible : {exc}",
                                  severity="error", timeout=30)
            raise
        finally:
            self._services_ready.set()
            startup_gc.resume()

    def _build_services(self) -> Services:
        assert self._services_factory is not None
        # The bare driver answers in a few ms; SQLAlchemy and the models
        # take several times longer to load (see store/probe.py).
        from .store.probe import is_at_head

        if is_at_head(self.settings.database_url):
            self.ready_to_log_in.set()
        services = self._services_factory(self.settings)
        self.ready_to_log_in.set()  # e.g. a new database, migrated just now
        return services

    @work(thread=True, exclusive=True, group="mail", exit_on_error=False)
    def dispatch_mail(self) -> None:
        """Deliver pending mails; a failure leaves them pending for next time."""
        self.services.dispatcher.dispatch_pending()

    def _start_background(self) -> None:
        """After the first screen is pushed: error reporting, services, mail interval, watchdog."""
        self._watch_worker_failures()  # type: ignore[attr-defined]  # ErrorReportingMixin
        textual_compat.warn_if_disabled()
        if self._switch_interval is None:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, self._switch_interval))
        if self._services is None and self._services_factory is not None:
            # Once the first screen has painted: the person can type while
            # SQLAlchemy and the models load.
            self.call_after_refresh(self._prepare_services)
        self.call_after_refresh(self._css_cache.save)  # a no-op unless something was parsed
        self.set_interval(self.settings.mail_dispatch_seconds, self.dispatch_mail)
        if not self.is_headless:
            from .watchdog import TerminalWatchdog

            self._watchdog = TerminalWatchdog(self)
            self._watchdog.start()

    def on_unmount(self) -> None:
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        startup_gc.resume()
        self._css_cache.save()  # what the screens opened since start-up parsed
        if self._watchdog is not None:
            self._watchdog.stop()

    def close_services(self) -> None:
        if self._services is not None:
            self._services.close()
