"""What every staff screen shares: the header line, the worker that calls the
service, and how refusals are shown (next to their field, else a notification)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from textual import work
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from ...services.errors import ConcurrentEdit, DomainError
from ...text import format_date


def fmt_date(value: date | None) -> str:
    return format_date(value, empty="—")


def fmt_datetime(value: datetime | None) -> str:
    return format_date(value, empty="—", at=" ")


def oui_non(flag: bool) -> str:
    return "Oui" if flag else "Non"


class StaffScreen(Screen):
    """Base of the staff screens: Échap goes back, service calls run in workers."""

    BINDINGS = [Binding("escape", "back", "Retour", id="staff-back", tooltip="Revenir à l'écran précédent")]

    def staff_header(self) -> Static:
        principal = self.app.principal
        text = f"{principal.login} — {principal.role.label}" if principal else ""
        if principal and principal.centres:
            text += f" ({', '.join(principal.centres)})"
        return Static(text, id="staff-user", classes="staff-user", markup=False)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    # --------------------------------------------------------- workers

    @work(thread=True, exclusive=True, group="staff-call", exit_on_error=False)
    def call_staff(self, call: Callable[[Any], Any], done: Callable[[Any], None],
                   field: str | None = None) -> None:
        """Run `call(services.staff)` off the UI thread; `done(result)` back on it."""
        try:
            result = call(self.app.services.staff)
        except ConcurrentEdit as exc:
            self.app.call_from_thread(self.concurrent_edit, exc)
            return
        except DomainError as exc:
            self.app.call_from_thread(self.show_error, exc, field)
            return
        self.app.call_from_thread(done, result)

    def concurrent_edit(self, exc: ConcurrentEdit) -> None:
        """Another staff member wrote first: say so; screens reload what they show."""
        self.notify(exc.message, severity="warning", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # nothing under the session's base screen
            return len(self.app.screen_stack) > 2
        return True

    def clear_errors(self) -> None:
        for widget in self.query(".field-error"):
            widget.update("")
            widget.remove_class("-shown")

    def set_error(self, field: str, message: str) -> bool:
        """Show `message` under the field `field` (Static `#<field>-error`); False if there is none."""
        try:
            widget = self.query_one(f"#{field}-error", Static)
        except NoMatches:
            return False
        widget.update(message)
        widget.set_class(bool(message), "-shown")
        return True

    def show_error(self, exc: DomainError, field: str | None = None) -> None:
        target = exc.field or field
        if target and self.set_error(target, exc.message):
            return
        self.notify(exc.message, severity="error", timeout=8)


def compact_button(*args: Any, **kwargs: Any):
    """Buttons one line high, so a whole staff screen fits in 80x24."""
    from textual.widgets import Button

    return Button(*args, compact=True, **kwargs)

