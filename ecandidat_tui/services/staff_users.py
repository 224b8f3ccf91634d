"""Staff users: creation, list, disabling, unlocking, and the staff login with its lockout."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ..domain import Role
from ..store.models import Centre, LoginAttempt, StaffUser
from . import throttle
from .errors import DomainError, Forbidden, NotFound, ValidationFailed, refuse_unstorable
from .security import dummy_verify, hash_secret, password_problems, verify_secret
from .staff_views import StaffPrincipal, StaffUserView
from .staff_access import StaffBase, _aware, _centres

STAFF_LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{2,64}$")

MSG_BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."


class StaffUsers(StaffBase):
    # ------------------------------------------------------- staff users

    def add_staff_user(self, login: str, password: str, role: str, centres: Iterable[str] = (),
                       *, by: StaffPrincipal | None = None) -> StaffUserView:
        """Create a staff user. `by` None means the local command line (trusted)."""
        login = (login or "").strip()
        centres = tuple(dict.fromkeys(c.strip() for c in centres if c and c.strip()))
        errors: dict[str, str] = {}
        if not STAFF_LOGIN_RE.match(login):
            errors["login"] = ("Le login doit compter de 2 à 64 caractères parmi les lettres, "
                               "les chiffres et . _ -")
        try:
            role_value = Role(role)
        except ValueError:
            role_value = None
            errors["role"] = "Rôle inconnu : choisissez support, gestionnaire ou admin."
        problems = password_problems(password or "")
        if problems:
            errors["password"] = "Le mot de passe doit contenir " + ", ".join(problems) + "."
        if role_value == Role.GESTIONNAIRE and not centres:
            errors["centres"] = "Un gestionnaire doit être rattaché à au moins un centre."
        if errors:
            raise ValidationFailed(errors)
        assert role_value is not None  # an unknown role is among the errors
        with self.ctx.db.session() as s:
            actor = self._principal(s, by, Role.ADMIN) if by is not None else None
            if s.exec(select(StaffUser.id).where(StaffUser.login == login)).first() is not None:
                raise DomainError("Ce login est déjà utilisé par un membre du personnel.", "login")
            if centres:
                known = set(s.exec(select(col(Centre.code)).where(col(Centre.code).in_(centres))).all())
                unknown = [c for c in centres if c not in known]
                if unknown:
                    raise DomainError(f"Centre de candidature inconnu : {', '.join(unknown)}", "centres")
            user = StaffUser(login=login, password_hash=hash_secret(password), role=role_value.value,
                             centre_codes=",".join(centres), created_at=self.ctx.now())
            try:
                # Two admins adding the same login at once both pass the check above: the
                # unique index decides, and the loser is told like the check would tell him.
                s.add(user)
                s.flush()
            except IntegrityError:
                raise DomainError("Ce login est déjà utilisé par un membre du personnel.", "login") from None
            self.ctx.audit(s, "staff" if actor else "cli", actor.login if actor else "cli",
                           "staff_user_added", staff_login=login, role=role_value.value,
                           centres=list(centres))
            return self._user_view(user)

    def _user_view(self, user: StaffUser) -> StaffUserView:
        locked_until = _aware(user.locked_until)
        return StaffUserView(user.login, user.role, user.disabled, _centres(user.centre_codes),
                             _aware(user.created_at), _aware(user.last_login_at),
                             bool(locked_until and locked_until > self.ctx.now()))

    def list_staff_users(self, *, by: StaffPrincipal | None = None) -> list[StaffUserView]:
        if by is not None:
            with self.ctx.db.read_session() as s:
                self._principal(s, by, Role.ADMIN)
        with self.ctx.db.read_session() as s:
            return [self._user_view(u) for u in s.exec(select(StaffUser).order_by(StaffUser.login)).all()]

    def disable_staff_user(self, login: str, *, by: StaffPrincipal | None = None) -> None:
        refuse_unstorable("login", login)
        with self.ctx.db.session() as s:
            actor = self._principal(s, by, Role.ADMIN) if by is not None else None
            user = s.exec(select(StaffUser).where(StaffUser.login == login)).first()
            if user is None:
                raise NotFound(f"Aucun membre du personnel avec le login {login}.", "login")
            if actor is not None and actor.login == login:
                raise Forbidden("Vous ne pouvez pas désactiver votre propre compte.")
            user.disabled = True
            s.add(user)
            self.ctx.audit(s, "staff" if actor else "cli", actor.login if actor else "cli",
                           "staff_user_disabled", staff_login=login)

    def unlock_staff_user(self, login: str, *, by: StaffPrincipal) -> None:
        """An admin lifts a staff user's lockout and forgets its failed logins."""
        with self.ctx.db.session() as s:
            actor = self._principal(s, by, Role.ADMIN)
            user = s.exec(select(StaffUser).where(StaffUser.login == login)).first()
            if user is None:
                raise NotFound(f"Aucun membre du personnel avec le login {login}.", "login")
            user.locked_until = None
            user.failed_attempts = 0
            s.add(user)
            self._audit(s, actor, "staff_user_unlocked", staff_login=login)

    def authenticate_staff(self, login: str, password: str) -> StaffPrincipal:
        """Check a staff login; lockout after `max_failed_logins` failures, like candidates.

        The attempt is counted before the password is checked, and unknown
        logins are counted and checked the same way (services/throttle.py), so
        parallel attempts check at most `max_failed_logins` passwords and the
        answers do not tell which logins exist.
        """
        refuse_unstorable("login", login, password)
        settings = self.ctx.settings
        login = (login or "").strip()
        now = self.ctx.now()
        lockout = timedelta(minutes=settings.lockout_minutes)
        with self.ctx.db.session() as s:
            user = s.exec(select(StaffUser).where(StaffUser.login == login)).first()
            model: type[LoginAttempt | StaffUser]
            if user is None:
                model, key, password_hash = LoginAttempt, throttle.unknown_login(s, "staff", login, now), None
            else:
                model, key, password_hash = StaffUser, {"id": user.id}, user.password_hash
            attempt = throttle.claim(s, model, key, now, max_failures=settings.max_failed_logins, lockout=lockout)
        if not attempt.allowed:
            raise self._staff_locked(attempt.locked_until, now)
        ok = dummy_verify(password or "") if password_hash is None else verify_secret(password_hash, password or "")
        with self.ctx.db.session() as s:
            if not ok or user is None:  # no user: never ok (dummy_verify)
                if user is not None:
                    self.ctx.audit(s, "staff", login, "staff_login_failed")
                else:  # what was typed is not kept: it may be a password typed one field early
                    self.ctx.audit(s, "staff", "?", "staff_login_failed", unknown_login=True)
                if attempt.locked_until is not None:
                    if user is not None:
                        self.ctx.audit(s, "staff", login, "staff_locked")
                    failure: DomainError = self._staff_locked(attempt.locked_until, now)
                else:
                    failure = DomainError(MSG_BAD_CREDENTIALS, "staff-password")
            elif not throttle.settle(s, StaffUser, key, attempt, now):
                until = _aware(s.exec(select(col(StaffUser.locked_until)).where(col(StaffUser.id) == user.id)).one())
                failure = self._staff_locked(until, now)
            elif user.disabled:
                failure = Forbidden("Ce compte du personnel est désactivé.", "staff-login")
            else:
                s.exec(update(StaffUser).where(col(StaffUser.id) == user.id).values(last_login_at=now))
                self.ctx.audit(s, "staff", login, "staff_login")
                return StaffPrincipal(user.login, Role(user.role), _centres(user.centre_codes))
        raise failure

    @staticmethod
    def _staff_locked(until: datetime | None, now: datetime) -> Forbidden:
        minutes = max(1, int(((until or now) - now).total_seconds() // 60) + 1)
        return Forbidden("Trop d'échecs de connexion : ce compte est verrouillé. "
                         f"Réessayez dans {minutes} minute(s).", "staff-password")
