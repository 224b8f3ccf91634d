"""Issue 14, item 2: bytes from the terminal never kill the app.

The app runs as a real process on a pseudo-terminal, as a kiosk's getty or
sshd runs it, and gets bytes that are not UTF-8: 0xE9 from a Latin-1 terminal
or a badge reader, stray continuation bytes, encoded surrogates, C1 controls.
Before the fix the first such byte raised UnicodeDecodeError in Textual's
input thread and the app ended, a kiosk included.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pty
import random
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path
from collections.abc import Iterator

import pytest
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from ecandidat_tui import textual_compat
from ecandidat_tui.error_reporting import configure_logging
from ecandidat_tui.textual_compat import TolerantLinuxDriver, tolerant_incremental_decoder

STARTUP_TIMEOUT = 60.0  # a loaded CI machine imports Textual slowly
DRAW_TIMEOUT = 15.0

# Not UTF-8, each of them: Latin-1 "é" and "ô", a lone continuation byte, a
# truncated sequence, an overlong "/", an encoded surrogate, C1 controls
# (0x9B is CSI in 8-bit terminals), bytes UTF-8 never uses.
INVALID = [b"\xe9", b"\x80", b"\xc3\x28", b"\xe2\x28\xa1", b"\xc0\xaf", b"\xed\xa0\x80", b"\x9b\x85", b"\xfe\xff"]


class PtyApp:
    """`python -m ecandidat_tui [args]` on a new 80x24 pty."""

    def __init__(self, home: Path, *args: str, **settings: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECANDIDAT_", "TEXTUAL"))}
        env.update(ECANDIDAT_HOME=str(home), ECANDIDAT_MAIL_BACKEND="console", TERM="xterm-256color",
                   COLUMNS="80", LINES="24", **settings)
        pid, master = pty.fork()
        if pid == 0:  # child
            try:
                os.execve(sys.executable, [sys.executable, "-m", "ecandidat_tui", *args], env)
            finally:
                os._exit(127)
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.pid, self.master = pid, master
        self.status: int | None = None

    def read_until(self, needle: str, timeout: float = DRAW_TIMEOUT) -> None:
        """Read what the app draws until `needle` appears; fail if it exits first."""
        seen = self.drawn(needle, timeout)
        assert needle.encode() in seen, f"{needle!r} never drawn; got {seen[-600:]!r}"

    def drawn(self, needle: str, timeout: float) -> bytes:
        """What the app draws until `needle` appears or `timeout` passes; fails if the app ends."""
        wanted = needle.encode()
        seen = b""
        deadline = time.monotonic() + timeout
        while wanted not in seen and time.monotonic() < deadline:
            assert self.alive(), f"the app ended (status {self.status}) before drawing {needle!r}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(self.master, 65536)
                except OSError:
                    break
        return seen

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def alive(self) -> bool:
        if self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = status
        return self.status is None

    def close(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.master)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator:
    apps: list[PtyApp] = []

    def start(*args: str, **settings: str) -> PtyApp:
        app = PtyApp(tmp_path / "home", *args, **settings)
        apps.append(app)
        app.read_until("Connexion", STARTUP_TIMEOUT)
        return app

    yield start
    for app in apps:
        app.close()


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="ptys are Unix")


def test_latin1_bytes_are_read_as_latin1_and_the_app_goes_on(spawn, tmp_path):
    app = spawn()
    app.write(b"J\xe9r\xf4me")  # "Jérôme" from a Latin-1 terminal, into the focused login field
    app.read_until("Jérôme")
    for garbage in INVALID:
        app.write(garbage)
    app.write(b"-Q7Z")  # the next keys still arrive, after everything above
    app.read_until("-Q7Z")
    assert app.alive()
    log_file = tmp_path / "home" / "logs" / "ecandidat.log"
    assert "Traceback" not in (log_file.read_text() if log_file.exists() else "")


def test_a_kiosk_fed_garbage_keeps_running_until_unlocked(spawn):
    app = spawn("--kiosk")
    noise = random.Random(14)
    # Anything a broken reader or a cat on the keyboard sends, but Ctrl+Q (the
    # unlock request, sent on purpose below): Ctrl+C, Ctrl+Z, Ctrl+\, Ctrl+D,
    # Escape sequences cut short, bytes that are not UTF-8.
    garbage = b"".join(INVALID) + bytes(range(0x80, 0x100)) + b"\x03\x1a\x1c\x04\x1b[\x1b[<\x1bO"
    garbage += bytes(b for b in noise.randbytes(1024) if b != 0x11)
    for start in range(0, len(garbage), 256):
        app.write(garbage[start : start + 256])
    # Whatever screen the noise reached (it types, presses Entrée, clicks),
    # Ctrl+Q asks for the staff code instead of quitting. The noise may have
    # left an escape sequence open (the next bytes complete it): ask again
    # until the dialog shows.
    for _ in range(12):
        app.write(b"\x11")
        if "déverrouillage".encode() in app.drawn("déverrouillage", 5.0):
            break
    else:
        raise AssertionError("the kiosk never showed its unlock dialog")
    assert app.alive()


# ------------------------------------------------- the driver, in this process


def test_both_apps_run_on_the_tolerant_driver(tmp_path, monkeypatch):
    from ecandidat_tui.app import CandidateApp
    from ecandidat_tui.config import load_settings
    from ecandidat_tui.staff_app import StaffApp

    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    settings = load_settings({"ECANDIDAT_HOME": str(tmp_path)})
    assert App().driver_class is LinuxDriver  # what Textual would use
    assert CandidateApp(settings).driver_class is TolerantLinuxDriver
    assert StaffApp(settings).driver_class is TolerantLinuxDriver


def test_the_decoder_name_textual_uses_is_still_there():
    """Fails when a Textual upgrade stops building its decoder through this name."""
    assert textual_compat.tolerant_input_supported()


def test_the_tolerant_decoder_keeps_utf8_and_latin1_and_drops_controls():
    decode = tolerant_incremental_decoder("utf-8")().decode
    assert decode("é".encode()) == "é"
    assert decode(b"\xc3") == ""  # the first half of "é": kept for the next read
    assert decode(b"\xa9") == "é"
    assert decode(b"J\xe9r\xf4me\x9b\x80") == "Jérôme"


def _driver() -> TolerantLinuxDriver:
    """A driver as Textual makes one (in the event loop); its input thread is run by the test."""
    return TolerantLinuxDriver(App(), debug=False, mouse=False, size=(80, 24))


async def test_a_crash_of_the_input_thread_is_logged_and_input_goes_on(monkeypatch, tmp_path):
    log_file = tmp_path / "logs" / "ecandidat.log"
    configure_logging(log_file)
    runs: list[str] = []

    def flaky_input(self) -> None:
        runs.append("run")
        if len(runs) == 1:
            raise RuntimeError("parser choked")

    monkeypatch.setattr(LinuxDriver, "run_input_thread", flaky_input)
    _driver().run_input_thread()
    for handler in logging.getLogger("ecandidat_tui").handlers:
        handler.flush()
    assert runs == ["run", "run"]  # restarted once, then ended normally
    text = log_file.read_text()
    assert "Terminal input thread crashed (restarted)" in text
    assert "RuntimeError: parser choked" in text


async def test_an_input_that_keeps_crashing_is_given_up_and_logged(monkeypatch, caplog):
    def broken_input(self) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(LinuxDriver, "run_input_thread", broken_input)
    with caplog.at_level(logging.ERROR, logger="ecandidat_tui.input"), pytest.raises(OSError):
        _driver().run_input_thread()
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("Terminal input thread crashed (restarted)") == textual_compat.MAX_INPUT_CRASHES
    assert messages[-1] == "Terminal input thread crashed (giving up)"


# ------------------------------------------------- the input thread at rest


def test_textual_still_builds_its_input_selector_through_the_name_we_replace():
    """Fails when a Textual upgrade stops making the input loop's selector through `selectors`."""
    assert textual_compat.quiet_input_supported()


