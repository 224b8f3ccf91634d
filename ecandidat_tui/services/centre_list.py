"""Every candidature of a centre de candidature: one list and one export, not commission by commission.

What gestionnaires of eCandidat keep asking for: all the centre's
candidatures in one place, filtered by formation, statut, décision and the
candidate's response, sorted, paged (a centre holds 100,000 of them at the
deadline), and exported to CSV or to an `.xlsx` workbook with typed dates
and numbers, a frozen header row and an autofilter, with the baccalauréat,
the INE and the numéro étudiant.

A gestionnaire sees the centres they manage, an administrator all of them
(`staff.check_centre`); every export is in the audit log. An export is
written to a temporary file beside the target and only then put in place:
an existing file is replaced only when the person said so, and a failed
export leaves nothing half written.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from ..display import csv_cell, safe_text
from ..domain import Confirmation, Decision, Role, StatutDossier
from ..store.models import (
    Account, Baccalaureat, Candidature, Centre, Commission, Formation, InformationsPerso,
)
from ..text import format_date
from .context import ServiceContext
from .errors import DomainError, NotFound, TargetExists
from .staff import check_centre, current_principal
from .staff_views import CSV_DELIMITER, ExportResult, StaffPrincipal

PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "xlsx")
NONE = "aucune"  # the filter value for "no decision" / "no response yet"
# A sqlmodel select of several columns, or of one (whose rows are its values).
_Query = Select[Any] | SelectOfScalar[Any]

# sort key -> (label, columns in order, whether the account must be joined); the candidature id
# breaks ties, so pages never overlap.
SORTS: dict[str, tuple[str, tuple, bool]] = {
    "nom": ("Nom", (Account.nom_key, Account.prenom_key), True),
    "formation": ("Formation", (Formation.code, Account.nom_key, Account.prenom_key), True),
    "statut": ("Statut", (Candidature.statut, Account.nom_key), True),
    "decision": ("Décision", (Candidature.decision, Candidature.decision_rang), False),
    "creation": ("Date de création", (Candidature.created_at,), False),
    "transmission": ("Date de transmission", (Candidature.transmitted_at,), False),
}

# What a row shows, as plain columns: no ORM object per row (an export reads 100,000 of them).
_COLUMNS = (Candidature.id, Account.login, InformationsPerso.ine, Account.numero_etudiant, Account.nom,
            Account.prenom, Account.mail, Formation.code, Formation.titre, Candidature.statut, Candidature.decision,
            Candidature.decision_rang, Candidature.decision_validated, Candidature.confirmation,
            Candidature.created_at, Candidature.transmitted_at,
            Baccalaureat.annee, Baccalaureat.serie, Baccalaureat.mention, Baccalaureat.specialites,
            Baccalaureat.has_bac)


@dataclass(frozen=True)
class CentreFilters:
    formation_code: str | None = None
    statut: str | None = None
    decision: str | None = None  # a Decision value, or NONE
    reponse: str | None = None  # a Confirmation value, or NONE
    sort: str = "nom"
    descending: bool = False


@dataclass(frozen=True)
class CentreRow:
    """One candidature, with what a commission needs to rank it."""

    candidature_id: int
    login: str
    ine: str | None
    numero_etudiant: str | None
    nom: str
    prenom: str
    mail: str
    formation_code: str
    formation_titre: str
    statut: StatutDossier
    decision: Decision | None
    decision_rang: int | None
    decision_validated: bool
    reponse: Confirmation | None
    created_at: datetime
    transmitted_at: datetime | None
    bac_annee: int | None
    bac_serie: str | None
    bac_mention: str | None
    bac_specialites: str | None


@dataclass(frozen=True)
class CentrePage:
    rows: tuple[CentreRow, ...]
    total: int
    offset: int


HEADER = ("Numéro de dossier", "INE", "Numéro étudiant", "Nom", "Prénom", "Adresse mail", "Code formation",
          "Formation", "Statut du dossier", "Décision", "Rang", "Décision validée", "Réponse du candidat",
          "Date de création", "Date de transmission", "Année du bac", "Série du bac", "Mention du bac",
          "Spécialités du bac")


def _cells(r: CentreRow) -> list[object]:
    """A row's values, typed: dates as dates, numbers as numbers, the rest as labels."""
    return [r.login, r.ine, r.numero_etudiant, r.nom, r.prenom, r.mail, r.formation_code, r.formation_titre,
            r.statut.label, r.decision.label if r.decision else None, r.decision_rang,
            ("Oui" if r.decision_validated else "Non") if r.decision else None,
            r.reponse.label if r.reponse else None, r.created_at, r.transmitted_at, r.bac_annee, r.bac_serie,
            r.bac_mention, r.bac_specialites]


