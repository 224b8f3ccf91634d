"""Unexpected errors: a calm dialog with a reference, the traceback in the log.

A bug in one screen must not throw a candidate at a kiosk out to a shell
prompt, nor print a traceback on their terminal. `ErrorReportingMixin`
(used by the apps) turns every unexpected exception — in an event handler,
an action, a timer or a thread worker — into:

- one log record with the full traceback in `settings.log_file`, tagged with
  a short reference number;
- `UnexpectedErrorScreen`, a modal that shows that reference in French so
  the candidate can quote it to the support staff;
- an app that keeps running.

Textual's message loop stops a widget for good once one of its handlers
raised (`MessagePump._process_messages_loop` breaks out after calling
`App._handle_exception`), so the handler call itself is guarded
(`install_dispatch_guard`): the exception is reported there and the widget
goes on processing its messages. Refusals the person can act on
(`DomainError`) are the screens' business and are never reported here.
"""

from __future__ import annotations

import logging
import os
import traceback
from asyncio import CancelledError
from datetime import datetime, UTC
from pathlib import Path
from typing import Any, ClassVar, TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState
from textual.worker_manager import WorkerManager

from ..display import SafeFormatter

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger("ecandidat_tui.errors")

ERROR_TITLE = "Une erreur inattendue s'est produite"


def new_reference() -> str:
    """A short reference a person can read out: time of day + random part."""
    now = datetime.now(UTC)
    return f"{now:%y%m%d-%H%M}-{os.urandom(2).hex().upper()}"