def _timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_the_input_selector_sleeps_once_quiet_and_wakes_for_a_byte_or_the_exit(monkeypatch):
    import selectors
    import threading

    monkeypatch.setattr(textual_compat, "QUIET_AFTER", 0.05)
    monkeypatch.setattr(textual_compat, "IDLE_INPUT_WAIT", 20.0)
    terminal_r, terminal_w = os.pipe()
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK)
    exit_flag = textual_compat.WakingEvent(wake_w)
    selector = textual_compat.QuietInputSelector(wake_r)
    selector.register(terminal_r, selectors.EVENT_READ)
    try:
        time.sleep(0.1)  # quiet: the next turn waits for input, not 0.1 s
        threading.Timer(0.5, os.write, (terminal_w, b"x")).start()
        ready, waited = _timed(lambda: selector.select(0.1))
        assert [key.fd for key, _mask in ready] == [terminal_r]
        assert 0.4 < waited < 5, "a quiet turn lasts until the key"
        os.read(terminal_r, 1)

        ready, waited = _timed(lambda: selector.select(0.1))  # just after a key: Textual's short turns
        assert ready == [] and waited < 0.5

        time.sleep(0.1)
        threading.Timer(0.3, exit_flag.set).start()
        ready, waited = _timed(lambda: selector.select(0.1))
        assert ready == [] and waited < 5, "the exit flag ends the wait; the wake byte is not a key"
        assert exit_flag.is_set()

        selector.unregister(terminal_r)  # Textual's last turn, terminal no longer watched: short
        ready, waited = _timed(lambda: selector.select(0.1))
        assert ready == [] and waited < 0.5
    finally:
        selector.close()
        for fd in (terminal_r, terminal_w, wake_r, wake_w):
            os.close(fd)


def _wake_ups(pid: int) -> int:
    """How many times the process's threads went to sleep and were woken, so far."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            status = (task / "status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("voluntary_ctxt_switches")))
    return total


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts wake-ups in /proc (Linux)")
def test_an_app_nobody_types_in_sleeps_then_answers_the_first_key_and_quits_at_once(spawn):
    app = spawn(ECANDIDAT_CURSOR_REST_SECONDS="2")  # checked every 0.5 s
    time.sleep(4.0)  # the cursor rests, and the input thread, without a byte for a second, waits for one
    before = _wake_ups(app.pid)
    time.sleep(4.0)
    per_second = (_wake_ups(app.pid) - before) / 4.0
    # Textual's input loop alone woke 10 times a second; what is left is the terminal
    # watchdog (2) and the cursor check (2 here, one every 15 s by default).
    assert per_second < 7, f"{per_second} wake-ups a second at rest"

    app.write(b"Q7Z")
    app.read_until("Q7Z", timeout=5.0)
    app.write(b"\x1bOR")  # F3: Assistance
    app.read_until("Assistance", timeout=5.0)
    time.sleep(1.5)  # quiet again
    app.write(b"\x1b")  # a lone Esc is told from a sequence by a 0.1 s timeout: it still comes
    app.read_until("Je suis étudiant", timeout=5.0)
    app.write(b"\x11")  # Ctrl+Q: the input thread ends at once, not at the end of a wait
    deadline = time.monotonic() + 5.0
    while app.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not app.alive(), "the app did not end within 5 s of Ctrl+Q"
