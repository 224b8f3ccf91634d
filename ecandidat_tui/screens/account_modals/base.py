"""The shared base of the account dialogs: refusals under their field, service
calls in a thread worker, the labelled input of every form, the new-password
fields with their live checklist."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ..account_forms import PasswordChecklist, field_error, set_error


CREATION_WARNING = (
    "Attention, lorsque vous aurez modifié votre compte, vous serez déconnecté.\n"
    "Vous devrez consulter vos courriels pour valider votre adresse, puis vous pourrez vous reconnecter."
)


class AccountDialog(ModalScreen[Any]):
    """A dialog of the account area: Échap cancels, refusals go under their field."""

    BINDINGS = [Binding("escape", "cancel", "Annuler", tooltip="Fermer sans enregistrer")]

    # service field name -> widget id (without '#'); None is the form-wide error line
    FIELDS: dict[str | None, str] = {}
    PREFIX = "account"

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _error_id(self, field: str | None) -> str:
        return self.FIELDS.get(field) or self.FIELDS.get(None) or f"{self.PREFIX}"

    def show_refusal(self, exc: Exception) -> None:
        """Put a DomainError (or ValidationFailed) message(s) under the right field(s)."""
        if not self.is_attached:
            return
        errors = getattr(exc, "errors", None) or {getattr(exc, "field", None): getattr(exc, "message", str(exc))}
        first = None
        for field, message in errors.items():
            widget_id = self._error_id(field)
            set_error(self, widget_id, message)
            first = first or widget_id
        self.set_busy(False)
        if first is not None:
            target = self.query(f"#{first}")
            if target and isinstance(target.first(), Input):
                target.first().focus()

    def clear_errors(self) -> None:
        for widget_id in set(self.FIELDS.values()):
            set_error(self, widget_id, None)

    def set_busy(self, busy: bool) -> None:
        for button in self.query(".submit-button"):
            button.disabled = busy

    def call_service(self, method: str, *args: Any, on_success, **kwargs: Any) -> None:
        self.set_busy(True)
        self._run_service(method, args, kwargs, on_success)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run_service(self, method: str, args: tuple, kwargs: dict, on_success) -> None:
        from ...services.errors import DomainError

        try:
            result = getattr(self.app.services.accounts, method)(*args, **kwargs)
        except DomainError as exc:
            self.app.call_from_thread(self.show_refusal, exc)
            return
        self.app.call_from_thread(self._succeeded, on_success, result)

    def _succeeded(self, on_success, result: Any) -> None:
        if self.is_attached:
            self.set_busy(False)
            on_success(result)


def _field(label: str, widget_id: str, *, password: bool = False, value: str = "",
           placeholder: str = "") -> ComposeResult:
    yield Label(label, classes="field-label")
    yield Input(value=value, id=widget_id, password=password, placeholder=placeholder)
    yield field_error(widget_id)


class _PasswordForm:
    """A new password, its live checklist and its confirmation (ids from `prefix`)."""

    def password_fields(self, prefix: str, new_id: str, confirm_id: str, new_label: str,
                        confirm_label: str) -> ComposeResult:
        yield from _field(new_label, new_id, password=True)
        yield PasswordChecklist(prefix, id=f"{prefix}-checklist", classes="password-checklist")
        yield from _field(confirm_label, confirm_id, password=True)

    def live_password(self, event: Input.Changed, prefix: str, new_id: str, confirm_id: str) -> None:
        node = self  # a Screen
        if event.input.id == new_id:
            node.query_one(f"#{prefix}-checklist", PasswordChecklist).update_for(event.value)
            set_error(node, new_id, None)
        if event.input.id == confirm_id:
            set_error(node, confirm_id, None)
