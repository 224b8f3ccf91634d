"""Unexpected errors: the log file, a reference a person can quote, and what the app does next.

Two kinds of failure, handled the way Textual means them to be:

- An exception in an event handler, an action, a timer or a worker started
  with `exit_on_error=True` ends the app: Textual stops the widget whose
  handler raised, so nothing can be trusted to work after it. The app's
  exception hook (`textual_compat.UnhandledExceptionHook`) logs the
  traceback with a new reference and replaces Textual's traceback on the
  terminal by one calm line quoting it; the process exits with status 1. A
  kiosk's session wrapper starts a fresh app, which logs the candidate out:
  the safe outcome, nothing half-done stays on screen.
- A worker started with `exit_on_error=False` that fails with anything but
  a `DomainError` (a refusal the screen shows itself) leaves the app usable:
  Textual only reports it in a `Worker.StateChanged` message. The app reads
  those messages (its own, and every screen's through the screen's public
  `message_signal`), logs the traceback with a reference and shows
  `UnexpectedErrorScreen`.

`strict_errors=True` (the test harness's default) lets Textual end the app on
the first kind as it always does, so `run_test()` re-raises the error: a test
never passes over a bug.
"""

from __future__ import annotations

import logging
import os
import traceback
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerFailed, WorkerState

from .display import SafeFormatter
from .screens.errors import ERROR_TITLE, UnexpectedErrorScreen
from .textual_compat import UnhandledExceptionHook

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger("ecandidat_tui.errors")


def new_reference() -> str:
    """A short reference a person can read out: time of day + random part."""
    now = datetime.now(UTC)
    return f"{now:%y%m%d-%H%M}-{os.urandom(2).hex().upper()}"


def _traceback_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


class ErrorReportingMixin(UnhandledExceptionHook):
    """Mix into an App before `App`; call `_init_error_reporting` in `__init__`
    and `_watch_worker_failures` in `on_mount`."""

    UNREPORTED_WORKER_GROUPS: tuple[str, ...] = ()  # they notify or retry on their own

    def _init_error_reporting(self, strict_errors: bool = False) -> None:
        self.strict_errors = strict_errors
        self.error_references: list[str] = []
        self._watched_screens: weakref.WeakSet[Screen] = weakref.WeakSet()

    # ------------------------------------------------ handlers: the app ends

    def on_unhandled_exception(self, error: Exception) -> bool:
        """Textual is about to end the app on `error`: log it with a reference.

        Returns True when the app ended here, with one calm line for the
        terminal; False lets Textual end it its own way (strict mode, so that
        `run_test()` re-raises the error)."""
        app: App = self  # type: ignore[assignment]
        cause = error.error if isinstance(error, WorkerFailed) else error
        reference = new_reference()
        log.error("Unexpected error, the app ends; reference %s\n%s", reference, _traceback_text(cause))
        if self.strict_errors:
            return False
        log_file = getattr(getattr(app, "settings", None), "log_file", "le journal")
        app.exit(return_code=1)
        app.panic(Text(f"{ERROR_TITLE}. Référence : {reference}. Détails dans {log_file}."))
        return True

    # ------------------------------------ exit_on_error=False workers: a dialog

    def _watch_worker_failures(self) -> None:
        """Read the `Worker.StateChanged` messages of every screen, from now on."""
        app: App = self  # type: ignore[assignment]
        for screen in app.screen_stack:
            self._watch_screen(screen)
        # At once, not on the app's next turn: a worker the new screen starts
        # as it mounts may already have failed by then.
        app.screen_change_signal.subscribe(app, self._watch_screen, immediate=True)

    def _watch_screen(self, screen: Screen) -> None:
        if screen not in self._watched_screens:
            self._watched_screens.add(screen)
            screen.message_signal.subscribe(self, self._screen_message, immediate=True)  # type: ignore[arg-type]

    def _screen_message(self, message: Message) -> None:
        if isinstance(message, Worker.StateChanged):
            self._worker_state_changed(message.worker, message.state)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (start-up, mail)."""
        self._worker_state_changed(event.worker, event.state)

    def _worker_state_changed(self, worker: Worker, state: WorkerState) -> None:
        if state != WorkerState.ERROR or worker.exit_on_error:  # those end the app (see above)
            return
        # Imported only now: the services package loads SQLAlchemy and the
        # models in the start-up worker; a worker ending before that (the
        # start-up worker itself, cancelled by an early quit) would have
        # loaded them on the event loop.
        from .services.errors import DomainError

        error = worker.error
        if not isinstance(error, Exception) or isinstance(error, DomainError):
            return
        if worker.group in self.UNREPORTED_WORKER_GROUPS:
            log.warning("Worker %s failed: %r", worker.name or worker.group, error)
            return
        self.report_unexpected_error(error, where=f"worker {worker.name or worker.group}")

    def report_unexpected_error(self, error: BaseException, where: str = "") -> str:
        """Log the traceback with a new reference and show the dialog (once)."""
        app: App = self  # type: ignore[assignment]
        reference = new_reference()
        self.error_references.append(reference)
        log.error("Unexpected error, reference %s (%s)\n%s", reference, where, _traceback_text(error))
        if app.is_running and app.return_code is None and not any(
                isinstance(s, UnexpectedErrorScreen) for s in app.screen_stack):
            app.push_screen(UnexpectedErrorScreen(reference))
        return reference


class _LogFileHandler(logging.FileHandler):
    """The handler `configure_logging` installs (told apart from others by its class)."""


def configure_logging(log_file: Path, level: int = logging.INFO) -> None:
    """Send the package's log records to `log_file` (directories created).

    Called once per app start; a second call with another file (tests) moves
    the handler rather than adding one.
    """
    root = logging.getLogger("ecandidat_tui")
    root.setLevel(level)
    for handler in list(root.handlers):
        if isinstance(handler, _LogFileHandler):
            if Path(handler.baseFilename) == log_file.resolve():
                return
            root.removeHandler(handler)
            handler.close()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFileHandler(log_file, encoding="utf-8", delay=True)
    except OSError:
        return  # a read-only kiosk still runs; errors then only reach the dialog
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)

