"""Mail templates: one text file per `MailKind`, overridable by the institution.

A template's first line is `Subject: …`, then a blank line, then the body.
Placeholders are `{name}` (write `{{` and `}}` for literal braces); the
mandatory footer is appended by the renderer so no override can drop it.
Overrides live in `<config dir>/mail-templates/<kind>.txt`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Formatter
from typing import Any

from ..domain import MAIL_FOOTER, MailKind

SIGNATURE_SEPARATOR = "-- "  # the standard one: mail clients fold what follows


class TemplateError(Exception):
    """A template that cannot be rendered; the message names the file and the problem."""


def placeholders(text: str) -> set[str]:
    """The `{names}` a template uses. Raises TemplateError on unbalanced braces."""
    try:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise TemplateError(f"bad braces ({exc})") from None


class TemplateRenderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir

    def override_path(self, kind: MailKind) -> Path | None:
        if self.override_dir is None:
            return None
        candidate = self.override_dir / f"{kind.value}.txt"
        return candidate if candidate.is_file() else None

    def source(self, kind: MailKind) -> str:
        override = self.override_path(kind)
        if override is not None:
            try:
                return override.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TemplateError(f"{override}: cannot be read ({exc})") from None
        return resources.files(__package__).joinpath("templates", f"{kind.value}.txt").read_text(encoding="utf-8")

    def placeholders(self, kind: MailKind) -> set[str]:
        return placeholders(self.source(kind))

    def render(self, kind: MailKind, **context: Any) -> tuple[str, str]:
        """Return (subject, body); the body ends with the mandatory footer."""
        name = f"{kind.value}.txt"
        text = self.source(kind).replace("\r\n", "\n").lstrip("\ufeff")
        head, _, body = text.partition("\n\n")
        if not head.startswith("Subject:") or "\n" in head.strip():
            raise TemplateError(f"{name}: the first line must be 'Subject: …', followed by a blank line")
        try:
            used = placeholders(text)
        except TemplateError as exc:
            raise TemplateError(f"{name}: {exc}") from None
        bad = {n for n in used if not n.isidentifier()}
        if bad:
            raise TemplateError(f"{name}: placeholder {{{sorted(bad)[0]}}} is not a plain name")
        missing = used - set(context)
        if missing:
            raise TemplateError(f"{name}: unknown placeholder {{{sorted(missing)[0]}}}")
        values = {k: "" if v is None else v for k, v in context.items()}
        try:
            subject = head.removeprefix("Subject:").strip().format(**values)
            body = body.strip("\n").format(**values)
        except (ValueError, KeyError, IndexError) as exc:
            raise TemplateError(f"{name}: {exc}") from None
        subject = " ".join(subject.split())  # a header is one line
        return subject, f"{body}\n\n{SIGNATURE_SEPARATOR}\n{MAIL_FOOTER}\n"
