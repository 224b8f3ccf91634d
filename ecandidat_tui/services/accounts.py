"""Candidate accounts (DOMAIN.md §1): creation, validation, login, recovery, ENT path.

Secrets never leave this module in clear except inside the mail that carries
them: passwords and one-time codes are stored as Argon2id hashes, codes are
single-use and expire, and login failures are counted per account and lock
it for a while. Messages do not reveal whether a login or an address exists.
Staff actions (`unlock`, `force_password_reset`, …) take the staff member as
`actor` and write the audit log in the same transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..domain import CodeKind, MailKind
from ..store.models import Account, Baccalaureat, CursusInterne, IssuedLogin, LoginAttempt, OneTimeCode
from . import account_rules as rules
from . import throttle
from .directory import DirectoryPerson
from .errors import DomainError, ValidationFailed, refuse_unstorable
from .account_base import (
    ACTOR_CANDIDATE as ACTOR_CANDIDATE,
    ACTOR_STAFF as ACTOR_STAFF,
    ACTOR_SYSTEM as ACTOR_SYSTEM,
    _hash_code,
)
from .account_staff import AccountStaffActions
from .account_views import (  # re-exported for callers of this module
    AccountInfo, CreatedAccount, EntOutcome, EntPrefill, LoginResult, Validated,
)
from .security import (
    code_lookup,
    dummy_verify,
    hash_secret,
    needs_rehash,
    new_code,
    new_login,
    new_one_time_password,
    normalise_code,
    verify_secret,
)

MSG_BAD_CREDENTIALS = "Utilisateur ou mot de passe incorrect"
MSG_BAD_ENT_CREDENTIALS = "Identifiant ENT ou mot de passe incorrect"
MSG_NOT_VALIDATED = ("Connexion impossible. Votre compte n'a pas été validé, "
                     "veuillez consulter vos courriels pour le valider")
MSG_CODE_UNKNOWN = "Code d'activation incorrect. Vérifiez le code reçu par mail."
MSG_CODE_USED = "Ce code d'activation a déjà été utilisé : votre compte est déjà validé."
MSG_CODE_EXPIRED = ("Ce code d'activation a expiré. Demandez-en un nouveau avec "
                    "« J'ai perdu mon code d'activation ».")
MSG_RESET_UNKNOWN = "Code de réinitialisation incorrect. Vérifiez le code reçu par mail."
MSG_RESET_USED = "Ce code de réinitialisation a déjà été utilisé."
MSG_RESET_EXPIRED = ("Ce code de réinitialisation a expiré. Demandez-en un nouveau avec "
                     "« J'ai oublié mes identifiants ».")
MSG_OLD_PASSWORD = "L'ancien mot de passe est incorrect"
MSG_SAME_PASSWORD = "Le nouveau mot de passe doit être différent de l'ancien"

_LOGIN_ATTEMPTS = 20




# ---------------------------------------------------------------- service


class AccountService(AccountStaffActions):
    # ---------------------------------------------------------- creation

    def create_account(self, nom: str, prenom: str, mail: str, mail_confirm: str, *,
                       numero_etudiant: str | None = None, ent_login: str | None = None) -> CreatedAccount:
        """Create an account (not yet valid) and mail its login, password and activation code."""
        errors = rules.creation_problems(nom, prenom, mail, mail_confirm)
        if errors:
            raise ValidationFailed(errors)
        nom = " ".join(nom.split())
        prenom = " ".join(prenom.split())
        mail = rules.normalise_mail(mail)
        key = rules.mail_key(mail)
        person: DirectoryPerson | None = None
        if ent_login:
            person = self.directory.lookup_ent_login(ent_login)
            if person is None:
                raise DomainError("Cet identifiant ENT est inconnu de l'annuaire", "ent_login")
            numero_etudiant = person.numero_etudiant
            ent_login = person.ent_login
        # Hash before opening the transaction: the write lock is held only to write.
        password = new_one_time_password()
        password_hash = hash_secret(password)
        code = new_code()
        code_hash = _hash_code(code)
        now = self.ctx.now()
        deadline = now + timedelta(days=self.settings.account_validity_days)
        for _attempt in range(_LOGIN_ATTEMPTS):
            login = new_login(self.settings.login_prefix)
            try:
                with self.ctx.db.session() as s:
                    if self._mail_taken(s, key):
                        raise DomainError(rules.MSG_MAIL_TAKEN, "mail")
                    if ent_login and s.exec(select(Account).where(Account.ent_login == ent_login)).first():
                        raise DomainError("Un compte eCandidat existe déjà pour cet identifiant ENT", "ent_login")
                    if s.get(IssuedLogin, login) is not None:
                        continue
                    s.add(IssuedLogin(login=login, issued_at=now))
                    account = Account(
                        login=login, nom=nom, prenom=prenom, nom_key=rules.name_key(nom),
                        prenom_key=rules.name_key(prenom), mail=mail, mail_key=key,
                        password_hash=password_hash, must_change_password=person is None,
                        mail_validated=False, account_valid=False, from_directory=person is not None,
                        ent_login=ent_login or None, numero_etudiant=numero_etudiant or None,
                        created_at=now, validity_deadline=deadline,
                    )
                    s.add(account)
                    s.flush()
                    self._add_code(s, account.id, CodeKind.ACTIVATION, code, code_hash, deadline)
                    if person is None:
                        self.ctx.outbox.enqueue(
                            s, MailKind.ACCOUNT_CREATED, mail, prenom=prenom, nom=nom, login=login,
                            password=password, code=code, link=self._link(code),
                            deadline=self._date_text(deadline))
                    else:  # the password stays unknown: this student logs in through the ENT
                        self.ctx.outbox.enqueue(
                            s, MailKind.ACCOUNT_CREATED_ENT, mail, prenom=prenom, nom=nom, login=login,
                            code=code, link=self._link(code), deadline=self._date_text(deadline))
                    self.ctx.audit(s, ACTOR_CANDIDATE, login, "account.create", target_login=login,
                                   from_directory=person is not None)
                return CreatedAccount(login=login, mail=mail, nom=nom, prenom=prenom,
                                      validity_deadline=deadline, from_directory=person is not None)
            except IntegrityError:
                # Another terminal won a race: for the address, say so; for a login, draw again.
                with self.ctx.db.read_session() as s:
                    if self._account_by_mail(s, key) is not None:
                        raise DomainError(rules.MSG_MAIL_TAKEN, "mail") from None
                    if ent_login and s.exec(select(Account).where(Account.ent_login == ent_login)).first():
                        raise DomainError("Un compte eCandidat existe déjà pour cet identifiant ENT",
                                          "ent_login") from None
        raise DomainError("Impossible d'attribuer un login pour le moment, réessayez.")

    # -------------------------------------------------------- validation

    def validate_account(self, code_or_link: str) -> str:
        """Validate an account (or a new mail address) with its code or link; returns the login."""
        return self.validate(code_or_link).login

    def validate(self, code_or_link: str) -> Validated:
        """`validate_account`, saying what was validated and how this account logs in."""
        refuse_unstorable("code", code_or_link)
        code = normalise_code(code_or_link or "")
        if not code:
            raise DomainError("Saisissez le code d'activation reçu par mail", "code")
        lookup = code_lookup(code)  # a slow hash: not while holding the write lock
        with self.ctx.db.session() as s:
            row = self._find_code(s, code, lookup, (CodeKind.ACTIVATION, CodeKind.MAIL_CHANGE))
            if row is None:
                raise DomainError(MSG_CODE_UNKNOWN, "code")
            if row.used_at is not None:
                raise DomainError(MSG_CODE_USED, "code")
            now = self.ctx.now()
            if self._aware(row.expires_at) <= now:
                raise DomainError(MSG_CODE_EXPIRED, "code")
            if not self._use_code(s, row, now):
                raise DomainError(MSG_CODE_USED, "code")
            account = self._require_id(s, row.account_id)
            if row.kind == CodeKind.MAIL_CHANGE:
                new_mail = json.loads(row.payload or "{}")["mail"]
                new_key = rules.mail_key(new_mail)
                if self._mail_taken(s, new_key, except_id=account.id):
                    raise DomainError(rules.MSG_MAIL_TAKEN, "code")
                account.mail = new_mail
                account.mail_key = new_key
            account.account_valid = True
            account.mail_validated = True
            account.validity_deadline = None
            account.version += 1
            s.add(account)
            self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.validate", target_login=account.login,
                           kind=row.kind)
            try:
                s.flush()
            except IntegrityError:
                raise DomainError(rules.MSG_MAIL_TAKEN, "code") from None
            return Validated(login=account.login, mail_change=row.kind == CodeKind.MAIL_CHANGE,
                             ent=account.ent_login is not None)

    # ------------------------------------------------------------- login

    def _lock_message(self, until: datetime | None) -> str:
        """`until` None: the lock ended while the answer was prepared (shown as now)."""
        return (f"Compte bloqué après {self.settings.max_failed_logins} tentatives de connexion "
                f"infructueuses. Réessayez à partir de {self._hour_text(until or self.ctx.now())}.")

    def _is_locked(self, account: Account, now: datetime) -> bool:
        until = self._aware(account.locked_until)
        return until is not None and until > now

    def _claim(self, s: Session, key: dict, model=Account) -> throttle.Attempt:
        """Count this login attempt before its password is checked (services/throttle.py)."""
        return throttle.claim(s, model, key, self.ctx.now(), max_failures=self.settings.max_failed_logins,
                              lockout=timedelta(minutes=self.settings.lockout_minutes))

    def _failed(self, attempt: throttle.Attempt, login: str, bad: str = MSG_BAD_CREDENTIALS) -> str:
        """The message for a wrong password whose attempt `_claim` counted already."""
        if attempt.locked_until is None:
            return bad
        with self.ctx.db.session() as s:
            self.ctx.audit(s, ACTOR_SYSTEM, "login", "account.lock", target_login=login or None,
                           until=attempt.locked_until.isoformat())
        return self._lock_message(attempt.locked_until)

    def _login_success(self, account_id: int, attempt: throttle.Attempt,
                       person: DirectoryPerson | None = None, *,
                       via_ent: bool = False, verified: tuple[str, str] | None = None) -> LoginResult:
        """`verified`: (stored hash, password) that just matched, to re-hash if it is outdated.

        Refused when another attempt locked the account since this one was counted.
        """
        now = self.ctx.now()
        upgraded = None
        if verified is not None and needs_rehash(verified[0]):
            # A hash made with older Argon2id parameters (argon2-cffi's 64 MiB default):
            # store the password again with the current ones (services/security.py).
            upgraded = hash_secret(verified[1])
        with self.ctx.db.session() as s:
            if not throttle.settle(s, Account, {"id": account_id}, attempt, now):
                locked = True
            else:
                locked = False
                account = self._require_id(s, account_id)
                account.last_login_at = now
                if upgraded is not None and verified is not None and account.password_hash == verified[0]:
                    account.password_hash = upgraded  # unless the password changed meanwhile
                if person is None and account.numero_etudiant:
                    person = self.directory.lookup(account.numero_etudiant)
                if person is not None:
                    self._sync_from_directory(s, account, person)
                s.add(account)
                result = LoginResult(account_id=account.id, login=account.login, nom=account.nom,
                                     prenom=account.prenom,
                                     must_change_password=account.must_change_password and not via_ent)
        if locked:
            with self.ctx.db.read_session() as s:
                until = self._aware(self._require_id(s, account_id).locked_until)
            raise DomainError(self._lock_message(until), "ent_login" if via_ent else "login")
        return result

    def authenticate(self, login: str, password: str) -> LoginResult:
        """Log in with the login (numéro de dossier) and password.

        Known and unknown logins go the same way: one counted attempt, one
        Argon2id check, the same messages and the same lockout.
        """
        refuse_unstorable("login", login, password)
        login = (login or "").strip().upper()
        if not login or not password:
            raise DomainError("Saisissez votre utilisateur et votre mot de passe", "login")
        with self.ctx.db.session() as s:
            account = self._account_by_login(s, login)
            if account is None:
                account_id, password_hash, valid = None, None, False
                attempt = self._claim(s, throttle.unknown_login(s, "candidate", login, self.ctx.now()),
                                      LoginAttempt)
            else:
                account_id, password_hash, valid = account.id, account.password_hash, account.account_valid
                attempt = self._claim(s, {"id": account_id})
        if not attempt.allowed:
            raise DomainError(self._lock_message(attempt.locked_until), "login")
        if not password_hash:
            dummy_verify(password)
            raise DomainError(self._failed(attempt, login if account_id else ""), "login")
        if not verify_secret(password_hash, password):
            raise DomainError(self._failed(attempt, login), "login")
        assert account_id is not None  # an unknown login has no hash: refused above
        if not valid:
            with self.ctx.db.session() as s:
                throttle.settle(s, Account, {"id": account_id}, attempt, self.ctx.now())
            raise DomainError(MSG_NOT_VALIDATED, "login")
        return self._login_success(account_id, attempt, verified=(password_hash, password))

    # ---------------------------------------------------------- ENT path

    def authenticate_ent(self, ent_login: str, password: str) -> EntOutcome:
        """Log in through the directory: the account, or the pre-filled creation form."""
        refuse_unstorable("ent_login", ent_login, password)
        if not (ent_login or "").strip() or not password:
            raise DomainError("Saisissez votre identifiant ENT et votre mot de passe", "ent_login")
        person = self.directory.authenticate(ent_login, password)
        wanted = (person.ent_login if person else (ent_login or "").strip().lower())
        now = self.ctx.now()
        with self.ctx.db.session() as s:
            account = s.exec(select(Account).where(Account.ent_login == wanted)).first()
            if person is None and account is None:
                raise DomainError(MSG_BAD_ENT_CREDENTIALS, "ent_login")
            if account is None and person is not None:
                # A validated account with the directory's address is the same person: link it.
                same = self._account_by_mail(s, rules.mail_key(person.mail))
                if same is not None and same.account_valid and same.ent_login is None:
                    same.ent_login = person.ent_login
                    same.numero_etudiant = person.numero_etudiant
                    same.from_directory = True
                    s.add(same)
                    self.ctx.audit(s, ACTOR_CANDIDATE, same.login, "account.link_ent",
                                   target_login=same.login)
                    account = same
            if account is None:
                assert person is not None
                return EntOutcome(prefill=EntPrefill(
                    ent_login=person.ent_login, numero_etudiant=person.numero_etudiant,
                    nom=person.nom[: rules.NOM_MAX], prenom=person.prenom[: rules.PRENOM_MAX],
                    mail=person.mail))
            account_id = account.id
            valid = account.account_valid
            # Failures count against the linked account whichever panel is used.
            attempt = self._claim(s, {"id": account_id})
        if not attempt.allowed:
            raise DomainError(self._lock_message(attempt.locked_until), "ent_login")
        if person is None:
            raise DomainError(self._failed(attempt, account.login, MSG_BAD_ENT_CREDENTIALS), "ent_login")
        if not valid:
            with self.ctx.db.session() as s:
                throttle.settle(s, Account, {"id": account_id}, attempt, now)
            raise DomainError(MSG_NOT_VALIDATED, "ent_login")
        return EntOutcome(login=self._login_success(account_id, attempt, person, via_ent=True))

    def _sync_from_directory(self, s: Session, account: Account, person: DirectoryPerson) -> None:
        """Cursus Interne and the bac come from the student system; flag them so."""
        account.numero_etudiant = person.numero_etudiant
        account.from_directory = True
        s.exec(sa_delete(CursusInterne).where(col(CursusInterne.account_id) == account.id))
        for row in person.cursus:
            s.add(CursusInterne(account_id=account.id, annee_universitaire=row.annee_universitaire[:9],
                                code=row.code[:20], libelle=row.libelle[:200], note=row.note,
                                bareme=row.bareme, mention=row.mention, resultat=row.resultat))
        if person.bac is not None:
            bac = s.get(Baccalaureat, account.id)
            values: dict[str, Any] = dict(has_bac=True, annee=person.bac.annee, serie=person.bac.serie,
                          mention=person.bac.mention, pays=person.bac.pays,
                          departement=person.bac.departement, commune=person.bac.commune,
                          etablissement=person.bac.etablissement, specialites=person.bac.specialites,
                          situation=None, from_directory=True)
            if bac is None:
                s.add(Baccalaureat(account_id=account.id, **values))
            elif bac.from_directory:
                changed = any(getattr(bac, k) != v for k, v in values.items())
                if changed:
                    for k, v in values.items():
                        setattr(bac, k, v)
                    bac.version += 1
                    s.add(bac)

    # ---------------------------------------------------------- passwords

    def change_password(self, account_id: int, old: str, new: str, confirm: str) -> None:
        """Change the password (also the forced change after the first login)."""
        errors = rules.new_password_problems(new or "", confirm or "")
        with self.ctx.db.read_session() as s:
            account = self._require_id(s, account_id)
            password_hash = account.password_hash
        if not verify_secret(password_hash, old or ""):
            errors = {"old": MSG_OLD_PASSWORD, **errors}
        elif not errors and new == old:
            errors["new"] = MSG_SAME_PASSWORD
        if errors:
            raise ValidationFailed(errors)
        new_hash = hash_secret(new)
        with self.ctx.db.session() as s:
            account = self._require_id(s, account_id)
            if account.password_hash != password_hash:
                raise DomainError("Le mot de passe a été modifié depuis un autre poste", "old")
            account.password_hash = new_hash
            account.must_change_password = False
            account.version += 1
            s.add(account)
            self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.password_change",
                           target_login=account.login)

    def request_identifiers(self, mail: str) -> None:
        """J'ai oublié mes identifiants: mail the login and a reset code, if the address is known.

        The caller shows the same answer either way (no account enumeration).
        """
        try:
            key = rules.mail_key(rules.normalise_mail(mail))
        except ValueError as exc:
            raise DomainError(str(exc), "mail") from None
        code = new_code()
        code_hash = _hash_code(code)  # paid whether or not the address exists
        now = self.ctx.now()
        expires = now + timedelta(hours=self.settings.reset_code_hours)
        with self.ctx.db.session() as s:
            account = self._account_by_mail(s, key)
            if account is None:
                return
            self._drop_codes(s, account.id, CodeKind.RESET)
            self._add_code(s, account.id, CodeKind.RESET, code, code_hash, expires)
            self.ctx.outbox.enqueue(s, MailKind.IDENTIFIERS_FORGOTTEN, account.mail, prenom=account.prenom,
                                    nom=account.nom, login=account.login, code=code,
                                    expires=self._date_text(expires))
            self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.identifiers_request",
                           target_login=account.login)

    def reset_password(self, code: str, new: str, confirm: str) -> str:
        """Choose a new password with a reset code; returns the login."""
        code = normalise_code(code or "")
        errors = rules.new_password_problems(new or "", confirm or "")
        if not code:
            errors = {"code": "Saisissez le code de réinitialisation reçu par mail", **errors}
        if errors:
            raise ValidationFailed(errors)
        new_hash = hash_secret(new)
        lookup = code_lookup(code)
        with self.ctx.db.session() as s:
            row = self._find_code(s, code, lookup, (CodeKind.RESET,))
            if row is None:
                raise DomainError(MSG_RESET_UNKNOWN, "code")
            if row.used_at is not None:
                raise DomainError(MSG_RESET_USED, "code")
            now = self.ctx.now()
            if self._aware(row.expires_at) <= now:
                raise DomainError(MSG_RESET_EXPIRED, "code")
            if not self._use_code(s, row, now):
                raise DomainError(MSG_RESET_USED, "code")
            account = self._require_id(s, row.account_id)
            account.password_hash = new_hash
            account.must_change_password = False
            account.failed_attempts = 0
            account.locked_until = None
            account.version += 1
            s.add(account)
            self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.password_reset",
                           target_login=account.login)
            return account.login

    # ------------------------------------------------------------ mail

    def change_mail(self, account_id: int, new: str, confirm: str) -> str:
        """Change the address: the account is blocked until the new one is validated.

        Returns the normalised new address; the caller logs the candidate out.
        """
        errors = {}
        problem = rules.mail_problem(new)
        if problem:
            errors["mail"] = problem
        confirm_problem = rules.mail_confirm_problem(new, confirm)
        if confirm_problem:
            errors["mail_confirm"] = confirm_problem
        if errors:
            raise ValidationFailed(errors)
        new_mail = rules.normalise_mail(new)
        key = rules.mail_key(new_mail)
        code = new_code()
        code_hash = _hash_code(code)
        with self.ctx.db.session() as s:
            account = self._require_id(s, account_id)
            if account.mail_key == key:
                raise DomainError(rules.MSG_MAIL_SAME, "mail")
            if self._mail_taken(s, key, except_id=account.id):
                raise DomainError(rules.MSG_MAIL_TAKEN, "mail")
            account.account_valid = False
            account.version += 1
            s.add(account)
            self._issue_mail_change(s, account, new_mail, code, code_hash)
            self.ctx.outbox.enqueue(s, MailKind.MAIL_CHANGE_NOTICE, account.mail, prenom=account.prenom,
                                    nom=account.nom, login=account.login, new_mail=new_mail)
            self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.mail_change", target_login=account.login)
        return new_mail

    # ------------------------------------------------------------ upkeep

    def purge_unvalidated(self) -> list[str]:
        """Delete the accounts never validated before their deadline; their logins stay issued.

        Also forgets the failed logins of unknown logins not tried for a day (services/throttle.py).
        """
        now = self.ctx.now()
        deleted: list[str] = []
        with self.ctx.db.session() as s:
            s.exec(sa_delete(LoginAttempt).where(col(LoginAttempt.updated_at) < now - timedelta(days=1)))
            accounts = s.exec(select(Account).where(
                col(Account.account_valid).is_(False), col(Account.validity_deadline).is_not(None),
                col(Account.validity_deadline) < now)).all()
            for account in accounts:
                assert account.validity_deadline is not None  # the query keeps accounts with a deadline
                self.ctx.outbox.enqueue(s, MailKind.ACCOUNT_DELETED, account.mail, prenom=account.prenom,
                                        nom=account.nom, login=account.login,
                                        deadline=self._date_text(self._aware(account.validity_deadline)))
                self.ctx.audit(s, ACTOR_SYSTEM, "maintenance", "account.purge", target_login=account.login)
                deleted.append(account.login)
                s.exec(sa_delete(OneTimeCode).where(col(OneTimeCode.account_id) == account.id))
                s.exec(sa_delete(Account).where(col(Account.id) == account.id))
        return deleted

    # ------------------------------------------------------------ reading

    def _info(self, s: Session, account: Account) -> AccountInfo:
        pending = s.exec(select(OneTimeCode).where(
            OneTimeCode.account_id == account.id, OneTimeCode.kind == CodeKind.MAIL_CHANGE,
            col(OneTimeCode.used_at).is_(None))).first()
        pending_mail = json.loads(pending.payload or "{}").get("mail") if pending else None
        return AccountInfo(
            account_id=account.id, login=account.login, nom=account.nom, prenom=account.prenom,
            mail=account.mail, created_at=self._aware(account.created_at),
            mail_validated=account.mail_validated, account_valid=account.account_valid,
            validity_deadline=self._aware(account.validity_deadline),
            locked_until=self._aware(account.locked_until) if self._is_locked(account, self.ctx.now()) else None,
            failed_attempts=account.failed_attempts, from_directory=account.from_directory,
            ent_login=account.ent_login, numero_etudiant=account.numero_etudiant,
            last_login_at=self._aware(account.last_login_at), pending_mail=pending_mail)

    def account_info(self, login: str) -> AccountInfo:
        with self.ctx.db.read_session() as s:
            return self._info(s, self._require_login(s, login))
