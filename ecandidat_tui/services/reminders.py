"""Reminders before the date limite de retour: `ecandidat mail remind`, run by cron once a day.

A candidature created but not transmitted gets a mail when its formation's
date limite de retour is N days away, for each N of `reminder_days`
(default 7 and 1); the mail names the pièces still missing. Each candidature
gets each delay's reminder at most once, however often the command runs and
on however many machines at once: the `reminder_sent` row, inserted in the
same transaction as the mail, is the proof, and its primary key refuses a
second one.

A run that was missed is caught up on the next day with the delay that
applies then; a candidature reminded at 1 day is never reminded "7 days
before" afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ..domain import MailKind, StatutDossier, StatutPiece
from ..store.models import Account, Candidature, Formation, PieceSubmission, PieceType, ReminderSent
from ..text import format_date
from .context import ServiceContext

# A piece still to supply: no file yet, or refused (Transmise, Validée and Non concerné are done).
MISSING = (StatutPiece.EN_ATTENTE, StatutPiece.REFUSEE)


@dataclass(frozen=True)
class ReminderReport:
    sent: int
    already: int  # due, but this reminder had been sent (an earlier run, or another machine right now)

    def summary(self) -> str:
        return f"{self.sent} rappel(s) mis en file d'envoi, {self.already} déjà envoyé(s)."


class ReminderService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def delays_due(self, days_left: int) -> list[int]:
        """The configured delays a deadline `days_left` days away has reached, shortest first."""
        return sorted(d for d in self.ctx.settings.reminder_days if 0 <= days_left <= d)

    def send_reminders(self) -> ReminderReport:
        today = self.ctx.today()
        horizon = today + timedelta(days=max(self.ctx.settings.reminder_days))
        with self.ctx.db.read_session() as s:
            due = s.exec(
                select(col(Candidature.id), col(Formation.date_limite_retour))
                .join(Formation, col(Formation.id) == col(Candidature.formation_id))
                .where(col(Candidature.statut) == StatutDossier.EN_ATTENTE, col(Candidature.transmitted_at).is_(None),
                       Formation.date_limite_retour >= today, Formation.date_limite_retour <= horizon)
                .order_by(col(Candidature.id))).all()
        sent = already = 0
        for candidature_id, deadline in due:
            delays = self.delays_due((deadline - today).days)
            if not delays:
                continue
            if self._remind(candidature_id, delays, today):
                sent += 1
            else:
                already += 1
        return ReminderReport(sent, already)

    def _remind(self, candidature_id: int, delays: list[int], today: date) -> bool:
        """One candidature, one transaction: claim the shortest delay due, then queue its mail."""
        with self.ctx.db.session() as s:
            cand = s.get(Candidature, candidature_id)
            if cand is None or cand.statut != StatutDossier.EN_ATTENTE:
                return False  # transmitted or cancelled since the list was read
            if not self._claim(s, candidature_id, delays[0]):
                return False
            for longer in delays[1:]:  # passed already: never sent after a shorter one
                self._claim(s, candidature_id, longer)
            account = s.get_one(Account, cand.account_id)
            formation = s.get_one(Formation, cand.formation_id)
            missing = s.exec(
                select(PieceType.libelle)
                .join(PieceSubmission, col(PieceSubmission.piece_type_id) == col(PieceType.id))
                .where(col(PieceSubmission.candidature_id) == cand.id, col(PieceSubmission.statut).in_(list(MISSING)))
                .order_by(col(PieceType.ordre), col(PieceType.code))).all()
            pieces = ("\n".join(f"- {libelle}" for libelle in missing) if missing else
                      "Aucune : toutes les pièces sont jointes, il ne reste qu'à transmettre votre candidature.")
            self.ctx.outbox.enqueue(
                s, MailKind.REMINDER, account.mail, prenom=account.prenom, nom=account.nom,
                formation=formation.titre, code_formation=formation.code,
                date_limite_retour=format_date(formation.date_limite_retour),
                jours=str((formation.date_limite_retour - today).days), pieces=pieces)
            self.ctx.audit(s, "systeme", "mail remind", "reminder", target_login=account.login,
                           candidature_id=cand.id, jours=delays[0], pieces_manquantes=len(missing))
            return True

    def _claim(self, s: Session, candidature_id: int, days: int) -> bool:
        """Insert the (candidature, delay) row unless it exists; True when this call inserted it.

        `INSERT … ON CONFLICT DO NOTHING`: on PostgreSQL a second machine's insert waits for
        the first transaction and then does nothing, rather than failing or sending twice.
        """
        dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(ReminderSent).values(
            candidature_id=candidature_id, days=days, sent_at=self.ctx.now()).on_conflict_do_nothing()
        return s.execute(statement.returning(ReminderSent.days)).first() is not None


__all__ = ["ReminderReport", "ReminderService"]
