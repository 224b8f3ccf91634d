"""What the staff console does to a candidate account: unlock, resend the activation,
force a password reset, correct the mail, delete an unvalidated account (each audited with its actor)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from ..domain import CodeKind, MailKind
from ..store.models import Account, OneTimeCode
from . import account_rules as rules
from .errors import DomainError
from .security import (
    new_code,
)
from .account_base import ACTOR_STAFF, AccountBase, _hash_code


class AccountStaffActions(AccountBase):
    # ------------------------------------------------- staff actions

    def unlock(self, login: str, actor: str) -> None:
        with self.ctx.db.session() as s:
            account = self._require_login(s, login)
            account.failed_attempts = 0
            account.locked_until = None
            s.add(account)
            self.ctx.audit(s, ACTOR_STAFF, actor, "account.unlock", target_login=account.login)

    def resend_activation_for(self, login: str, actor: str) -> None:
        code = new_code()
        code_hash = _hash_code(code)
        with self.ctx.db.session() as s:
            account = self._require_login(s, login)
            pending = s.exec(select(OneTimeCode).where(
                OneTimeCode.account_id == account.id, OneTimeCode.kind == CodeKind.MAIL_CHANGE,
                col(OneTimeCode.used_at).is_(None))).first()
            if pending is not None:
                self._issue_mail_change(s, account, json.loads(pending.payload or "{}")["mail"], code, code_hash)
            elif not account.account_valid:
                self._issue_activation(s, account, code, code_hash)
            else:
                raise DomainError("Ce compte est déjà validé : aucun code d'activation à renvoyer")
            self.ctx.audit(s, ACTOR_STAFF, actor, "account.activation_resend", target_login=account.login)

    def force_password_reset(self, login: str, actor: str) -> None:
        """The old password stops working; a reset code goes to the candidate's address."""
        code = new_code()
        code_hash = _hash_code(code)
        now = self.ctx.now()
        expires = now + timedelta(hours=self.settings.reset_code_hours)
        with self.ctx.db.session() as s:
            account = self._require_login(s, login)
            account.password_hash = None
            account.must_change_password = False
            account.version += 1
            s.add(account)
            self._drop_codes(s, account.id, CodeKind.RESET)
            self._add_code(s, account.id, CodeKind.RESET, code, code_hash, expires)
            self.ctx.outbox.enqueue(s, MailKind.PASSWORD_RESET_FORCED, account.mail, prenom=account.prenom,
                                    nom=account.nom, login=account.login, code=code,
                                    expires=self._date_text(expires))
            self.ctx.audit(s, ACTOR_STAFF, actor, "account.password_reset_forced", target_login=account.login)

    def correct_mail(self, login: str, new_mail: str, actor: str) -> str:
        """Support corrects a mistyped address; an unvalidated account gets a new code there."""
        try:
            mail = rules.normalise_mail(new_mail)
        except ValueError as exc:
            raise DomainError(str(exc), "mail") from None
        key = rules.mail_key(mail)
        code = new_code()
        code_hash = _hash_code(code)
        with self.ctx.db.session() as s:
            account = self._require_login(s, login)
            if account.mail_key == key and account.mail == mail:
                raise DomainError(rules.MSG_MAIL_SAME, "mail")
            if self._mail_taken(s, key, except_id=account.id):
                raise DomainError(rules.MSG_MAIL_TAKEN, "mail")
            old = account.mail
            account.mail = mail
            account.mail_key = key
            account.version += 1
            s.add(account)
            self._drop_codes(s, account.id, CodeKind.MAIL_CHANGE)
            if not account.account_valid:
                if account.validity_deadline is None:
                    # Blocked by a mail change: the corrected address replaces the pending one.
                    self._issue_mail_change(s, account, mail, code, code_hash)
                else:
                    self._issue_activation(s, account, code, code_hash)
            self.ctx.audit(s, ACTOR_STAFF, actor, "account.mail_correct", target_login=account.login,
                           old_mail=old, new_mail=mail)
            try:
                s.flush()
            except IntegrityError:
                raise DomainError(rules.MSG_MAIL_TAKEN, "mail") from None
        return mail

    def delete_unvalidated(self, login: str, actor: str) -> None:
        with self.ctx.db.session() as s:
            account = self._require_login(s, login)
            if account.account_valid or account.validity_deadline is None:
                raise DomainError("Seul un compte jamais validé peut être supprimé")
            self.ctx.audit(s, ACTOR_STAFF, actor, "account.delete_unvalidated", target_login=account.login)
            s.exec(sa_delete(OneTimeCode).where(col(OneTimeCode.account_id) == account.id))
            s.exec(sa_delete(Account).where(col(Account.id) == account.id))
