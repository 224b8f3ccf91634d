"""Candidatures, candidate side: create, list, recap, cancel, transmit, confirm.

Owns the rules of DOMAIN.md §3-§4 for the candidate: the profile gate, the
dépôt period, one candidature per formation, the maximum per centre; what a
candidate may still change (`piece_lock_reason`); when `Transmettre ma
candidature` is allowed. Staff review (piece Validée/Refusée, Complet,
decisions) writes the same tables from services.staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..domain import Confirmation, Decision, MailKind, ModeFormation, StatutDossier, StatutPiece
from ..store.db import StaleVersion, update_versioned
from ..store.models import (
    Account, Candidature, Centre, Commission, Formation, FormationPiece, OutboxMail,
    PieceSubmission, PieceType,
)
from ..text import format_date
from .blobs import delete_blob_if_unused
from .context import ServiceContext
from .errors import ConcurrentEdit, DomainError, Forbidden, NotFound

EDITABLE_DOSSIER = (StatutDossier.EN_ATTENTE, StatutDossier.INCOMPLET)
READY_PIECES = (StatutPiece.TRANSMISE, StatutPiece.VALIDEE, StatutPiece.NON_CONCERNE)


def _label(enum_cls: Any, value: str | None, default: str = "") -> str:
    if not value:
        return default
    try:
        return enum_cls(value).label
    except ValueError:
        return value


# ------------------------------------------------------------------ read models


@dataclass(frozen=True)
class CandidatureSummary:
    """One line of the Candidatures tab."""

    id: int
    formation_id: int
    formation_code: str
    formation_titre: str
    statut: str
    statut_label: str
    decision_label: str
    date_limite_retour: date
    date_limite_retour_label: str
    version: int


@dataclass(frozen=True)
class PieceRow:
    """One row of the pièces justificatives grid, with what the candidate may do."""

    submission_id: int
    piece_type_id: int
    code: str
    libelle: str
    file_name: str | None
    statut: str
    statut_label: str
    conditional: bool
    shared: bool
    commentaire: str
    version: int
    lock_reason: str | None
    can_attach: bool
    can_remove: bool
    can_preview: bool
    can_toggle_non_concerne: bool


@dataclass(frozen=True)
class Recap:
    """Récapitulatif de votre candidature."""

    candidature_id: int
    version: int
    login: str
    nom: str
    prenom: str
    formation_code: str
    formation_titre: str
    centre_libelle: str
    commission_libelle: str
    mode_label: str
    statut: str
    statut_label: str
    decision: str | None
    decision_label: str
    decision_commentaire: str
    confirmation_label: str
    commentaire: str
    date_limite_retour: date
    days_left: int
    date_jury: date | None
    date_publication: date | None
    date_confirmation: date | None
    contact_adresse: str
    contact_telephone: str
    contact_mail: str
    pieces: tuple[PieceRow, ...]
    can_transmit: bool
    transmit_reason: str | None
    blocking_pieces: tuple[str, ...]
    can_cancel: bool
    cancel_reason: str | None
    can_confirm: bool
    confirm_reason: str | None
    has_letter: bool = False  # a validated decision whose letter can be downloaded

    @property
    def days_left_label(self) -> str:
        if self.days_left < 0:
            return "date dépassée"
        if self.days_left == 0:
            return "dernier jour"
        return f"{self.days_left} jour(s) restant(s)"


# ----------------------------------------------------------------------- rules


def dossier_lock_reason(cand: Candidature, formation: Formation, today: date) -> str | None:
    """Why the candidate may not change this candidature's pieces now (None: they may)."""
    if cand.statut not in EDITABLE_DOSSIER:
        return ("Votre candidature a été transmise : ses pièces ne peuvent plus être modifiées"
                " (sauf si le dossier est déclaré incomplet).")
    if cand.decision:
        # Recorded but not validated, a decision is still the commission's secret.
        if cand.decision_validated:
            return "Une décision a été rendue : les pièces ne peuvent plus être modifiées."
        return "Votre dossier est en cours d'examen : les pièces ne peuvent plus être modifiées."
    if today > formation.date_limite_retour:
        return (f"La date limite de retour ({format_date(formation.date_limite_retour)}) est dépassée : "
                "les pièces ne peuvent plus être modifiées.")
    return None


