"""Typed refusals: each carries the French message a person reads.

A screen shows `message` next to `field` (a form field name) when there is
one, or as a notification otherwise; never a traceback. A message often
quotes what the person typed or a file's name: its controls are made visible
here, once for every screen (`display.safe_text`).
"""

from __future__ import annotations

import re

from ..display import safe_text

MSG_FORBIDDEN_CHARS = "Ce champ contient des caractères non autorisés"
# NUL and lone surrogates: PostgreSQL refuses the first in any text, and no
# UTF-8 encoder takes the second, so a query holding one fails in the driver.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# What no text a person writes may hold: those, the other control characters
# (a tab and a line break aside: text areas), and the bidirectional overrides
# that reorder what the next reader sees.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


class DomainError(Exception):
    """A refusal the person can act on."""

    def __init__(self, message: str, field: str | None = None) -> None:
        message = safe_text(message, multiline=True)
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Several fields refused at once: `errors` maps field name -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, first_field)
        self.errors = {name: safe_text(message, multiline=True) for name, message in errors.items()}


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    """The caller's role or the dossier's state does not allow this action."""


class TargetExists(DomainError):
    """An export would replace an existing file: the person is asked first."""

    def __init__(self, path: object, field: str | None = None) -> None:
        super().__init__(f"Le fichier {path} existe déjà.", field)
        self.path = path


class ConcurrentEdit(DomainError):
    """Another terminal changed the same data first; nothing was overwritten."""

    def __init__(self, message: str = "Ces informations ont été modifiées depuis un autre poste. "
                 "Rechargez-les : rien n'a été enregistré.") -> None:
        super().__init__(message)


class DatabaseUnavailable(DomainError):
    """The database cannot be reached or did not answer in time; nothing was changed."""

    def __init__(self, message: str = "La base de données ne répond pas. Rien n'a été enregistré : "
                 "réessayez dans quelques instants.") -> None:
        super().__init__(message)
def refuse_unstorable(field: str, *texts: str | None) -> None:
    """Refuse, as an error on `field`, text that no store can hold nor look up (a login, a search)."""
    if any(text and _UNSTORABLE.search(text) for text in texts):
        raise DomainError(MSG_FORBIDDEN_CHARS, field)


def refuse_forbidden(field: str, *texts: str | None) -> None:
    """Refuse, as an error on `field`, text to be stored that holds FORBIDDEN_CHARS (a comment)."""
    if any(text and FORBIDDEN_CHARS.search(text) for text in texts):
        raise DomainError(MSG_FORBIDDEN_CHARS, field)
