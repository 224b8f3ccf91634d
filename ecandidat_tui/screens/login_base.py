"""What both login screens share: Enter in an identifier moves to its password as the key arrives.

The Input's own Enter only posts `Submitted`, handled after the keys queued
behind it: a password typed fast, pasted by a password manager, sent by a
badge reader or caught up by an SSH link landed in the visible identifier
field. A priority binding moves the focus before the next key is handled.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input


class LoginFieldsScreen(Screen):
    """Mix before the screen's other base; `PASSWORD_OF` maps an identifier
    field's id to its password field's selector."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "password_field", show=False, priority=True)]
    PASSWORD_OF: ClassVar[dict[str, str]] = {}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "password_field":  # otherwise Enter goes on to the focused widget
            return self.focused is not None and self.focused.id in self.PASSWORD_OF
        return super().check_action(action, parameters)

    def action_password_field(self) -> None:
        assert self.focused is not None
        self.set_focus(self.query_one(self.PASSWORD_OF[self.focused.id or ""], Input))
