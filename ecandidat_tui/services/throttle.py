"""Login lockout that holds under parallel attempts (candidates and staff).

An attempt is counted *before* its password is checked: `claim` adds one to
the row's `failed_attempts` in a conditional UPDATE that only matches while
the row is not locked, and the attempt that reaches `max_failed_logins`
locks the row in the same transaction. So however many terminals try at
once, at most `max_failed_logins` passwords are checked per lockout window
(the row lock of the UPDATE, or SQLite's single writer, orders the claims);
the others are refused without a password check.

A correct password then `settle`s its claim: the count goes back to 0 and,
if this very attempt set the lock, the lock is lifted. A lock set by another
attempt stays, and the login is refused: a correct password during a lock
neither logs in nor clears it.

Logins that name no account are counted the same way in `LoginAttempt`
(keyed by a hash of the login), so after `max_failed_logins` failures an
unknown login is "locked" exactly like a known one and the lockout does not
reveal which logins exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..store.models import LoginAttempt


@dataclass(frozen=True)
class Attempt:
    """The outcome of `claim`.

    `allowed`: the password may be checked. `locked_until`: when refused, the
    lock in force; when allowed, the lock this attempt set (it was the last
    one of the window), else None.
    """

    allowed: bool
    locked_until: datetime | None = None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _where(model: Any, key: dict[str, Any]) -> list[Any]:
    return [getattr(model, name) == value for name, value in key.items()]


def claim(s: Session, model: Any, key: dict[str, Any], now: datetime, *,
          max_failures: int, lockout: timedelta) -> Attempt:
    """Count one attempt on the row of `model` matching `key` (it must exist)."""
    where = _where(model, key)
    # A lock that is over starts a new count at this attempt; the count of a lock in force
    # stays as it was (the staff console shows how many failures locked the account).
    counted = cast(CursorResult[Any], s.execute(
        update(model).where(*where, or_(model.locked_until.is_(None), model.locked_until <= now))
        .values(failed_attempts=case((model.locked_until.is_(None), model.failed_attempts + 1), else_=1),
                locked_until=None)
        .execution_options(synchronize_session=False)))
    if counted.rowcount == 0:
        until = s.execute(select(model.locked_until).where(*where)).scalar()
        return Attempt(False, _aware(until))
    attempts = s.execute(select(model.failed_attempts).where(*where)).scalar_one()
    if attempts < max_failures:
        return Attempt(True)
    until = now + lockout
    s.execute(update(model).where(*where).values(locked_until=until)
              .execution_options(synchronize_session=False))
    return Attempt(True, until)


def settle(s: Session, model: Any, key: dict[str, Any], attempt: Attempt, now: datetime) -> bool:
    """A correct password for `attempt`: reset the count; False if another attempt locked the row."""
    where = _where(model, key)
    query = select(model.locked_until).where(*where)
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    until = _aware(s.execute(query).scalar())
    if until is not None and until > now and until != attempt.locked_until:
        return False
    s.execute(update(model).where(*where).values(failed_attempts=0, locked_until=None)
              .execution_options(synchronize_session=False))
    return True


def unknown_login(s: Session, scope: str, login: str, now: datetime) -> dict[str, Any]:
    """The key of the `LoginAttempt` row counting `login` (created if absent)."""
    key = {"scope": scope, "key": hashlib.sha256(f"{scope}:{login}".encode()).hexdigest()}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(LoginAttempt).values(**key, failed_attempts=0, updated_at=now).on_conflict_do_nothing())
    s.execute(update(LoginAttempt).where(*_where(LoginAttempt, key)).values(updated_at=now)
              .execution_options(synchronize_session=False))
    return key
