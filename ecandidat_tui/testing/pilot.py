"""Pilot helpers: shared by the project's UI tests and offered to testers' scripted runs."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from .harness import SeededCandidate, SeededStaff


async def settle(app, pilot) -> None:
    """Let thread workers finish and the screen catch up (twice: a worker's
    result often starts another worker). A worker cancelled on the way (an
    exclusive worker replaced by a newer one, as a reload is) is not an error;
    a worker that failed is raised."""
    from textual.worker import WorkerCancelled

    for _ in range(2):
        outcomes = await asyncio.gather(*(worker.wait() for worker in list(app.workers)), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, (WorkerCancelled,
                                                                               asyncio.CancelledError)):
                raise outcome
        await pilot.pause()


async def hold_still(pilot) -> None:
    """`settle`, then stop the inputs' blinking cursors: two screenshots of one
    state are then equal, however long the machine took to get there. Takes
    the pilot alone, so it serves as a snapshot's `run_before`."""
    from textual.widgets import Input

    app = pilot.app
    await settle(app, pilot)
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def type_ahead(app, *keys: str) -> None:
    """Send keys as a terminal delivers them when a person (a password
    manager, a badge reader, an SSH link catching up) types faster than the
    app handles them: all queued at once, none waiting for the previous one to
    be handled (Pilot's `press` waits after each key). Keys are named as for
    `pilot.press` ("a", "É", "tab", "shift+tab", "enter"). Then `await pilot.pause()`.

    Textual runs a binding's action (`ctrl+k`, Home…) after the characters
    queued behind it: press those with `pilot.press` before the burst."""
    import unicodedata

    from textual import events
    from textual.keys import KEY_NAME_REPLACEMENTS, REPLACED_KEYS, key_to_character

    for key in keys:
        if len(key) == 1 and not key.isalnum():
            try:
                name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
            except ValueError:
                name = "tab" if key == "\t" else key
            key = KEY_NAME_REPLACEMENTS.get(name, name)
        app.post_message(events.Key(key, key_to_character(REPLACED_KEYS.get(key, key))))


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run (its timers, a worker) until `condition()` holds;
    fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.02)


async def click_visible(app, pilot, selector: str) -> None:
    """Bring a widget into view as a person would scroll to it, then click it.

    Focusing first makes the scroll happen before the click; toasts are cleared
    so none covers the target."""
    app.clear_notifications()
    widget = app.screen.query_one(selector)
    if widget.focusable:
        widget.focus()
    await pilot.pause()
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    assert await pilot.click(selector), selector


async def staff_log_in(app, pilot, staff: SeededStaff) -> None:
    """Type a staff user's login and password on the console's login screen."""
    await click_visible(app, pilot, "#staff-login")
    await pilot.press(*staff.login)
    await click_visible(app, pilot, "#staff-password")
    await pilot.press(*staff.password, "enter")
    await settle(app, pilot)
    assert app.principal is not None and app.principal.login == staff.login


def text_of(app, selector: str) -> str:
    """The text a Static of the active screen shows ("" while it is hidden: an
    error line not shown is no error)."""
    from textual.widgets import Static

    widget = app.screen.query_one(selector, Static)
    return str(widget.content) if widget.display else ""


# What must never reach a terminal from data: C0 controls but the newline, DEL, C1
# controls (0x9b is a CSI on many terminals) and the bidi overrides and isolates.
_RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_screen_safe(app) -> str:
    """Fail if what the app's screen draws (every visible cell, as the driver
    would write it) holds a raw control character or bidi override: data must
    show them as `^[` or `<U+202E>`. Returns the screen's SVG export."""
    drawn = app.export_screenshot()
    found = _RAW_CONTROL.search(drawn)
    assert found is None, f"{found.group()!r} from data reached the terminal on {app.screen!r}"
    return drawn


async def wait_for_screen(pilot, screen: type[Screen] | str, timeout: float = 10.0) -> Any:
    """Wait until the active screen is a `screen` (a Screen class, or a screen id
    such as "recap-screen"), mounted and composed, with the workers it started
    done; returns it. Not racy like "until the screen changes": an old screen of
    the same kind still leaving does not count."""
    app = pilot.app

    def wanted(current) -> bool:
        return current.id == screen if isinstance(screen, str) else isinstance(current, screen)

    def ready() -> bool:
        current = app.screen
        return wanted(current) and current.is_mounted and bool(current.children)

    try:
        await wait_until(pilot, ready, timeout)
    except AssertionError:
        raise AssertionError(f"waited {timeout} s for the screen {screen!r}, the app shows {app.screen!r}") from None
    await settle(app, pilot)
    assert wanted(app.screen), f"{app.screen!r} replaced {screen!r}"
    return app.screen


