"""The shared base of the account dialogs: the buttons and Enter, refusals
under their field, service calls in a thread worker, the success panel, the
labelled input of every form, the new-password fields with their checklist.

A dialog names its widgets from its `PREFIX`: `<prefix>-dialog` holds the
title `<prefix>-title`, the form `<prefix>-form` and `<prefix>-buttons`
(Annuler `<prefix>-cancel`, then `<prefix>-submit` or `<prefix>-save`); a
dialog that ends on a message (`DONE_ID`) adds it and `<prefix>-done-buttons`
(Fermer `<prefix>-close`), hidden until `show_done`. A dialog writes its
`compose_form()` and `submit()`, nothing of the frame, buttons or keys.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from ...widgets.safe_input import SafeInput
from ..account_forms import PasswordChecklist, field_error, set_error

_W = TypeVar("_W", bound=Widget)

CREATION_WARNING = (
    "Attention, lorsque vous aurez modifié votre compte, vous serez déconnecté.\n"
    "Vous devrez consulter vos courriels pour valider votre adresse, puis vous pourrez vous reconnecter."
)


class AccountDialog(ModalScreen[Any]):
    """A dialog of the account area: Échap cancels, refusals go under their field."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Annuler", tooltip="Fermer sans enregistrer")]

    # service field name -> widget id (without '#'); None is the form-wide error line
    FIELDS: ClassVar[dict[str | None, str]] = {}
    PREFIX: ClassVar[str] = "account"
    # The input where Enter submits (Enter elsewhere moves to the next field); None: every input.
    LAST_INPUT: ClassVar[str | None] = None
    # What Annuler and Échap dismiss with.
    CANCELLED: ClassVar[Any] = None
    TITLE_TEXT: ClassVar[str] = ""
    # The submit button's label and the end of its id.
    SUBMIT: ClassVar[tuple[str, str]] = ("Enregistrer", "save")
    # The Static that says the service's answer (None: the dialog closes instead).
    DONE_ID: ClassVar[str | None] = None

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.outcome: Any = None  # what Fermer dismisses with, once the service said yes

    def compose(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical(id=f"{p}-dialog", classes="dialog account-dialog"):
            yield Static(self.TITLE_TEXT, id=f"{p}-title", classes="dialog-title")
            with VerticalScroll(classes="account-form", id=f"{p}-form"):
                yield from self.compose_form()
            if self.DONE_ID:
                yield from _hidden(self.compose_done())
            with Horizontal(classes="dialog-buttons", id=f"{p}-buttons"):
                yield from self.request_buttons()
            if self.DONE_ID:
                with _hidden_one(Horizontal(classes="dialog-buttons", id=f"{p}-done-buttons")):
                    yield from self.done_buttons()

    def compose_form(self) -> ComposeResult:
        """The fields (and texts) of the form."""
        raise NotImplementedError

    def compose_done(self) -> ComposeResult:
        """Where the service's answer shows (hidden until then)."""
        yield Static("", id=self.DONE_ID, markup=False)

    def request_buttons(self) -> ComposeResult:
        label, name = self.SUBMIT
        yield Button("Annuler", id=f"{self.PREFIX}-cancel")
        yield Button(label, id=f"{self.PREFIX}-{name}", variant="primary", classes="submit-button")

    def done_buttons(self) -> ComposeResult:
        yield Button("Fermer", id=f"{self.PREFIX}-close", variant="primary")

    def on_mount(self) -> None:
        # A dialog does not define this handler too: Textual would call both.
        inputs = list(self.query(Input))
        first = next((i for i in inputs if not i.value), inputs[0] if inputs else None)  # after a pre-fill
        if first is not None:
            first.focus()

    def submit(self) -> None:
        """Check the form, then call the service (`call_service`)."""
        raise NotImplementedError

    def action_cancel(self) -> None:
        # Once the service said yes, Échap closes as Fermer does.
        self.dismiss(self.CANCELLED if self.outcome is None else self.outcome)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        # A dialog does not define this handler too: Textual would call both.
        event.stop()
        name = (event.button.id or "").removeprefix(f"{self.PREFIX}-")
        if name == "cancel":
            self.action_cancel()
        elif name in ("submit", "save"):
            self.submit()
        elif name == "close":
            self.dismiss(self.outcome)
        else:
            self.other_button(name)

    def other_button(self, name: str) -> None:
        """A button other than Annuler, the submit one and Fermer (`name` without the prefix)."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.LAST_INPUT is None or event.input.id == self.LAST_INPUT:
            self.submit()
        else:
            self.focus_next()

    def show_done(self, message: str) -> None:
        """The service said yes: the form and its buttons give way to `message` and the done buttons."""
        p = self.PREFIX
        for widget in self.query(Input):
            widget.value = ""
        self.query_one(f"#{p}-form").display = False
        self.query_one(f"#{p}-buttons").display = False
        done = self.query_one(f"#{self.DONE_ID}", Static)
        done.update(message)
        for widget in (done, *done.ancestors):  # its panel too, when it has one
            if widget is self:
                break
            widget.display = True
        self.query_one(f"#{p}-done-buttons").display = True
        self.query_one(f"#{p}-done-buttons Button", Button).focus()

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


def _hidden(widgets: ComposeResult) -> ComposeResult:
    for widget in widgets:
        yield _hidden_one(widget)


def _hidden_one(widget: _W) -> _W:
    """`widget`, not displayed until `show_done`."""
    widget.display = False
    return widget


def labelled_input(label: str, widget_id: str, *, password: bool = False, value: str = "",
           placeholder: str = "") -> ComposeResult:
    yield Label(label, classes="field-label")
    field = Input if password else SafeInput  # a password is taken as typed, hidden anyway
    yield field(value=value, id=widget_id, password=password, placeholder=placeholder)
    yield field_error(widget_id)


class PasswordFields:
    """A new password, its live checklist and its confirmation (ids from `prefix`)."""

    def password_fields(self, prefix: str, new_id: str, confirm_id: str, new_label: str,
                        confirm_label: str) -> ComposeResult:
        yield from labelled_input(new_label, new_id, password=True)
        yield PasswordChecklist(prefix, id=f"{prefix}-checklist", classes="password-checklist")
        yield from labelled_input(confirm_label, confirm_id, password=True)

    def live_password(self, event: Input.Changed, prefix: str, new_id: str, confirm_id: str) -> None:
        node: Any = self  # a Screen
        if event.input.id == new_id:
            node.query_one(f"#{prefix}-checklist", PasswordChecklist).update_for(event.value)
            set_error(node, new_id, None)
        if event.input.id == confirm_id:
            set_error(node, confirm_id, None)
