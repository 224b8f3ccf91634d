"""Unexpected errors: the traceback in the log with a reference; a failed worker's dialog
leaves the app usable, a bug in a handler ends it with one calm line."""

from __future__ import annotations

import re

import pytest
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from ecandidat_tui.app import CandidateApp
from ecandidat_tui.screens.errors import ERROR_TITLE, UnexpectedErrorScreen
from ecandidat_tui.services.errors import DomainError


class FragileScreen(Screen):
    """A screen with bugs on purpose: in a handler and in workers."""

    def compose(self) -> ComposeResult:
        yield Button("Crash", id="crash-handler")
        yield Button("Crash worker", id="crash-worker")
        yield Button("Crash exiting worker", id="crash-exiting-worker")
        yield Button("Refuse", id="refuse")
        yield Input(id="still-typing")
        yield Static("", id="pressed")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.query_one("#pressed", Static).update(f"pressed {event.button.id}")
        if event.button.id == "crash-handler":
            raise RuntimeError("handler boom")
        if event.button.id == "crash-worker":
            self.crash_in_thread()
        if event.button.id == "crash-exiting-worker":
            self.crash_exiting()
        if event.button.id == "refuse":
            self.refuse()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def crash_in_thread(self) -> None:
        raise ValueError("worker boom")

    @work(exclusive=True)  # exit_on_error=True: Textual would end the app
    async def crash_exiting(self) -> None:
        raise KeyError("async worker boom")

    @work(thread=True, exclusive=True, exit_on_error=False)
    def refuse(self) -> None:
        raise DomainError("Vous avez déjà candidaté à cette formation")


async def open_fragile(app: CandidateApp, pilot) -> FragileScreen:
    await pilot.pause()
    screen = FragileScreen()
    app.push_screen(screen)
    await pilot.pause()
    return screen


def log_text(app: CandidateApp) -> str:
    path = app.settings.log_file
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def close_dialog(app: CandidateApp, pilot) -> None:
    await pilot.click("#error-close")
    await pilot.pause()


@pytest.mark.parametrize("button, message", [
    ("crash-worker", "worker boom"),
])
async def test_a_failed_worker_shows_the_dialog_and_logs_the_traceback(ecandidat, button, message):
    app = ecandidat.app(strict_errors=False)
    async with app.run_test(size=(80, 24)) as pilot:
        fragile = await open_fragile(app, pilot)
        await pilot.click(f"#{button}")
        await app.workers.wait_for_complete()
        await pilot.pause()

        assert isinstance(app.screen, UnexpectedErrorScreen)
        assert str(app.screen.query_one("#error-title", Static).content) == ERROR_TITLE
        reference_text = str(app.screen.query_one("#error-reference", Static).content)
        reference = reference_text.removeprefix("Référence : ")
        assert re.fullmatch(r"\d{6}-\d{4}-[0-9A-F]{4}", reference)
        logged = log_text(app)
        assert reference in logged and "Traceback" in logged and message in logged

        await close_dialog(app, pilot)
        # The app, and the very screen whose worker failed, keep working.
        assert app.screen is fragile
        await pilot.click("#still-typing")
        await pilot.press(*"encore")
        assert fragile.query_one("#still-typing", Input).value == "encore"
        await pilot.click("#crash-worker")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnexpectedErrorScreen)
        assert len(app.error_references) == 2
        assert app.return_code is None


@pytest.mark.parametrize("button, message", [
    ("crash-handler", "handler boom"),
    ("crash-exiting-worker", "async worker boom"),
])
async def test_a_bug_in_a_handler_ends_the_app_with_one_calm_line(ecandidat, capsys, button, message):
    """Textual stops a widget whose handler raised: the app ends (a kiosk
    starts a fresh one, logged out), the terminal shows one calm line with
    a reference, the log the traceback."""
    app = ecandidat.app(strict_errors=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_fragile(app, pilot)
        await pilot.click(f"#{button}")
        await app.workers.wait_for_complete()
    assert app.return_code == 1
    printed = capsys.readouterr().err
    assert ERROR_TITLE in printed and "Traceback" not in printed and message not in printed
    reference = re.search(r"Référence : (\d{6}-\d{4}-[0-9A-F]{4})\.", printed).group(1)
    logged = log_text(app)
    assert reference in logged and "Traceback" in logged and message in logged
    assert app.error_references == []  # no dialog was shown


async def test_a_domain_refusal_in_a_worker_is_not_an_unexpected_error(ecandidat):
    app = ecandidat.app(strict_errors=False)
    async with app.run_test(size=(80, 24)) as pilot:
        fragile = await open_fragile(app, pilot)
        await pilot.click("#refuse")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is fragile
        assert app.error_references == []


async def test_strict_mode_still_fails_the_test_that_hit_a_bug(ecandidat):
    app = ecandidat.app()  # the harness default: strict_errors=True
    with pytest.raises(RuntimeError, match="handler boom"):
        async with app.run_test(size=(80, 24)) as pilot:
            await open_fragile(app, pilot)
            await pilot.click("#crash-handler")
            await pilot.pause()
    assert "handler boom" in log_text(app)  # logged with a reference all the same


class FailsAsItOpens(Screen):
    def compose(self) -> ComposeResult:
        yield Static("…", id="opening")

    def on_mount(self) -> None:
        self.read()

    @work(exclusive=True, exit_on_error=False)
    async def read(self) -> None:
        raise LookupError("read boom")


async def test_a_worker_failing_as_its_screen_opens_is_reported(ecandidat):
    app = ecandidat.app(strict_errors=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(FailsAsItOpens())
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnexpectedErrorScreen)
        assert "read boom" in log_text(app)