class UnexpectedErrorScreen(ModalScreen[None]):
    """The calm dialog: what happened, the reference, and the way on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Fermer", id="error-close", tooltip="Fermer ce message"),
    ]

    def __init__(self, reference: str) -> None:
        super().__init__(id="error-dialog")
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical(id="error-panel", classes="dialog"):
            yield Static(ERROR_TITLE, id="error-title", classes="dialog-title")
            yield Static(
                "L'opération n'a pas pu aboutir. Rien n'a été enregistré à moitié : "
                "vous pouvez continuer à utiliser eCandidat, et réessayer.",
                id="error-message",
            )
            yield Static(f"Référence : {self.reference}", id="error-reference")
            yield Static(
                "Si le problème se reproduit, communiquez cette référence au service "
                "d'assistance (voir Assistance > Aide).",
                id="error-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fermer", id="error-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#error-close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "error-close":
            event.stop()
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class _ReportingWorkerManager(WorkerManager):
    """Sees every worker end, so failures of `exit_on_error=False` workers
    (whose `StateChanged` only reaches their own widget) are reported too."""

    def _remove_worker(self, worker: Worker) -> None:
        super()._remove_worker(worker)
        if worker.state != WorkerState.ERROR:
            return
        app = self._app
        # Imported only now: the services package loads SQLAlchemy and the
        # models in the start-up worker; a worker ending before that (the
        # start-up worker itself, cancelled by an early quit) would have
        # loaded them on the event loop.
        from ..services.errors import DomainError

        if (
            not worker.exit_on_error  # those went through App._handle_exception
            and isinstance(worker.error, Exception)
            and not isinstance(worker.error, DomainError)
            and worker.group not in getattr(app, "UNREPORTED_WORKER_GROUPS", ())
        ):
            report = getattr(app, "report_unexpected_error", None)
            if report is not None:
                report(worker.error, where=f"worker {worker.name or worker.group}", textual_fatal=False)
        elif worker.group in getattr(app, "UNREPORTED_WORKER_GROUPS", ()):
            log.warning("Worker %s failed: %r", worker.name or worker.group, worker.error)


_original_dispatch = MessagePump._dispatch_message


async def _guarded_dispatch(self: MessagePump, message: Any) -> None:
    try:
        await _original_dispatch(self, message)
    except CancelledError:
        raise
    except Exception as error:
        try:
            app = self.app
        except Exception:
            raise error from None
        if not getattr(app, "_reports_errors", False) or not app.can_report_errors():
            raise
        app.report_unexpected_error(error, where=f"{type(self).__name__}.{message.handler_name}")


def install_dispatch_guard() -> None:
    """Guard handler calls (only apps with ErrorReportingMixin are affected)."""
    if MessagePump._dispatch_message is not _guarded_dispatch:
        MessagePump._dispatch_message = _guarded_dispatch  # type: ignore[method-assign]


class ErrorReportingMixin:
    """Mix into an App before `App`: unexpected exceptions become the dialog.

    `strict_errors=True` (the test harness's default) also keeps the first
    error Textual would have ended the app on, so `run_test()` re-raises it
    at the end as it would without the dialog: a test never passes over a
    bug that the dialog would have hidden.
    """

    _reports_errors = True
    UNREPORTED_WORKER_GROUPS: tuple[str, ...] = ()

    def _init_error_reporting(self, strict_errors: bool = False) -> None:
        self.strict_errors = strict_errors
        self.error_references: list[str] = []
        self._workers = _ReportingWorkerManager(self)  # type: ignore[arg-type]
        install_dispatch_guard()

    def can_report_errors(self) -> bool:
        app: App = self  # type: ignore[assignment]
        return bool(app.is_running and app._running and not app._exit and app.screen_stack)

    def report_unexpected_error(self, error: BaseException, where: str = "",
                                textual_fatal: bool = True) -> str:
        """Log the traceback with a new reference and show the dialog.

        `textual_fatal`: Textual itself would have ended the app on this error
        (so `strict_errors` keeps it for `run_test` to re-raise); failures of
        `exit_on_error=False` workers are not, as in plain Textual.
        """
        app: App = self  # type: ignore[assignment]
        reference = new_reference()
        self.error_references.append(reference)
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        log.error("Unexpected error, reference %s (%s)\n%s", reference, where, text)
        if self.strict_errors and textual_fatal and app._exception is None and isinstance(error, Exception):
            app._exception = error
        if not any(isinstance(s, UnexpectedErrorScreen) for s in app.screen_stack):
            try:
                app.push_screen(UnexpectedErrorScreen(reference))
            except Exception:  # the dialog itself failing must not loop back here
                log.exception("Could not show the error dialog for %s", reference)
        return reference

    def _handle_exception(self, error: Exception) -> None:
        if self.can_report_errors():
            from textual.worker import WorkerFailed

            self.report_unexpected_error(
                error.error if isinstance(error, WorkerFailed) else error, where="app"
            )
            return
        # Start-up or shutdown: nothing to show a dialog on. Log, then let
        # Textual end the app (its traceback print is suppressed in `run`).
        self._fatal_reference = new_reference()
        log.error("Fatal error, reference %s\n%s", self._fatal_reference,
                  "".join(traceback.format_exception(error)))
        super()._handle_exception(error)  # type: ignore[misc]

    def _fatal_error(self) -> None:
        """Textual would print a traceback on the terminal: print one calm line."""
        from rich.text import Text

        app: App = self  # type: ignore[assignment]
        reference = getattr(self, "_fatal_reference", None) or new_reference()
        log_file = getattr(getattr(app, "settings", None), "log_file", "le journal")
        app._exit_renderables.append(Text(
            f"{ERROR_TITLE}. Référence : {reference}. Détails dans {log_file}."
        ))
        app._close_messages_no_wait()


def configure_logging(log_file: Path, level: int = logging.INFO) -> None:
    """Send the package's log records to `log_file` (directories created).

    Called once per app start; a second call with another file (tests) moves
    the handler rather than adding one.
    """
    root = logging.getLogger("ecandidat_tui")
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_ecandidat", False):
            if Path(getattr(handler, "baseFilename", "")) == log_file.resolve():
                return
            root.removeHandler(handler)
            handler.close()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
    except OSError:
        return  # a read-only kiosk still runs; errors then only reach the dialog
    handler._ecandidat = True  # type: ignore[attr-defined]
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
