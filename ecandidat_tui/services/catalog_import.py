"""`ecandidat catalog import FILE`: a JSON or CSV catalog (docs/catalog.md)
validated whole, every problem named by where it is, then upserted by codes
in the caller's transaction.

Reading: `CatalogService.import_file` reads the file and hands its text to
`_parse_json` / `_parse_csv`, which walk the document (JSON nesting, CSV
lines) and pass each record to `_Validator`: its fields are checked by its
pydantic model (`catalog_records`), then the record is kept unless it
repeats or contradicts an earlier one. `apply_document` writes the result.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy import delete, insert, select
from sqlmodel import col

from .import_files import load_json
from ..store.demo import STANDARD_PIECES
from ..store.models import (
    Candidature, Centre, Commission, Formation, FormationPiece, PieceSubmission, PieceType, utcnow,
)
from .candidatures import bump_candidature, collect_orphan_blobs
from .catalog_records import (
    CentreRecord, CommissionRecord, FormationRecord, PieceRecord, Record, check_code, parse_date,
)
from .errors import DomainError

# -------------------------------------------------------------- import


class CatalogImportError(DomainError):
    """A catalog file was refused; `errors` names the line (or JSON path) and field of each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors[0] if errors else "Fichier de catalogue invalide.")
        self.errors = list(errors)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    centres: int = 0
    commissions: int = 0
    formations: int = 0
    pieces: int = 0

    def summary(self) -> str:
        return (f"{self.created} créé(s), {self.updated} modifié(s), {self.unchanged} inchangé(s) "
                f"({self.centres} centres, {self.commissions} commissions, {self.formations} formations, "
                f"{self.pieces} types de pièces)")

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


DATE_FIELDS = ("date_debut_depot", "date_fin_depot", "date_limite_retour", "date_preanalyse",
               "date_jury", "date_publication", "date_confirmation")
REQUIRED_DATES = DATE_FIELDS[:3]
CSV_COLUMNS = (
    "centre_code", "centre_libelle", "centre_max_candidatures",
    "commission_code", "commission_libelle", "commission_adresse", "commission_telephone", "commission_mail",
    "formation_code", "titre", "mots_cles", "url", "mode", *DATE_FIELDS, "pieces", "ouverte",
)
CSV_REQUIRED = ("centre_code", "centre_libelle", "commission_code", "commission_libelle",
                "formation_code", "titre", *REQUIRED_DATES)


# Which dates must not come before which (checked on what the file holds,
# even when another field of the formation is refused).
_DATE_ORDER = (("date_fin_depot", "date_debut_depot"), ("date_limite_retour", "date_fin_depot"),
               ("date_confirmation", "date_publication"))

# The names a CSV line gives the fields of its centre, commission and formation.
CSV_CENTRE = {"code": "centre_code", "libelle": "centre_libelle", "max_candidatures": "centre_max_candidatures"}
CSV_COMMISSION = {name: f"commission_{name}" for name in ("code", "libelle", "adresse", "telephone", "mail")}
CSV_FORMATION = {"code": "formation_code"}

_R = TypeVar("_R", bound=Record)


