"""The candidate admin view and the account actions the support staff does for a candidate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from ..domain import Role
from ..store.models import Candidature, InformationsPerso
from .staff_views import CandidateAdminView, StaffPrincipal
from .staff_access import StaffBase, _aware


class StaffCandidates(StaffBase):
    # ------------------------------------------------- candidate admin view

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
