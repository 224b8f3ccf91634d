"""The app's DataTable: cells shown as typed, new rows drawn in the next frame, drawn fast."""

from __future__ import annotations

from itertools import zip_longest

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets._data_table import RowRenderables, default_cell_formatter

from ..display import safe_text

_EMPTY = Text(no_wrap=True, end="")


def _as_text(datum: object, height: int) -> object:
    """A cell's renderable. Textual reads a `str` cell as Rich markup: a file
    named "notes[bold].pdf" showed as "notes.pdf", and a comment holding
    "[/…]" raised MarkupError while drawing. Here a `str` is plain text, its
    controls made visible (`safe_text`): an ESC in a file name reached the
    terminal as is."""
    if datum is None:
        return _EMPTY
    if isinstance(datum, str):
        if height and "\n" in datum:
            datum = "\n".join(datum.split("\n")[:height])
        return Text(safe_text(datum, multiline=height != 1), no_wrap=height == 1, end="")
    return default_cell_formatter(datum, wrap=height != 1, height=height) or _EMPTY


class TextTable(DataTable):
    """A DataTable for text that people and staff typed.

    - A `str` cell is shown as typed, never read as Rich markup (see `_as_text`;
      only `update_cell(..., update_width=True)`, unused here, would still
      measure the new value through Textual's markup formatter).
    - `measure_rows()` measures new rows at once: Textual measures them when
      idle and draws them only after that, so a screen filled before its
      first frame showed an empty grid, then the rows one layout and one
      frame later (~30 ms on the Récapitulatif).
    - A one-line text cell is drawn as one segment, the same cells Textual's
      drawing through Rich (`Styled(Padding(Text))`) gives, in a tenth of the
      time: ~70 µs a cell, 100 cells on the Récapitulatif's first frame.
      Anything else (several lines, a tab, a renderable) is drawn by Textual.
    """

    def measure_rows(self) -> None:
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    def _compute_row_renderables(self, row_index: int) -> RowRenderables:
        if row_index == -1:
            return super()._compute_row_renderables(row_index)  # the column labels: Text already
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row is None:
            return RowRenderables(None, [])
        cells = [_as_text(datum, row.height)
                 for datum, _ in zip_longest(self.get_row_at(row_index), range(len(self.columns)))]
        label = _as_text(row.label, row.height) if row.label and self._should_render_row_labels else None
        return RowRenderables(label, cells)

    def _one_line(self, row_index: int, column_index: int) -> str | None:
        """The text of a cell drawn on one line without Rich, or None."""
        if column_index < 0 or column_index < self.fixed_columns or 0 <= row_index < self.fixed_rows:
            return None
        if row_index == -1:
            if self.header_height != 1:
                return None
        else:
            row = self.rows.get(self._row_locations.get_key(row_index))
            if row is None or row.height != 1:
                return None
        cells = self._get_row_renderables(row_index).cells
        if column_index >= len(cells):
            return None
        cell = cells[column_index]
        if (type(cell) is not Text or cell.spans or cell.style or cell.justify not in (None, "default", "left")
                or cell.overflow not in (None, "fold", "crop")):
            return None
        text = cell.plain
        return text if text.isprintable() else None  # no tab, newline or control character

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        text = self._one_line(row_index, column_index) if width > 2 * self.cell_padding else None
        if text is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if row_index == -1 else self._row_locations.get_key(row_index)
        key = (row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
               self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is None:
            # Textual's second style puts the cursor's colours back over the cell's
            # own style; a plain text cell has none, so it changes nothing here.
            component_style, _ = self._get_styles_to_render_cell(
                row_index == -1, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
            pad = " " * self.cell_padding
            lines = [[Segment(pad + set_cell_size(text, width - 2 * self.cell_padding) + pad, style)]]
            self._cell_render_cache[key] = lines
        return lines
