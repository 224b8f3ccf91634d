"""Kiosk mode: inactivity warning and wipe, the locked quit, no suspend.

The idle timer reads the app's clock: these tests freeze the harness's
`TestClock` and move it with `advance()`, so a five-minute timeout takes no
wall time and a loaded machine cannot make a countdown run out early.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Static

from ecandidat_tui.app import CandidateApp, CandidateSession
from ecandidat_tui.screens.assistance import AssistanceScreen
from ecandidat_tui.screens.connexion import ConnexionScreen
from ecandidat_tui.screens.kiosk import IdleWarningScreen, UnlockScreen
from ecandidat_tui.services.security import hash_secret
from ecandidat_tui.testing import make_harness, wait_for_screen, wait_until

UNLOCK_CODE = "Staff-Kiosk-42"
TIMEOUT, WARNING = 300, 30  # the production defaults


@pytest.fixture
def kiosk(tmp_path: Path):
    """A kiosk installation (5 min timeout, 30 s warning) on a frozen clock."""
    harness = make_harness(tmp_path / "home", kiosk=True, idle_timeout_seconds=TIMEOUT,
                           idle_warning_seconds=WARNING, kiosk_unlock_hash=hash_secret(UNLOCK_CODE))
    harness.clock.freeze()
    yield harness
    harness.services.close()


async def log_in(app: CandidateApp, pilot, cand) -> None:
    app.start_session(CandidateSession(cand.account_id, cand.login, cand.nom, cand.prenom))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def countdown(app: CandidateApp) -> str:
    return str(app.screen.query_one("#idle-countdown", Static).content)


async def test_inactivity_warns_then_logs_out_and_wipes_everything(kiosk):
    cand = kiosk.seed_candidate(nom="Gockel", prenom="Charlotte")
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        first_connexion = app.screen
        await log_in(app, pilot, cand)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)

        kiosk.clock.advance(TIMEOUT - 1)
        await pilot.pause()
        assert isinstance(app.screen, AssistanceScreen)  # the check ran: one second short
        started = time.monotonic()
        kiosk.clock.advance(1)
        await wait_for_screen(pilot, IdleWarningScreen)
        assert app.candidate is not None  # warned first, not yet logged out
        assert "déconnecté dans 30 secondes" in countdown(app)
        kiosk.clock.advance(WARNING - 1)
        await pilot.pause()
        assert "déconnecté dans 1 seconde" in countdown(app)

        kiosk.clock.advance(1)
        await wait_for_screen(pilot, ConnexionScreen)
        assert time.monotonic() - started < 60  # five minutes and a half of the clock, not of the wall
        assert app.candidate is None
        # The next person finds a fresh Connexion screen and nothing else.
        assert [type(s) for s in app.screen_stack[1:]] == [ConnexionScreen]
        assert app.screen is not first_connexion
        assert all(i.value == "" for i in app.screen.query(Input))
        texts = " ".join(str(s.content) for s in app.screen.query(Static))
        assert "GOCKEL" not in texts.upper() and cand.login not in texts
        # F2/F10 need a session again.
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ConnexionScreen)


async def test_any_key_cancels_the_countdown(kiosk):
    cand = kiosk.seed_candidate()
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(app, pilot, cand)
        kiosk.clock.advance(TIMEOUT)
        await wait_for_screen(pilot, IdleWarningScreen)
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, IdleWarningScreen)
        assert app.candidate is not None
        # The idle timer starts again from that key (it is not switched off): it warns again.
        kiosk.clock.advance(TIMEOUT - 1)
        await pilot.pause()
        assert not isinstance(app.screen, IdleWarningScreen)
        kiosk.clock.advance(1)
        await wait_for_screen(pilot, IdleWarningScreen)
        assert app.candidate is not None


async def test_a_paste_counts_as_someone_being_there(kiosk):
    cand = kiosk.seed_candidate()
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(app, pilot, cand)
        kiosk.clock.advance(TIMEOUT - 1)
        await pilot.pause()
        app.post_message(events.Paste("Marseille"))  # as the terminal's driver sends it
        await pilot.pause()
        kiosk.clock.advance(1)
        await pilot.pause()
        assert not isinstance(app.screen, IdleWarningScreen)
        kiosk.clock.advance(TIMEOUT - 1)  # counted from the paste
        await wait_for_screen(pilot, IdleWarningScreen)


async def test_a_click_cancels_the_countdown(kiosk):
    cand = kiosk.seed_candidate()
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(app, pilot, cand)
        kiosk.clock.advance(TIMEOUT)
        await wait_for_screen(pilot, IdleWarningScreen)
        kiosk.clock.advance(WARNING - 1)
        await pilot.click("#idle-continue")
        await pilot.pause()
        assert not isinstance(app.screen, IdleWarningScreen)
        kiosk.clock.advance(1)  # the countdown's end has passed: nothing happens any more
        await pilot.pause()
        assert app.candidate is not None


async def test_half_typed_login_is_wiped_but_an_empty_screen_is_left_alone(kiosk):
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        empty_connexion = app.screen
        kiosk.clock.advance(2 * TIMEOUT)  # nothing to protect: no warning
        await pilot.pause()
        assert app.screen is empty_connexion

        await pilot.click("#login-user")
        await pilot.press(*"E2YQLXU")
        kiosk.clock.advance(TIMEOUT)
        await wait_for_screen(pilot, IdleWarningScreen)
        kiosk.clock.advance(WARNING)
        connexion = await wait_for_screen(pilot, ConnexionScreen)
        assert connexion is not empty_connexion
        assert connexion.query_one("#login-user", Input).value == ""


async def test_a_tick_while_the_timed_out_warning_is_still_leaving_opens_no_second_one(kiosk):
    """The warning's result reaches the app a moment after it leaves the stack:
    an inactivity check in between must neither warn again nor collide with it."""
    cand = kiosk.seed_candidate()
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(app, pilot, cand)
        kiosk.clock.advance(TIMEOUT)
        warning = await wait_for_screen(pilot, IdleWarningScreen)
        warning.dismiss(True)  # the countdown ran out
        app.check_inactivity()  # the idle timer's tick, before the result is handled
        await pilot.pause()
        await wait_until(pilot, lambda: isinstance(app.screen, ConnexionScreen))
        assert app.candidate is None
        assert not any(isinstance(s, IdleWarningScreen) for s in app.screen_stack)


async def test_quitting_while_the_warning_opens_does_not_crash(kiosk):
    """The app exits (SIGHUP, Ctrl+Q unlocked) in the very step the warning is pushed."""
    cand = kiosk.seed_candidate()
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(app, pilot, cand)
        kiosk.clock.advance(TIMEOUT)
        app.check_inactivity()
        assert isinstance(app.screen_stack[-1], IdleWarningScreen)
        app.exit(0)
        await pilot.pause()
    assert app.return_code == 0


async def test_quitting_needs_the_staff_code(kiosk):
    app = kiosk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)

        await pilot.press(*"wrong-code", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert "incorrect" in str(app.screen.query_one("#unlock-code-error", Static).content)
        assert app.screen.query_one("#unlock-code", Input).value == ""
        assert app.return_code is None

        await pilot.click("#unlock-cancel")
        await pilot.pause()
        assert isinstance(app.screen, ConnexionScreen)

        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press(*UNLOCK_CODE)
        await pilot.click("#unlock-submit")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 0


async def test_without_a_configured_code_the_kiosk_cannot_be_quit(tmp_path):
    harness = make_harness(tmp_path / "home", kiosk=True, kiosk_unlock_hash="")
    try:
        app = harness.app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert app.screen.query_one("#unlock-submit").disabled
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ConnexionScreen)
            assert app.return_code is None
    finally:
        harness.services.close()


async def test_outside_kiosk_mode_ctrl_q_quits_at_once(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


@pytest.mark.parametrize("kiosk_mode, expected_signals", [(True, []), (False, ["SIGTSTP"])])
async def test_suspend_is_off_in_kiosk_mode(tmp_path, monkeypatch, kiosk_mode, expected_signals):
    import signal

    import textual.app as textual_app

    sent: list[str] = []
    monkeypatch.setattr(textual_app.os, "kill", lambda pid, sig: sent.append(signal.Signals(sig).name))
    harness = make_harness(tmp_path / "home", kiosk=kiosk_mode)
    try:
        app = harness.app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            # The headless driver cannot suspend; pretend this one can.
            monkeypatch.setattr(type(app._driver), "can_suspend", property(lambda self: True))
            app.action_suspend_process()
            await pilot.pause()
        assert sent == expected_signals
    finally:
        harness.services.close()


async def test_palette_in_kiosk_mode_cannot_quit(kiosk):
    app = kiosk.app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"quit")
        from textual.command import CommandList

        palette_list = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: palette_list.option_count > 0)  # the search is over
        prompts = [str(palette_list.get_option_at_index(i).prompt) for i in range(palette_list.option_count)]
        assert [p.splitlines()[0] for p in prompts] == ["Aucune page ne correspond"]  # nothing that quits
        await pilot.press("escape")
        await pilot.pause()
        assert app.return_code is None
