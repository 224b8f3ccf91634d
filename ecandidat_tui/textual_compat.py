"""Every private Textual name the app uses, and nothing else.

The rest of the package uses Textual's public API only (`grep -rn "\\._[a-z]"
ecandidat_tui` finds Textual's private names here alone). What is here is
here because it was measured to be worth it, each use has a test
(`tests/ui/test_textual_compat.py`), and `pyproject.toml` pins the Textual
versions the test suite ran on (`TESTED_TEXTUAL`).

At import, `check()` compares the installed Textual with `TESTED_TEXTUAL`
and looks up each private name used below. If either fails (Textual was
upgraded by hand), `ENABLED` is False, one warning is logged at start-up, and
every section falls back to Textual's own public behaviour: slower, never
broken.

Sections:

1. Version check.
2. App exception hook: Textual's one funnel for unhandled exceptions.
3. Stylesheet parse hook: what `css_cache` stores.
4. DataTable: new rows measured at once, one-line text cells drawn without Rich.
5. Screen update timer: the 1/60 s slot Textual's `Timer` skips.
6. Footer: whether its bindings are known yet.
7. Tree: nodes added without a layout of the whole screen.
8. Terminal input: a byte that is not UTF-8 is read as Latin-1 or dropped, never a crash;
   the input thread sleeps while nobody types.
9. Terminal output: no control character from data is ever written to the terminal.

Textual bugs found on the way are written up in `docs/upstream.md`.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import logging
import os
import selectors
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import textual
from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.timer import EventTargetGone, Timer
from textual.widgets import DataTable, Footer, Tree
from textual.widgets.tree import TreeNode

from .display import has_controls, without_controls

if TYPE_CHECKING:
    from textual.css.model import RuleSet

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# 1. Version check
# --------------------------------------------------------------------------

TESTED_TEXTUAL = ("8.2.8",)

# The private methods and class attributes the sections below use, by owner
# (the instance attributes they read are checked by the tests).
PRIVATE_NAMES: dict[Any, tuple[str, ...]] = {
    App: ("_handle_exception",),
    Stylesheet: ("_parse_rules",),
    DataTable: ("_render_cell", "_get_row_renderables", "_get_styles_to_render_cell", "_update_dimensions"),
    Screen: ("_update_timer", "_on_timer_update"),
    Timer: ("_run", "_start", "_tick"),
    Footer: ("_bindings_ready",),
    Tree: ("_invalidate", "_clear_line_cache", "_scroll_update"),
    TreeNode: ("_reset",),
}


def installed_textual_version() -> str:
    """The installed Textual's version, from its `.dist-info` folder.

    `textual.__version__` reads it through `importlib.metadata`, which costs
    ~12 ms of imports at start-up; the folder name beside the package says
    the same in a directory listing."""
    site = Path(textual.__file__).resolve().parent.parent
    try:
        for entry in os.scandir(site):
            name = entry.name
            if name.startswith("textual-") and name.endswith(".dist-info"):
                return name[len("textual-"):-len(".dist-info")]
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("textual")
    except PackageNotFoundError:  # a source checkout on sys.path
        return "unknown"


def check() -> list[str]:
    """What makes the private names below unsafe to use (empty: all is well)."""
    problems = []
    version = installed_textual_version()
    if version not in TESTED_TEXTUAL:
        problems.append(f"Textual {version} is not among the versions tested ({', '.join(TESTED_TEXTUAL)})")
    for owner, names in PRIVATE_NAMES.items():
        missing = [n for n in names if not hasattr(owner, n)]
        if missing:
            problems.append(f"{owner.__name__} has no {', '.join(missing)}")
    return problems


PROBLEMS = check()
ENABLED = not PROBLEMS


def warn_if_disabled() -> None:
    """Called once at start-up: say why the app runs on Textual's slower paths."""
    if PROBLEMS:
        log.warning("Textual private API disabled, public fallbacks used: %s", "; ".join(PROBLEMS))


# --------------------------------------------------------------------------
# 2. App exception hook
# --------------------------------------------------------------------------


