"""Pièces justificatives, candidate side: attach, replace, remove, preview, Non concerné.

A picked file is checked by `services.uploads` before any transaction; it is
then stored once as a FileBlob (addressed by SHA-256) and the piece becomes
Transmise, in one unit of work. A shared piece type (identity, photo…) is
updated in every candidature of the candidate that asks for it and was never
transmitted: a transmitted dossier (Réceptionné, Complet, Incomplet, decided)
keeps the files it was sent with, whatever happens to the others.

A write first locks every candidature of the candidate (in id order, so two
terminals of one candidate never deadlock): a transmission committed by
another process is then seen before any piece changes, on PostgreSQL as on
SQLite.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from ..domain import StatutDossier, StatutPiece
from ..store.db import StaleVersion, update_versioned
from ..store.models import Account, Candidature, FileBlob, Formation, PieceSubmission, PieceType
from .blobs import store_blob
from .candidatures import bump_candidature, collect_orphan_blobs, piece_lock_reason
from .context import ServiceContext
from .errors import ConcurrentEdit, DomainError, Forbidden, NotFound
from .uploads import FileFacts, check_upload, file_facts

# A shared file replaces these statuses in the candidate's other candidatures.
_SHARED_TARGETS = (StatutPiece.EN_ATTENTE, StatutPiece.TRANSMISE, StatutPiece.REFUSEE)


@dataclass(frozen=True)
class AttachResult:
    file_name: str
    mime: str
    size: int
    sha256: str
    candidature_ids: tuple[int, ...]

    @property
    def shared_count(self) -> int:
        """How many other candidatures received the same file."""
        return len(self.candidature_ids) - 1


class PieceService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def allowed_roots(self) -> list[Path]:
        return self.ctx.settings.effective_upload_roots()

    # -------------------------------------------------------------- lookup

    def _load(self, s: Session, account_id: int, submission_id: int
              ) -> tuple[PieceSubmission, PieceType, Candidature, Formation]:
        sub = s.get(PieceSubmission, submission_id)
        cand = s.get(Candidature, sub.candidature_id) if sub else None
        if sub is None or cand is None or cand.account_id != account_id:
            raise NotFound("Cette pièce n'existe pas (ou plus).")
        return sub, s.get_one(PieceType, sub.piece_type_id), cand, s.get_one(Formation, cand.formation_id)

    def _editable(self, s: Session, account_id: int, submission_id: int, expected_version: int
                  ) -> tuple[PieceSubmission, PieceType, Candidature, Formation]:
        # Not read-then-write: a transmission racing this edit either commits first (and is
        # seen here, the row being re-read under the lock) or waits for this one to commit.
        s.exec(select(Candidature.id).where(Candidature.account_id == account_id)
               .order_by(col(Candidature.id)).with_for_update()).all()
        sub, ptype, cand, formation = self._load(s, account_id, submission_id)
        if sub.version != expected_version:
            raise ConcurrentEdit()
        reason = piece_lock_reason(sub, cand, formation, self.ctx.today())
        if reason:
            raise Forbidden(reason, "piece")
        return sub, ptype, cand, formation

    def _write(self, s: Session, sub: PieceSubmission, expected_version: int, **values) -> None:
        try:
            update_versioned(s, PieceSubmission, sub.id, expected_version, updated_at=self.ctx.now(), **values)
        except StaleVersion:
            raise ConcurrentEdit() from None
        bump_candidature(s, sub.candidature_id, self.ctx.now())

    def _shared_siblings(self, s: Session, account_id: int, sub: PieceSubmission) -> list[PieceSubmission]:
        """The same piece type in the candidate's other candidatures, never transmitted and still open."""
        today = self.ctx.today()
        rows = s.exec(
            select(PieceSubmission, Candidature, Formation)
            .join(Candidature, col(Candidature.id) == col(PieceSubmission.candidature_id))
            .join(Formation, col(Formation.id) == col(Candidature.formation_id))
            .where(Candidature.account_id == account_id, PieceSubmission.piece_type_id == sub.piece_type_id,
                   PieceSubmission.id != sub.id, Candidature.statut == StatutDossier.EN_ATTENTE,
                   col(Candidature.transmitted_at).is_(None))
        ).all()
        return [o for o, c, f in rows if piece_lock_reason(o, c, f, today) is None]

    # -------------------------------------------------------------- attach

    def attach_file(self, account_id: int, submission_id: int, path: str | os.PathLike[str],
                    expected_version: int) -> AttachResult:
        """Check the file, store it, make the piece Transmise (and its shared twins)."""
        # Refuse early (before reading a possibly large file) when the piece is locked.
        with self.ctx.db.read_session() as s:
            sub, _, cand, formation = self._load(s, account_id, submission_id)
            reason = piece_lock_reason(sub, cand, formation, self.ctx.today())
            if reason:
                raise Forbidden(reason, "piece")
            if sub.statut == StatutPiece.NON_CONCERNE:
                raise Forbidden("Vous avez déclaré ne pas être concerné par cette pièce : "
                                "annulez d'abord cette déclaration.", "piece")
        settings = self.ctx.settings
        checked = check_upload(path, self.allowed_roots(), settings.upload_max_bytes, settings.app_owned_paths())
        with self.ctx.db.session() as s:
            sub, ptype, cand, formation = self._editable(s, account_id, submission_id, expected_version)
            if sub.statut == StatutPiece.NON_CONCERNE:
                raise Forbidden("Vous avez déclaré ne pas être concerné par cette pièce : "
                                "annulez d'abord cette déclaration.", "piece")
            # Not "get, then add": two kiosks storing the same bytes at once would both insert.
            store_blob(s, sha256=checked.sha256, mime=checked.mime, size=checked.size,
                       data=checked.data, now=self.ctx.now())
            old = {sub.blob_sha256}
            values = dict(blob_sha256=checked.sha256, file_name=checked.name[:255],
                          statut=StatutPiece.TRANSMISE, commentaire=None)
            self._write(s, sub, expected_version, **values)
            touched = [cand.id]
            if ptype.shared:
                for other in self._shared_siblings(s, account_id, sub):
                    if other.statut not in _SHARED_TARGETS:
                        continue
                    old.add(other.blob_sha256)
                    s.execute(update(PieceSubmission).where(col(PieceSubmission.id) == other.id)
                              .values(version=PieceSubmission.version + 1, updated_at=self.ctx.now(), **values)
                              .execution_options(synchronize_session=False))
                    bump_candidature(s, other.candidature_id, self.ctx.now())
                    touched.append(other.candidature_id)
            collect_orphan_blobs(s, {sha for sha in old if sha and sha != checked.sha256})
            account = s.get_one(Account, account_id)
            self.ctx.audit(s, "candidat", account.login, "piece_attach", target_login=account.login,
                           candidature_id=cand.id, piece=ptype.code, sha256=checked.sha256,
                           file=checked.name, shared_with=touched[1:])
            return AttachResult(checked.name, checked.mime, checked.size, checked.sha256, tuple(touched))

    # -------------------------------------------------------------- remove

    def remove_file(self, account_id: int, submission_id: int, expected_version: int) -> None:
        """Remove the file; a shared file leaves every open candidature that holds it."""
        with self.ctx.db.session() as s:
            sub, ptype, cand, _ = self._editable(s, account_id, submission_id, expected_version)
            if sub.blob_sha256 is None:
                raise DomainError("Cette pièce n'a pas de fichier.", "piece")
            sha = sub.blob_sha256
            values = dict(blob_sha256=None, file_name=None, statut=StatutPiece.EN_ATTENTE)
            self._write(s, sub, expected_version, **values)
            if ptype.shared:
                for other in self._shared_siblings(s, account_id, sub):
                    if other.blob_sha256 != sha or other.statut not in _SHARED_TARGETS:
                        continue
                    s.execute(update(PieceSubmission).where(col(PieceSubmission.id) == other.id)
                              .values(version=PieceSubmission.version + 1, updated_at=self.ctx.now(), **values)
                              .execution_options(synchronize_session=False))
                    bump_candidature(s, other.candidature_id, self.ctx.now())
            collect_orphan_blobs(s, {sha})
            account = s.get_one(Account, account_id)
            self.ctx.audit(s, "candidat", account.login, "piece_remove", target_login=account.login,
                           candidature_id=cand.id, piece=ptype.code)

    # -------------------------------------------------------- non concerné

    def set_non_concerne(self, account_id: int, submission_id: int, expected_version: int,
                         non_concerne: bool = True) -> None:
        """The sworn statement "je ne suis pas concerné par cette pièce" (or its withdrawal)."""
        with self.ctx.db.session() as s:
            sub, ptype, cand, _ = self._editable(s, account_id, submission_id, expected_version)
            if not ptype.conditional:
                raise Forbidden("Cette pièce est obligatoire : elle n'est pas conditionnelle.", "piece")
            if non_concerne:
                old = sub.blob_sha256
                self._write(s, sub, expected_version, statut=StatutPiece.NON_CONCERNE,
                            blob_sha256=None, file_name=None)
                collect_orphan_blobs(s, {old} if old else set())
            else:
                if sub.statut != StatutPiece.NON_CONCERNE:
                    raise DomainError("Cette pièce n'est pas déclarée « Non concerné ».", "piece")
                self._write(s, sub, expected_version, statut=StatutPiece.EN_ATTENTE)
            account = s.get_one(Account, account_id)
            self.ctx.audit(s, "candidat", account.login,
                           "piece_non_concerne" if non_concerne else "piece_concerne",
                           target_login=account.login, candidature_id=cand.id, piece=ptype.code)

    # ------------------------------------------------------------- preview

    def preview(self, account_id: int, submission_id: int) -> FileFacts:
        with self.ctx.db.read_session() as s:
            sub, _, _, _ = self._load(s, account_id, submission_id)
            blob = s.get(FileBlob, sub.blob_sha256) if sub.blob_sha256 else None
            if blob is None:
                raise DomainError("Cette pièce n'a pas de fichier.", "piece")
            return file_facts(sub.file_name or "fichier", bytes(blob.data), blob.mime)


__all__ = ["AttachResult", "PieceService"]
