"""Show that long work is under way (PDF generation, a large upload, an import).

Two small helpers usable from the event loop *and* from a thread worker:

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _generate(self) -> None:
        with busy(self.query_one("#recap-pieces")):        # Textual's loading indicator
            pdf = self.app.services.dossier_pdf.build(...)
        ...

    with busy(self.query_one("#import-progress", ProgressBar), total=n) as step:
        for row in rows:
            ...
            step()                                          # advance the bar by one

`busy(widget)` sets `widget.loading` for the duration (the widget is
replaced by the animated indicator, so it cannot be clicked twice); with
`total=` and a `ProgressBar` it drives the bar instead. Either way the state
is restored on exit, even when the work raises.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any
from collections.abc import Callable, Iterator

from textual.widget import Widget
from textual.widgets import ProgressBar


def _in_loop_thread(widget: Widget) -> bool:
    return widget.app._thread_id == threading.get_ident()


def _call(widget: Widget, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    if _in_loop_thread(widget):
        callback(*args, **kwargs)
    else:
        widget.app.call_from_thread(callback, *args, **kwargs)


@contextmanager
def busy(widget: Widget, *, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """Mark `widget` busy while the block runs; yields `step(amount=1)` for progress bars."""
    if isinstance(widget, ProgressBar) and total is not None:
        _call(widget, widget.update, total=total, progress=0)

        def step(amount: float = 1) -> None:
            _call(widget, widget.advance, amount)

        try:
            yield step
        finally:
            _call(widget, widget.update, progress=total)
        return

    _call(widget, setattr, widget, "loading", True)
    try:
        yield lambda amount=1: None
    finally:
        _call(widget, setattr, widget, "loading", False)
