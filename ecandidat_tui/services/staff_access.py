"""Who may do what in the staff console: the principal re-read from the store, the centre check.

The base of the `StaffService` parts (services/staff.py): its context, the
candidates' AccountService, the role check and the audit row.
"""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any, overload

from sqlmodel import Session, select

from ..domain import Role
from ..store.models import Account, StaffUser
from .context import ServiceContext
from .errors import Forbidden, NotFound, refuse_unstorable
from .staff_views import StaffPrincipal, StaffSessionEnded

MSG_FORBIDDEN = "Votre rôle ne vous permet pas cette action."
MSG_FORBIDDEN_CENTRE = "Ce dossier ne relève pas de vos centres de candidature."


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _centres(raw: str) -> tuple[str, ...]:
    return tuple(c for c in (raw or "").split(",") if c)


def current_principal(session: Session, principal: StaffPrincipal, *roles: Role) -> StaffPrincipal:
    """The principal as the store knows it now; Forbidden if disabled or its role is not in `roles`."""
    if not isinstance(principal, StaffPrincipal):
        raise Forbidden(MSG_FORBIDDEN)
    user = session.exec(select(StaffUser).where(StaffUser.login == principal.login)).first()
    if user is None or user.disabled:
        raise StaffSessionEnded("Ce compte du personnel est désactivé ou inconnu.")
    current = StaffPrincipal(user.login, Role(user.role), _centres(user.centre_codes))
    if current.role not in roles:
        raise Forbidden(MSG_FORBIDDEN)
    return current


def check_centre(principal: StaffPrincipal, centre_code: str) -> None:
    """A gestionnaire acts on their centres only; an administrator on all."""
    if principal.role == Role.GESTIONNAIRE and centre_code not in principal.centres:
        raise Forbidden(MSG_FORBIDDEN_CENTRE)



class StaffBase:
    def __init__(self, ctx: ServiceContext, accounts: Any = None) -> None:
        self.ctx = ctx
        self._accounts = accounts

    @property
    def accounts(self):
        """The candidates' AccountService (its staff-facing actions take an actor)."""
        if self._accounts is None:
            from .accounts import AccountService
            from .directory import DirectoryService

            self._accounts = AccountService(self.ctx, DirectoryService(self.ctx))
        return self._accounts

    # ------------------------------------------------------- role checks

    def _principal(self, session: Session, principal: StaffPrincipal, *roles: Role) -> StaffPrincipal:
        return current_principal(session, principal, *roles)

    def _audit(self, session: Session, principal: StaffPrincipal, action: str, **kwargs: Any) -> None:
        self.ctx.audit(session, "staff", principal.login, action, **kwargs)

    # ------------------------------------------------------- shared lookups

    def _account(self, s: Session, login: str) -> Account:
        refuse_unstorable("login", login)
        acc = s.exec(select(Account).where(Account.login == (login or "").strip().upper())).first()
        if acc is None:
            raise NotFound(f"Aucun candidat avec le login {login}.", "login")
        return acc
