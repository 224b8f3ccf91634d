"""A DataTable whose new rows are drawn in the next frame."""

from __future__ import annotations

from textual.widgets import DataTable


class MeasuredDataTable(DataTable):
    """Textual's DataTable measures the rows added to it when it is next idle,
    and can only draw them after that: a screen that fills its table before
    its first frame showed an empty grid in that frame, and the rows one
    layout and one frame later (~30 ms on the Récapitulatif screen).
    `measure_rows()` measures them at once, so the first frame has them."""

    def measure_rows(self) -> None:
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)
