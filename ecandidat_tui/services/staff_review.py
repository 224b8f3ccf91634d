"""Dossier review: a candidate's candidatures, the staff recap, piece files, piece review,
the dossier status, the decision recorded then validated (with its mail and letter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from collections.abc import Sequence

from sqlmodel import Session, col, select

from ..domain import Confirmation, Decision, MailKind, Role, StatutDossier, StatutPiece
from ..store.db import StaleVersion, update_versioned
from ..store.models import Account, Candidature, Centre, Commission, FileBlob, Formation, PieceSubmission, PieceType
from ..text import format_date
from .candidatures import bump_candidature
from .decision_letter import DecisionLetterService
from .errors import ConcurrentEdit, DomainError, Forbidden, NotFound, refuse_forbidden
from .staff_views import CandidatureSummary, PieceFile, PieceReview, PieceReviewResult, StaffPrincipal, StaffRecap
from .staff_access import StaffBase, _aware, check_centre


class StaffReview(StaffBase):
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

    def _transmitted(self, s: Session, current: StaffPrincipal, candidature_id: int,
                     expected_version: int | None = None):
        """A candidature `current` may review: in their centres, at the version they saw
        (when given), and transmitted by the candidate."""
        row = self._load_candidature(s, current, candidature_id)
        if expected_version is not None and row[0].version != expected_version:
            raise ConcurrentEdit()
        if row[0].statut == StatutDossier.EN_ATTENTE:
            raise Forbidden("Ce dossier n'a pas encore été transmis par le candidat.")
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
            c, login, _f, _centre = self._transmitted(s, current, candidature_id)
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
            c, login, f, _centre = self._transmitted(s, current, candidature_id, expected_version)
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
            c, login, _f, _centre = self._transmitted(s, current, candidature_id, expected_version)
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
