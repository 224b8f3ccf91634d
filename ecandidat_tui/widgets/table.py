"""The app's DataTable: text cells shown as typed, drawn fast."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from ..display import safe_text
from ..textual_compat import FastTextCells


class PlainText(Text):
    """A cell's literal text. It compares (equal, sorted) as the `str` it shows,
    like the `str` cell it replaces: callers and tests read cells back and
    compare them with strings."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.plain == other
        return super().__eq__(other)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, (str, Text)):
            return self.plain < (other if isinstance(other, str) else other.plain)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as Text


def as_text(datum: Any, height: int | None = 1) -> Any:
    """A cell's value as the table should show it. Textual reads a `str` cell
    as Rich markup: a file named "notes[bold].pdf" showed as "notes.pdf", and a
    comment holding "[/…]" raised MarkupError while drawing. A `str` becomes a
    `PlainText` (on one line in a one-line row), its controls made visible
    (`safe_text`: an ESC in a file name reached the terminal as is); anything
    else is kept."""
    if datum is None:
        return PlainText(no_wrap=True, end="")
    if isinstance(datum, str):
        if height and "\n" in datum:
            datum = "\n".join(datum.split("\n")[:height])
        return PlainText(safe_text(datum, multiline=height != 1), no_wrap=height == 1, end="")
    return datum


class TextTable(FastTextCells):
    """A DataTable for text that people and staff typed.

    - A `str` cell is shown as typed, never read as Rich markup (`as_text`),
      whether it is added or updated (`update_cell_at` goes through `update_cell`).
    - `measure_rows()` measures new rows at once, and one-line text cells are
      drawn without Rich (`textual_compat.FastTextCells`).
    """

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: Any = None) -> RowKey:
        return super().add_row(*(as_text(c, height) for c in cells), height=height, key=key,
                               label=None if label is None else as_text(label, height))

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, *,
                    update_width: bool = False) -> None:
        row = self.rows.get(RowKey(row_key) if isinstance(row_key, str) else row_key)
        height = row.height if row is not None else 1
        super().update_cell(row_key, column_key, as_text(value, height), update_width=update_width)
