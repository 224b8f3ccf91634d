"""Keep the cyclic garbage collector out of start-up.

Start-up allocates some hundred thousand long-lived objects (Textual's
widgets and styles, then SQLAlchemy, pydantic and the table models). Each
allocation burst triggers collector passes over everything allocated so far
— measured at ~140 ms of a ~500 ms start, two full passes among them — yet
they find next to nothing: these objects live as long as the process.

So the apps `pause()` the collector when they start and `resume()` it once
the services are ready. `resume()` first freezes what is alive then (moves
it to the permanent generation, `gc.freeze()`), so later full passes walk
only what the session allocates. Nothing leaks: objects are still freed by
reference counting, and cycles made after start-up are collected as usual.

Full passes then keep Python's own pace (`FULL_PASS_EVERY`, one every 10
passes of the middle generation). Making them rarer (100) was measured to
cost ~2 MiB at a kiosk's peak (the Offre de formation's 180,000 objects are
not frozen) for no gain on the filter's keystroke p95 once the catalog tree
frees its old nodes at once (`widgets/catalog_tree.py`); see
benchmarks/README.md.

This is the app's only garbage-collector policy; nothing else calls `gc`.
"""

from __future__ import annotations

import gc
import threading

FULL_PASS_EVERY = 10  # passes of the middle generation per full pass: Python's own

_lock = threading.Lock()
_paused = False


def pause() -> None:
    """Switch the collector off until `resume()`, unless someone else already did."""
    global _paused
    with _lock:
        if not _paused and gc.isenabled():
            gc.disable()
            _paused = True


def resume() -> None:
    """Freeze the start-up heap and switch the collector back on (idempotent)."""
    global _paused
    with _lock:
        if _paused:
            _paused = False
            gc.freeze()
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, FULL_PASS_EVERY)
            gc.enable()