async def log_in(pilot, candidate: SeededCandidate | str, password: str | None = None) -> None:
    """Type a candidate's login and password on Connexion, as a person does, and wait
    for the next screen (Mon compte, or the new password screen at a first login).

    `candidate` is a seeded candidate (its `login` and `password`) or a login."""
    from ..screens.connexion import ConnexionScreen

    app = pilot.app
    login = candidate if isinstance(candidate, str) else candidate.login
    password = password if password is not None else getattr(candidate, "password", "")
    await wait_for_screen(pilot, ConnexionScreen)
    await wait_until(pilot, app.ready_to_log_in.is_set)
    await _type(pilot, app.screen.query_one("#login-user"), login)
    await _type(pilot, app.screen.query_one("#login-password"), password)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, ConnexionScreen) or bool(text_of(app, "#login-error")))
    await settle(app, pilot)
    assert not isinstance(app.screen, ConnexionScreen), text_of(app, "#login-error")


async def open_recap(pilot, candidature: int | None = None) -> Any:
    """From Mon compte: the Candidatures tab, the line of `candidature` (an id;
    the first line when None), Entrée; waits for its Récapitulatif and returns it."""
    from ..screens.mon_compte import MonCompteScreen

    account = await wait_for_screen(pilot, MonCompteScreen)
    account.show_tab("tab-candidatures")
    await settle(pilot.app, pilot)
    table = account.query_one("#candidatures-table")
    table.focus()
    if candidature is not None:
        table.move_cursor(row=table.get_row_index(str(candidature)))
    await pilot.press("enter")
    recap = await wait_for_screen(pilot, "recap-screen")
    assert candidature is None or recap.candidature_id == candidature, f"opened {recap.candidature_id}"
    return recap


def _find_editor(screen, key: str, quiet: bool = False):
    """The editor a form key names: an id (with or without `#`) or a field's label
    (None when `quiet` and there is none)."""
    from textual.css.query import NoMatches

    from ..widgets.fields import Field

    if re.fullmatch(r"#?[A-Za-z_][A-Za-z0-9_-]*", key):
        try:
            return screen.query_one(f"#{key.removeprefix('#')}")
        except NoMatches:
            pass
    wanted = key.strip().rstrip("*").strip().casefold()
    found = [f for f in screen.query(Field) if f.label.strip().casefold() == wanted]
    if quiet and len(found) != 1:
        return None
    assert len(found) == 1, (f"no field with the id or label {key!r} on {screen!r}" if not found
                             else f"several fields are labelled {key!r} on {screen!r}: use an id")
    return found[0]


async def fill_form(pilot, values: dict[str, Any], submit: str | None = None, *, open: str | None = None) -> None:
    """Fill the active screen's form as a person does, in the order given:
    `{"label or id": value}` (e.g. `{"Nom de naissance": "Gockel", "info-pays-naissance": "France"}`);
    with `open` (a button's id), press that button first (e.g. "info-edit").

    Text fields: focus, empty, type. List fields (`SearchSelect`: pays, séries,
    mentions, civilité…): type the value (a name as shown, or its code) and take
    the match, failing when no choice matches. Yes/no radio sets: True/False or
    a button's label. Then click `submit` (an id) if given and let the workers finish.
    """
    from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Switch, TextArea

    from ..widgets.fields import Field, SearchSelect, fold

    app = pilot.app
    if open is not None:
        await press_button(pilot, open)
    for key, value in values.items():
        await wait_until(pilot, lambda key=key: _find_editor(app.screen, key, quiet=True) is not None)
        target = _find_editor(app.screen, key)
        if isinstance(target, Field) and not isinstance(target, SearchSelect):
            target = target.editor()
        if isinstance(target, Input) and isinstance(target.parent, SearchSelect):
            target = target.parent
        if isinstance(target, SearchSelect):
            await _type(pilot, target.editor(), str(value))
            shown = target.matches(str(value))
            exact = [i for i, (c, n) in enumerate(shown) if fold(n) == fold(str(value)) or c == value]
            # Down to the exact match (else the first one), then Entrée, as a person picks it.
            await pilot.press(*["down"] * (exact[0] if exact else 0), "enter")
            assert target.code, f"{key!r}: no choice of the list matches {value!r}"
        elif isinstance(target, RadioSet):
            buttons = list(target.query(RadioButton))
            chosen = (buttons[0 if value else 1] if isinstance(value, bool)
                      else next(b for b in buttons if str(b.label) == str(value)))
            await click_visible(app, pilot, f"#{chosen.id}")
        elif isinstance(target, (Checkbox, Switch)):
            if target.value != bool(value):
                await click_visible(app, pilot, f"#{target.id}")
        elif isinstance(target, (Input, TextArea)):
            await _type(pilot, target, str(value))
        else:
            raise AssertionError(f"{key!r} is a {type(target).__name__}, not a form field")
        await pilot.pause()
    if submit is not None:
        await press_button(pilot, submit)
    await settle(app, pilot)


