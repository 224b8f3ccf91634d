"""The only place where the app relies on something outside Textual's public API.

Each section names the private detail it depends on, checks it is still there,
and has a test that fails when a Textual upgrade moves it. The project pins
`textual>=8.2.8,<9`.
"""

from __future__ import annotations

import codecs
import functools
import logging
import sys
import time
from collections.abc import Callable

# ------------------------------------------------------- tolerant terminal input
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

log = logging.getLogger("ecandidat_tui.input")

TERMINAL_INPUT_ERRORS = "ecandidat-terminal-input"
# More crashes than this within CRASH_WINDOW seconds: the input is broken for
# good (Textual then ends the app, as it would have on the first one).
MAX_INPUT_CRASHES = 5
CRASH_WINDOW = 1.0


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


    class TolerantLinuxDriver(_linux_driver.LinuxDriver):
        """Textual's Linux driver, whose input thread survives any bytes."""

        def run_input_thread(self) -> None:
            if tolerant_input_supported():
                _linux_driver.getincrementaldecoder = tolerant_incremental_decoder  # type: ignore[assignment]
            else:
                log.warning("Textual's input decoding changed: invalid bytes may reach the input thread")
            crashes: list[float] = []
            while True:
                try:
                    super().run_input_thread()
                    return
                except Exception:
                    if self.exit_event.is_set():
                        log.exception("Terminal input thread crashed while the app was ending")
                        return
                    now = time.monotonic()
                    crashes = [t for t in crashes if now - t < CRASH_WINDOW] + [now]
                    given_up = len(crashes) > MAX_INPUT_CRASHES
                    log.exception("Terminal input thread crashed (%s)", "giving up" if given_up else "restarted")
                    if given_up:
                        raise


def tolerant_driver_class(driver_class: type) -> type:
    """The tolerant driver in place of Textual's Linux driver; any other driver as it is."""
    if sys.platform == "win32":
        return driver_class
    return TolerantLinuxDriver if driver_class is _linux_driver.LinuxDriver else driver_class
