"""Terminal-gone detection: exit when the SSH connection or the tty goes away.

An SSH drop closes the pty: the kernel sends SIGHUP to the foreground
process group and reads of the terminal fail or return end-of-file.
Textual's input thread then spins on an always-readable descriptor, and a
process with a hung-up terminal could sit there forever holding a database
connection. So:

- SIGHUP and SIGTERM ask the app to exit (through the event loop, so the
  normal shutdown runs: workers cancelled, services closed);
- a daemon thread polls, every `interval` seconds, whether the parent
  process changed (sshd died), whether stdin is still a terminal, and
  whether it reports a hang-up (POLLHUP/POLLERR/POLLNVAL) — and asks the app
  to exit when any of these happens;
- once an exit was asked for, if the process is still alive `grace` seconds
  later (restoring the terminal can block on a dead pty), it ends with
  `os._exit`. Unsaved form data is never half-written: services write only
  inside one transaction when the candidate presses `Enregistrer`, and an
  interrupted transaction is rolled back by the database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import sys
import threading
from typing import Any
from collections.abc import Callable

log = logging.getLogger("ecandidat_tui.watchdog")

EXIT_TERMINAL_GONE = 129  # 128 + SIGHUP, as a shell reports a hung-up job


def terminal_gone(fd: int, parent_pid: int) -> str | None:
    """Why the terminal is gone, or None while it is still there."""
    if os.getppid() != parent_pid:
        return "parent process exited"
    try:
        if not os.isatty(fd):
            return "stdin is no longer a terminal"
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        for _fd, mask in poller.poll(0):
            if mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                return "terminal hung up"
    except (OSError, ValueError):
        return "stdin closed"
    return None


class TerminalWatchdog:
    """Watches the controlling terminal of a running Textual app."""

    def __init__(self, app: Any, *, interval: float = 0.5, grace: float = 3.0,
                 fd: int | None = None, hard_exit: Callable[[int], None] = os._exit) -> None:
        self.app = app
        self.interval = interval
        self.grace = grace
        self.fd = sys.__stdin__.fileno() if fd is None and sys.__stdin__ else (fd if fd is not None else 0)
        self.parent_pid = os.getppid()
        self._hard_exit = hard_exit
        self._stop = threading.Event()
        self._exiting = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Install the signal handlers (call from the event loop) and start polling."""
        import asyncio

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            # not the main thread, or not a Unix loop: no handler
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._on_signal, signum)
        self._thread = threading.Thread(target=self._run, name="terminal-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Normal shutdown: stop polling (a pending forced exit still happens)."""
        if not self._exiting.is_set():
            self._stop.set()

    def _on_signal(self, signum: int) -> None:
        # Runs in the event loop thread.
        self._request_exit(f"signal {signal.Signals(signum).name}", from_loop=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            reason = terminal_gone(self.fd, self.parent_pid)
            if reason is not None:
                self._request_exit(reason, from_loop=False)
                return

    def _request_exit(self, reason: str, *, from_loop: bool) -> None:
        if self._exiting.is_set():
            return
        self._exiting.set()
        log.warning("Terminal gone (%s): exiting", reason)
        self.app.terminal_gone = True
        # The deadline first: asking the loop below may block if it is stuck.
        threading.Thread(target=self._deadline, name="terminal-watchdog-deadline", daemon=True).start()
        try:
            if from_loop:
                self.app.exit(EXIT_TERMINAL_GONE)
            else:
                self.app.call_from_thread(self.app.exit, EXIT_TERMINAL_GONE)
        except Exception:  # the loop may already be closing
            pass

    def _deadline(self) -> None:
        if not threading.Event().wait(self.grace):
            log.warning("Still running %.1fs after the terminal went away: forcing exit", self.grace)
            logging.shutdown()
            self._hard_exit(EXIT_TERMINAL_GONE)
