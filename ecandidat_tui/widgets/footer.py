"""The key bar at the bottom of every screen, composed again only when its keys change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

from .. import textual_compat
from ..textual_compat import FooterKey, footer_bindings_ready, set_footer_bindings_ready


class Footer(TextualFooter):
    """Textual's Footer, without the work that changes nothing.

    Textual's Footer composes its keys again each time the screen says its
    bindings *may* have changed (each focus change, each reactive declared
    with `bindings=True`), one recomposition per notice: opening the
    Récapitulatif screen rebuilt the bar six times, each time removing,
    creating, mounting and styling a dozen keys (~0.7 ms a key). This one
    handles a burst of notices once, and composes again only if the keys it
    would show (binding, enabled, tooltip) differ from those it shows; and its
    keys are styled once, not three times (see `compose`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None  # what the last composition showed
        self._check_pending = False

    def _keys(self) -> tuple[Any, ...]:
        return (self.show_command_palette, tuple(
            (key, binding, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()))

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if footer_bindings_ready(self) else None
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # A FooterKey starts compact (its own default) and is then bound to the
                # footer's `compact` (False here): its "-compact" class was added when
                # it mounted, then removed, two restyles of each key (~0.4 ms each) at
                # every composition. Given its final value and class before it mounts,
                # neither happens. (The command palette's key is not bound: it stays compact.)
                compact = True if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if not textual_compat.ENABLED:
            super().bindings_changed(screen)
            return
        set_footer_bindings_ready(self)
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._check_pending = False
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()