class CentreListService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ----------------------------------------------------------- queries

    def _selection(self, s: Session, principal: StaffPrincipal, centre_code: str, filters: CentreFilters,
                   columns: tuple, *, details: bool) -> tuple[StaffPrincipal, _Query]:
        """The centre's candidatures as filtered, selecting `columns`; with `details`, every table a row shows."""
        current = current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN)
        centre = s.exec(select(Centre.id).where(Centre.code == centre_code)).first()
        if centre is None:
            raise NotFound(f"Centre de candidature inconnu : {safe_text(centre_code)}")
        check_centre(current, centre_code)
        if filters.sort not in SORTS:
            raise DomainError("Ce tri n'existe pas.", "staff-centre-sort")
        query = (select(*columns)
                 .select_from(Candidature)
                 .join(Formation, Formation.id == Candidature.formation_id)
                 .join(Commission, Commission.id == Formation.commission_id)
                 .where(Commission.centre_id == centre))
        if details or SORTS[filters.sort][2]:
            query = query.join(Account, Account.id == Candidature.account_id)
        if details:
            query = (query.join(InformationsPerso, InformationsPerso.account_id == Account.id, isouter=True)
                     .join(Baccalaureat, Baccalaureat.account_id == Account.id, isouter=True))
        if filters.formation_code:
            query = query.where(Formation.code == filters.formation_code)
        if filters.statut:
            query = query.where(Candidature.statut == StatutDossier(filters.statut).value)
        if filters.decision == NONE:
            query = query.where(col(Candidature.decision).is_(None))
        elif filters.decision:
            query = query.where(Candidature.decision == Decision(filters.decision).value)
        if filters.reponse == NONE:
            query = query.where(col(Candidature.confirmation).is_(None))
        elif filters.reponse:
            query = query.where(Candidature.confirmation == Confirmation(filters.reponse).value)
        return current, query

    @staticmethod
    def _ordered(query: _Query, filters: CentreFilters) -> _Query:
        columns = [c.desc() if filters.descending else c.asc() for c in SORTS[filters.sort][1]]
        return query.order_by(*columns, col(Candidature.id).desc() if filters.descending else col(Candidature.id))

    @staticmethod
    def _row(values: Sequence) -> CentreRow:
        (cid, login, ine, numero, nom, prenom, mail, code, titre, statut, decision, rang, validated, confirmation,
         created, transmitted, annee, serie, mention, specialites, has_bac) = values
        sans_bac = has_bac is False
        return CentreRow(
            candidature_id=cid, login=login, ine=ine, numero_etudiant=numero, nom=nom, prenom=prenom, mail=mail,
            formation_code=code, formation_titre=titre, statut=StatutDossier(statut),
            decision=Decision(decision) if decision else None, decision_rang=rang, decision_validated=validated,
            reponse=Confirmation(confirmation) if confirmation else None, created_at=created,
            transmitted_at=transmitted, bac_annee=None if sans_bac else annee,
            bac_serie="Sans bac" if sans_bac else serie, bac_mention=None if sans_bac else mention,
            bac_specialites=None if sans_bac else specialites)

    def _count(self, s: Session, principal: StaffPrincipal, centre_code: str, filters: CentreFilters) -> int:
        """How many match: the sort needs no account, so neither does the count."""
        counting = CentreFilters(filters.formation_code, filters.statut, filters.decision, filters.reponse,
                                 sort="creation")
        _, query = self._selection(s, principal, centre_code, counting, (func.count(col(Candidature.id)),),
                                   details=False)
        return s.execute(query).scalar_one()

    def page(self, principal: StaffPrincipal, centre_code: str, filters: CentreFilters = CentreFilters(),
             offset: int = 0, limit: int = PAGE_SIZE) -> CentrePage:
        """One page of the centre's candidatures, and how many there are in all.

        The page's ids first, joining only what the filters and the sort need, then
        the details of those rows alone: the bac and the INE of 100 candidates, not
        of the whole centre.
        """
        offset, limit = max(0, int(offset)), max(1, min(int(limit), 1000))
        with self.ctx.db.read_session() as s:
            _, ids_query = self._selection(s, principal, centre_code, filters, (Candidature.id,), details=False)
            ids = s.exec(self._ordered(ids_query, filters).offset(offset).limit(limit)).all()
            total = self._count(s, principal, centre_code, filters)
            if not ids:
                return CentrePage((), total, offset)
            _, rows_query = self._selection(s, principal, centre_code, CentreFilters(), _COLUMNS, details=True)
            rows = {r[0]: r for r in s.exec(rows_query.where(col(Candidature.id).in_(ids))).all()}
            return CentrePage(tuple(self._row(rows[i]) for i in ids if i in rows), total, offset)

    def formations(self, principal: StaffPrincipal, centre_code: str) -> list[tuple[str, str]]:
        """The centre's formations (code, titre), for the formation filter."""
        with self.ctx.db.read_session() as s:
            check_centre(current_principal(s, principal, Role.GESTIONNAIRE, Role.ADMIN), centre_code)
            return [(code, titre) for code, titre in s.exec(
                select(col(Formation.code), col(Formation.titre))
                .join(Commission, col(Commission.id) == col(Formation.commission_id))
                .join(Centre, col(Centre.id) == col(Commission.centre_id)).where(col(Centre.code) == centre_code)
                .order_by(Formation.code)).all()]

    # ------------------------------------------------------------ export

    def export(self, principal: StaffPrincipal, centre_code: str, path: str | Path, fmt: str,
               filters: CentreFilters = CentreFilters(), *, overwrite: bool = False,
               progress: Callable[[int, int], None] | None = None) -> ExportResult:
        """Write the (filtered, sorted) list as CSV (UTF-8 with BOM, `;`) or .xlsx; a folder gets a default name.

        `progress(done, total)` is called every 1,000 rows. An existing file is replaced
        only with `overwrite` (TargetExists otherwise: the screen asks).
        """
        if fmt not in EXPORT_FORMATS:
            raise DomainError("Choisissez le format CSV ou Excel (.xlsx).", "staff-centre-export-path")
        raw = str(path or "").strip()
        if not raw:
            raise DomainError("Indiquez le fichier ou le dossier où enregistrer l'export.",
                              "staff-centre-export-path")
        target = Path(raw).expanduser()
        if target.is_dir():
            target = target / f"candidatures-{centre_code}.{fmt}"
        if target.suffix.lower() != f".{fmt}":
            raise DomainError(f"Le fichier doit se terminer par .{fmt}.", "staff-centre-export-path")
        if not target.parent.is_dir():
            raise DomainError(f"Le dossier {target.parent} n'existe pas.", "staff-centre-export-path")
        if target.exists() and not overwrite:
            raise TargetExists(target, "staff-centre-export-path")
        with self.ctx.db.read_session() as s:
            current, query = self._selection(s, principal, centre_code, filters, _COLUMNS, details=True)
            total = self._count(s, principal, centre_code, filters)
            # Streamed in batches (a server-side cursor on PostgreSQL): memory stays flat at 100,000 rows.
            rows = (self._row(r) for r in s.exec(self._ordered(query, filters).execution_options(yield_per=2000)))
            try:
                fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            except OSError as exc:
                raise DomainError(f"Impossible d'écrire dans {target.parent} : {exc.strerror}",
                                  "staff-centre-export-path") from None
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as fh:
                    count = (_write_xlsx if fmt == "xlsx" else _write_csv)(fh, rows, total, progress)
                self._put_in_place(tmp, target, overwrite)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        criteria: dict[str, Any] = {f.name: getattr(filters, f.name) or "" for f in fields(filters)}
        with self.ctx.db.session() as s:
            self.ctx.audit(s, "staff", current.login, "centre_exported", centre=centre_code, format=fmt,
                           path=str(target), rows=count, **criteria)
        return ExportResult(target, count)

    @staticmethod
    def _put_in_place(tmp: Path, target: Path, overwrite: bool) -> None:
        try:
            if overwrite:
                os.replace(tmp, target)
            else:
                os.link(tmp, target)  # fails if a file appeared meanwhile: never replaced unasked
                tmp.unlink()
        except FileExistsError:
            raise TargetExists(target, "staff-centre-export-path") from None
        except OSError as exc:
            raise DomainError(f"Impossible d'écrire {target} : {exc.strerror}", "staff-centre-export-path") from None


