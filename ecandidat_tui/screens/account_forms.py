"""Small pieces shared by the account screens: field errors and the password checklist."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.widgets import Static


def field_error(widget_id: str) -> Static:
    """The (initially hidden) error line under the field `widget_id`."""
    error = Static("", id=f"{widget_id}-error", classes="field-error", markup=False)
    error.display = False
    return error


def set_error(node: DOMNode, widget_id: str, message: str | None) -> None:
    """Show `message` under the field (or hide the line when None)."""
    error = node.query_one(f"#{widget_id}-error", Static)
    error.update(message or "")
    error.display = bool(message)


class PasswordChecklist(Vertical):
    """The password policy, each rule ticked live as the person types.

    Children: `<prefix>-rule-1` … `<prefix>-rule-6`, with class `rule-ok`
    or `rule-ko`.
    """

    def __init__(self, prefix: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix

    def compose(self) -> ComposeResult:
        from ..services.account_rules import PASSWORD_RULES

        yield Static("Le mot de passe doit contenir :", classes="checklist-title")
        for index, rule in enumerate(PASSWORD_RULES, start=1):
            yield Static(f"✗ {rule}", id=f"{self.prefix}-rule-{index}", classes="password-rule rule-ko",
                         markup=False)

    def update_for(self, password: str) -> bool:
        """Tick the rules `password` meets; True when it meets them all."""
        from ..services.account_rules import password_rule_states

        states = password_rule_states(password)
        for index, (rule, ok) in enumerate(states, start=1):
            line = self.query_one(f"#{self.prefix}-rule-{index}", Static)
            line.update(f"{'✓' if ok else '✗'} {rule}")
            line.set_class(ok, "rule-ok")
            line.set_class(not ok, "rule-ko")
        return all(ok for _, ok in states)
