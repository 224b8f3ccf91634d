"""The base of `AccountService` (services/accounts.py): its context, the account lookups,
the one-time codes (hashes, issue, use) and the activation and mail-change codes sent by mail."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, UTC
from typing import NamedTuple, overload

from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from ..domain import CodeKind, MailKind
from ..store.models import Account, OneTimeCode
from ..text import format_date
from . import account_rules as rules
from .context import ServiceContext
from .directory import DirectoryService
from .errors import DomainError, NotFound
from .security import (
    code_lookup,
    dummy_verify,
    hash_secret,
    new_code,
    verify_secret,
)

ACTOR_CANDIDATE = "candidate"
ACTOR_STAFF = "staff"
ACTOR_SYSTEM = "system"


# ------------------------------------------------------------ code hashes


class _CodeHashes(NamedTuple):
    """A new one-time code's salted Argon2id hash and its index (`code_lookup`)."""

    hash: str
    lookup: str


def _hash_code(code: str) -> _CodeHashes:
    """Both hashes of a new code, computed before the transaction that stores it."""
    return _CodeHashes(hash_secret(code), code_lookup(code))



class AccountBase:
    def __init__(self, ctx: ServiceContext, directory: DirectoryService) -> None:
        self.ctx = ctx
        self.directory = directory

    @property
    def settings(self):
        return self.ctx.settings

    # ------------------------------------------------------------ helpers

    def _link(self, code: str) -> str:
        return f"{self.settings.public_url}/#!validation/{code}"

    @staticmethod
    def _date_text(moment: datetime) -> str:
        return format_date(moment, at=" à ")

    @staticmethod
    def _hour_text(moment: datetime) -> str:
        return moment.astimezone().strftime("%H:%M")

    @overload
    @staticmethod
    def _aware(moment: datetime) -> datetime: ...
    @overload
    @staticmethod
    def _aware(moment: datetime | None) -> datetime | None: ...
    @staticmethod
    def _aware(moment: datetime | None) -> datetime | None:
        if moment is not None and moment.tzinfo is None:

            return moment.replace(tzinfo=UTC)
        return moment

    def _account_by_login(self, s: Session, login: str) -> Account | None:
        login = (login or "").strip().upper()
        if not login:
            return None
        return s.exec(select(Account).where(Account.login == login)).first()

    def _account_by_mail(self, s: Session, key: str) -> Account | None:
        return s.exec(select(Account).where(Account.mail_key == key)).first()

    def _require_login(self, s: Session, login: str) -> Account:
        account = self._account_by_login(s, login)
        if account is None:
            raise NotFound(f"Aucun compte avec le login {login}")
        return account

    def _require_id(self, s: Session, account_id: int) -> Account:
        account = s.get(Account, account_id)
        if account is None:
            raise NotFound("Ce compte n'existe plus")
        return account

    def _mail_taken(self, s: Session, key: str, except_id: int | None = None) -> bool:
        other = self._account_by_mail(s, key)
        return other is not None and other.id != except_id

    def _drop_codes(self, s: Session, account_id: int, *kinds: CodeKind) -> None:
        """Kill the unused codes of these kinds: a new code replaces them."""
        s.exec(sa_delete(OneTimeCode).where(
            col(OneTimeCode.account_id) == account_id, col(OneTimeCode.kind).in_([k.value for k in kinds]),
            col(OneTimeCode.used_at).is_(None)))

    def _add_code(self, s: Session, account_id: int, kind: CodeKind, code: str, code_hash: _CodeHashes,
                  expires_at: datetime, payload: str | None = None) -> None:
        s.add(OneTimeCode(account_id=account_id, kind=kind.value, lookup=code_hash.lookup,
                          code_hash=code_hash.hash, payload=payload, expires_at=expires_at,
                          created_at=self.ctx.now()))

    def _use_code(self, s: Session, row: OneTimeCode, now: datetime) -> bool:
        """Mark `row` used, unless another terminal did first (one conditional UPDATE)."""
        used = s.exec(sa_update(OneTimeCode).where(col(OneTimeCode.id) == row.id, col(OneTimeCode.used_at).is_(None))
                      .values(used_at=now).execution_options(synchronize_session=False))
        return used.rowcount == 1

    def _find_code(self, s: Session, code: str, lookup: str, kinds: tuple[CodeKind, ...]) -> OneTimeCode | None:
        """The row of `code`; `lookup` is its `code_lookup`, computed before the transaction."""
        if not code:
            return None
        rows = s.exec(select(OneTimeCode).where(
            OneTimeCode.lookup == lookup,
            col(OneTimeCode.kind).in_([k.value for k in kinds]))).all()
        for row in rows:
            if verify_secret(row.code_hash, code):
                return row
        if not rows:
            dummy_verify(code)  # same cost as a hit
        return None

    # -------------------------------------------------- activation codes

    def _issue_activation(self, s: Session, account: Account, code: str, code_hash: _CodeHashes) -> None:
        """A new activation code for an unvalidated account; the old ones die."""
        now = self.ctx.now()
        self._drop_codes(s, account.id, CodeKind.ACTIVATION)
        deadline = self._aware(account.validity_deadline) or now + timedelta(days=self.settings.activation_code_days)
        self._add_code(s, account.id, CodeKind.ACTIVATION, code, code_hash, deadline)
        self.ctx.outbox.enqueue(s, MailKind.ACTIVATION_CODE, account.mail, prenom=account.prenom,
                                nom=account.nom, login=account.login, code=code, link=self._link(code),
                                deadline=self._date_text(deadline))

    def _issue_mail_change(self, s: Session, account: Account, new_mail: str, code: str,
                           code_hash: _CodeHashes) -> None:
        """A code validating `new_mail` for this account, mailed to that address."""
        now = self.ctx.now()
        self._drop_codes(s, account.id, CodeKind.MAIL_CHANGE)
        expires = now + timedelta(days=self.settings.activation_code_days)
        self._add_code(s, account.id, CodeKind.MAIL_CHANGE, code, code_hash, expires,
                       payload=json.dumps({"mail": new_mail}))
        self.ctx.outbox.enqueue(s, MailKind.MAIL_CHANGED, new_mail, prenom=account.prenom, nom=account.nom,
                                login=account.login, code=code, link=self._link(code))

    def _pending_mail_change(self, s: Session, key: str) -> OneTimeCode | None:
        rows = s.exec(select(OneTimeCode).where(
            col(OneTimeCode.kind) == CodeKind.MAIL_CHANGE, col(OneTimeCode.used_at).is_(None))).all()
        for row in rows:
            payload = json.loads(row.payload or "{}")
            if rules.mail_key(payload.get("mail", "")) == key:
                return row
        return None

    def resend_activation(self, mail: str) -> None:
        """J'ai perdu mon code d'activation: a new code to an address awaiting validation.

        The caller shows the same answer whether or not such an account exists.
        """
        try:
            key = rules.mail_key(rules.normalise_mail(mail))
        except ValueError as exc:
            raise DomainError(str(exc), "mail") from None
        code = new_code()
        code_hash = _hash_code(code)
        with self.ctx.db.session() as s:
            account = self._account_by_mail(s, key)
            if account is not None and not account.account_valid and account.validity_deadline is not None:
                self._issue_activation(s, account, code, code_hash)
                self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.activation_resend",
                               target_login=account.login)
                return
            pending = self._pending_mail_change(s, key)
            if pending is not None:
                account = self._require_id(s, pending.account_id)
                new_mail = json.loads(pending.payload or "{}")["mail"]
                self._issue_mail_change(s, account, new_mail, code, code_hash)
                self.ctx.audit(s, ACTOR_CANDIDATE, account.login, "account.activation_resend",
                               target_login=account.login)
