"""Timing a Textual screen to the frame it composes, without Pilot's idle sleeps.

Pilot's `press()` and `pause()` wait until the process looks idle (they
sleep at least 20 ms), which hides the latency we want. Instead a key is
sent as the terminal driver sends it (`send_key`) and we poll (0.5 ms) until
the state we expect holds and a frame was composed after it (`Frames`
wraps `Screen._compositor_refresh`; headless, the frame is composed but not
written to a terminal). Textual composes at most 60 frames a second, so up
to ~17 ms of a figure can be waiting for the next frame.
"""

from __future__ import annotations

import asyncio
import time


class Frames:
    """Times of the frames the screens compose (headless: composed, not written)."""

    def __init__(self) -> None:
        self.last = 0.0

    def install(self):
        from textual.screen import Screen

        original = Screen._compositor_refresh
        frames = self

        def _compositor_refresh(screen) -> None:
            original(screen)
            frames.last = time.perf_counter()

        Screen._compositor_refresh = _compositor_refresh
        return lambda: setattr(Screen, "_compositor_refresh", original)


async def until_painted(frames: Frames, done, timeout: float = 30.0) -> float:
    """Wait until `done()` holds and a frame was composed after that; returns that frame's time."""
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen never showed the result")
        await asyncio.sleep(0.0005)
    changed = time.perf_counter()
    while frames.last < changed:
        if time.perf_counter() > deadline:
            raise TimeoutError("no frame after the change")
        await asyncio.sleep(0.0005)
    return frames.last


def send_key(app, ch: str) -> None:
    """One key as the terminal driver delivers it."""
    from textual import events

    key = events.Key("space" if ch == " " else ch, ch)
    key.set_sender(app)
    app._driver.send_message(key)
