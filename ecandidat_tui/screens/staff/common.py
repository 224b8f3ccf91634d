"""What every staff screen shares: the header line, the worker that calls the
service, and how refusals are shown (next to their field, else a notification)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, NamedTuple

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ...domain import Confirmation, Decision
from ...services.errors import ConcurrentEdit, DomainError
from ...services.staff_views import StaffSessionEnded
from ...display import safe_text
from ...text import format_date


def fmt_date(value: date | None) -> str:
    return format_date(value, empty="—")


def fmt_datetime(value: datetime | None) -> str:
    return format_date(value, empty="—", at=" ")


def option_label(text: str) -> Text:
    """A Select's choice made of stored text: controls shown visibly, brackets never read as markup."""
    return Text(safe_text(text))


def oui_non(flag: bool) -> str:
    return "Oui" if flag else "Non"


def decision_text(decision: Decision | None, rang: int | None, validated: bool,
                  confirmation: Confirmation | None = None) -> str:
    """A decision as the staff lists show it, with the candidate's answer once there is one."""
    if decision is None:
        return "En attente"
    text = decision.label
    if rang:
        text += f" (rang {rang})"
    if not validated:
        return text + " — non validée"
    return f"{text} — {confirmation.label}" if confirmation else text


class Col(NamedTuple):
    """A staff table's column: `width` None shares the room the fixed ones leave."""

    key: str
    label: str
    width: int | None = None


TABLE_CHROME = 6  # screen columns around a table's cells: gutters and two scrollbars, kept free


def column_widths(room: int, columns: Sequence[Col]) -> tuple[int, ...]:
    """Widths for `columns` in `room` screen columns (each cell has one column of padding per side)."""
    flexible = [c for c in columns if c.width is None]
    left = room - 2 * len(columns) - sum(c.width or 0 for c in columns)
    share, extra = divmod(max(left, 6 * len(flexible)), len(flexible)) if flexible else (0, 0)
    widths = []
    for c in columns:
        if c.width is not None:
            widths.append(c.width)
        else:
            widths.append(share + extra)
            extra = 0
    return tuple(widths)


def cut(text: str, width: int) -> str:
    """`text` on one line of at most `width` characters, "…" marking a cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class StaffScreen(Screen):
    """Base of the staff screens: Échap goes back, service calls run in workers."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour", id="staff-back", tooltip="Revenir à l'écran précédent"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # table id -> (columns for a wide screen, for a narrow one, rows as (key, cells))
        self._fitted: dict[str, tuple[Sequence[Col], Sequence[Col], list[tuple[str, dict[str, str]]]]] = {}

    # ------------------------------------------------ tables fitted to the width

    NARROW = 110  # below this many columns, tables use their narrow set of columns

    def fill_table(self, table: DataTable, columns: Sequence[Col], rows: Iterable[tuple[str, dict[str, str]]],
                   *, narrow: Sequence[Col] | None = None) -> None:
        """Fill `table` with `rows` ((key, cells by column key)), its columns fitted to the
        screen's width so nothing has to be scrolled sideways at 80 columns; a cell too
        long for its column is cut with "…". `narrow` is the set of columns below
        `NARROW` columns (a detail line under the table then shows what it leaves out)."""
        rows = list(rows)
        self._fitted[table.id or ""] = (columns, narrow or columns, rows)
        self._refill(table)

    def _refill(self, table: DataTable) -> None:
        wide, narrow, rows = self._fitted[table.id or ""]
        width = self.size.width or self.app.size.width
        columns = narrow if width < self.NARROW else wide
        widths = column_widths(width - TABLE_CHROME, columns)
        cursor = table.cursor_row
        table.clear(columns=True)
        for col, w in zip(columns, widths, strict=True):
            table.add_column(col.label, key=col.key, width=w)
        for key, cells in rows:
            table.add_row(*(cut(cells.get(col.key, ""), w) for col, w in zip(columns, widths, strict=True)), key=key)
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))

    def on_resize(self) -> None:
        for table_id in self._fitted:
            self._refill(self.query_one(f"#{table_id}", DataTable))

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
        except StaffSessionEnded as exc:
            self.app.call_from_thread(self.app.end_session, exc.message)
            return
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

