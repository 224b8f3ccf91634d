"""One memory measurement, run in a fresh process by bench_memory.

argv[1] is `bare` (a Textual app with one Static: the reference) or
`candidate` (the candidate app started as `ecandidat` starts it, on
ECANDIDAT_HOME, then driven like a person: log in with BENCH_LOGIN /
BENCH_PASSWORD, open Offre de formation, filter, expand centres, clear the
filter, go back to Mon compte). At exit it prints its peak RSS: VmHWM of
/proc/self/status, the high-water mark of this program's own memory.
(getrusage's ru_maxrss is not used: on Linux it also counts the memory of
the process before execve, i.e. the parent that forked it.)
"""

import asyncio
import os
import sys

MODE = sys.argv[1]


async def _wait(pilot, condition, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out in {MODE}")
        await pilot.pause(0.02)
    await pilot.pause()


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _stage(name: str) -> None:
    """Where the memory goes: RSS and peak so far, on stdout for the parent."""
    print(f"stage {name} rss_kib={_status_kib('VmRSS')} peak_kib={_status_kib('VmHWM')}", flush=True)


async def _browse(pilot) -> None:
    app = pilot.app
    _stage("painted")
    await _wait(pilot, lambda: app._services_ready.is_set())
    _stage("services-ready")
    await pilot.click("#login-user")
    await pilot.press(*os.environ["BENCH_LOGIN"])
    await pilot.click("#login-password")
    await pilot.press(*os.environ["BENCH_PASSWORD"], "enter")
    await _wait(pilot, lambda: app.candidate is not None)
    _stage("logged-in")
    app.action_offre_formation()
    def catalog_shown() -> bool:
        trees = app.screen.query("#catalog-tree") if app.screen.id == "offre-formation" else []
        # the centres shown and the formations read
        return bool(trees) and bool(trees.first().root.children) and app.screen.catalog is not None

    await _wait(pilot, catalog_shown)
    _stage("catalog-open")
    tree = app.screen.query_one("#catalog-tree")
    for centre in list(tree.root.children)[:5]:
        centre.expand()
        await pilot.pause()
    for word in ("informatique", "master", "licence bio", "droit"):
        app.screen.query_one("#catalog-filter").value = ""
        await pilot.click("#catalog-filter")
        await pilot.press(*("space" if c == " " else c for c in word))
        await pilot.pause()
    app.screen.query_one("#catalog-filter").value = ""
    await pilot.pause()
    _stage("catalog-browsed")
    await pilot.press("escape")
    await pilot.pause()
    print("browsed", flush=True)
    app.exit()


def _peak_kib() -> int:
    return _status_kib("VmHWM")


async def _bare(pilot) -> None:
    await pilot.pause()
    print("bare", flush=True)
    pilot.app.exit()


if MODE == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("Connexion")

    Bare().run(headless=True, size=(100, 40), auto_pilot=_bare)
    print(f"peak_kib={_peak_kib()}", flush=True)
else:
    from ecandidat_tui.app import CandidateApp
    from ecandidat_tui.app_base import build_services_in_worker
    from ecandidat_tui.config import load_settings

    CandidateApp(load_settings(), services_factory=build_services_in_worker).run(
        headless=True, size=(100, 40), auto_pilot=_browse)
    print(f"peak_kib={_peak_kib()}", flush=True)
