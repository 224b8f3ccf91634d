"""The one clock everything time-based reads.

Services date their rows, deadlines and code expiry from `now()` (through
`ServiceContext.clock`); the candidate app times the kiosk inactivity warning
and its countdown with `monotonic()`. Production uses `SYSTEM_CLOCK`. Tests
use `TestClock`, which they can move forward (`advance`) or stop at a fixed
instant (`freeze`): a kiosk timeout then takes no wall time, and seeded dates
no longer follow the day the test runs. Free of Textual: services import it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """The machine's clock: wall time in UTC, and a monotonic count of seconds."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def __call__(self) -> datetime:
        # A ServiceContext's clock is any `() -> datetime`; a Clock is one.
        return self.now()

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` whenever the clock jumps; returns the unsubscribe.

        The real clock never jumps, so nothing is ever called: readers poll it.
        """
        return lambda: None


SYSTEM_CLOCK = Clock()


class TestClock(Clock):
    """A clock a test controls: it runs with the real one until moved or frozen.

    `advance(minutes=16)` moves both `now()` and `monotonic()` at once and
    tells every subscriber (the app re-checks its inactivity timer then);
    `freeze(at)` stops it at `at` (a timezone-aware datetime), so the dates a
    test seeds and the screens show are the same every day.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0  # seconds added to the real clock
        self._frozen_wall: datetime | None = None
        # Frozen: whole nanoseconds from a whole second, so that advancing by a
        # timeout lands exactly on it (367.96 + 299 + 1 - 367.96 is 299.99999999999994
        # in floats, and a five-minute timeout then never fired).
        self._frozen_mono_ns = 0
        self._subscribers: list[Callable[[], None]] = []
        if frozen_at is not None:
            self.freeze(frozen_at)

    @property
    def frozen(self) -> bool:
        return self._frozen_wall is not None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_wall is not None:
                return self._frozen_wall
            return datetime.now(UTC) + timedelta(seconds=self._offset)

    def monotonic(self) -> float:
        with self._lock:
            if self._frozen_wall is not None:
                return self._frozen_mono_ns / 1_000_000_000
            return time.monotonic() + self._offset

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at `at` (default: now). Time then moves only by `advance`."""
        if at is not None and at.tzinfo is None:
            raise ValueError("freeze() needs a timezone-aware datetime")
        current_mono = math.ceil(self.monotonic())  # never back
        wall = (at or self.now()).astimezone(UTC)
        with self._lock:
            self._frozen_wall = wall
            self._frozen_mono_ns = current_mono * 1_000_000_000
        self._notify()

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0,
                days: float = 0.0) -> None:
        """Move the clock forward (never back) and tell the subscribers."""
        step = seconds + 60 * minutes + 3600 * hours + 86400 * days
        if step < 0:
            raise ValueError("a clock never goes back")
        with self._lock:
            if self._frozen_wall is not None:
                self._frozen_wall += timedelta(seconds=step)
                self._frozen_mono_ns += round(step * 1_000_000_000)
            else:
                self._offset += step
        self._notify()

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback()


__all__ = ["SYSTEM_CLOCK", "Clock", "TestClock"]
