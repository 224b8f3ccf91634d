"""One start-up measurement, run in a fresh process by bench_startup.

argv[1] is `bare` (a Textual app with one Static: the reference),
`connexion` (the Connexion screen painted and accepting keys) or `ready`
(the same, plus the database opened and migrated). It prints the seconds
since BENCH_T0, the parent's clock just before it spawned this process.
"""

import os
import sys
import time

T0 = float(os.environ["BENCH_T0"])
MODE = sys.argv[1]


async def _report_when_ready(pilot) -> None:
    await pilot.pause()
    if MODE == "ready":
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, lambda: pilot.app.services)
        await pilot.pause()
    print(f"{time.time() - T0:.6f}", flush=True)
    pilot.app.exit()


if MODE == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("Connexion")

    Bare().run(headless=True, auto_pilot=_report_when_ready)
else:
    from ecandidat_tui.app import CandidateApp, _build_services
    from ecandidat_tui.config import load_settings

    CandidateApp(load_settings(), services_factory=_build_services).run(
        headless=True, auto_pilot=_report_when_ready
    )
