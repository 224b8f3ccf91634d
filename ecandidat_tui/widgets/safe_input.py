"""`SafeInput`: the one-line input of every screen, which never draws a control character.

Its own module, importing only Textual's Input: Connexion uses it and paints
before anything heavier is imported.
"""

from __future__ import annotations

from textual.widgets import Input

from ..display import is_safe, safe_text


class SafeInput(Input):
    """An Input that shows a control character visibly (ESC as `^[`, a bidi override
    as `<U+202E>`), whether it was pasted, typed by a terminal or loaded from the store.

    `value` is always what is shown. `raw_value` is the text as it came while the
    field still shows it, so that a service refuses it next to the field
    ("caractères non autorisés") instead of storing the visible stand-ins."""

    _raw: str | None = None

    def validate_value(self, value: str) -> str:
        if is_safe(value):
            return value
        self._raw = value
        if self.is_mounted:  # the stand-ins are longer than what came: the cursor goes after them
            self.call_later(self.action_end)
        return safe_text(value)

    @property
    def raw_value(self) -> str:
        shown = self.value
        raw = self._raw
        return raw if raw is not None and shown == safe_text(raw) else shown
