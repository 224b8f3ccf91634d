"""Start-up as a kiosk sees it: Connexion first, the database probed without
the ORM, the services built in the background, the collector kept out of it.

These apps get a `services_factory` (the production path) instead of ready
services; the factory is held on an Event so each test decides when the
"slow ORM load" ends.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from pathlib import Path

import pytest
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerState

from ecandidat_tui import startup_gc
from ecandidat_tui.app import CandidateApp
from ecandidat_tui.app_base import build_services_in_worker
from ecandidat_tui.config import load_settings
from ecandidat_tui.screens.connexion import ConnexionScreen
from ecandidat_tui.screens.mon_compte import MonCompteScreen
from ecandidat_tui.store.probe import HEAD_REVISION, schema_revision
from ecandidat_tui.testing import settle, wait_until


class HeldFactory:
    """A services factory that returns the harness's services once released."""

    def __init__(self, services) -> None:
        self.services = services
        self.release = threading.Event()
        self.called = threading.Event()

    def __call__(self, settings):
        self.called.set()
        assert self.release.wait(30), "test never released the services"
        return self.services


@pytest.fixture(autouse=True)
def _collector_back_on():
    yield
    startup_gc.resume()  # whatever a failed test left, the next one starts with the collector on


async def test_a_login_typed_while_the_orm_loads_waits_for_it_then_succeeds(ecandidat):
    cand = ecandidat.seed_candidate()
    factory = HeldFactory(ecandidat.services)
    app = CandidateApp(ecandidat.settings, services_factory=factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, factory.called.is_set)
        # Painted, focused, and the database probed at the head revision,
        # while the services are still "loading".
        assert isinstance(app.screen, ConnexionScreen) and app.focused.id == "login-user"
        assert app.ready_to_log_in.is_set() and not app._services_ready.is_set()
        assert not gc.isenabled()  # start-up runs without collector passes

        await pilot.press(*cand.login, "enter", *cand.password, "enter")
        # The login is waiting for the services (still held), not failed.
        [login] = [w for w in app.screen.workers if w.group == "login"]
        await wait_until(pilot, lambda: login.state == WorkerState.RUNNING)
        assert isinstance(app.screen, ConnexionScreen)
        assert app.screen.query_one("#login-error", Static).display is False

        factory.release.set()
        await wait_until(pilot, lambda: isinstance(app.screen, MonCompteScreen))
        await settle(app, pilot)
        assert app.candidate is not None and app.candidate.login == cand.login
        assert gc.isenabled() and gc.get_freeze_count() > 0  # back on, start-up heap frozen
        assert gc.get_threshold()[2] == startup_gc.FULL_PASS_EVERY  # full passes at their set pace


async def test_a_new_database_is_ready_only_once_migrated(tmp_path: Path):
    settings = load_settings(env={"ECANDIDAT_HOME": str(tmp_path / "home"), "ECANDIDAT_MAIL_BACKEND": "memory"})
    held, called = threading.Event(), threading.Event()

    def factory(s):
        called.set()  # the probe has answered: it runs before the services are built
        assert held.wait(30)
        return build_services_in_worker(s)

    app = CandidateApp(settings, services_factory=factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, called.is_set)
        assert not app.ready_to_log_in.is_set()  # no database file yet: the probe says no
        assert not Path(settings.database_url.partition(":///")[2]).exists()  # and did not create one
        held.set()
        await wait_until(pilot, app.ready_to_log_in.is_set, timeout=30)
        assert schema_revision(settings.database_url) == HEAD_REVISION
    app.close_services()


async def test_screens_have_their_breakpoint_class_when_they_compose(ecandidat):
    seen: dict[str, bool] = {}

    class Probe(Screen):
        def compose(self) -> ComposeResult:
            seen["narrow"] = self.has_class("-narrow")
            seen["wide"] = self.has_class("-wide")
            yield Static("probe")

    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        app.push_screen(Probe())
        await pilot.pause()
        assert seen == {"narrow": True, "wide": False}
    seen.clear()
    app = ecandidat.app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(Probe())
        await pilot.pause()
        assert seen == {"narrow": False, "wide": True}


# How many times Textual restyles these nodes is counted by benchmarks/bench_restyles.py;
# here, that they look right.


async def test_the_default_screen_has_its_breakpoint_class_from_the_start(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        default = app.screen_stack[0]
        assert default.id == "_default" and default.has_class("-narrow")


async def test_widgets_mounted_later_look_right(ecandidat):
    from textual.widgets import Button

    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        button = Button("Essai", variant="primary")  # its variant and style classes change
        button.add_class("essai")
        await app.screen.mount(button)
        await pilot.pause()
        reference = app.screen.query_one("#login-submit", Button)  # a primary button styled the usual way
        assert button.has_class("-primary")
        assert button.styles.background == reference.styles.background


async def test_a_new_screen_is_drawn_styled(ecandidat):
    class Page(Screen):
        def compose(self) -> ComposeResult:
            yield Static("page", id="page-text")

    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        page = Page()
        app.push_screen(page)
        await pilot.pause()
        text = page.query_one("#page-text", Static)
        assert text.region.width > 0 and str(text.render()) == "page"


async def test_threads_hand_the_interpreter_back_quickly_while_the_app_runs(ecandidat):
    import sys

    from ecandidat_tui.app_base import SWITCH_INTERVAL

    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL  # Python's 5 ms: an app made and never run changes nothing
    app = ecandidat.app()
    assert sys.getswitchinterval() == before
    async with app.run_test() as pilot:
        await pilot.pause()
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(before)


async def test_a_database_that_does_not_answer_at_start_up_is_tried_again(ecandidat, monkeypatch):
    """Every connection taken (40 consoles opened at 9 a.m.) or a server restarting: the
    app says so once, tries again, and a login typed meanwhile goes through."""
    from ecandidat_tui.services.errors import DatabaseUnavailable

    cand = ecandidat.seed_candidate()
    refusals = threading.Semaphore(3)  # the database refuses the first three tries
    tries: list[float] = []

    def factory(settings):
        tries.append(time.monotonic())
        if refusals.acquire(blocking=False):
            raise DatabaseUnavailable()
        return ecandidat.services

    monkeypatch.setattr(CandidateApp, "SERVICES_RETRY_DELAYS", (0.2, 0.4))
    app = CandidateApp(ecandidat.settings, services_factory=factory)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        def warned() -> bool:
            return any("Base de données indisponible : nouvel essai" in str(toast.render())
                       for toast in app.screen.query("Toast"))

        await wait_until(pilot, warned)
        await pilot.press(*cand.login, "enter", *cand.password, "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MonCompteScreen), timeout=15)
        assert app.candidate is not None and app.candidate.login == cand.login
        assert len(tries) == 4
        pauses = [b - a for a, b in itertools.pairwise(tries)]
        assert pauses[0] >= 0.2 and pauses[1] >= 0.4 and pauses[2] >= 0.4  # the last delay, again
