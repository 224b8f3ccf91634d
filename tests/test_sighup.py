"""SSH robustness: when the terminal goes away the app exits, and fast.

The app runs as a real process under a pseudo-terminal, as sshd runs it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from ecandidat_tui.watchdog import EXIT_TERMINAL_GONE, terminal_gone

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="ptys and SIGHUP are Unix")

STARTUP_TIMEOUT = 60.0  # a loaded CI machine imports Textual slowly
EXIT_TIMEOUT = 8.0


def spawn_app(home: Path) -> tuple[int, int]:
    """`python -m ecandidat_tui` on a new pty; returns (pid, master fd)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECANDIDAT_", "TEXTUAL"))}
    env.update(ECANDIDAT_HOME=str(home), ECANDIDAT_MAIL_BACKEND="console", TERM="xterm-256color",
               COLUMNS="80", LINES="24")
    pid, master = pty.fork()
    if pid == 0:  # child
        try:
            os.execve(sys.executable, [sys.executable, "-m", "ecandidat_tui"], env)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, master


def read_until(master: int, needle: bytes, timeout: float) -> bytes:
    """Read what the app draws until `needle` appears (it answers nothing back)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} never drawn; got {seen[-400:]!r}")
        ready, _, _ = select.select([master], [], [], min(left, 0.5))
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def wait_exit(pid: int, timeout: float, master: int | None = None) -> int | None:
    """The raw wait status once the process ended, or None after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if master is not None:  # keep draining so the app never blocks on a full pty
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    master = None
        else:
            time.sleep(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
    return None


@pytest.fixture
def running_app(tmp_path):
    pid, master = spawn_app(tmp_path / "home")
    state = {"pid": pid, "master": master, "reaped": False}
    try:
        read_until(master, b"Connexion", STARTUP_TIMEOUT)
        time.sleep(0.3)  # let on_mount finish installing the signal handlers
        yield state
    finally:
        if not state["reaped"]:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        if state["master"] is not None:
            with contextlib.suppress(OSError):
                os.close(state["master"])


def test_sighup_ends_the_app_within_seconds(running_app):
    start = time.monotonic()
    os.kill(running_app["pid"], signal.SIGHUP)
    status = wait_exit(running_app["pid"], EXIT_TIMEOUT, running_app["master"])
    assert status is not None, "the app was still running after SIGHUP"
    running_app["reaped"] = True
    # Handled by the app (an exit code), not killed by the signal's default action.
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_TERMINAL_GONE
    assert time.monotonic() - start < EXIT_TIMEOUT


def test_closing_the_terminal_ends_the_app_within_seconds(running_app):
    start = time.monotonic()
    os.close(running_app["master"])  # what sshd does when the connection drops
    running_app["master"] = None
    status = wait_exit(running_app["pid"], EXIT_TIMEOUT)
    assert status is not None, "the app was still running after its terminal closed"
    running_app["reaped"] = True
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_TERMINAL_GONE
    assert time.monotonic() - start < EXIT_TIMEOUT


def test_the_watchdog_sees_a_hung_up_terminal():
    master, slave = pty.openpty()
    try:
        assert terminal_gone(slave, os.getppid()) is None
        os.close(master)
        master = -1
        # Linux reports it through isatty (EIO) or poll (POLLHUP): either way, gone.
        assert terminal_gone(slave, os.getppid()) in ("terminal hung up", "stdin is no longer a terminal")
        assert terminal_gone(slave, os.getppid() + 1) == "parent process exited"
    finally:
        os.close(slave)
        if master >= 0:
            os.close(master)


def test_the_watchdog_sees_stdin_that_is_not_a_terminal(tmp_path):
    path = tmp_path / "not-a-tty"
    path.write_text("")
    with path.open() as fh:
        assert terminal_gone(fh.fileno(), os.getppid()) == "stdin is no longer a terminal"
