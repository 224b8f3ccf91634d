"""The outbox: mails are rows written in the caller's transaction.

`Outbox.enqueue` is called by services inside their unit of work, so a mail
exists exactly when the change that causes it is committed. The
`Dispatcher` (see `mail.dispatch`) delivers pending rows later.

A mail carrying a one-time secret (a first password, an activation or reset
code, a validation link) keeps it in clear only until it is delivered: the
values are listed in `OutboxMail.secrets`, and the dispatcher replaces them
with `SECRET_MASK` in the stored body once the mail is sent.
"""

from __future__ import annotations

import json
from email.utils import make_msgid
from typing import Any

from sqlmodel import Session

from ..domain import MailKind
from ..store.models import OutboxMail
from .templates import TemplateRenderer

SUBJECT_MAX = 200  # OutboxMail.subject
SECRET_FIELDS = ("password", "code", "link")  # template values masked once the mail is delivered
SECRET_MASK = "[masqué après envoi]"


def mask_secrets(body: str, secrets: str | None) -> str:
    """`body` with the values listed in `secrets` (JSON, as stored) replaced by `SECRET_MASK`."""
    for value in sorted(json.loads(secrets or "[]"), key=len, reverse=True):
        body = body.replace(value, SECRET_MASK)
    return body


class Outbox:
    def __init__(self, renderer: TemplateRenderer) -> None:
        self.renderer = renderer

    def enqueue(self, session: Session, kind: MailKind, to: str, *,
                attachment: tuple[str, str] | None = None, **context: Any) -> OutboxMail:
        """Render `kind` for `to` and add it to the outbox in `session`.

        `attachment` is (file name, sha256 of a FileBlob already in the store).
        """
        subject, body = self.renderer.render(kind, **context)
        if len(subject) > SUBJECT_MAX:  # a long formation title must not fail the caller's change
            subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
        secrets = [str(context[k]) for k in SECRET_FIELDS if context.get(k)]
        row = OutboxMail(
            kind=kind.value, to_addr=to.strip(), subject=subject, body=body,
            attachment_name=attachment[0] if attachment else None,
            attachment_sha256=attachment[1] if attachment else None,
            message_id=make_msgid(domain="ecandidat-tui"),
            secrets=json.dumps(secrets) if secrets else None,
        )
        session.add(row)
        return row
