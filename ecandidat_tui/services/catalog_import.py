"""`ecandidat catalog import FILE`: a JSON or CSV catalog (docs/catalog.md)
validated whole, every problem named by where it is, then upserted by codes
in the caller's transaction.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select

from ..domain import ModeFormation
from ..store.demo import STANDARD_PIECES
from ..store.models import Centre, Commission, Formation, FormationPiece, PieceType
from ..text import fold
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
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged "
                f"({self.centres} centres, {self.commissions} commissions, {self.formations} formations, "
                f"{self.pieces} piece types)")

    def _count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
PHONE_RE = re.compile(r"^[0-9/+()\-. ]*$")
DATE_FIELDS = ("date_debut_depot", "date_fin_depot", "date_limite_retour", "date_preanalyse",
               "date_jury", "date_publication", "date_confirmation")
REQUIRED_DATES = DATE_FIELDS[:3]
FORMATION_FIELDS = ("code", "titre", "mots_cles", "url", "mode", *DATE_FIELDS, "pieces")
COMMISSION_FIELDS = ("code", "libelle", "adresse", "telephone", "mail", "formations")
CENTRE_FIELDS = ("code", "libelle", "max_candidatures", "commissions")
PIECE_FIELDS = ("code", "libelle", "conditional", "shared", "ordre")
CSV_COLUMNS = (
    "centre_code", "centre_libelle", "centre_max_candidatures",
    "commission_code", "commission_libelle", "commission_adresse", "commission_telephone", "commission_mail",
    "formation_code", "titre", "mots_cles", "url", "mode", *DATE_FIELDS, "pieces",
)
CSV_REQUIRED = ("centre_code", "centre_libelle", "commission_code", "commission_libelle",
                "formation_code", "titre", *REQUIRED_DATES)
_MODES = {fold(m.value): m.value for m in ModeFormation} | {fold(m.label): m.value for m in ModeFormation}
_TRUE = {"true", "1", "oui", "yes", "o", "y", "x"}
_FALSE = {"false", "0", "non", "no", "n", ""}


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
    """Checks one document, collecting every error with where it is."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.doc = _Parsed()
        self.where_formation: dict[str, str] = {}
        self.where_centre: dict[str, str] = {}
        self.where_commission: dict[tuple[str, str], str] = {}

    def error(self, where: str, field_name: str, message: str) -> None:
        self.errors.append(f"{where}: {field_name}: {message}")

    # ------------------------------------------------------------- fields

    def text(self, where: str, name: str, value: Any, *, required: bool = False, max_len: int = 200) -> str:
        if value is None:
            value = ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.error(where, name, "must be text")
            return ""
        value = str(value).strip()
        if required and not value:
            self.error(where, name, "is required")
        elif len(value) > max_len:
            self.error(where, name, f"is longer than {max_len} characters")
        return value

    def code(self, where: str, name: str, value: Any) -> str:
        value = self.text(where, name, value, required=True, max_len=20)
        if value and len(value) <= 20 and not CODE_RE.match(value):
            self.error(where, name, f"{value!r} is not a valid code (letters, digits, '_', '-', '.')")
        return value

    def date(self, where: str, name: str, value: Any, *, required: bool) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(where, name, "is required")
            return None
        if not isinstance(value, str):
            self.error(where, name, "must be a date YYYY-MM-DD")
            return None
        value = value.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        self.error(where, name, f"{value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
        return None

    def boolean(self, where: str, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.error(where, name, f"{value!r} is not true or false")
        return False

    def integer(self, where: str, name: str, value: Any, *, minimum: int = 0) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            if isinstance(value, (bool, float)):
                raise ValueError
            number = int(str(value).strip())
        except ValueError:
            self.error(where, name, f"{value!r} is not a whole number")
            return None
        if number < minimum:
            self.error(where, name, f"must be at least {minimum}")
            return None
        return number

    def mail(self, where: str, name: str, value: Any) -> str:
        value = self.text(where, name, value, max_len=100)
        if value:
            from email_validator import EmailNotValidError, validate_email

            try:
                value = validate_email(value, check_deliverability=False).normalized
            except EmailNotValidError as exc:
                self.error(where, name, f"{value!r} is not a valid mail address ({exc})")
        return value

    def phone(self, where: str, name: str, value: Any) -> str:
        value = self.text(where, name, value, max_len=30)
        if value and not PHONE_RE.match(value):
            self.error(where, name, f"{value!r} may only hold digits and / + ( ) - . and spaces")
        return value

    def unknown(self, where: str, obj: dict, allowed: Iterable[str]) -> None:
        for key in obj:
            if key not in allowed:
                self.error(where, str(key), "unknown field")

    # ------------------------------------------------------------ records

    def piece(self, where: str, raw: Any) -> None:
        if not isinstance(raw, dict):
            self.error(where, "piece", "must be an object")
            return
        self.unknown(where, raw, PIECE_FIELDS)
        code = self.code(where, "code", raw.get("code"))
        values = {
            "libelle": self.text(where, "libelle", raw.get("libelle"), required=True, max_len=1000),
            "conditional": self.boolean(where, "conditional", raw.get("conditional")),
            "shared": self.boolean(where, "shared", raw.get("shared")),
            "ordre": self.integer(where, "ordre", raw.get("ordre")) or 0,
        }
        if code in self.doc.pieces:
            self.error(where, "code", f"piece type {code!r} appears twice")
        elif code:
            self.doc.pieces[code] = values

    def centre(self, where: str, code: str, libelle: Any, max_cand: Any, code_field: str = "code",
               libelle_field: str = "libelle", max_field: str = "max_candidatures") -> None:
        values = {
            "libelle": self.text(where, libelle_field, libelle, required=True),
            "max_candidatures": self.integer(where, max_field, max_cand, minimum=1),
        }
        if not code:
            return
        if code in self.doc.centres:
            if self.doc.centres[code] != values:
                self.error(where, code_field, f"centre {code!r} differs from its first definition "
                           f"({self.where_centre[code]})")
        else:
            self.doc.centres[code] = values
            self.where_centre[code] = where

    def commission(self, where: str, centre_code: str, code: str, raw: dict[str, Any], prefix: str = "") -> None:
        values = {
            "libelle": self.text(where, prefix + "libelle", raw.get("libelle"), required=True),
            "adresse": self.text(where, prefix + "adresse", raw.get("adresse"), max_len=300),
            "telephone": self.phone(where, prefix + "telephone", raw.get("telephone")),
            "mail": self.mail(where, prefix + "mail", raw.get("mail")),
        }
        key = (centre_code, code)
        if not centre_code or not code:
            return
        if key in self.doc.commissions:
            if self.doc.commissions[key] != values:
                self.error(where, prefix + "code", f"commission {code!r} of centre {centre_code!r} differs "
                           f"from its first definition ({self.where_commission[key]})")
        else:
            self.doc.commissions[key] = values
            self.where_commission[key] = where

    def formation(self, where: str, centre_code: str, commission_code: str, raw: dict[str, Any],
                  code_field: str = "code", pieces: Any = None) -> None:
        code = self.code(where, code_field, raw.get("code"))
        values: dict[str, Any] = {
            "titre": self.text(where, "titre", raw.get("titre"), required=True),
            "mots_cles": self.text(where, "mots_cles", raw.get("mots_cles"), max_len=300),
            "url": self.text(where, "url", raw.get("url"), max_len=300),
        }
        mode_raw = self.text(where, "mode", raw.get("mode"), max_len=30) or ModeFormation.DEMATERIALISE.value
        mode = _MODES.get(fold(mode_raw))
        if mode is None:
            self.error(where, "mode", f"{mode_raw!r} is not dematerialise or papier")
        values["mode"] = mode or ModeFormation.DEMATERIALISE.value
        for name in DATE_FIELDS:
            values[name] = self.date(where, name, raw.get(name), required=name in REQUIRED_DATES)
        debut, fin, retour = (values[n] for n in REQUIRED_DATES)
        if debut and fin and fin < debut:
            self.error(where, "date_fin_depot", "is before date_debut_depot")
        if fin and retour and retour < fin:
            self.error(where, "date_limite_retour", "is before date_fin_depot")
        publication, confirmation = values["date_publication"], values["date_confirmation"]
        if publication and confirmation and confirmation < publication:
            self.error(where, "date_confirmation", "is before date_publication")
        if isinstance(pieces, str):
            piece_codes = [p for p in re.split(r"[\s,;|]+", pieces) if p]
        elif pieces is None:
            piece_codes = []
        elif isinstance(pieces, list) and all(isinstance(p, str) for p in pieces):
            piece_codes = [p.strip() for p in pieces if p.strip()]
        else:
            self.error(where, "pieces", "must be a list of piece type codes")
            piece_codes = []
        if len(set(piece_codes)) != len(piece_codes):
            self.error(where, "pieces", "lists a piece type twice")
        values["pieces"] = tuple(dict.fromkeys(piece_codes))
        values["_where"] = where
        values["centre_code"] = centre_code
        values["commission_code"] = commission_code
        if not code:
            return
        if code in self.doc.formations:
            self.error(where, code_field, f"formation {code!r} already defined ({self.where_formation[code]})")
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
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        v.errors.append(f"line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})")
        return
    if not isinstance(doc, dict):
        v.errors.append("$: the document must be an object with \"centres\" (and optionally \"pieces\")")
        return
    v.unknown("$", doc, ("pieces", "centres"))
    pieces = doc.get("pieces", [])
    if not isinstance(pieces, list):
        v.error("$", "pieces", "must be a list")
        pieces = []
    for i, raw in enumerate(pieces):
        v.piece(f"$.pieces[{i}]", raw)
    centres = doc.get("centres")
    if not isinstance(centres, list):
        v.error("$", "centres", "is required and must be a list")
        return
    for ci, c_raw in enumerate(centres):
        cw = f"$.centres[{ci}]"
        if not isinstance(c_raw, dict):
            v.error(cw, "centre", "must be an object")
            continue
        v.unknown(cw, c_raw, CENTRE_FIELDS)
        c_code = v.code(cw, "code", c_raw.get("code"))
        v.centre(cw, c_code, c_raw.get("libelle"), c_raw.get("max_candidatures"))
        commissions = c_raw.get("commissions", [])
        if not isinstance(commissions, list):
            v.error(cw, "commissions", "must be a list")
            continue
        for ki, k_raw in enumerate(commissions):
            kw = f"{cw}.commissions[{ki}]"
            if not isinstance(k_raw, dict):
                v.error(kw, "commission", "must be an object")
                continue
            v.unknown(kw, k_raw, COMMISSION_FIELDS)
            k_code = v.code(kw, "code", k_raw.get("code"))
            v.commission(kw, c_code, k_code, k_raw)
            formations = k_raw.get("formations", [])
            if not isinstance(formations, list):
                v.error(kw, "formations", "must be a list")
                continue
            for fi, f_raw in enumerate(formations):
                fw = f"{kw}.formations[{fi}]"
                if not isinstance(f_raw, dict):
                    v.error(fw, "formation", "must be an object")
                    continue
                v.unknown(fw, f_raw, FORMATION_FIELDS)
                v.formation(fw, c_code, k_code, f_raw, pieces=f_raw.get("pieces"))


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
        c_code = v.code(line, "centre_code", r.get("centre_code"))
        v.centre(line, c_code, r.get("centre_libelle"), r.get("centre_max_candidatures"),
                 code_field="centre_code", libelle_field="centre_libelle", max_field="centre_max_candidatures")
        k_code = v.code(line, "commission_code", r.get("commission_code"))
        v.commission(line, c_code, k_code, {
            "libelle": r.get("commission_libelle"), "adresse": r.get("commission_adresse"),
            "telephone": r.get("commission_telephone"), "mail": r.get("commission_mail"),
        }, prefix="commission_")
        f_raw = {k: r.get(k) for k in FORMATION_FIELDS if k != "pieces"}
        f_raw["code"] = r.get("formation_code")
        v.formation(line, c_code, k_code, f_raw, code_field="formation_code", pieces=r.get("pieces", ""))
    if rows == 0:
        v.errors.append("line 2: no formation in the file")


def apply_document(s: Any, doc: _Parsed) -> ImportReport:
    """Upsert a validated document in the caller's transaction.

    Existing rows are read once per table (no query per line), new rows
    are flushed together, and piece links are written in bulk.
    """
    report = ImportReport()

    def update(row: Any, values: dict[str, Any]) -> str:
        changed = False
        for k, val in values.items():
            if getattr(row, k) != val:
                setattr(row, k, val)
                changed = True
        return "updated" if changed else "unchanged"

    # Piece types: those defined in the document, plus the standard ones referenced.
    referenced = {p for f in doc.formations.values() for p in f["pieces"]}
    standard = {p["code"]: p for p in STANDARD_PIECES}
    pieces = {row.code: row for row in s.execute(select(PieceType)).scalars()}
    new_rows: list[Any] = []
    for code, values in doc.pieces.items():
        if code in pieces:
            report._count(update(pieces[code], values))
        else:
            pieces[code] = PieceType(code=code, **values)
            new_rows.append(pieces[code])
            report._count("created")
        report.pieces += 1
    for code in sorted((referenced - set(doc.pieces)) & set(standard)):
        # A standard piece type is created on demand, never overwritten.
        if code in pieces:
            report._count("unchanged")
        else:
            pieces[code] = PieceType(**standard[code])
            new_rows.append(pieces[code])
            report._count("created")
        report.pieces += 1

    centres = {row.code: row for row in s.execute(select(Centre)).scalars()}
    for code, values in doc.centres.items():
        if code in centres:
            report._count(update(centres[code], values))
        else:
            centres[code] = Centre(code=code, **values)
            new_rows.append(centres[code])
            report._count("created")
        report.centres += 1
    s.add_all(new_rows)
    s.flush()  # ids of new piece types and centres

    new_rows = []
    commissions = {(row.centre_id, row.code): row for row in s.execute(select(Commission)).scalars()}
    for (c_code, k_code), values in doc.commissions.items():
        key = (centres[c_code].id, k_code)
        if key in commissions:
            report._count(update(commissions[key], values))
        else:
            commissions[key] = Commission(centre_id=key[0], code=k_code, **values)
            new_rows.append(commissions[key])
            report._count("created")
        report.commissions += 1
    s.add_all(new_rows)
    s.flush()  # ids of new commissions

    formations = {row.code: row for row in s.execute(select(Formation)).scalars()}
    links: dict[int, set[int]] = {}
    for fid, pid in s.execute(select(FormationPiece.formation_id, FormationPiece.piece_type_id)):
        links.setdefault(fid, set()).add(pid)
    outcomes: dict[str, str] = {}
    new_rows = []
    for code, values in doc.formations.items():
        cols = {k: values[k] for k in ("titre", "mots_cles", "url", "mode", *DATE_FIELDS)}
        cols["commission_id"] = commissions[(centres[values["centre_code"]].id, values["commission_code"])].id
        if code in formations:
            outcomes[code] = update(formations[code], cols)
        else:
            formations[code] = Formation(code=code, **cols)
            new_rows.append(formations[code])
            outcomes[code] = "created"
    s.add_all(new_rows)
    s.flush()  # ids of new formations

    to_add: list[dict[str, int]] = []
    to_remove: list[tuple[int, int]] = []
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
        report._count(outcome)
        report.formations += 1
    for fid, pid in to_remove:
        s.execute(delete(FormationPiece).where(FormationPiece.formation_id == fid,
                                               FormationPiece.piece_type_id == pid))
    for start in range(0, len(to_add), 10_000):
        s.execute(insert(FormationPiece), to_add[start:start + 10_000])
    s.flush()
    return report
