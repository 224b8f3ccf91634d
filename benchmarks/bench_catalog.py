"""Offre de formation with 10,000 formations in 60 centres (store.demo.generate_catalog).

Driven headless through Textual's Pilot, on SQLite, like a person:

- open: push `OffreFormationScreen(mode="browse")` until the first frame
  that shows the tree with the centres and their numbers of formations
  (the worker read them, the tree was built, the screen painted). Target
  ≤ 300 ms (median). Cold (the service's cached tree forgotten first, as the
  first open in a kiosk process) and warm (opened again: the cached tree).
  Cold, the screen shows the centres before it has read the formations:
  the time until the whole catalog is read (a filter works from then on) is
  reported too, without a target.
  Reference: pushing a screen with one Static and an Input, same app.
- keystroke: one key sent as the terminal driver sends it, into
  `#catalog-filter`, until the first frame that shows the filtered tree
  (the screen's `shown` replaced, the tree, filter and count repainted). Target p95 ≤ 30 ms.
  Each word starts on the settled screen (the box cleared, the whole list
  and the highlighted line's detail shown); its keys come `KEY_GAP` apart,
  as from a fast typist (150 words a minute),
  not the instant the previous frame is out: no person types that fast, and
  a key sent then waits for the screen's next 1/60 s frame slot.
  Reference: one key into a bare Input until the frame that shows it, same pace.
  (Timed to the composed frame: see benchmarks/frames.py.)

Also reported, to split the cost: the service call `catalog_tree()` alone
and `CatalogTree.filter()` alone. Smoke: 500 formations, few repeats.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from pathlib import Path

from ecandidat_tui import startup_gc

from .envs import services_for
from .frames import Frames, send_key, until_painted
from .harness import Figure, check

# Typed one key at a time; each prefix is a filter the person sees.
WORDS = ("informatique", "master droit", "licence bio", "gestion alter", "histoire", "math")
KEY_GAP = 0.08  # seconds between two keys: 12.5 keys a second, a fast typist


def _build(home: Path, n_formations: int):
    from ecandidat_tui.store.demo import generate_catalog

    services = services_for(home)
    generate_catalog(services.db, n_formations=n_formations, n_centres=60, seed=0)
    return services


async def _drive(services, repeat_open: int, keystrokes: int) -> dict[str, list[float]]:
    from textual.screen import Screen
    from textual.widgets import Input, Static, Tree

    from ecandidat_tui.app import CandidateApp
    from ecandidat_tui.screens.catalog import OffreFormationScreen

    class Plain(Screen):
        def compose(self):
            yield Static("Offre de formation")
            yield Input(id="plain-input")

    frames = Frames()
    uninstall = frames.install()
    samples: dict[str, list[float]] = {"open": [], "open_read": [], "open_warm": [], "open_ref": [],
                                       "key": [], "key_ref": []}
    app = CandidateApp(services.settings, services=services)
    threshold = gc.get_threshold()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            # The app started with a services factory (as `ecandidat` starts it)
            # applies its collector policy once the services are ready
            # (startup_gc). Handed ready services, as here, it does not: apply it.
            startup_gc.pause()
            startup_gc.resume()
            for i in range(repeat_open + 1):
                # reference: a screen with one Static and an Input
                t0 = time.perf_counter()
                plain = Plain()
                app.push_screen(plain)
                ref_ms = (await until_painted(frames, lambda plain=plain: plain.is_current and plain.is_mounted,
                                              lambda plain=plain: plain.query("*")) - t0) * 1000
                app.pop_screen()
                await pilot.pause()
                # the catalog: cold (the tree read from the store, as the first
                # open in a kiosk process) then warm (the service's cached tree)
                for kind in ("open", "open_warm"):
                    if kind == "open" and hasattr(services.catalog, "invalidate"):
                        services.catalog.invalidate()
                    t0 = time.perf_counter()
                    screen = OffreFormationScreen(mode="browse")
                    read_at: list[float] = []

                    def catalog_loaded(catalog, loaded=screen._catalog_loaded, read_at=read_at):
                        read_at.append(time.perf_counter())
                        loaded(catalog)

                    screen._catalog_loaded = catalog_loaded
                    app.push_screen(screen)
                    open_ms = (await until_painted(frames, lambda screen=screen: screen.is_mounted and bool(
                        screen.query_one("#catalog-tree", Tree).root.children),
                        lambda screen=screen: [screen.query_one("#catalog-tree", Tree)]) - t0) * 1000
                    if i:  # the first round warms imports
                        samples[kind].append(open_ms)
                    if kind == "open":
                        while not read_at:
                            await asyncio.sleep(0.005)
                        if i:
                            samples["open_read"].append((read_at[0] - t0) * 1000)
                    await pilot.pause()
                    if i < repeat_open or kind == "open":
                        app.pop_screen()
                        await pilot.pause()
                if i:
                    samples["open_ref"].append(ref_ms)
            # keystrokes in the filter (the catalog screen is on top)
            screen = app.screen
            filt = screen.query_one("#catalog-filter", Input)
            tree = screen.query_one("#catalog-tree", Tree)
            count_line = screen.query_one("#catalog-count", Static)
            filt.focus()
            count = 0
            while count < keystrokes:
                for word in WORDS:
                    # Cleared, then settled as a person sees it before the next
                    # word: the whole list, and the detail of the highlighted line
                    # (it follows the cursor after DETAIL_DELAY).
                    filt.value = ""
                    await pilot.pause()
                    while screen.detail_pending:
                        await asyncio.sleep(0.005)
                    await pilot.pause()
                    for ch in word:
                        await asyncio.sleep(KEY_GAP)
                        before = screen.shown
                        t0 = time.perf_counter()
                        send_key(app, ch)
                        if ch == " ":  # a space alone does not change the words
                            await until_painted(frames, lambda: filt.value.endswith(" "), lambda: [filt])
                            continue
                        shown_at = await until_painted(frames, lambda before=before: screen.shown is not before,
                                                   lambda: [filt, tree, count_line])
                        samples["key"].append((shown_at - t0) * 1000)
                        count += 1
            # reference: one key in a bare Input on a plain screen
            plain = Plain()
            app.push_screen(plain)
            await pilot.pause()
            bare = plain.query_one("#plain-input", Input)
            bare.focus()
            await pilot.pause()
            for n in range(min(keystrokes, 100)):
                await asyncio.sleep(KEY_GAP)
                length = len(bare.value)
                t0 = time.perf_counter()
                send_key(app, "abcdefghij"[n % 10])
                shown_at = await until_painted(frames, lambda length=length: len(bare.value) > length,
                                               lambda: [bare])
                samples["key_ref"].append((shown_at - t0) * 1000)
    finally:
        uninstall()
        gc.set_threshold(*threshold)  # the next benchmarks start from Python's policy
    return samples


def run(smoke: bool = False) -> list[Figure]:
    n_formations = 500 if smoke else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        services = _build(Path(tmp), n_formations)
        try:
            catalog = services.catalog
            service_ms = []
            for _ in range(3 if smoke else 10):
                if hasattr(catalog, "invalidate"):
                    catalog.invalidate()
                t0 = time.perf_counter()
                tree = catalog.catalog_tree()
                service_ms.append((time.perf_counter() - t0) * 1000)
            filter_ms = []
            for word in WORDS:
                for k in range(1, len(word) + 1):
                    t0 = time.perf_counter()
                    tree.filter(word[:k])
                    filter_ms.append((time.perf_counter() - t0) * 1000)
            samples = asyncio.run(_drive(services, 3 if smoke else 12, 20 if smoke else 150))
        finally:
            services.close()
    size = f"{n_formations:,} formations, 60 centres"
    open_ref = Figure("catalog: push a one-Static screen (reference)", "ms", samples["open_ref"])
    opened = Figure("catalog: open Offre de formation (cold: tree read from the store)", "ms",
                    samples["open"], reference="one-Static screen", note=size)
    opened.ratio = round(opened.median / open_ref.median, 2)
    read = Figure("catalog: open, until the whole catalog is read (cold; the filter works from then)", "ms",
                  samples["open_read"], note=size)
    warm = Figure("catalog: open Offre de formation again (warm: the service's cached tree)", "ms",
                  samples["open_warm"], reference="one-Static screen", note=size)
    warm.ratio = round(warm.median / open_ref.median, 2)
    key_ref = Figure("catalog: one key in a bare Input (reference)", "ms", samples["key_ref"])
    key = Figure("catalog: one keystroke in the filter until the tree shows it", "ms", samples["key"],
                 reference="bare Input key", note=size)
    key.ratio = round(key.median / key_ref.median, 2)
    return [
        open_ref,
        check(opened, max_ms=300),
        read,
        check(warm, max_ms=300),
        Figure("catalog: catalog_tree() service call alone (cold)", "ms", service_ms, note=size),
        key_ref,
        check(key, max_ms=30, on="p95"),
        Figure("catalog: CatalogTree.filter() alone", "ms", filter_ms, note=size),
    ]