class UnhandledExceptionHook:
    """Mix into an App before `App`: `on_unhandled_exception(error)` sees every
    exception Textual ends the app on (handlers, timers, `exit_on_error`
    workers as `WorkerFailed`).

    `App._handle_exception` is the one place Textual sends them; there is no
    public hook (harlequin and others override it the same way). Returning
    True means the app was ended there; False lets Textual end it as usual.
    If a Textual release renames the method, Textual's own handling stays:
    a traceback on the terminal and exit status 1."""

    def on_unhandled_exception(self, error: Exception) -> bool:
        return False

    def _handle_exception(self, error: Exception) -> None:
        try:
            handled = self.on_unhandled_exception(error)
        except Exception:
            log.exception("The exception hook failed")
            handled = False
        if not handled:
            super()._handle_exception(error)  # type: ignore[misc]


# --------------------------------------------------------------------------
# 3. Stylesheet parse hook
# --------------------------------------------------------------------------


class ParseHookStylesheet(Stylesheet):
    """A Stylesheet that asks `parsed_rules(key)` before parsing a source and
    tells `keep_rules(key, rules)` what it parsed.

    `Stylesheet._parse_rules` is where each source (`app.tcss`, each widget
    type's default CSS) is parsed; `reparse()` (a theme change) still parses
    everything from scratch."""

    def parsed_rules(self, key: tuple[Any, ...]) -> list[RuleSet] | None:
        return None

    def keep_rules(self, key: tuple[Any, ...], rules: list[RuleSet]) -> None:
        pass

    def _parse_rules(self, css: str, read_from: Any, is_default_rules: bool = False,
                     tie_breaker: int = 0, scope: str = "") -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        rules = self.parsed_rules(key) if ENABLED else None
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            if ENABLED:
                self.keep_rules(key, rules)
        return rules


# --------------------------------------------------------------------------
# 4. DataTable: new rows measured at once, one-line text cells drawn without Rich
# --------------------------------------------------------------------------


