"""The staff console's use cases: staff users, search, account actions, dossier review.

Roles (DOMAIN.md §6), enforced here on every call, not only by the screens:

- ``support``: reads every candidate (search, admin view, candidatures) and
  does the account actions (resend activation, unlock, force a password
  reset, correct the mail, delete an unvalidated account);
- ``gestionnaire``: searches candidates, reviews and decides the dossiers of
  the formations of its centres (``Centre.code`` in its centres), lists and
  exports those formations' candidatures;
- ``admin``: everything, plus staff users and the audit log.

Every method but the command-line ones (`add_staff_user`, `list_staff_users`,
`disable_staff_user` without ``by``) and `authenticate_staff` takes the
`StaffPrincipal` first. The principal is re-read from the store on each call
(role, centres, disabled), so a forged or outdated principal grants nothing.
Every staff action writes an audit row in the same transaction.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, UTC
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, overload
from collections.abc import Iterable, Sequence

from sqlalchemy import BindParameter, Row, Select, and_, bindparam, case, func, or_, union, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..domain import Confirmation, Decision, MailKind, Role, StatutDossier, StatutPiece
from ..store.db import StaleVersion, update_versioned
from ..store.models import (
    Account, AuditLog, Baccalaureat, Candidature, Centre, Commission, FileBlob, Formation,
    InformationsPerso, LoginAttempt, PieceSubmission, PieceType, StaffUser,
)
from ..text import format_date
from .account_rules import name_key
from .candidatures import bump_candidature
from .context import ServiceContext
from .decision_letter import DecisionLetterService
from ..display import csv_cell
from . import throttle
from .errors import (
    ConcurrentEdit, DomainError, Forbidden, NotFound, TargetExists, ValidationFailed, refuse_forbidden,
    refuse_unstorable,
)
from .security import dummy_verify, hash_secret, password_problems, verify_secret
from .staff_views import (  # re-exported for callers of this module
    CSV_DELIMITER, SEARCH_CAP, SEARCH_MIN_CHARS, AuditEntry, AuditFilters, CandidateAdminView,
    CandidateHit, CandidatureSummary, DossierCounts, ExportResult, FormationCandidatureRow, FormationCounts,
    FormationRow, PendingCounts, PieceFile, PieceReview, PieceReviewResult, SearchResult, StaffPrincipal,
    StaffRecap, StaffSessionEnded, StaffUserView,
)

STAFF_LOGIN_RE = re.compile(r"^[A-Za-z0-9._-]{2,64}$")

MSG_FORBIDDEN = "Votre rôle ne vous permet pas cette action."
MSG_FORBIDDEN_CENTRE = "Ce dossier ne relève pas de vos centres de candidature."
MSG_BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."


# --------------------------------------------------------------- helpers


def search_key(text: str) -> str:
    """Upper-case, accent-free form of a name, as `Account.nom_key` stores it."""
    return name_key(text)


def prefix_successor(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(column, lo, hi, like):
    # The range lets both SQLite and PostgreSQL scan the btree; the LIKE only
    # filters inside that range, so a linguistic collation (PostgreSQL
    # en_US…, where "LEGA" sorts between "LE G" and "LE H") cannot add false hits.
    return and_(column >= lo, column < hi, column.like(like, escape="/"))


def _prefix_values(prefix: str) -> tuple[str, str, str]:
    """The range (`prefix`, its successor) and the escaped LIKE pattern."""
    like = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return prefix, prefix_successor(prefix), like


def _prefix(column, prefix: str):
    """`column` starts with `prefix`, as an index range scan."""
    return _starts_with(column, *_prefix_values(prefix))


def _prefix_params(name: str, prefix: str) -> dict[str, str]:
    """The values of `_bound_prefix(column, name)` for `prefix`."""
    return dict(zip((f"{name}_lo", f"{name}_hi", f"{name}_like"), _prefix_values(prefix), strict=True))


def _bound_prefix(column, name: str):
    """`_prefix` with its values bound at execution (see `_search_statement`)."""
    return _starts_with(column, bindparam(f"{name}_lo"), bindparam(f"{name}_hi"), bindparam(f"{name}_like"))


class _SearchShape(NamedTuple):
    """Which lookups a search text calls for (see `search_candidates`)."""

    login: bool
    numero: bool
    numero_raw: bool
    mail: bool
    names: bool
    nom_prenom: bool
    ine: bool


@cache  # at most 2**7 shapes per engine
def _search_statement(shape: _SearchShape, postgresql: bool):
    """The search's one statement for texts of this shape, values bound at execution.

    Building it took about half of a search's Python time (~1.5 ms): it is
    built once per shape. Each lookup is its own index range scan capped at
    `fetch` (a LIMIT inside its branch); the branches are glued with UNION
    (each account once), and only the first `fetch` accounts in the order
    shown (exact matches first, then by nom, prénom, login) are read, with
    their INE. A common prefix fills several branches (up to ~600 rows):
    ordering and cutting them in the database keeps the rows sent and turned
    into hits to `fetch`.
    """
    lookups = []
    if shape.login:
        lookups.append(_bound_prefix(Account.login, "login"))
    if shape.numero:
        lookups.append(_bound_prefix(Account.numero_etudiant, "numero"))
    if shape.numero_raw:
        lookups.append(_bound_prefix(Account.numero_etudiant, "numero_raw"))
    if shape.mail:
        lookups.append(_bound_prefix(Account.mail_key, "mail"))
    if shape.names:
        lookups.append(_bound_prefix(Account.nom_key, "name"))
        lookups.append(_bound_prefix(Account.prenom_key, "name"))
    if shape.nom_prenom:  # "DUPONT JE" -> nom DUPONT and prénom starting JE (composite index)
        lookups.append(and_(col(Account.nom_key) == bindparam("first"), _bound_prefix(col(Account.prenom_key), "rest")))
    fetch: BindParameter[int] = bindparam("fetch")
    branches: list[Select[Any]] = [select(col(Account.id).label("aid")).where(condition).limit(fetch)
                                   for condition in lookups]
    if shape.ine:
        branches.append(select(col(InformationsPerso.account_id).label("aid"))
                        .where(_bound_prefix(InformationsPerso.ine, "ine")).limit(fetch))
    if not branches:
        return None
    hits_found = union(*(select(b.subquery().c.aid) for b in branches)).subquery("hits_found")
    upper: BindParameter[str] = bindparam("upper")
    exact = or_(col(Account.login) == upper, col(Account.nom_key) == upper, col(Account.prenom_key) == upper,
                func.upper(Account.numero_etudiant) == upper, func.upper(InformationsPerso.ine) == upper,
                col(Account.mail_key) == bindparam("lower"), col(Account.nom_key) == bindparam("key"))

    def in_byte_order(column):
        # as Python compares: a linguistic collation (PostgreSQL en_US…)
        # would sort "LE GOFF" among the LEG… names
        return column.collate("C") if postgresql else column

    return (sa_select(col(Account.login), col(Account.nom), col(Account.prenom), col(Account.mail),
                      col(Account.numero_etudiant), col(InformationsPerso.ine),
                      col(Account.account_valid))  # CandidateHit's fields, in order
            .select_from(hits_found)
            .join(Account, col(Account.id) == hits_found.c.aid)
            .outerjoin(InformationsPerso, col(InformationsPerso.account_id) == col(Account.id))
            .order_by(case((exact, 0), else_=1), in_byte_order(col(Account.nom_key)),
                      in_byte_order(col(Account.prenom_key)), in_byte_order(col(Account.login)))
            .limit(fetch))


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


# --------------------------------------------------------------- service


class StaffService:
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

    # ------------------------------------------------------------ search

    def search_candidates(self, principal: StaffPrincipal, text: str, limit: int = SEARCH_CAP) -> SearchResult:
        """Candidates whose login, nom, prénom, mail, INE or numéro étudiant is or starts with `text`.

        Every lookup is an index range scan (see `_prefix`, `_search_statement`);
        results are capped. Two round trips: the principal, then the search.
        """
        refuse_unstorable("staff-search", text)
        raw = (text or "").strip()
        if len(raw) < SEARCH_MIN_CHARS:
            raise ValidationFailed({"staff-search": f"Saisissez au moins {SEARCH_MIN_CHARS} caractères."})
        limit = max(1, min(limit, SEARCH_CAP))
        fetch = limit + 1
        upper, lower, key = raw.upper(), raw.lower(), search_key(raw)
        first, _, rest = key.partition(" ")
        rest = rest.strip()
        alnum = re.fullmatch(r"[0-9A-Za-z]+", raw) is not None
        shape = _SearchShape(
            login=alnum and len(raw) <= 8, numero=alnum, numero_raw=alnum and raw != upper,
            mail="@" in raw or "." in raw or re.fullmatch(r"[\w.+-]+", raw) is not None,
            names=bool(key), nom_prenom=bool(key and rest), ine=alnum and len(raw) <= 11)
        params: dict[str, Any] = {"upper": upper, "lower": lower, "key": key, "first": first, "fetch": fetch}
        for name, prefix in (("login", upper), ("numero", upper), ("numero_raw", raw), ("mail", lower),
                             ("name", key), ("rest", rest), ("ine", upper)):
            if prefix:
                params.update(_prefix_params(name, prefix))
        stmt = _search_statement(shape, self.ctx.db.is_postgresql)
        rows: Sequence[Row[*tuple[Any, ...]]] = []
        with self.ctx.db.read_session() as s:
            self._principal(s, principal, Role.SUPPORT, Role.GESTIONNAIRE, Role.ADMIN)
            if stmt is not None:
                rows = s.execute(stmt, params).all()
        hits = tuple(CandidateHit(*row) for row in rows[:limit])
        return SearchResult(hits, len(rows) > limit)

    # ------------------------------------------------- candidate admin view

    def _account(self, s: Session, login: str) -> Account:
        refuse_unstorable("login", login)
        acc = s.exec(select(Account).where(Account.login == (login or "").strip().upper())).first()
        if acc is None:
            raise NotFound(f"Aucun candidat avec le login {login}.", "login")
        return acc

    def candidate_admin_view(self, principal: StaffPrincipal, login: str) -> CandidateAdminView:
        with self.ctx.db.read_session() as s:
            self._principal(s, principal, Role.SUPPORT, Role.ADMIN)
            acc = self._account(s, login)
            ine = s.exec(select(InformationsPerso.ine).where(InformationsPerso.account_id == acc.id)).first()
            count = s.exec(select(func.count()).select_from(Candidature)
                           .where(Candidature.account_id == acc.id)).one()
            locked_until = _aware(acc.locked_until)
            return CandidateAdminView(
                login=acc.login, nom=acc.nom, prenom=acc.prenom, mail=acc.mail,
                created_at=_aware(acc.created_at), validity_deadline=_aware(acc.validity_deadline),
                mail_validated=acc.mail_validated, account_valid=acc.account_valid,
                must_change_password=acc.must_change_password, from_directory=acc.from_directory,
                numero_etudiant=acc.numero_etudiant, ine=ine,
                locked=bool(locked_until and locked_until > self.ctx.now()), locked_until=locked_until,
                failed_attempts=acc.failed_attempts, last_login_at=_aware(acc.last_login_at),
                candidatures=count, version=acc.version,
            )

    def _account_action(self, principal: StaffPrincipal, login: str, call) -> Any:
        """Check the role, then run the AccountService action (it audits with the actor)."""
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.SUPPORT, Role.ADMIN)
            target = self._account(s, login).login
        return call(target, current.login)

    def resend_activation(self, principal: StaffPrincipal, login: str) -> Any:
        return self._account_action(principal, login,
                                    lambda t, a: self.accounts.resend_activation_for(t, actor=a))

    def unlock_account(self, principal: StaffPrincipal, login: str) -> Any:
        return self._account_action(principal, login,
                                    lambda t, a: self.accounts.unlock(t, actor=a))

    def force_password_reset(self, principal: StaffPrincipal, login: str) -> Any:
        return self._account_action(principal, login,
                                    lambda t, a: self.accounts.force_password_reset(t, actor=a))

    def correct_mail(self, principal: StaffPrincipal, login: str, new_mail: str) -> Any:
        return self._account_action(principal, login,
                                    lambda t, a: self.accounts.correct_mail(t, new_mail, actor=a))

    def delete_unvalidated(self, principal: StaffPrincipal, login: str) -> Any:
        return self._account_action(principal, login,
                                    lambda t, a: self.accounts.delete_unvalidated(t, actor=a))

    # ----------------------------------------------------- dossier review

    def _candidature_query(self):
        return (select(Candidature, Account.login, Formation, Centre.code)
                .join(Account, Account.id == Candidature.account_id)
                .join(Formation, Formation.id == Candidature.formation_id)
                .join(Commission, Commission.id == Formation.commission_id)
                .join(Centre, Centre.id == Commission.centre_id))

    @staticmethod
    def _summary(c: Candidature, login: str, f: Formation, centre: str) -> CandidatureSummary:
        return CandidatureSummary(
            id=c.id, login=login, formation_code=f.code, formation_titre=f.titre, centre_code=centre,
            statut=StatutDossier(c.statut), decision=Decision(c.decision) if c.decision else None,
            decision_rang=c.decision_rang, decision_validated=c.decision_validated,
            confirmation=Confirmation(c.confirmation) if c.confirmation else None,
            created_at=_aware(c.created_at), transmitted_at=_aware(c.transmitted_at), version=c.version,
        )

    def list_candidatures(self, principal: StaffPrincipal, login: str) -> list[CandidatureSummary]:
        """A candidate's candidatures; a gestionnaire sees only those of its centres."""
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.SUPPORT, Role.GESTIONNAIRE, Role.ADMIN)
            acc = self._account(s, login)
            query = self._candidature_query().where(Candidature.account_id == acc.id)
            if current.role == Role.GESTIONNAIRE:
                query = query.where(col(Centre.code).in_(current.centres))
            rows = s.exec(query.order_by(Candidature.created_at, Candidature.id)).all()
            return [self._summary(*row) for row in rows]

    def _load_candidature(self, s: Session, current: StaffPrincipal, candidature_id: int):
        row = s.exec(self._candidature_query().where(Candidature.id == candidature_id)).first()
        if row is None:
            raise NotFound("Cette candidature n'existe plus.")
        check_centre(current, row[3])
        return row

    def staff_recap(self, principal: StaffPrincipal, candidature_id: int) -> StaffRecap:
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.SUPPORT, Role.GESTIONNAIRE, Role.ADMIN)
            return self._recap(s, current, candidature_id)

    def _recap(self, s: Session, current: StaffPrincipal, candidature_id: int) -> StaffRecap:
        c, login, f, centre = self._load_candidature(s, current, candidature_id)
        acc = s.get_one(Account, c.account_id)
        rows = s.exec(
            select(PieceSubmission, PieceType, FileBlob.mime, FileBlob.size)
            .join(PieceType, col(PieceType.id) == col(PieceSubmission.piece_type_id))
            .join(FileBlob, col(FileBlob.sha256) == col(PieceSubmission.blob_sha256), isouter=True)
            .where(PieceSubmission.candidature_id == c.id)
            .order_by(col(PieceType.ordre), col(PieceType.code))
        ).all()
        pieces = tuple(
            PieceReview(p.id, t.code, t.libelle, t.conditional, StatutPiece(p.statut), p.file_name,
                        p.blob_sha256, mime, size, p.commentaire, p.version)
            for p, t, mime, size in rows
        )
        return StaffRecap(
            candidature=self._summary(c, login, f, centre), nom=acc.nom, prenom=acc.prenom, mail=acc.mail,
            decision_commentaire=c.decision_commentaire, commentaire=c.commentaire,
            has_letter=c.decision_letter_sha256 is not None,
            confirmation=Confirmation(c.confirmation) if c.confirmation else None,
            date_limite_retour=f.date_limite_retour, date_jury=f.date_jury,
            date_publication=f.date_publication, date_confirmation=f.date_confirmation, pieces=pieces,
        )

    def piece_file(self, principal: StaffPrincipal, piece_id: int) -> PieceFile:
        """The file of one piece, to preview or save."""
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.SUPPORT, Role.GESTIONNAIRE, Role.ADMIN)
            piece = s.get(PieceSubmission, piece_id)
            if piece is None:
                raise NotFound("Cette pièce n'existe plus.")
            self._load_candidature(s, current, piece.candidature_id)
            if piece.blob_sha256 is None:
                raise DomainError("Aucun fichier n'a été déposé pour cette pièce.")
            blob = s.get_one(FileBlob, piece.blob_sha256)  # a referenced blob stays (foreign key)
            return PieceFile(piece.file_name or f"piece-{piece.id}", blob.mime, bytes(blob.data))

    def save_piece_file(self, principal: StaffPrincipal, piece_id: int, folder: str | Path) -> Path:
        """Write a piece's file into `folder` (on the machine running the console)."""
        target_dir = Path(str(folder).strip() or ".").expanduser()
        if not target_dir.is_dir():
            raise DomainError(f"Le dossier {target_dir} n'existe pas.", "staff-save-folder")
        piece = self.piece_file(principal, piece_id)
        name = Path(piece.file_name).name or f"piece-{piece_id}"
        target = target_dir / name
        stem, suffix, n = target.stem, target.suffix, 1
        try:
            while True:  # never replace a file: "x" creates, or fails when the name is taken
                try:
                    with target.open("xb") as fh:
                        fh.write(piece.data)
                    break
                except FileExistsError:
                    n += 1
                    target = target_dir / f"{stem}-{n}{suffix}"
        except OSError as exc:
            raise DomainError(f"Impossible d'écrire {target} : {exc.strerror}", "staff-save-folder") from None
        with self.ctx.db.session() as s:
            # The candidate may have cancelled meanwhile: the file was written all the same.
            row = s.get(PieceSubmission, piece_id)
            cand = s.get(Candidature, row.candidature_id) if row else None
            acc = s.get_one(Account, cand.account_id) if cand else None
            self.ctx.audit(s, "staff", principal.login, "piece_file_saved", target_login=acc.login if acc else None,
                           candidature_id=cand.id if cand else None, piece_id=piece_id, path=str(target))
        return target

    def review_pieces(self, principal: StaffPrincipal, candidature_id: int,
                      pieces: Sequence[tuple[int, int]], statut: StatutPiece | str,
                      commentaire: str | None = None) -> PieceReviewResult:
        """Set several pieces Validée or Refusée at once; `pieces` is (id, version) as shown.

        Validée leaves a piece without a file as it is ("En attente", or "Non
        concerné" as the candidate declared it) and counts it as skipped.
        All or nothing: a piece changed meanwhile refuses the whole batch.
        """
        statut = StatutPiece(statut)
        refuse_forbidden("staff-piece-comment", commentaire)
        commentaire = (commentaire or "").strip() or None
        if statut not in (StatutPiece.VALIDEE, StatutPiece.REFUSEE):
            raise DomainError("Une pièce est soit validée soit refusée.", "staff-piece-statut")
        if not pieces:
            raise DomainError("Sélectionnez au moins une pièce.", "staff-pieces")
        if statut == StatutPiece.REFUSEE and not commentaire:
            raise DomainError("Indiquez le motif du refus dans le commentaire.", "staff-piece-comment")
        if commentaire and len(commentaire) > 500:
            raise DomainError("Le commentaire ne doit pas dépasser 500 caractères.", "staff-piece-comment")
        with self.ctx.db.session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            c, login, _f, _centre = self._load_candidature(s, current, candidature_id)
            if c.statut == StatutDossier.EN_ATTENTE:
                raise Forbidden("Ce dossier n'a pas encore été transmis par le candidat.")
            now = self.ctx.now()
            changed = skipped = 0
            for piece_id, version in pieces:
                piece = s.get(PieceSubmission, piece_id)
                if piece is None or piece.candidature_id != c.id:
                    raise NotFound("Cette pièce n'appartient pas à ce dossier.")
                if piece.version != version:
                    raise ConcurrentEdit()
                if statut == StatutPiece.VALIDEE and piece.blob_sha256 is None:
                    skipped += 1
                    continue
                changed += 1
                try:
                    update_versioned(s, PieceSubmission, piece_id, version, statut=statut.value,
                                     commentaire=commentaire, updated_at=now)
                except StaleVersion:
                    raise ConcurrentEdit() from None
                self._audit(s, current, "piece_validee" if statut == StatutPiece.VALIDEE else "piece_refusee",
                            target_login=login, candidature_id=c.id, piece_id=piece_id,
                            commentaire=commentaire)
            if changed:
                # The dossier's version moves too, so a recap the candidate read before is stale.
                bump_candidature(s, c.id, now)
            s.flush()
            s.expire_all()
            return PieceReviewResult(self._recap(s, current, c.id), changed, skipped)

    def set_dossier_status(self, principal: StaffPrincipal, candidature_id: int, expected_version: int,
                           statut: StatutDossier | str, commentaire: str | None = None) -> StaffRecap:
        """Complet, or Incomplet (reopens the dossier for the candidate); mails the candidate."""
        statut = StatutDossier(statut)
        if statut not in (StatutDossier.COMPLET, StatutDossier.INCOMPLET):
            raise DomainError("Le dossier ne peut être déclaré que complet ou incomplet.", "staff-dossier-statut")
        refuse_forbidden("commentaire", commentaire)
        commentaire = (commentaire or "").strip() or None
        with self.ctx.db.session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            c, login, f, _centre = self._load_candidature(s, current, candidature_id)
            if c.version != expected_version:
                raise ConcurrentEdit()
            if c.statut == StatutDossier.EN_ATTENTE:
                raise Forbidden("Ce dossier n'a pas encore été transmis par le candidat.")
            if c.statut == statut:
                raise DomainError(f"Le dossier est déjà {statut.label.lower()}.", "staff-dossier-statut")
            if c.decision_validated:
                raise Forbidden("Une décision validée a déjà été rendue sur ce dossier.")
            pieces = s.exec(select(PieceSubmission, PieceType)
                            .join(PieceType, col(PieceType.id) == col(PieceSubmission.piece_type_id))
                            .where(PieceSubmission.candidature_id == c.id)
                            .order_by(col(PieceType.ordre), col(PieceType.code))).all()
            refused = [(p, t) for p, t in pieces if p.statut == StatutPiece.REFUSEE]
            if statut == StatutDossier.COMPLET:
                pending = [t.libelle for p, t in pieces
                           if p.statut not in (StatutPiece.VALIDEE, StatutPiece.NON_CONCERNE)]
                if pending:
                    raise DomainError("Toutes les pièces doivent être validées avant de déclarer le "
                                      "dossier complet. À revoir : " + ", ".join(pending), "staff-dossier-statut")
            elif not refused:
                raise DomainError("Refusez d'abord au moins une pièce : le candidat doit savoir "
                                  "quoi corriger.", "staff-dossier-statut")
            values: dict[str, Any] = {"statut": statut.value, "updated_at": self.ctx.now()}
            if commentaire is not None:
                values["commentaire"] = commentaire
            try:
                update_versioned(s, Candidature, c.id, expected_version, **values)
            except StaleVersion:
                raise ConcurrentEdit() from None
            acc = s.get_one(Account, c.account_id)
            names = {"prenom": acc.prenom, "nom": acc.nom, "formation": f.titre}
            if statut == StatutDossier.COMPLET:
                self.ctx.outbox.enqueue(s, MailKind.DOSSIER_COMPLET, acc.mail, **names)
            else:
                listing = "\n".join(f"- {t.libelle} : {p.commentaire}" if p.commentaire else f"- {t.libelle}"
                                    for p, t in refused)
                self.ctx.outbox.enqueue(s, MailKind.DOSSIER_INCOMPLET, acc.mail, pieces=listing,
                                        date_limite_retour=format_date(f.date_limite_retour), **names)
            self._audit(s, current, f"dossier_{statut.value}", target_login=login, candidature_id=c.id,
                        commentaire=commentaire)
            s.flush()
            s.expire_all()
            return self._recap(s, current, c.id)

    def record_decision(self, principal: StaffPrincipal, candidature_id: int, expected_version: int,
                        decision: Decision | str, rang: int | None = None,
                        commentaire: str | None = None) -> StaffRecap:
        """Record (not yet publish) a decision; `validate_decision` makes it visible."""
        try:
            decision = Decision(decision)
        except ValueError:
            raise DomainError("Choisissez une décision.", "staff-decision") from None
        refuse_forbidden("staff-decision-comment", commentaire)
        commentaire = (commentaire or "").strip() or None
        if decision == Decision.LISTE_COMPLEMENTAIRE:
            if rang is None or rang < 1:
                raise DomainError("Indiquez le rang sur la liste complémentaire (1 ou plus).",
                                  "staff-decision-rang")
        else:
            rang = None
        if commentaire and len(commentaire) > 500:
            raise DomainError("Le commentaire ne doit pas dépasser 500 caractères.", "staff-decision-comment")
        with self.ctx.db.session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            c, login, _f, _centre = self._load_candidature(s, current, candidature_id)
            if c.version != expected_version:
                raise ConcurrentEdit()
            if c.statut == StatutDossier.EN_ATTENTE:
                raise Forbidden("Ce dossier n'a pas encore été transmis par le candidat.")
            if c.decision_validated:
                raise Forbidden("La décision de ce dossier a déjà été validée et communiquée.")
            try:
                update_versioned(s, Candidature, c.id, expected_version, decision=decision.value,
                                 decision_rang=rang, decision_commentaire=commentaire,
                                 decision_validated=False, updated_at=self.ctx.now())
            except StaleVersion:
                raise ConcurrentEdit() from None
            self._audit(s, current, "decision_recorded", target_login=login, candidature_id=c.id,
                        decision=decision.value, rang=rang, commentaire=commentaire)
            s.flush()
            s.expire_all()
            return self._recap(s, current, c.id)

    def validate_decision(self, principal: StaffPrincipal, candidature_id: int,
                          expected_version: int) -> StaffRecap:
        """Publish the recorded decision to the candidate, with the decision mail and the letter."""
        letters = DecisionLetterService(self.ctx)
        letter: bytes | None = None
        with self.ctx.db.read_session() as s:
            # The PDF is built from the version shown, outside the write transaction;
            # a template the institution broke refuses here (LetterTemplateError, in French).
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            c = self._load_candidature(s, current, candidature_id)[0]
            if c.version == expected_version and c.decision and not c.decision_validated:
                letter = letters.build(s, c)
        with self.ctx.db.session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            c, login, f, _centre = self._load_candidature(s, current, candidature_id)
            if c.version != expected_version:
                raise ConcurrentEdit()
            if not c.decision:
                raise DomainError("Aucune décision n'a été enregistrée pour ce dossier.", "staff-decision")
            if c.decision_validated:
                raise DomainError("Cette décision est déjà validée.", "staff-decision")
            if letter is None:
                raise ConcurrentEdit()  # changed between the two transactions
            sha = letters.store(s, letter)
            try:
                update_versioned(s, Candidature, c.id, expected_version, decision_validated=True,
                                 decision_letter_sha256=sha, updated_at=self.ctx.now())
            except StaleVersion:
                raise ConcurrentEdit() from None
            decision = Decision(c.decision)
            details = []
            if decision == Decision.LISTE_COMPLEMENTAIRE:
                details.append(f"Vous êtes classé(e) au rang {c.decision_rang} de la liste complémentaire.")
            if decision == Decision.FAVORABLE and f.date_confirmation:
                details.append("Confirmez votre candidature ou désistez-vous avant le "
                               f"{format_date(f.date_confirmation)}.")
            if c.decision_commentaire:
                details.append(f"Commentaire : {c.decision_commentaire}")
            acc = s.get_one(Account, c.account_id)
            self.ctx.outbox.enqueue(s, MailKind.DECISION, acc.mail, prenom=acc.prenom, nom=acc.nom,
                                    formation=f.titre, decision=decision.label,
                                    details="\n".join(details))
            self._audit(s, current, "decision_validated", target_login=login, candidature_id=c.id,
                        decision=decision.value)
            self._audit(s, current, "decision_letter_produced", target_login=login, candidature_id=c.id,
                        decision=decision.value, sha256=sha)
            s.flush()
            s.expire_all()
            return self._recap(s, current, c.id)

    # --------------------------------------------------- lists and export

    def list_formations(self, principal: StaffPrincipal) -> list[FormationRow]:
        """Formations whose candidatures this person may list (its centres, or all for admins)."""
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            counts = (select(col(Candidature.formation_id), func.count().label("n"))
                      .group_by(col(Candidature.formation_id)).subquery())
            query = (sa_select(col(Formation.id), col(Formation.code), col(Formation.titre), col(Centre.code),
                               counts.c.n)
                     .join(Commission, col(Commission.id) == col(Formation.commission_id))
                     .join(Centre, col(Centre.id) == col(Commission.centre_id))
                     .join(counts, counts.c.formation_id == col(Formation.id), isouter=True))
            if current.role == Role.GESTIONNAIRE:
                query = query.where(col(Centre.code).in_(current.centres))
            rows = s.execute(query.order_by(col(Centre.code), col(Formation.code))).all()
            return [FormationRow(i, code, titre, centre, n or 0) for i, code, titre, centre, n in rows]

    def pending_counts(self, principal: StaffPrincipal) -> PendingCounts:
        """Per formation of this person's centres (all for admins): dossiers at each step, decisions by kind.

        One grouped query; formations without a candidature are listed with zeros.
        """
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            query = (sa_select(col(Centre.code), col(Formation.code), col(Formation.titre), col(Candidature.statut),
                               col(Candidature.decision), func.count(col(Candidature.id)))
                     .join(Commission, col(Commission.id) == col(Formation.commission_id))
                     .join(Centre, col(Centre.id) == col(Commission.centre_id))
                     .join(Candidature, col(Candidature.formation_id) == col(Formation.id), isouter=True)
                     .group_by(col(Centre.code), col(Formation.code), col(Formation.titre), col(Candidature.statut),
                               col(Candidature.decision)))
            if current.role == Role.GESTIONNAIRE:
                query = query.where(col(Centre.code).in_(current.centres))
            grouped: dict[tuple[str, str, str], DossierCounts] = {}
            for centre, code, titre, statut, decision, n in s.execute(query).all():
                key = (centre, code, titre)
                here = DossierCounts()
                if n:
                    here = DossierCounts(**{StatutDossier(statut).name.lower(): n},
                                         decisions={Decision(decision): n} if decision else {})
                grouped[key] = grouped.get(key, DossierCounts()) + here
        formations = tuple(FormationCounts(c, code, titre, counts)
                           for (c, code, titre), counts in sorted(grouped.items()))
        centres: dict[str, DossierCounts] = {}
        for f in formations:
            centres[f.centre_code] = centres.get(f.centre_code, DossierCounts()) + f.counts
        total = sum(centres.values(), DossierCounts())
        return PendingCounts(formations, tuple(centres.items()), total)

    def formation_candidatures(self, principal: StaffPrincipal, formation_code: str,
                               statut: StatutDossier | str | None = None,
                               decision: Decision | str | None = None) -> list[FormationCandidatureRow]:
        """A formation's candidatures; `decision` may be "aucune" for those without one."""
        refuse_unstorable("formation", formation_code)
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            return self._formation_rows(s, current, formation_code, statut, decision)

    def _formation_rows(self, s: Session, current: StaffPrincipal, formation_code: str,
                        statut, decision) -> list[FormationCandidatureRow]:
        row = s.exec(select(Formation, Centre.code)
                     .join(Commission, col(Commission.id) == col(Formation.commission_id))
                     .join(Centre, col(Centre.id) == col(Commission.centre_id))
                     .where(Formation.code == formation_code)).first()
        if row is None:
            raise NotFound(f"Formation inconnue : {formation_code}")
        formation, centre = row
        check_centre(current, centre)
        query = (sa_select(Candidature, Account, col(InformationsPerso.ine), col(InformationsPerso.date_naissance),
                           col(Baccalaureat.annee), col(Baccalaureat.serie), col(Baccalaureat.mention),
                           col(Baccalaureat.has_bac))
                 .join(Account, col(Account.id) == col(Candidature.account_id))
                 .join(InformationsPerso, col(InformationsPerso.account_id) == col(Account.id), isouter=True)
                 .join(Baccalaureat, col(Baccalaureat.account_id) == col(Account.id), isouter=True)
                 .where(col(Candidature.formation_id) == formation.id))
        if statut:
            query = query.where(col(Candidature.statut) == StatutDossier(statut).value)
        if decision == "aucune":
            query = query.where(col(Candidature.decision).is_(None))
        elif decision:
            query = query.where(col(Candidature.decision) == Decision(decision).value)
        rows = s.execute(query.order_by(col(Account.nom_key), col(Account.prenom_key), col(Account.login))).all()
        return [
            FormationCandidatureRow(
                candidature_id=c.id, login=a.login, nom=a.nom, prenom=a.prenom, mail=a.mail, ine=ine,
                date_naissance=naissance, bac_annee=annee if has_bac is not False else None,
                bac_serie=serie if has_bac is not False else "Sans bac", bac_mention=mention,
                statut=StatutDossier(c.statut), decision=Decision(c.decision) if c.decision else None,
                decision_rang=c.decision_rang, decision_validated=c.decision_validated,
                confirmation=Confirmation(c.confirmation) if c.confirmation else None,
                created_at=_aware(c.created_at), transmitted_at=_aware(c.transmitted_at),
                updated_at=_aware(c.updated_at),
            )
            for c, a, ine, naissance, annee, serie, mention, has_bac in rows
        ]

    CSV_HEADER = ("Numéro de dossier", "Nom", "Prénom", "Adresse mail", "INE", "Date de naissance",
                  "Année du bac", "Série du bac", "Mention du bac", "Statut du dossier", "Décision",
                  "Rang", "Décision validée", "Réponse du candidat", "Date de candidature", "Date de transmission",
                  "Dernière modification")

    def formation_csv(self, rows: Sequence[FormationCandidatureRow]) -> str:
        """The CSV text (without BOM) for `rows`: `;`-separated, dates dd/mm/yyyy, no cell a formula."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        writer.writerow(self.CSV_HEADER)
        for r in rows:
            writer.writerow([csv_cell(cell) for cell in (
                r.login, r.nom, r.prenom, r.mail, r.ine or "", format_date(r.date_naissance),
                r.bac_annee or "", r.bac_serie or "", r.bac_mention or "", r.statut.label,
                r.decision.label if r.decision else "", r.decision_rang or "",
                "Oui" if r.decision_validated else "Non", r.confirmation.label if r.confirmation else "",
                format_date(r.created_at, at=" "), format_date(r.transmitted_at, at=" "),
                format_date(r.updated_at, at=" "),
            )])
        return out.getvalue()

    def export_formation_csv(self, principal: StaffPrincipal, formation_code: str, path: str | Path,
                             statut: StatutDossier | str | None = None,
                             decision: Decision | str | None = None, overwrite: bool = False) -> ExportResult:
        """Write the (filtered) candidatures as CSV, UTF-8 with BOM; a folder gets a default name.

        An existing file is replaced only with `overwrite` (TargetExists otherwise: the screen asks)."""
        raw = str(path or "").strip()
        if not raw:
            raise DomainError("Indiquez le fichier ou le dossier où enregistrer l'export.", "staff-export-path")
        target = Path(raw).expanduser()
        if target.is_dir():
            target = target / f"candidatures-{formation_code}.csv"
        if not target.parent.is_dir():
            raise DomainError(f"Le dossier {target.parent} n'existe pas.", "staff-export-path")
        with self.ctx.db.read_session() as s:
            current = self._principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
            rows = self._formation_rows(s, current, formation_code, statut, decision)
        text = self.formation_csv(rows)
        try:
            with target.open("w" if overwrite else "x", encoding="utf-8-sig", newline="") as fh:
                fh.write(text)
        except FileExistsError:
            raise TargetExists(target, "staff-export-path") from None
        except OSError as exc:
            raise DomainError(f"Impossible d'écrire {target} : {exc.strerror}", "staff-export-path") from None
        with self.ctx.db.session() as s:
            self._audit(s, current, "formation_exported", formation=formation_code, path=str(target),
                        rows=len(rows), statut=statut or "", decision=decision or "")
        return ExportResult(target, len(rows))

    # --------------------------------------------------------------- audit

    def list_audit(self, principal: StaffPrincipal, filters: AuditFilters | None = None) -> list[AuditEntry]:
        """The audit log, newest first, for admins."""
        filters = filters or AuditFilters()
        with self.ctx.db.read_session() as s:
            self._principal(s, principal, Role.ADMIN)
            query = select(AuditLog)
            if filters.actor:
                query = query.where(AuditLog.actor == filters.actor.strip())
            if filters.action:
                action = filters.action.strip()
                if action.endswith("*"):
                    query = query.where(_prefix(AuditLog.action, action[:-1])) if action[:-1] else query
                else:
                    query = query.where(AuditLog.action == action)
            if filters.target_login:
                query = query.where(AuditLog.target_login == filters.target_login.strip().upper())
            if filters.candidature_id is not None:
                query = query.where(AuditLog.candidature_id == filters.candidature_id)
            if filters.since is not None:
                query = query.where(AuditLog.at >= filters.since)
            if filters.until is not None:
                query = query.where(AuditLog.at < filters.until)
            limit = max(1, min(filters.limit, 5000))
            rows = s.exec(query.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)).all()
            return [AuditEntry(r.id, _aware(r.at), r.actor_kind, r.actor, r.action, r.target_login,
                               r.candidature_id, r.details) for r in rows]


__all__ = [
    "CSV_DELIMITER",
    "SEARCH_CAP",
    "AuditEntry",
    "AuditFilters",
    "CandidateAdminView",
    "CandidateHit",
    "CandidatureSummary",
    "ExportResult",
    "FormationCandidatureRow",
    "FormationRow",
    "PieceFile",
    "PieceReview",
    "PieceReviewResult",
    "SearchResult",
    "StaffPrincipal",
    "StaffRecap",
    "StaffService",
    "StaffSessionEnded",
    "StaffUserView",
    "prefix_successor",
    "search_key",
]
