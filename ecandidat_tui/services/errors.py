"""Typed refusals: each carries the French message a person reads.

A screen shows `message` next to `field` (a form field name) when there is
one, or as a notification otherwise; never a traceback. A message often
quotes what the person typed or a file's name: its controls are made visible
here, once for every screen (`display.safe_text`).
"""

from __future__ import annotations

from ..display import safe_text


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