def piece_lock_reason(sub: PieceSubmission, cand: Candidature, formation: Formation, today: date) -> str | None:
    reason = dossier_lock_reason(cand, formation, today)
    if reason:
        return reason
    if sub.statut == StatutPiece.VALIDEE:
        return "Cette pièce a été validée : elle ne peut plus être modifiée."
    return None


def transmit_problems(cand: Candidature, formation: Formation, pieces: list[tuple[PieceSubmission, PieceType]],
                      today: date) -> tuple[str | None, tuple[str, ...]]:
    """(reason it cannot be transmitted or None, libellés of the blocking pieces)."""
    if cand.statut not in EDITABLE_DOSSIER:
        return "Votre candidature a déjà été transmise.", ()
    if today > formation.date_limite_retour:
        return (f"La date limite de retour ({format_date(formation.date_limite_retour)}) est dépassée.", ())
    refused = tuple(t.libelle for s, t in pieces if s.statut == StatutPiece.REFUSEE)
    if refused:
        return (f"Pièce refusée à remplacer : {_short(refused[0])}", refused)
    missing = tuple(t.libelle for s, t in pieces if s.statut not in READY_PIECES)
    if missing:
        more = f" (et {len(missing) - 1} autre(s))" if len(missing) > 1 else ""
        return (f"Pièce manquante : {_short(missing[0])}{more}", missing)
    return None, ()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bump_candidature(session: Session, candidature_id: int, now) -> None:
    """A piece changed: the candidature's version moves so a stale transmit is refused."""
    session.execute(
        update(Candidature).where(col(Candidature.id) == candidature_id)
        .values(version=Candidature.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def collect_orphan_blobs(session: Session, shas: set[str]) -> None:
    """Delete blobs that no submission and no mail refers to any more."""
    for sha in shas:
        if not sha:
            continue
        used = session.exec(select(func.count()).select_from(PieceSubmission)
                            .where(PieceSubmission.blob_sha256 == sha)).one()
        mailed = session.exec(select(func.count()).select_from(OutboxMail)
                              .where(OutboxMail.attachment_sha256 == sha)).one()
        if not used and not mailed:
            # Another kiosk may be attaching the same bytes right now: keep the blob then.
            delete_blob_if_unused(session, sha)


# --------------------------------------------------------------------- service


def candidate_decision_text(cand: Candidature) -> str:
    """The decision as the candidate sees it: "En attente" until staff validated it."""
    if not cand.decision or not cand.decision_validated:
        return "En attente"
    text = _label(Decision, cand.decision)
    if cand.decision == Decision.LISTE_COMPLEMENTAIRE and cand.decision_rang:
        text += f" (rang {cand.decision_rang})"
    return text


class CandidatureService:
    def __init__(self, ctx: ServiceContext, profile: Any) -> None:
        self.ctx = ctx
        self.profile = profile

    # ------------------------------------------------------------- helpers

    def gate_missing(self, account_id: int) -> list[str]:
        """What the profile still lacks before a candidature (empty: nothing)."""
        return list(self.profile.missing_for_candidature(account_id))

    @staticmethod
    def gate_message(missing: list[str]) -> str:
        return ("Pour déposer une candidature, complétez d'abord votre profil : "
                + ", ".join(missing) + ".")

    def _own(self, session: Session, account_id: int, candidature_id: int) -> Candidature:
        cand = session.get(Candidature, candidature_id)
        if cand is None or cand.account_id != account_id:
            raise NotFound("Cette candidature n'existe pas (ou plus).")
        return cand

    @staticmethod
    def _formation_bits(session: Session, formation_id: int) -> tuple[Formation, Commission, Centre]:
        formation = session.get(Formation, formation_id)
        if formation is None:
            raise NotFound("Cette formation n'existe pas.")
        commission = session.get_one(Commission, formation.commission_id)
        centre = session.get_one(Centre, commission.centre_id)
        return formation, commission, centre

    @staticmethod
    def _pieces(session: Session, candidature_id: int) -> list[tuple[PieceSubmission, PieceType]]:
        rows = session.exec(
            select(PieceSubmission, PieceType).join(PieceType, col(PieceType.id) == col(PieceSubmission.piece_type_id))
            .where(PieceSubmission.candidature_id == candidature_id)
            .order_by(col(PieceType.ordre), col(PieceType.id))
        ).all()
        return [(s, t) for s, t in rows]

    def _mail(self, session: Session, kind: MailKind, account: Account, formation: Formation, **extra: Any) -> None:
        self.ctx.outbox.enqueue(
            session, kind, account.mail, prenom=account.prenom, nom=account.nom,
            formation=formation.titre, code_formation=formation.code,
            date_limite_retour=format_date(formation.date_limite_retour), **extra)

    # -------------------------------------------------------------- create

    def create_candidature(self, account_id: int, formation_id: int) -> CandidatureSummary:
        missing = self.gate_missing(account_id)
        if missing:
            raise DomainError(self.gate_message(missing), "gate")
        today = self.ctx.today()
        with self.ctx.db.session() as s:
            # The account's row lock (SQLite: the write lock BEGIN IMMEDIATE took) orders
            # this candidate's applications: the count below cannot race another terminal's.
            account = s.exec(select(Account).where(Account.id == account_id).with_for_update()).first()
            if account is None:
                raise NotFound("Ce compte n'existe pas.")
            formation, _commission, centre = self._formation_bits(s, formation_id)
            if not formation.ouverte:
                raise DomainError("Les candidatures à cette formation sont fermées.", "formation")
            if not formation.date_debut_depot <= today <= formation.date_fin_depot:
                raise DomainError(
                    f"Les candidatures à cette formation ne sont pas ouvertes : le dépôt est possible "
                    f"du {format_date(formation.date_debut_depot)} au {format_date(formation.date_fin_depot)}.",
                    "formation")
            existing = s.exec(select(Candidature.id).where(Candidature.account_id == account_id,
                                                           Candidature.formation_id == formation_id)).first()
            if existing:
                raise DomainError("Vous avez déjà candidaté à cette formation", "formation")
            limit = centre.max_candidatures or self.ctx.settings.max_candidatures_per_centre
            count = s.exec(
                select(func.count()).select_from(Candidature)
                .join(Formation, col(Formation.id) == col(Candidature.formation_id))
                .join(Commission, col(Commission.id) == col(Formation.commission_id))
                .where(Candidature.account_id == account_id, Commission.centre_id == centre.id)
            ).one()
            if count >= limit:
                raise DomainError(
                    f"Vous avez atteint le nombre maximum de candidatures ({limit}) pour le centre "
                    f"de candidature « {centre.libelle} ».", "formation")
            now = self.ctx.now()
            cand = Candidature(account_id=account_id, formation_id=formation_id, created_at=now, updated_at=now)
            s.add(cand)
            try:
                s.flush()
            except IntegrityError:
                raise DomainError("Vous avez déjà candidaté à cette formation", "formation") from None
            types = s.exec(
                select(PieceType).join(FormationPiece, col(FormationPiece.piece_type_id) == col(PieceType.id))
                .where(col(FormationPiece.formation_id) == formation_id)
                .order_by(col(PieceType.ordre), col(PieceType.id))
            ).all()
            for ptype in types:
                sub = PieceSubmission(candidature_id=cand.id, piece_type_id=ptype.id, updated_at=now)
                if ptype.shared:
                    reused = self._shared_file(s, account_id, ptype.id, cand.id)
                    if reused is not None:
                        sub.blob_sha256, sub.file_name = reused
                        sub.statut = StatutPiece.TRANSMISE
                s.add(sub)
            self._mail(s, MailKind.CANDIDATURE_CREATED, account, formation)
            self.ctx.audit(s, "candidat", account.login, "candidature_create", target_login=account.login,
                           candidature_id=cand.id, formation=formation.code)
            return self._summary(cand, formation)

    @staticmethod
    def _shared_file(s: Session, account_id: int, piece_type_id: int, exclude_id: int
                     ) -> tuple[str, str | None] | None:
        """The candidate's most recent file for a shared piece type, in another candidature."""
        row = s.exec(
            select(PieceSubmission.blob_sha256, PieceSubmission.file_name)
            .join(Candidature, col(Candidature.id) == col(PieceSubmission.candidature_id))
            .where(Candidature.account_id == account_id, Candidature.id != exclude_id,
                   PieceSubmission.piece_type_id == piece_type_id,
                   col(PieceSubmission.blob_sha256).is_not(None),
                   PieceSubmission.statut != StatutPiece.REFUSEE)
            .order_by(col(PieceSubmission.updated_at).desc())
        ).first()
        if row is None or row[0] is None:  # the query keeps rows with a file only
            return None
        return row[0], row[1]

    # ---------------------------------------------------------------- read

    @staticmethod
    def _summary(cand: Candidature, formation: Formation) -> CandidatureSummary:
        return CandidatureSummary(
            id=cand.id, formation_id=formation.id, formation_code=formation.code,
            formation_titre=formation.titre, statut=cand.statut,
            statut_label=_label(StatutDossier, cand.statut),
            decision_label=candidate_decision_text(cand),
            date_limite_retour=formation.date_limite_retour,
            date_limite_retour_label=format_date(formation.date_limite_retour), version=cand.version)

    def list_for_account(self, account_id: int) -> list[CandidatureSummary]:
        with self.ctx.db.read_session() as s:
            rows = s.exec(
                select(Candidature, Formation).join(Formation, col(Formation.id) == col(Candidature.formation_id))
                .where(col(Candidature.account_id) == account_id)
                .order_by(col(Candidature.created_at), col(Candidature.id))
            ).all()
            return [self._summary(c, f) for c, f in rows]

    def recap(self, account_id: int, candidature_id: int) -> Recap:
        today = self.ctx.today()
        with self.ctx.db.read_session() as s:
            cand = self._own(s, account_id, candidature_id)
            account = s.get_one(Account, account_id)
            formation, commission, centre = self._formation_bits(s, cand.formation_id)
            pieces = self._pieces(s, cand.id)
            rows = []
            for sub, ptype in pieces:
                lock = piece_lock_reason(sub, cand, formation, today)
                rows.append(PieceRow(
                    submission_id=sub.id, piece_type_id=ptype.id, code=ptype.code, libelle=ptype.libelle,
                    file_name=sub.file_name, statut=sub.statut, statut_label=_label(StatutPiece, sub.statut),
                    conditional=ptype.conditional, shared=ptype.shared, commentaire=sub.commentaire or "",
                    version=sub.version, lock_reason=lock,
                    can_attach=lock is None and sub.statut != StatutPiece.NON_CONCERNE,
                    can_remove=lock is None and sub.blob_sha256 is not None,
                    can_preview=sub.blob_sha256 is not None,
                    can_toggle_non_concerne=lock is None and ptype.conditional))
            reason, blocking = transmit_problems(cand, formation, pieces, today)
            cancel_reason = self._cancel_reason(cand)
            confirm_reason = self._confirm_reason(cand, formation, today)
            return Recap(
                candidature_id=cand.id, version=cand.version, login=account.login, nom=account.nom,
                prenom=account.prenom, formation_code=formation.code, formation_titre=formation.titre,
                centre_libelle=centre.libelle, commission_libelle=commission.libelle,
                mode_label=_label(ModeFormation, formation.mode), statut=cand.statut,
                statut_label=_label(StatutDossier, cand.statut),
                decision=cand.decision if cand.decision_validated else None,
                decision_label=candidate_decision_text(cand),
                decision_commentaire=(cand.decision_commentaire or "") if cand.decision_validated else "",
                confirmation_label=_label(Confirmation, cand.confirmation), commentaire=cand.commentaire or "",
                date_limite_retour=formation.date_limite_retour,
                days_left=(formation.date_limite_retour - today).days, date_jury=formation.date_jury,
                date_publication=formation.date_publication, date_confirmation=formation.date_confirmation,
                contact_adresse=commission.adresse, contact_telephone=commission.telephone,
                contact_mail=commission.mail, pieces=tuple(rows), can_transmit=reason is None,
                transmit_reason=reason, blocking_pieces=blocking, can_cancel=cancel_reason is None,
                cancel_reason=cancel_reason, can_confirm=confirm_reason is None, confirm_reason=confirm_reason,
                has_letter=cand.decision_validated and cand.decision_letter_sha256 is not None)

    @staticmethod
    def _cancel_reason(cand: Candidature) -> str | None:
        if cand.statut != StatutDossier.EN_ATTENTE:
            return "Une candidature transmise ne peut plus être annulée."
        if cand.decision:
            return "Une décision a été rendue : la candidature ne peut plus être annulée."
        return None

    @staticmethod
    def _confirm_reason(cand: Candidature, formation: Formation, today: date) -> str | None:
        if cand.decision != Decision.FAVORABLE or not cand.decision_validated:
            return "Seul un avis favorable peut être confirmé."
        if cand.confirmation:
            return f"Vous avez déjà répondu : {_label(Confirmation, cand.confirmation)}."
        if formation.date_confirmation and today > formation.date_confirmation:
            return f"La date limite de confirmation ({format_date(formation.date_confirmation)}) est dépassée."
        return None

    # ------------------------------------------------------------ cancel

    def cancel_candidature(self, account_id: int, candidature_id: int, expected_version: int) -> None:
        with self.ctx.db.session() as s:
            cand = self._own(s, account_id, candidature_id)
            if cand.version != expected_version:
                raise ConcurrentEdit()
            reason = self._cancel_reason(cand)
            if reason:
                raise Forbidden(reason, "candidature")
            account = s.get_one(Account, account_id)
            formation = s.get_one(Formation, cand.formation_id)
            shas = set(s.exec(select(PieceSubmission.blob_sha256)
                              .where(PieceSubmission.candidature_id == cand.id)).all())
            s.execute(delete(PieceSubmission).where(col(PieceSubmission.candidature_id) == cand.id))
            gone = cast(CursorResult[Any], s.execute(delete(Candidature).where(col(Candidature.id) == cand.id,
                                                       col(Candidature.version) == expected_version)))
            if gone.rowcount != 1:
                raise ConcurrentEdit()
            # Own files go; files still used by another candidature (shared pieces) stay.
            collect_orphan_blobs(s, {sha for sha in shas if sha})
            self._mail(s, MailKind.CANDIDATURE_CANCELLED, account, formation)
            self.ctx.audit(s, "candidat", account.login, "candidature_cancel", target_login=account.login,
                           candidature_id=candidature_id, formation=formation.code)

    # ---------------------------------------------------------- transmit

    def transmit_candidature(self, account_id: int, candidature_id: int, expected_version: int) -> Recap:
        today = self.ctx.today()
        with self.ctx.db.session() as s:
            cand = self._own(s, account_id, candidature_id)
            if cand.version != expected_version:
                raise ConcurrentEdit()
            formation = s.get_one(Formation, cand.formation_id)
            reason, _ = transmit_problems(cand, formation, self._pieces(s, cand.id), today)
            if reason:
                raise Forbidden(reason, "transmit")
            now = self.ctx.now()
            try:
                update_versioned(s, Candidature, cand.id, expected_version, statut=StatutDossier.RECEPTIONNE,
                                 transmitted_at=now, updated_at=now)
            except StaleVersion:
                raise ConcurrentEdit() from None
            account = s.get_one(Account, account_id)
            self._mail(s, MailKind.CANDIDATURE_TRANSMITTED, account, formation)
            self.ctx.audit(s, "candidat", account.login, "transmit", target_login=account.login,
                           candidature_id=cand.id, formation=formation.code)
        return self.recap(account_id, candidature_id)

    # ------------------------------------------------- confirm / withdraw

    def confirm_candidature(self, account_id: int, candidature_id: int, expected_version: int) -> Recap:
        return self._answer(account_id, candidature_id, expected_version, Confirmation.CONFIRMEE)

    def withdraw_candidature(self, account_id: int, candidature_id: int, expected_version: int) -> Recap:
        return self._answer(account_id, candidature_id, expected_version, Confirmation.DESISTEMENT)

    def _answer(self, account_id: int, candidature_id: int, expected_version: int, answer: Confirmation) -> Recap:
        today = self.ctx.today()
        with self.ctx.db.session() as s:
            cand = self._own(s, account_id, candidature_id)
            if cand.version != expected_version:
                raise ConcurrentEdit()
            formation = s.get_one(Formation, cand.formation_id)
            reason = self._confirm_reason(cand, formation, today)
            if reason:
                raise Forbidden(reason, "confirmation")
            try:
                update_versioned(s, Candidature, cand.id, expected_version, confirmation=answer,
                                 updated_at=self.ctx.now())
            except StaleVersion:
                raise ConcurrentEdit() from None
            account = s.get_one(Account, account_id)
            kind = MailKind.CONFIRMATION if answer == Confirmation.CONFIRMEE else MailKind.DESISTEMENT
            self._mail(s, kind, account, formation)
            self.ctx.audit(s, "candidat", account.login, "confirm" if kind == MailKind.CONFIRMATION else "withdraw",
                           target_login=account.login, candidature_id=cand.id, formation=formation.code)
        return self.recap(account_id, candidature_id)


__all__ = ["CandidatureService", "CandidatureSummary", "PieceRow", "Recap", "dossier_lock_reason",
           "piece_lock_reason", "transmit_problems"]