def _csv_value(value: object) -> object:
    if isinstance(value, date):
        return format_date(value, at=" ")
    return csv_cell(value)


def _write_csv(fh, rows: Iterator[CentreRow], total: int, progress) -> int:
    import io

    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_value(v) for v in _cells(row)])
        if progress and count % 1000 == 0:
            progress(count, total)
    text.flush()
    text.detach()
    if progress:
        progress(count, total)
    return count


def _xlsx_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone().replace(tzinfo=None)  # Excel has no time zones: local time, as shown
    if isinstance(value, str):
        return csv_cell(value)  # never a formula, controls made visible
    return value


def _write_xlsx(fh, rows: Iterator[CentreRow], total: int, progress) -> int:
    """A write-only workbook: rows go to disk as they come, so memory stays flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Candidatures")
    sheet.freeze_panes = "A2"
    for index, width in enumerate((12, 13, 14, 18, 16, 28, 14, 36, 16, 20, 6, 8, 18, 17, 17, 8, 16, 14, 24), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    dates = (13, 14)  # création, transmission: real dates shown the French way
    count = 0
    for count, row in enumerate(rows, 1):
        values = [_xlsx_value(v) for v in _cells(row)]
        for index in dates:  # a styled cell costs ~10 times a plain value: only where it shows
            if values[index] is not None:
                cell = WriteOnlyCell(sheet, value=values[index])
                cell.number_format = "dd/mm/yyyy hh:mm"
                values[index] = cell
        sheet.append(values)
        if progress and count % 1000 == 0:
            progress(count, total)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADER))}{count + 1}"
    book.save(fh)
    if progress:
        progress(count, total)
    return count


__all__ = ["EXPORT_FORMATS", "HEADER", "NONE", "PAGE_SIZE", "SORTS", "CentreFilters", "CentreListService",
           "CentrePage", "CentreRow"]
