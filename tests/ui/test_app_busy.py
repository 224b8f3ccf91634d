"""The busy() helper: loading indicator and progress bar, from a thread worker."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App, ComposeResult
from textual.widgets import ProgressBar, Static

from ecandidat_tui.widgets.busy import busy


class BusyApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.seen_loading: list[bool] = []

    def compose(self) -> ComposeResult:
        yield Static("travail", id="target")
        yield ProgressBar(id="bar")

    @work(thread=True)
    def long_work(self) -> None:
        target = self.query_one("#target")
        with busy(target):
            self.release.wait(5)
            self.seen_loading.append(self.call_from_thread(lambda: target.loading))
        with busy(self.query_one("#bar", ProgressBar), total=4) as step:
            for _ in range(3):
                step()
            self.seen_loading.append(self.call_from_thread(lambda: self.query_one("#bar", ProgressBar).progress == 3))


async def test_busy_shows_then_clears_the_indicator_and_drives_a_bar():
    app = BusyApp()
    async with app.run_test() as pilot:
        app.long_work()
        await pilot.pause()
        assert app.query_one("#target").loading is True
        app.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.seen_loading == [True, True]
        assert app.query_one("#target").loading is False
        assert app.query_one("#bar", ProgressBar).progress == 4


async def test_busy_works_from_the_event_loop_too():
    app = BusyApp()
    async with app.run_test() as pilot:
        target = app.query_one("#target")
        with busy(target):  # a handler's code: set at once, not through call_from_thread
            assert target.loading is True
        assert target.loading is False
        await pilot.pause()
