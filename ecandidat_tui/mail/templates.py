"""Mail templates: one text file per `MailKind`, overridable by the institution.

A template's first line is `Subject: …`, then a blank line, then the body.
Placeholders are `{name}`; the mandatory footer is appended by the renderer
so no override can drop it. Overrides live in `<config dir>/mail-templates/`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Formatter
from typing import Any

from ..domain import MAIL_FOOTER, MailKind


class TemplateError(Exception):
    pass


class TemplateRenderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir

    def source(self, kind: MailKind) -> str:
        name = f"{kind.value}.txt"
        if self.override_dir is not None:
            candidate = self.override_dir / name
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
        return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")

    def render(self, kind: MailKind, **context: Any) -> tuple[str, str]:
        """Return (subject, body) with the footer."""
        text = self.source(kind)
        head, _, body = text.partition("\n\n")
        if not head.startswith("Subject:"):
            raise TemplateError(f"{kind.value}.txt: the first line must be 'Subject: …'")
        missing = {f for _, f, _, _ in Formatter().parse(text) if f} - set(context)
        if missing:
            raise TemplateError(f"{kind.value}.txt: unknown placeholder {sorted(missing)[0]!r}")
        subject = head.removeprefix("Subject:").strip().format(**context)
        body = body.strip("\n").format(**context)
        return subject, f"{body}\n\n--\n{MAIL_FOOTER}\n"