class FastTextCells(DataTable):  # type: ignore[type-arg]
    """A one-line plain `Text` cell drawn as one segment: the cells Textual's
    drawing through Rich (`Styled(Padding(Text))`) gives, in a tenth of the
    time (~70 µs a cell; 100 cells on the Récapitulatif's first frame).
    Anything else (several lines, a tab, a styled Text, a renderable) is
    drawn by Textual. `test_textual_compat` compares both, cell by cell."""

    def measure_rows(self) -> None:
        """Measure the rows added since the last frame now: Textual measures
        them when idle and draws them only after that, so a screen filled
        before its first frame showed an empty grid, then the rows one layout
        and one frame later (~30 ms on the Récapitulatif). Disabled: Textual's
        own timing."""
        if ENABLED and self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    def _one_line(self, row_index: int, column_index: int) -> str | None:
        """The text of a cell drawn on one line without Rich, or None."""
        if column_index < 0 or column_index < self.fixed_columns or 0 <= row_index < self.fixed_rows:
            return None
        if row_index == -1:
            if self.header_height != 1:
                return None
        else:
            row = self.rows.get(self._row_locations.get_key(row_index))  # type: ignore[arg-type]
            if row is None or row.height != 1:
                return None
        cells = self._get_row_renderables(row_index).cells
        if column_index >= len(cells):
            return None
        cell = cells[column_index]
        if (not isinstance(cell, Text) or cell.spans or cell.style or cell.justify not in (None, "default", "left")
                or cell.overflow not in (None, "fold", "crop")):
            return None
        text = cell.plain
        return text if text.isprintable() else None  # no tab, newline or control character

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> Any:
        text = (self._one_line(row_index, column_index)
                if ENABLED and width > 2 * self.cell_padding else None)
        if text is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if row_index == -1 else self._row_locations.get_key(row_index)
        key: Any = (row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
                    self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is None:
            # Textual's second style puts the cursor's colours back over the cell's
            # own style; a plain text cell has none, so it changes nothing here.
            component_style, _ = self._get_styles_to_render_cell(
                row_index == -1, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
            pad = " " * self.cell_padding
            lines = [[Segment(pad + set_cell_size(text, width - 2 * self.cell_padding) + pad, style)]]
            self._cell_render_cache[key] = lines
        return lines


# --------------------------------------------------------------------------
# 5. Screen update timer
# --------------------------------------------------------------------------


class _FrameTimer(Timer):
    """Textual's `Timer._run` loop, without its extra lost slot (see
    docs/upstream.md, "Timer skips a slot"): after a tick that ends past the
    next 1/60 s slot, Textual's loop waits for the slot after the next one."""

    async def _run(self) -> None:
        from textual import _time

        count = 0
        repeat = self._repeat
        interval = self._interval
        self._active  # noqa: B018 - created in this task's loop, as Timer does
        await self._active.wait()
        start = _time.get_time()
        while repeat is None or count <= repeat:
            next_timer = start + ((count + 1) * interval)
            now = _time.get_time()
            if self._skip and next_timer < now:
                count = int((now - start) / interval)  # the next slot is count + 1
                continue
            await _time.sleep(max(0, next_timer - now))
            count += 1
            await self._active.wait()
            if self._reset:
                start = _time.get_time()
                count = 0
                self._reset = False
                continue
            try:
                await self._tick(next_timer=next_timer, count=count)
            except EventTargetGone:
                break


class PromptFrames(Screen):  # type: ignore[type-arg]
    """A Screen whose 60 fps update timer is `_FrameTimer` (a keystroke's frame
    no longer waits up to two slots). Textual's own timer if disabled."""

    @property
    def _update_timer(self) -> Timer:
        if ENABLED and getattr(self, "_Screen__update_timer", False) is None:
            from textual.screen import UPDATE_PERIOD

            timer = _FrameTimer(self, UPDATE_PERIOD, name="screen_update",
                                callback=self._on_timer_update, pause=True)
            timer._start()
            self._timers.add(timer)
            self._Screen__update_timer = timer
        return Screen._update_timer.fget(self)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# 6. Footer
# --------------------------------------------------------------------------


# The Footer's key widget, not exported by `textual.widgets`.
from textual.widgets._footer import FooterKey  # noqa: E402, F401 - re-exported


def footer_bindings_ready(footer: Footer) -> bool:
    """Whether Textual's Footer has been told its screen's bindings (it shows no keys before)."""
    return bool(footer._bindings_ready)


def set_footer_bindings_ready(footer: Footer) -> None:
    """What `Footer.bindings_changed` notes before it recomposes."""
    footer._bindings_ready = True


# --------------------------------------------------------------------------
# 7. Tree: nodes added without a layout of the whole screen
# --------------------------------------------------------------------------


class RepaintOnlyTree(Tree):  # type: ignore[type-arg]
    """A Tree whose region is fixed by the CSS (e.g. `1fr`): adding or
    removing nodes repaints it, and does not lay the whole screen out again.

    Textual's `Tree._invalidate` (each node added) and its `virtual_size`
    (each new number of lines, each widest label) ask for a layout of the
    screen: on the Offre de formation that measured the long detail pane
    again at every keystroke of the filter. Here the tree is repainted, its
    scrollbars updated as a layout would, and only a scrollbar appearing or
    going asks for the layout. `rebuilding()` invalidates once for a whole
    clear-and-add."""

    _rebuilding = False

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Clear and add nodes in one go: the tree's caches are dropped once, at the end."""
        self._rebuilding = True
        try:
            yield
        finally:
            self._rebuilding = False
            self._invalidate()

    def _invalidate(self) -> None:
        if not ENABLED:
            super()._invalidate()
            return
        if self._rebuilding:
            return
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        self.refresh()

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def _watch_virtual_size(self) -> None:
        if not ENABLED:
            self.refresh(layout=True)
            return
        shown = (self.show_horizontal_scrollbar, self.show_vertical_scrollbar)
        self._scroll_update(self.virtual_size)
        if (self.show_horizontal_scrollbar, self.show_vertical_scrollbar) != shown:
            self.refresh(layout=True)


# --------------------------------------------------------------------------
# 8. Terminal input: bytes that are not UTF-8 never end the app
# --------------------------------------------------------------------------
#
# Textual's Linux driver decodes the terminal's bytes with a strict UTF-8
# incremental decoder made by `codecs.getincrementaldecoder`, a name its module
# imports (`textual.drivers.linux_driver.getincrementaldecoder`). One byte that
# is not UTF-8 (0xE9 from a Latin-1 terminal or a badge reader) raised
# UnicodeDecodeError in the input thread, which made Textual end the app: a
# kiosk quit without its unlock code. `TolerantLinuxDriver` makes that name
# build decoders with the error handler below, and restarts its input loop
# (logging it) if it fails anyway. Tests: tests/security/test_input_bytes.py
# (`test_the_decoder_name_textual_uses_is_still_there` guards the private name).
#
# Its input loop also waits on a selector made by `selectors.SelectSelector()`
# (the module `linux_driver` imports) in turns of 0.1 s: ten wake-ups a second
# with nobody at the console. The driver hands that loop a `QuietInputSelector`
# instead (through the module name it uses), which sleeps until a byte comes
# or the exit flag is set once nothing came for a second (see "Capacity" in
# docs/deployment.md). Tests: the same file, "the input thread at rest".

input_log = logging.getLogger("ecandidat_tui.input")

TERMINAL_INPUT_ERRORS = "ecandidat-terminal-input"
# More crashes than this within CRASH_WINDOW seconds: the input is broken for
# good (Textual then ends the app, as it would have on the first one).
MAX_INPUT_CRASHES = 5
CRASH_WINDOW = 1.0
# The input thread's wait once nobody typed for QUIET_AFTER seconds (Textual's is 0.1 s).
QUIET_AFTER = 1.0
IDLE_INPUT_WAIT = 30.0


def _terminal_bytes_fallback(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8: printable Latin-1 is kept ("\\xe9" is "é"), the rest dropped."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(b) for b in bad if b >= 0xA0), error.end


codecs.register_error(TERMINAL_INPUT_ERRORS, _terminal_bytes_fallback)


def tolerant_incremental_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    """`codecs.getincrementaldecoder`, whose decoders never raise on bad bytes."""
    return functools.partial(codecs.getincrementaldecoder(encoding), errors=TERMINAL_INPUT_ERRORS)


if sys.platform != "win32":  # the Linux driver needs termios (Windows has its own driver)
    from textual.drivers import linux_driver as _linux_driver

    def tolerant_input_supported() -> bool:
        """Does this Textual still build its input decoder through the name we replace?"""
        return getattr(_linux_driver, "getincrementaldecoder", None) in (
            codecs.getincrementaldecoder,
            tolerant_incremental_decoder,
        )


    def quiet_input_supported() -> bool:
        """Does this Textual's input loop still build its selector through the name we replace?"""
        return getattr(_linux_driver, "selectors", None) in (selectors, _QUIET_SELECTORS)

    class WakingEvent(threading.Event):
        """The driver's exit flag, which also wakes the input thread's wait."""

        def __init__(self, wake_fd: int) -> None:
            super().__init__()
            self.wake_fd = wake_fd

        def set(self) -> None:
            super().set()
            if self.wake_fd >= 0:
                with contextlib.suppress(OSError):  # a full pipe already wakes it
                    os.write(self.wake_fd, b"!")

    class QuietInputSelector:
        """The selector of Textual's input loop, which waits 0.1 s per turn so
        that it can time out a lone Esc and see its exit flag: ten wake-ups a
        second, most of an idle console's CPU. After `QUIET_AFTER` seconds
        without a byte, a turn waits `IDLE_INPUT_WAIT` seconds instead; a byte
        (a key, a mouse move, a resize report) or the exit flag ends the wait
        at once, and the short turns come back for the keys that follow."""

        def __init__(self, wake_fd: int) -> None:
            self._selector = selectors.SelectSelector()
            self._wake_fd = wake_fd
            self._selector.register(wake_fd, selectors.EVENT_READ)
            self._last_input = time.monotonic()

        def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
            return self._selector.register(fileobj, events, data)

        def unregister(self, fileobj: Any) -> selectors.SelectorKey:
            return self._selector.unregister(fileobj)

        def close(self) -> None:
            self._selector.close()  # the wake pipe is the driver's

        def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
            watching_terminal = len(self._selector.get_map()) > 1
            if timeout is not None and watching_terminal and time.monotonic() - self._last_input >= QUIET_AFTER:
                timeout = max(timeout, IDLE_INPUT_WAIT)
            ready = []
            for key, mask in self._selector.select(timeout):
                if key.fd == self._wake_fd:
                    with contextlib.suppress(OSError):
                        os.read(self._wake_fd, 512)  # the loop now sees the exit flag
                else:
                    ready.append((key, mask))
            if ready:
                self._last_input = time.monotonic()
            return ready

    _input_thread = threading.local()  # the wake pipe of the driver whose input thread this is

    def _input_selector() -> Any:
        wake_fd = getattr(_input_thread, "wake_fd", None)
        return selectors.SelectSelector() if wake_fd is None else QuietInputSelector(wake_fd)

    # What `linux_driver` sees as its `selectors` module: the same, but for the input loop's selector.
    _QUIET_SELECTORS = types.SimpleNamespace(**{name: getattr(selectors, name) for name in dir(selectors)
                                                if not name.startswith("__")})
    _QUIET_SELECTORS.SelectSelector = _input_selector

    class TolerantLinuxDriver(_linux_driver.LinuxDriver):
        """Textual's Linux driver, whose input thread survives any bytes and sleeps while nobody types."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            self.exit_event = WakingEvent(self._wake_write)

        def close(self) -> None:
            super().close()
            if isinstance(self.exit_event, WakingEvent) and self.exit_event.wake_fd >= 0:
                self.exit_event.wake_fd = -1
                os.close(self._wake_write)
                os.close(self._wake_read)

        def run_input_thread(self) -> None:
            if tolerant_input_supported():
                _linux_driver.getincrementaldecoder = tolerant_incremental_decoder  # type: ignore[assignment]
            else:
                input_log.warning("Textual's input decoding changed: invalid bytes may reach the input thread")
            if ENABLED and quiet_input_supported():
                _linux_driver.selectors = _QUIET_SELECTORS  # type: ignore[assignment]
                _input_thread.wake_fd = self._wake_read
            try:
                self._run_input_loop()
            finally:
                _input_thread.wake_fd = None

        def _run_input_loop(self) -> None:
            crashes: list[float] = []
            while True:
                try:
                    super().run_input_thread()
                    return
                except Exception:
                    if self.exit_event.is_set():
                        input_log.exception("Terminal input thread crashed while the app was ending")
                        return
                    now = time.monotonic()
                    crashes = [t for t in crashes if now - t < CRASH_WINDOW] + [now]
                    given_up = len(crashes) > MAX_INPUT_CRASHES
                    input_log.exception("Terminal input thread crashed (%s)", "giving up" if given_up else "restarted")
                    if given_up:
                        raise


def tolerant_driver_class(driver_class: type) -> type:
    """The tolerant driver in place of Textual's Linux driver; any other driver as it is."""
    if sys.platform == "win32":
        return driver_class
    return TolerantLinuxDriver if driver_class is _linux_driver.LinuxDriver else driver_class


# --------------------------------------------------------------------------
# 9. Terminal output: no control character from data reaches the terminal
# --------------------------------------------------------------------------
#
# Screens show stored and typed text through `display.safe_text` (ESC as `^[`,
# a bidi override as `<U+202E>`). A widget that was missed, or a third-party
# one (a toast, a file dialog, a Select's list), would write such a character
# to the terminal as it is: a title change, a cleared screen, a reversed line.
# Every line Textual writes goes through the public `Strip.render` (the
# compositor's updates call it for each line); the guard wraps it and drops
# those characters from the text of the segments (they are zero cells wide,
# so the line keeps its layout). Lines without them, nearly all, cost one
# `isprintable()` per segment. Installed by both apps; public method, so it
# does not depend on ENABLED. Tests: tests/security/test_screen_sweep.py.

_strip_render = Strip.render


def _render_without_controls(self: Strip, console: Any) -> str:
    if all(text.isprintable() or not has_controls(text) for text, _style, _control in self):
        return _strip_render(self, console)
    clean = Strip([Segment(without_controls(text), style, control) for text, style, control in self],
                  self.cell_length)
    return _strip_render(clean, console)


def install_output_guard() -> None:
    """From now on, `Strip.render` (what the driver writes) drops data's controls. Idempotent."""
    if Strip.render is not _render_without_controls:
        Strip.render = _render_without_controls  # type: ignore[method-assign]
