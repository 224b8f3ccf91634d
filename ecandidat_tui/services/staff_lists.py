"""Formation lists, pending counts, the CSV export of a formation's candidatures, the audit log."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ..domain import Confirmation, Decision, Role, StatutDossier
from ..store.models import (
    Account, AuditLog, Baccalaureat, Candidature, Centre, Commission, Formation, InformationsPerso,
)
from ..text import format_date
from ..display import csv_cell
from .errors import DomainError, NotFound, TargetExists, refuse_unstorable
from .staff_views import (
    CSV_DELIMITER, AuditEntry, AuditFilters, DossierCounts, ExportResult, FormationCandidatureRow, FormationCounts,
    FormationRow, PendingCounts, StaffPrincipal,
)
from .staff_access import StaffBase, _aware, check_centre
from .staff_search import _prefix


class StaffLists(StaffBase):
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