@dataclass
class _Parsed:
    """A validated import document, ready to upsert."""

    pieces: dict[str, dict[str, Any]] = field(default_factory=dict)
    centres: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (centre code, commission code) -> values
    commissions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # formation code -> values (with centre_code, commission_code, pieces)
    formations: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Validator:
    """Checks one document record by record, collecting every error with
    where it is (`line 7` or `$.centres[0]…`) and its field."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.doc = _Parsed()
        self.where_formation: dict[str, str] = {}
        self.where_centre: dict[str, str] = {}
        self.where_commission: dict[tuple[str, str], str] = {}

    def error(self, where: str, field_name: str, message: str) -> None:
        self.errors.append(f"{where}: {field_name}: {message}")

    def unknown(self, where: str, obj: dict, allowed: Iterable[str]) -> None:
        for key in obj:
            if key not in allowed:
                self.error(where, str(key), "unknown field")

    def record(self, model: type[_R], where: str, raw: Mapping[str, Any],
               names: Mapping[str, str] | None = None) -> _R | None:
        """`raw` checked by `model` (a field it lacks is None); None when refused."""
        try:
            return model.model_validate(dict.fromkeys(model.model_fields) | dict(raw))
        except ValidationError as exc:
            for problem in exc.errors(include_url=False):
                name = str(problem["loc"][0])
                message = "unknown field" if problem["type"] == "extra_forbidden" else problem["msg"]
                self.error(where, (names or {}).get(name, name), message)
            return None

    @staticmethod
    def _code_of(raw: Mapping[str, Any]) -> str:
        """The record's code when it is valid, even if another field is not ("" otherwise)."""
        try:
            return check_code(raw.get("code"))
        except PydanticCustomError:
            return ""

    def piece(self, where: str, raw: Mapping[str, Any]) -> None:
        piece = self.record(PieceRecord, where, raw)
        if piece is None:
            return
        if piece.code in self.doc.pieces:
            self.error(where, "code", f"piece type {piece.code!r} appears twice")
        else:
            self.doc.pieces[piece.code] = piece.model_dump(include={"libelle", "conditional", "shared", "ordre"})

    def centre(self, where: str, raw: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
        """Check and keep a centre; returns its code for its commissions ("" when invalid)."""
        centre = self.record(CentreRecord, where, raw, names)
        if centre is None:
            return self._code_of(raw)
        code, values = centre.code, centre.model_dump(include={"libelle", "max_candidatures"})
        if code not in self.doc.centres:
            self.doc.centres[code] = values
            self.where_centre[code] = where
        elif self.doc.centres[code] != values:
            self.error(where, (names or {}).get("code", "code"),
                       f"centre {code!r} differs from its first definition ({self.where_centre[code]})")
        return code

    def commission(self, where: str, centre_code: str, raw: Mapping[str, Any],
                   names: Mapping[str, str] | None = None) -> str:
        """Check and keep a commission; returns its code ("" when invalid)."""
        commission = self.record(CommissionRecord, where, raw, names)
        if commission is None:
            return self._code_of(raw)
        code = commission.code
        values = commission.model_dump(include={"libelle", "adresse", "telephone", "mail"})
        key = (centre_code, code)
        if not centre_code:
            return code
        if key not in self.doc.commissions:
            self.doc.commissions[key] = values
            self.where_commission[key] = where
        elif self.doc.commissions[key] != values:
            self.error(where, (names or {}).get("code", "code"),
                       f"commission {code!r} of centre {centre_code!r} differs "
                       f"from its first definition ({self.where_commission[key]})")
        return code

    def formation(self, where: str, centre_code: str, commission_code: str, raw: Mapping[str, Any],
                  names: Mapping[str, str] | None = None) -> None:
        formation = self.record(FormationRecord, where, raw, names)
        for later, earlier in _DATE_ORDER:
            if formation is not None:
                after, before = getattr(formation, later), getattr(formation, earlier)
            else:  # still said, as the dates a refused formation holds
                after, before = parse_date(raw.get(later)), parse_date(raw.get(earlier))
            if after and before and after < before:
                self.error(where, later, f"is before {earlier}")
        if formation is None:
            return
        values = formation.model_dump(exclude={"code"})
        values.update(_where=where, centre_code=centre_code, commission_code=commission_code)
        code = formation.code
        if code in self.doc.formations:
            self.error(where, (names or {}).get("code", "code"),
                       f"formation {code!r} already defined ({self.where_formation[code]})")
        else:
            self.doc.formations[code] = values
            self.where_formation[code] = where

    def check_piece_references(self, known: set[str]) -> None:
        available = known | set(self.doc.pieces) | {p["code"] for p in STANDARD_PIECES}
        for values in self.doc.formations.values():
            for piece in values["pieces"]:
                if piece not in available:
                    self.error(values["_where"], "pieces", f"unknown piece type {piece!r}")


def _parse_json(text: str, v: _Validator) -> None:
    try:
        doc = load_json(text, "catalog")
    except json.JSONDecodeError as exc:
        v.errors.append(f"line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})")
        return
    if not isinstance(doc, dict):
        v.errors.append("$: the document must be an object with \"centres\" (and optionally \"pieces\")")
        return
    v.unknown("$", doc, ("pieces", "centres"))
    for pw, p_raw in _objects(v, "$", doc, "pieces", "piece"):
        v.piece(pw, p_raw)
    for cw, c_raw in _objects(v, "$", doc, "centres", "centre", required=True):
        c_code = v.centre(cw, c_raw)
        for kw, k_raw in _objects(v, cw, c_raw, "commissions", "commission"):
            k_code = v.commission(kw, c_code, k_raw)
            for fw, f_raw in _objects(v, kw, k_raw, "formations", "formation"):
                v.formation(fw, c_code, k_code, f_raw)


def _objects(v: _Validator, where: str, parent: dict, key: str, kind: str,
             *, required: bool = False) -> Iterator[tuple[str, dict]]:
    """The objects of the list `parent[key]`, each with its JSON path; a list
    that is not one, or an item that is not an object, is refused and skipped."""
    items = parent.get(key) if required else parent.get(key, [])
    if not isinstance(items, list):
        v.error(where, key, "is required and must be a list" if required else "must be a list")
        return
    for i, item in enumerate(items):
        item_where = f"{where}.{key}[{i}]"
        if isinstance(item, dict):
            yield item_where, item
        else:
            v.error(item_where, kind, "must be an object")


def _parse_csv(text: str, v: _Validator) -> None:
    # The delimiter is the one the header line uses most (column names hold none).
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        v.errors.append("line 1: the file is empty (a header line is expected)")
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    for name in header:
        if name not in CSV_COLUMNS:
            v.error("line 1", name or "(empty)", "unknown column")
    for name in CSV_REQUIRED:
        if name not in header:
            v.error("line 1", name, "missing column")
    if v.errors:
        return
    rows = 0
    for row in reader:
        line = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if len(row) != len(header):
            v.errors.append(f"{line}: {len(row)} fields where the header has {len(header)}")
            continue
        r = dict(zip(header, row, strict=True))
        c_code = v.centre(line, {name: r.get(column) for name, column in CSV_CENTRE.items()}, CSV_CENTRE)
        k_code = v.commission(line, c_code, {name: r.get(column) for name, column in CSV_COMMISSION.items()},
                              CSV_COMMISSION)
        f_raw = {name: r.get(CSV_FORMATION.get(name, name)) for name in FormationRecord.model_fields}
        f_raw["pieces"] = r.get("pieces", "")
        v.formation(line, c_code, k_code, f_raw, CSV_FORMATION)
    if rows == 0:
        v.errors.append("line 2: no formation in the file")


def sync_candidature_pieces(s: Any, changes: Mapping[int, tuple[set[int], set[int]]], now: datetime) -> int:
    """The pieces of the candidatures not transmitted of formations whose pieces
    changed (formation id -> (piece type ids removed, added)): a removed piece
    goes (with its file when nothing else uses it), an added one is asked. A
    transmitted candidature keeps the pieces and files it was sent with.
    Returns how many candidatures changed (each one's version moves)."""
    changes = {fid: change for fid, change in changes.items() if change[0] or change[1]}
    if not changes:
        return 0
    waiting: dict[int, list[int]] = {}
    for cid, fid in s.execute(select(col(Candidature.id), col(Candidature.formation_id)).where(
            col(Candidature.formation_id).in_(list(changes)), col(Candidature.transmitted_at).is_(None))
            .order_by(col(Candidature.id)).with_for_update()):
        waiting.setdefault(fid, []).append(cid)
    shas: set[str] = set()
    new_rows: list[dict[str, Any]] = []
    for fid, cids in waiting.items():
        removed, added = changes[fid]
        if removed:
            where = (col(PieceSubmission.candidature_id).in_(cids), col(PieceSubmission.piece_type_id).in_(removed))
            shas.update(sha for sha in s.execute(select(col(PieceSubmission.blob_sha256)).where(*where)).scalars()
                        if sha)
            s.execute(delete(PieceSubmission).where(*where))
        if added:
            have = set(s.execute(select(col(PieceSubmission.candidature_id), col(PieceSubmission.piece_type_id)).where(
                col(PieceSubmission.candidature_id).in_(cids), col(PieceSubmission.piece_type_id).in_(added))).all())
            new_rows.extend({"candidature_id": cid, "piece_type_id": pid, "updated_at": now}
                            for cid in cids for pid in sorted(added) if (cid, pid) not in have)
    if new_rows:
        s.execute(insert(PieceSubmission), new_rows)
    collect_orphan_blobs(s, shas)
    touched = [cid for cids in waiting.values() for cid in cids]
    for cid in touched:
        bump_candidature(s, cid, now)
    return len(touched)


def apply_document(s: Any, doc: _Parsed, now: datetime | None = None) -> ImportReport:
    """Upsert a validated document in the caller's transaction.

    Existing rows are read once per table (no query per line), new rows
    are flushed together, and piece links are written in bulk. The
    candidatures not transmitted of a formation whose pieces changed follow
    (`sync_candidature_pieces`).
    """
    report = ImportReport()

    new_rows: list[Any] = []

    def upsert(rows: dict[Any, Any], key: Any, model: type, created: dict[str, Any],
               values: dict[str, Any] | None) -> str:
        """`rows[key]` updated with `values` (None: left as it is), or a new
        `model(**created)` kept for the next flush; says which happened."""
        row = rows.get(key)
        if row is None:
            rows[key] = model(**created)
            new_rows.append(rows[key])
            return "created"
        changed = False
        for k, val in (values or {}).items():
            if getattr(row, k) != val:
                setattr(row, k, val)
                changed = True
        return "updated" if changed else "unchanged"

    # Piece types: those defined in the document, plus the standard ones referenced.
    referenced = {p for f in doc.formations.values() for p in f["pieces"]}
    standard = {p["code"]: p for p in STANDARD_PIECES}
    pieces = {row.code: row for row in s.execute(select(PieceType)).scalars()}
    for code, values in doc.pieces.items():
        report.count(upsert(pieces, code, PieceType, {"code": code, **values}, values))
        report.pieces += 1
    for code in sorted((referenced - set(doc.pieces)) & set(standard)):
        # A standard piece type is created on demand, never overwritten.
        report.count(upsert(pieces, code, PieceType, standard[code], None))
        report.pieces += 1

    centres = {row.code: row for row in s.execute(select(Centre)).scalars()}
    for code, values in doc.centres.items():
        report.count(upsert(centres, code, Centre, {"code": code, **values}, values))
        report.centres += 1
    s.add_all(new_rows)
    s.flush()  # ids of new piece types and centres

    new_rows.clear()
    commissions = {(row.centre_id, row.code): row for row in s.execute(select(Commission)).scalars()}
    for (c_code, k_code), values in doc.commissions.items():
        key = (centres[c_code].id, k_code)
        report.count(upsert(commissions, key, Commission, {"centre_id": key[0], "code": k_code, **values}, values))
        report.commissions += 1
    s.add_all(new_rows)
    s.flush()  # ids of new commissions

    formations = {row.code: row for row in s.execute(select(Formation)).scalars()}
    links: dict[int, set[int]] = {}
    for fid, pid in s.execute(select(col(FormationPiece.formation_id), col(FormationPiece.piece_type_id))):
        links.setdefault(fid, set()).add(pid)
    outcomes: dict[str, str] = {}
    new_rows.clear()
    for code, values in doc.formations.items():
        cols = {k: values[k] for k in ("titre", "mots_cles", "url", "mode", *DATE_FIELDS, "ouverte")}
        cols["commission_id"] = commissions[(centres[values["centre_code"]].id, values["commission_code"])].id
        outcomes[code] = upsert(formations, code, Formation, {"code": code, **cols}, cols)
    s.add_all(new_rows)
    s.flush()  # ids of new formations

    to_add: list[dict[str, int]] = []
    to_remove: list[tuple[int, int]] = []
    changed_pieces: dict[int, tuple[set[int], set[int]]] = {}
    for code, values in doc.formations.items():
        fid = formations[code].id
        wanted = {pieces[p].id for p in values["pieces"]}
        current = links.get(fid, set())
        outcome = outcomes[code]
        if wanted != current:
            to_remove.extend((fid, pid) for pid in current - wanted)
            to_add.extend({"formation_id": fid, "piece_type_id": pid} for pid in sorted(wanted - current))
            if outcome == "unchanged":
                outcome = "updated"
            if outcomes[code] != "created":  # a new formation has no candidature
                changed_pieces[fid] = (current - wanted, wanted - current)
        report.count(outcome)
        report.formations += 1
    for fid, pid in to_remove:
        s.execute(delete(FormationPiece).where(col(FormationPiece.formation_id) == fid,
                                               col(FormationPiece.piece_type_id) == pid))
    for start in range(0, len(to_add), 10_000):
        s.execute(insert(FormationPiece), to_add[start:start + 10_000])
    sync_candidature_pieces(s, changed_pieces, now or utcnow())
    s.flush()
    return report
