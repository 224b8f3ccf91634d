"""Labelled form fields with an error line, and a searchable select.

Every field is a small container: a label (`*` when required), the input
whose id is the field id, and a `Static.field-error` with id
`<field-id>-error` where the refusal of that field is shown. Forms read
`.value`, call `.set_error()` / `.clear_error()`, and set `.disabled` for
read-only data.

`SearchSelect` is the select of long lists (pays, départements, séries…):
an Input where typing narrows a list shown under it (up/down move, Enter or
a click picks); leaving the field with text that names exactly one entry
picks it. `.value` is the chosen entry's code, or the typed text when
nothing matches (the service then refuses it with its message).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from .safe_input import SafeInput
from ..text import fold


class Field(Vertical):
    """A label, an editor (subclass), an error line."""

    DEFAULT_CSS = """
    Field { height: auto; margin: 0 0 0 0; }
    Field > .field-label { color: $text-muted; height: 1; }
    Field > .field-error { color: $error; height: auto; }
    Field > .field-error.-empty { display: none; }
    """

    def __init__(self, label: str, field_id: str, *, required: bool = False,
                 classes: str | None = None) -> None:
        super().__init__(id=f"{field_id}-field", classes=classes)
        self.label = label
        self.field_id = field_id
        self.required = required

    def compose_label(self) -> Label:
        return Label(f"{self.label}{' *' if self.required else ''}", classes="field-label")

    def compose_error(self) -> Static:
        return Static("", id=f"{self.field_id}-error", classes="field-error -empty")

    @property
    def error_widget(self) -> Static:
        return self.query_one(f"#{self.field_id}-error", Static)

    def set_error(self, message: str) -> None:
        self.error_widget.update(message)
        self.error_widget.set_class(not message, "-empty")

    def clear_error(self) -> None:
        self.set_error("")

    @property
    def value(self) -> str:  # pragma: no cover - subclasses
        raise NotImplementedError

    def editor(self):
        return self.query_one(f"#{self.field_id}")


class TextField(Field):
    """A one-line text input (`max_length` stops typing beyond the limit when given)."""

    def __init__(self, label: str, field_id: str, value: str = "", *, required: bool = False,
                 max_length: int = 0, placeholder: str = "", classes: str | None = None) -> None:
        super().__init__(label, field_id, required=required, classes=classes)
        self._initial = value
        self._max_length = max_length
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield self.compose_label()
        yield SafeInput(self._initial, id=self.field_id, placeholder=self._placeholder,
                        max_length=self._max_length, compact=True)
        yield self.compose_error()

    @property
    def value(self) -> str:
        return self.query_one(SafeInput).raw_value

    @value.setter
    def value(self, text: str) -> None:
        self.query_one(SafeInput).value = text


class LongTextField(Field):
    """A few lines of free text (descriptif, situation)."""

    DEFAULT_CSS = "LongTextField > TextArea { height: 5; }"

    def __init__(self, label: str, field_id: str, value: str = "", *, required: bool = False,
                 classes: str | None = None) -> None:
        super().__init__(label, field_id, required=required, classes=classes)
        self._initial = value

    def compose(self) -> ComposeResult:
        yield self.compose_label()
        yield TextArea(self._initial, id=self.field_id, soft_wrap=True, tab_behavior="focus",
                       show_line_numbers=False, compact=True)
        yield self.compose_error()

    @property
    def value(self) -> str:
        return self.query_one(TextArea).text

    @value.setter
    def value(self, text: str) -> None:
        self.query_one(TextArea).text = text


class _SearchInput(SafeInput):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Suivant", show=False),
        Binding("up", "move(-1)", "Précédent", show=False),
        Binding("escape", "close", "Fermer la liste", show=False),
    ]

    def action_move(self, delta: int) -> None:
        self.parent.move_highlight(delta)  # type: ignore[union-attr]

    def action_close(self) -> None:
        select = self.parent
        if isinstance(select, SearchSelect) and select.list_open:
            select.close_list()
        else:
            raise SkipAction()  # not ours: the screen's Escape (a form's Annuler) runs


class SearchSelect(Field):
    """A select over a long list where typing narrows the choices."""

    DEFAULT_CSS = """
    SearchSelect > OptionList { height: auto; max-height: 6; display: none; border: none;
                                padding: 0; background: $boost; }
    SearchSelect.-open > OptionList { display: block; }
    """

    class Changed(Message):
        """The chosen code changed (also after a programmatic `select()`)."""

        def __init__(self, select: SearchSelect, code: str) -> None:
            super().__init__()
            self.select = select
            self.code = code

        @property
        def control(self) -> SearchSelect:
            return self.select

    def __init__(self, label: str, field_id: str, items: Iterable[tuple[str, str]],
                 value: str = "", *, required: bool = False, classes: str | None = None,
                 max_shown: int = 50) -> None:
        super().__init__(label, field_id, required=required, classes=classes)
        self.items: list[tuple[str, str]] = list(items)
        self._names = dict(self.items)
        # A display like "13 - Bouches-du-Rhône" is also searched without its code prefix.
        self._folded = [(code, fold(name.removeprefix(f"{code} - ")), fold(code))
                        for code, name in self.items]
        self.code = value if value in self._names else ""
        self._initial_text = self._names.get(value, value)
        self._shown: list[tuple[str, str]] = []
        self._max_shown = max_shown

    def compose(self) -> ComposeResult:
        yield self.compose_label()
        yield _SearchInput(self._initial_text, id=self.field_id, compact=True,
                           placeholder="Tapez pour chercher")
        options = OptionList(id=f"{self.field_id}-options")
        options.can_focus = False  # the focus stays in the input: Tab goes to the next field
        yield options
        yield self.compose_error()

    # ------------------------------------------------------------ state

    @property
    def value(self) -> str:
        if self.code:
            return self.code
        return self.query_one(_SearchInput).value.strip()

    @property
    def list_open(self) -> bool:
        return self.has_class("-open")

    def matches(self, text: str) -> list[tuple[str, str]]:
        needle = fold(text.strip())
        if not needle:
            return list(self.items)
        starts = [(c, self._names[c]) for c, n, fc in self._folded
                  if n.startswith(needle) or fc == needle]
        chosen = {c for c, _ in starts}
        contains = [(c, self._names[c]) for c, n, _ in self._folded
                    if c not in chosen and needle in n]
        return starts + contains

    def select(self, code: str) -> None:
        """Choose `code` (or clear with "")."""
        self.code = code if code in self._names else ""
        self.query_one(_SearchInput).value = self._names.get(self.code, "")
        self.close_list()
        self.post_message(self.Changed(self, self.code))

    # ------------------------------------------------------------- list

    def open_list(self, text: str) -> None:
        self._shown = self.matches(text)[: self._max_shown]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(name, id=code) for code, name in self._shown])
        if self._shown:
            options.highlighted = 0
        self.set_class(bool(self._shown), "-open")

    def close_list(self) -> None:
        self.remove_class("-open")

    def move_highlight(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if not self.list_open:
            self.open_list("" if self.code else self.query_one(_SearchInput).value)
            return
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def _pick_highlighted(self) -> bool:
        options = self.query_one(OptionList)
        if self.list_open and options.highlighted is not None and self._shown:
            self.select(self._shown[options.highlighted][0])
            return True
        return False

    def _resolve_typed(self) -> None:
        """On leaving the field: an exact or single match is chosen."""
        text = self.query_one(_SearchInput).value.strip()
        if not text:
            if self.code:
                self.select("")
            self.close_list()
            return
        if self.code and self._names[self.code] == text:
            self.close_list()
            return
        found = self.matches(text)
        exact = [c for c, n in found if fold(n) == fold(text) or fold(c) == fold(text)]
        if exact or len(found) == 1:
            self.select((exact or [found[0][0]])[0])
        else:
            self.close_list()

    # ----------------------------------------------------------- events

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # Compare the input as it is now, not `event.value`: when keys arrive in
        # one burst ("France⇥"), these messages are handled after the Tab chose
        # the match, and a stale "Fr" must not undo that choice.
        event.stop()
        text = self.query_one(_SearchInput).value
        if self.code and text == self._names[self.code]:
            return  # the chosen name itself (after `select`): nothing to undo, no list to open
        if self.code:
            self.code = ""
            self.post_message(self.Changed(self, ""))
        if self.query_one(_SearchInput).has_focus:
            self.open_list(text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self._pick_highlighted():
            self._resolve_typed()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.select(event.option.id)
            self.query_one(_SearchInput).focus()

    def on_descendant_blur(self, event) -> None:
        # Leaving for the option list itself (a click) keeps the list open.
        focused = self.screen.focused if self.screen else None
        if focused is not None and focused in self.query(OptionList):
            return
        self._resolve_typed()


def set_errors(fields: Sequence[Field], errors: dict[str, str], prefix: str) -> Field | None:
    """Show `errors` (service field name -> message) under the matching fields.

    Returns the first field with an error, to focus it.
    """
    first = None
    for field in fields:
        name = field.field_id.removeprefix(f"{prefix}-").replace("-", "_")
        message = errors.get(name, "")
        field.set_error(message)
        if message and first is None:
            first = field
    return first


__all__ = ["Field", "LongTextField", "SearchSelect", "TextField", "set_errors"]
