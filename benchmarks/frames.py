"""Timing a Textual screen to the frame that shows a state, without Pilot's idle sleeps.

Pilot's `press()` and `pause()` wait until the process looks idle (they
sleep at least 20 ms), which hides the latency we want. Instead a key is
sent as the terminal driver sends it (`send_key`), and the clock stops at the
**first frame that shows the expected state**: `Frames` wraps
`Screen._compositor_refresh` (headless, the frame is composed but not
written to a terminal) and, as each frame of the top screen starts, asks the
benchmark's condition whether the state holds; the frame's end time is taken
when it does.

A state only shows in a frame if the widgets that display it are painted
with it: a `refresh()` reaches the compositor a message later, so a frame
can start after the data changed but before the widget's repaint was handed
over. So each condition names its widgets, and a frame counts only if every
one of them either has no repaint waiting (`settled`) or is rendered whole
in that frame (`Widget.render_lines` is wrapped to count the lines). (An
earlier version polled the condition every 0.5 ms and stopped at the first
frame *after* the poller saw it: while Textual laid a screen out, back to
back, the poller was starved and the clock ran on to a later frame than the
one that first showed the state.)

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
        from textual.widget import Widget

        original = Screen._compositor_refresh
        original_render_lines = Widget.render_lines
        frames = self
        rendered: dict = {}   # widget -> lines it rendered during the frame being composed
        tracking = [False]

        def render_lines(widget, crop):
            if tracking[0]:
                rendered[widget] = rendered.get(widget, 0) + crop.height
            return original_render_lines(widget, crop)

        def _compositor_refresh(screen) -> None:
            condition = frames._condition
            pending = None
            if condition is not None and frames.shown_at is None and screen is screen.app.screen:
                try:
                    if condition[0]():
                        # the widgets showing the state whose repaint has not reached
                        # the compositor: they must be rendered whole in this frame
                        shown_by = list(condition[1]())
                        # a DataTable measures new rows when idle: until then it
                        # cannot draw them, however much of it is repainted
                        if not any(getattr(w, "_require_update_dimensions", False) for w in shown_by):
                            pending = [w for w in shown_by if not settled(w)]
                except Exception:  # e.g. a query before the screen is mounted
                    pending = None
            rendered.clear()
            tracking[0] = pending is not None
            try:
                original(screen)
            finally:
                tracking[0] = False
            frames.last = time.perf_counter()
            if pending is not None and all(rendered.get(w, 0) >= _visible_height(screen, w) for w in pending):
                frames.shown_at = frames.last

        Screen._compositor_refresh = _compositor_refresh
        Widget.render_lines = render_lines

        def uninstall():
            Screen._compositor_refresh = original
            Widget.render_lines = original_render_lines

        return uninstall


def _visible_height(screen, widget) -> int:
    try:
        region, clip = screen._compositor.visible_widgets[widget]
    except KeyError:
        return 1 << 30  # not on screen: cannot have been shown
    return clip.intersection(region).height


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


async def until_painted(frames: Frames, done, widgets=lambda: (), timeout: float = 30.0) -> float:
    """The end time of the first frame that shows the state `done()` checks.

    `widgets()` returns the widgets that display that state: a frame shows it
    if `done()` holds as the frame starts and each of those widgets either has
    no repaint waiting (`settled`) or is rendered whole in that frame.
    """
    deadline = time.perf_counter() + timeout
    frames.shown_at = None
    frames._condition = (done, widgets)
    try:
        while frames.shown_at is None:
            if time.perf_counter() > deadline:
                raise TimeoutError("no frame ever showed the expected state")
            # The frame hook records the time; this loop only notices it. Each
            # turn takes the interpreter from the thread workers (the catalog
            # being read): a 0.5 ms poll made them several times slower.
            await asyncio.sleep(0.005)
        return frames.shown_at
    finally:
        frames._condition = None


def send_key(app, ch: str) -> None:
    """One key as the terminal driver delivers it."""
    from textual import events

    key = events.Key("space" if ch == " " else ch, ch)
    key.set_sender(app)
    app._driver.send_message(key)
