"""The text cursor stops blinking when nobody types, and blinks again at the next key.

A blinking cursor is a repaint written to the terminal twice a second: an
SSH console left open all day used 0.6 % of a core for it (see "Capacity" in
docs/deployment.md). Driven at the screen: what the terminal shows over time.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input

from ecandidat_tui.testing import settle, staff_log_in, wait_until

REST = 2.0  # seconds: longer than Textual takes to hide the cursor after a key (0.5 to 1.5 s)
RESTED = REST * 1.25 + 1.0  # the delay is checked four times per delay: rested by then, on a busy machine too
BLINKS = REST - 0.2  # a window that sees a blink if there is one, before the cursor rests


async def frames(app, seconds: float, step: float = 0.1) -> set[str]:
    """The distinct screens the terminal showed over `seconds`."""
    seen = set()
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        seen.add(app.export_screenshot())
        await asyncio.sleep(step)
    return seen


async def rests_then_wakes(app, pilot, field: Input, first: str, then: str) -> None:
    await pilot.press(*first)
    await settle(app, pilot)  # what the keys started (a search) has shown its result
    await pilot.press("end")  # a key that changes nothing but restarts the blink
    typed = app.export_screenshot()  # just after a key: the cursor is drawn
    assert len(await frames(app, BLINKS)) > 1, "the cursor should blink while the person types"

    await wait_until(pilot, lambda: field.cursor_blink is False, timeout=RESTED)
    assert await frames(app, 1.2) == {typed}, "at rest the screen stays still, the cursor drawn"

    await pilot.press(*then)
    assert field.cursor_blink is True
    assert field.value == first + then, "the key that wakes the cursor is typed too"
    assert len(await frames(app, BLINKS)) > 1, "the cursor blinks again"


async def staff_search(ecandidat, app, pilot) -> Input:
    """A support member logged in: the search field, focused."""
    await staff_log_in(app, pilot, ecandidat.seed_staff("support"))
    await settle(app, pilot)
    search = app.screen.query_one("#staff-search", Input)
    assert search.has_focus
    return search


@pytest.mark.ecandidat_settings(cursor_rest_seconds=REST)
async def test_the_staff_search_cursor_rests_and_wakes_with_the_next_key(ecandidat):
    app = ecandidat.staff_app()
    async with app.run_test(size=(80, 24)) as pilot:
        search = await staff_search(ecandidat, app, pilot)
        await rests_then_wakes(app, pilot, search, "gock", "el")


@pytest.mark.ecandidat_settings(cursor_rest_seconds=REST)
async def test_the_connexion_cursor_rests_and_a_click_wakes_it(ecandidat):
    app = ecandidat.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        login = app.focused
        assert isinstance(login, Input)
        await pilot.press("a")
        await wait_until(pilot, lambda: login.cursor_blink is False, timeout=RESTED)
        await pilot.click(login)
        assert login.cursor_blink is True
        assert login.has_focus


@pytest.mark.ecandidat_settings(cursor_rest_seconds=REST)
async def test_a_field_left_at_rest_does_not_blink_without_the_focus(ecandidat):
    """The rested field loses the focus before the next key (a screen opened
    by a timer): the key wakes nothing that would blink out of sight."""
    app = ecandidat.staff_app()
    async with app.run_test(size=(80, 24)) as pilot:
        search = await staff_search(ecandidat, app, pilot)
        await wait_until(pilot, lambda: search.cursor_blink is False, timeout=RESTED)
        app.set_focus(None)
        await pilot.press("x")
        assert search.cursor_blink is True  # ready to blink when it has the focus again
        still = app.export_screenshot()
        assert await frames(app, 1.2) == {still}
        search.focus()
        await pilot.pause()
        assert len(await frames(app, BLINKS)) > 1
