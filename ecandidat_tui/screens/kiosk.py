"""Kiosk mode dialogs: the inactivity warning and the staff unlock to quit.

A public terminal is left unattended between candidates: after
`idle_timeout_seconds` without a key, a click or a paste the app shows
`IdleWarningScreen`, and when its countdown of `idle_warning_seconds` ends
the candidate is logged out (`CandidateApp.logout`). Any key or click
cancels the countdown.

Quitting a kiosk would hand the next person a shell, so Ctrl+Q asks for the
staff unlock code (`UnlockScreen`), checked against the Argon2id hash in the
configuration (`kiosk_unlock_hash`, made by `ecandidat kiosk unlock-code`).
The code is throttled like a login: after `kiosk_unlock_attempts` wrong
codes, no code is checked for `lockout_minutes` (`unlock_throttle`, one per
app, so closing and reopening the dialog does not reset it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import ClassVar
from weakref import WeakKeyDictionary

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..services.security import FailureThrottle

_throttles: WeakKeyDictionary[App, FailureThrottle] = WeakKeyDictionary()


def unlock_throttle(app: App) -> FailureThrottle:
    """The unlock code's throttle of this app (created on first use)."""
    throttle = _throttles.get(app)
    if throttle is None:
        settings = app.settings  # type: ignore[attr-defined]
        clock = getattr(app, "clock", None)  # the candidate app's: a test's clock ends the wait too
        throttle = _throttles[app] = FailureThrottle(settings.kiosk_unlock_attempts, settings.lockout_minutes * 60,
                                                     **({"clock": clock.monotonic} if clock else {}))
    return throttle


class IdleWarningScreen(ModalScreen[bool]):
    """Countdown before the automatic déconnexion; dismisses True when it runs out.

    `clock` is the app's monotonic clock (`CandidateApp.clock`), so a test's
    clock drives the countdown; the app calls `tick()` when that clock jumps.
    """

    AUTO_FOCUS = "#idle-continue"  # no query in on_mount: the app may be exiting meanwhile

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(id="idle-warning")
        self.seconds = max(float(seconds), 0.0)
        self._clock = clock
        self._deadline = clock() + self.seconds
        self._countdown = Static(self._countdown_text(self.seconds), id="idle-countdown")

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-panel", classes="dialog"):
            yield Static("Êtes-vous toujours là ?", id="idle-title", classes="dialog-title")
            yield self._countdown
            yield Static("Appuyez sur une touche ou cliquez pour continuer.", id="idle-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Je suis toujours là", id="idle-continue", variant="primary")

    @staticmethod
    def _countdown_text(remaining: float) -> str:
        seconds = max(0, math.ceil(remaining))
        unit = "seconde" if seconds <= 1 else "secondes"
        return (f"Sans action de votre part, vous serez déconnecté dans {seconds} {unit} "
                "et les informations affichées seront effacées de cet écran.")

    def on_mount(self) -> None:
        self.set_interval(0.1, self.tick)

    def tick(self) -> None:
        """Show the time left; log out (dismiss True) once it has run out."""
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            if self.is_current:
                self.dismiss(True)
            return
        self._countdown.update(self._countdown_text(remaining))

    def _still_here(self) -> None:
        if self.is_current:
            self.dismiss(False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self._still_here()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self._still_here()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._still_here()


class UnlockScreen(ModalScreen[bool]):
    """Staff code to leave the kiosk; dismisses True only for the right code."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Annuler", id="unlock-cancel", tooltip="Revenir à eCandidat"),
    ]

    def __init__(self, unlock_hash: str) -> None:
        super().__init__(id="unlock")
        self.unlock_hash = unlock_hash

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-panel", classes="dialog"):
            yield Static("Quitter le poste en libre-service", id="unlock-title", classes="dialog-title")
            if self.unlock_hash:
                yield Static("Réservé au personnel : saisissez le code de déverrouillage.")
            else:
                yield Static("Aucun code de déverrouillage n'est configuré sur ce poste : "
                             "il ne peut pas être quitté depuis eCandidat.")
            yield Label("Code de déverrouillage *")
            yield Input(id="unlock-code", password=True, disabled=not self.unlock_hash)
            yield Static("", id="unlock-code-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Annuler", id="unlock-cancel")
                yield Button("Quitter", id="unlock-submit", variant="error",
                             disabled=not self.unlock_hash)

    def on_mount(self) -> None:
        if self.unlock_hash:
            self.query_one("#unlock-code", Input).focus()
        else:
            self.query_one("#unlock-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "unlock-cancel":
            self.dismiss(False)
        elif event.button.id == "unlock-submit":
            self._check(self.query_one("#unlock-code", Input).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._check(event.value)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check(self, code: str) -> None:
        # Argon2id is deliberately slow: verify off the UI thread.
        from ..services.security import verify_secret

        throttle = unlock_throttle(self.app)
        wait = throttle.claim() if code else 0.0
        ok = not wait and bool(code) and verify_secret(self.unlock_hash, code)
        if ok:
            throttle.succeeded()
        self.app.call_from_thread(self._checked, ok, wait)

    def _checked(self, ok: bool, wait: float = 0.0) -> None:
        if ok:
            self.dismiss(True)
            return
        code = self.query_one("#unlock-code", Input)
        code.value = ""
        code.focus()
        message = (f"Trop de codes incorrects : réessayez dans {math.ceil(wait / 60)} minute(s)." if wait
                   else "Code de déverrouillage incorrect.")
        self.query_one("#unlock-code-error", Static).update(message)