async def _type(pilot, editor, text: str) -> None:
    """Focus an Input or TextArea, empty it and type `text` in one burst of keys
    (as a fast typist or a paste does; much quicker than key by key), then wait
    until the field shows it: a field that refuses a character fails here."""
    from textual.widgets import TextArea

    app = pilot.app
    await _focus(pilot, editor)
    if isinstance(editor, TextArea):
        editor.select_all()
    elif editor.value:
        # Key by key: a binding's action (Home, delete to the end) runs after
        # the characters of a burst that follow it.
        await pilot.press("ctrl+a", "ctrl+k")
    type_ahead(app, *text)

    def shown() -> str:
        return editor.text if isinstance(editor, TextArea) else editor.value

    try:
        await wait_until(pilot, lambda: shown() == text, timeout=5.0)
    except AssertionError:
        raise AssertionError(f"typed {text!r} into #{editor.id}, it shows {shown()!r}") from None


async def _focus(pilot, widget) -> None:
    """Move the focus to `widget`, which scrolls it into view (as Tab would)."""
    widget.focus()
    await pilot.pause()
    assert widget.has_focus, f"{widget!r} cannot take the focus (disabled or hidden?)"


async def press_button(pilot, selector: str) -> None:
    """Focus a button (an id, with or without `#`) and press Entrée: unlike a click,
    neither a toast over it nor a click on the same spot just before can swallow it."""
    from textual.widgets import Button

    app = pilot.app
    await wait_until(pilot, lambda: bool(app.screen.query(f"#{selector.removeprefix('#')}")))
    button = app.screen.query_one(f"#{selector.removeprefix('#')}", Button)
    await _focus(pilot, button)
    await pilot.press("enter")
    await settle(app, pilot)


async def attach_piece(pilot, piece: str, path: str | Path) -> None:
    """On the Récapitulatif: move to the piece (its code, e.g. "CV", or its libellé),
    press `a`, type the file (a name in the upload folder, or a full path) and Entrée,
    as a person does; fails with the dialog's message when the file is refused."""
    from textual.widgets import DataTable

    from ..screens.file_picker import PieceFileDialog
    from ..screens.recap import RecapScreen

    app = pilot.app
    screen = await wait_for_screen(pilot, RecapScreen)
    assert screen.recap is not None
    names = [(p.code, p.libelle) for p in screen.recap.pieces]
    index = next((i for i, names_ in enumerate(names) if piece in names_), None)
    assert index is not None, f"no piece {piece!r} in this candidature: {[c for c, _ in names]}"
    table = screen.query_one("#pieces-table", DataTable)
    table.focus()
    await pilot.pause()
    step = "down" if index > table.cursor_row else "up"
    await pilot.press(*[step] * abs(index - table.cursor_row), "a")
    dialog = await wait_for_screen(pilot, PieceFileDialog)
    path = Path(path)
    in_root = path.parent == app.settings.effective_upload_roots()[0]
    await _type(pilot, dialog.query_one("#file-path"), path.name if in_root else str(path))
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is not dialog or bool(str(dialog.query_one("#file-path-error").content)))
    assert app.screen is not dialog, str(dialog.query_one("#file-path-error").content)
    await wait_for_screen(pilot, RecapScreen)
