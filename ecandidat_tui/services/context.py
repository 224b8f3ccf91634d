"""What every service shares: settings, the database, the mail outbox, a clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, UTC
from collections.abc import Callable

from sqlmodel import Session

from ..config import Settings
from ..mail.outbox import Outbox
from ..store.db import Database
from ..store.models import AuditLog


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    settings: Settings
    db: Database
    outbox: Outbox
    clock: Callable[[], datetime] = field(default=_utcnow)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone().date()

    def audit(self, session: Session, actor_kind: str, actor: str, action: str, *,
              target_login: str | None = None, candidature_id: int | None = None,
              **details: object) -> None:
        """Write one audit row in the caller's transaction."""
        session.add(AuditLog(
            at=self.now(), actor_kind=actor_kind, actor=actor, action=action,
            target_login=target_login, candidature_id=candidature_id,
            details=json.dumps(details, ensure_ascii=False, default=str) if details else "",
        ))
