"""One start-up measurement, run in a fresh process by bench_startup.

argv[1] is `bare` (a Textual app with one Static: the reference),
`connexion` (the Connexion screen painted and accepting keys), `ready`
(the same, plus the database opened and found at the head revision:
`app.ready_to_log_in`, answered by the bare driver) or `services` (the same,
plus SQLAlchemy, SQLModel and the models loaded and the services built; a
login submitted before this waits for it). It prints the seconds since
BENCH_T0, the parent's clock just before it spawned this process. With
BENCH_EXIT_AT_PAINT set, the process ends right there (bench_startup counts
its instructions under callgrind).

"Painted" is the first frame the screen composes (headless: composed, not
written) once the screen is mounted and, for Connexion, the login field has
the focus, so a key goes somewhere. It is taken from a wrapper around
`Screen._compositor_refresh`, not from Pilot's `pause()`: that waits until
the process looks idle, and the services worker loading SQLAlchemy in the
background after the first paint would count as start-up.
"""

import os
import sys
import threading
import time

T0 = float(os.environ["BENCH_T0"])
MODE = sys.argv[1]

from textual.screen import Screen  # noqa: E402 - the import is part of what is timed

_painted = threading.Event()
_reported = threading.Event()
_original = Screen._compositor_refresh


def _report(app) -> None:
    if not _reported.is_set():
        _reported.set()
        print(f"{time.time() - T0:.6f}", flush=True)
        if os.environ.get("BENCH_EXIT_AT_PAINT"):
            os._exit(0)  # counting instructions: nothing after the paint may count
        app.exit()


def _is_ready_to_paint(screen) -> bool:
    app = screen.app
    if MODE == "bare":
        return screen.is_mounted
    return (type(screen).__name__ == "ConnexionScreen" and screen.is_mounted
            and app.focused is not None and app.focused.id == "login-user")


def _compositor_refresh(screen) -> None:
    _original(screen)
    if _painted.is_set() or not _is_ready_to_paint(screen):
        return
    _painted.set()
    app = screen.app
    if MODE in ("bare", "connexion") or _ready_event(app).is_set():
        _report(app)


Screen._compositor_refresh = _compositor_refresh


def _ready_event(app) -> threading.Event:
    return app.ready_to_log_in if MODE == "ready" else app._services_ready


def _when_ready(app) -> None:
    while not _ready_event(app).wait(0.005):
        if app._services_ready.is_set() and app._services is None:
            break
    if app._services_ready.is_set() and app._services is None:
        print("services failed", file=sys.stderr, flush=True)
        app.call_from_thread(app.exit, 1)
        return
    _painted.wait()
    app.call_from_thread(_report, app)


if MODE == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("Connexion")

    Bare().run(headless=True)
else:
    from ecandidat_tui.app import CandidateApp
    from ecandidat_tui.app_base import build_services_in_worker
    from ecandidat_tui.config import load_settings

    app = CandidateApp(load_settings(), services_factory=build_services_in_worker)
    if MODE in ("ready", "services"):
        threading.Thread(target=_when_ready, args=(app,), daemon=True).start()
    app.run(headless=True)
    if app._services is not None:
        app._services.close()
