"""Timing a Textual screen to the frame that shows a state, without Pilot's idle sleeps.

Pilot's `press()` and `pause()` wait until the process looks idle (they
sleep at least 20 ms), which hides the latency we want. Instead a key is
sent as the terminal driver sends it (`send_key`), and the clock stops at the
**first frame that shows the expected state**: `Frames` wraps
`Screen._compositor_refresh` (headless, the frame is composed but not
written to a terminal) and, as each frame of the top screen starts, asks the
benchmark's condition whether the state holds; the frame's end time is taken
when it does.

A state only shows in a frame if the widgets that display it have been
repainted by then: a `refresh()` reaches the compositor a message later,
so a frame can start after the data changed but before the widget's repaint
was handed over. `settled(*widgets)` is therefore part of every condition:
it holds only when none of the widgets has a repaint still waiting for a
later frame. (An earlier version polled the condition every 0.5 ms and
stopped at the first frame *after* the poller saw it: while Textual laid a
screen out, back to back, the poller was starved and the clock ran on to a
later frame than the one that first showed the state.)

Textual composes at most 60 frames a second, so up to ~17 ms of a figure can
be waiting for the next frame.
"""

from __future__ import annotations

import asyncio
import time


class Frames:
    """Times of the frames the screens compose (headless: composed, not written)."""

    def __init__(self) -> None:
        self.last = 0.0
        self._condition = None      # evaluated as each frame of the top screen starts
        self.shown_at: float | None = None

    def install(self):
        from textual.screen import Screen

        original = Screen._compositor_refresh
        frames = self

        def _compositor_refresh(screen) -> None:
            condition = frames._condition
            shows = False
            if condition is not None and frames.shown_at is None and screen is screen.app.screen:
                try:
                    shows = bool(condition())
                except Exception:  # noqa: BLE001 - e.g. a query before the screen is mounted
                    shows = False
            original(screen)
            frames.last = time.perf_counter()
            if shows:
                frames.shown_at = frames.last

        Screen._compositor_refresh = _compositor_refresh
        return lambda: setattr(Screen, "_compositor_refresh", original)


def settled(*widgets) -> bool:
    """True when none of `widgets` has a repaint waiting for a later frame.

    `Widget.refresh()` records the regions to repaint at once and hands them
    to the compositor when the screen next updates; a DataTable measures new
    rows when idle, then refreshes. Until then a frame does not show them.
    """
    for w in widgets:
        if (w._repaint_required or w._repaint_regions or w._layout_required
                or getattr(w, "_require_update_dimensions", False)):
            return False
    return True


async def until_painted(frames: Frames, done, timeout: float = 30.0) -> float:
    """The end time of the first frame that starts with `done()` true (see `settled`)."""
    deadline = time.perf_counter() + timeout
    frames.shown_at = None
    frames._condition = done
    try:
        while frames.shown_at is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("no frame ever showed the expected state")
            await asyncio.sleep(0.0005)
        return frames.shown_at
    finally:
        frames._condition = None


def send_key(app, ch: str) -> None:
    """One key as the terminal driver delivers it."""
    from textual import events

    key = events.Key("space" if ch == " " else ch, ch)
    key.set_sender(app)
    app._driver.send_message(key)
