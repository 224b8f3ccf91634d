"""The Offre de formation: read models for the tree and the detail, the demo
catalog, and `ecandidat catalog import FILE` (JSON or CSV, docs/catalog.md).

The tree is read in two queries (centres; formations joined to their
commission) into frozen dataclasses with a precomputed accent-free,
lower-case search key per formation, so a screen filters 10,000 formations
in memory without going back to the database.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..domain import ModeFormation
from ..store.demo import STANDARD_PIECES, demo_catalog
from ..store.models import Centre, Commission, Formation, FormationPiece, PieceType
from .context import ServiceContext
from .errors import DomainError, NotFound

# ------------------------------------------------------------- helpers


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _FoldTable(dict):
    """Character -> its folded form, filled on first sight of each character,
    so `str.translate` folds a whole title in C (10,000 titles in a few ms)."""

    def __missing__(self, codepoint: int) -> str:
        folded = _slow_fold(chr(codepoint))
        self[codepoint] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, accent-free form used for searching ("Économie" -> "economie")."""
    return text.casefold().translate(_FOLD_TABLE)


def format_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def du_au(debut: date, fin: date) -> str:
    return f"Du {format_date(debut)} au {format_date(fin)}"


# The tree's formations share a few hundred dépôt periods: one label string each.
_period_label = lru_cache(maxsize=4096)(du_au)


def mode_label(mode: str) -> str:
    try:
        return ModeFormation(mode).label
    except ValueError:
        return mode


def period_state(today: date, debut: date, fin: date) -> str:
    """`open` inside the dépôt period, `closed` after it, `future` before it."""
    if today < debut:
        return "future"
    if today > fin:
        return "closed"
    return "open"


STATE_LABELS = {"open": "Ouverte", "closed": "Fermée", "future": "Pas encore ouverte"}


# --------------------------------------------------------- read models


# Read models use slots: the tree holds 10,000 FormationSummary objects per
# kiosk process, and slots keep each one without a per-instance __dict__.


@dataclass(frozen=True, slots=True)
class PieceTypeView:
    id: int
    code: str
    libelle: str
    conditional: bool
    shared: bool
    ordre: int


class _DepotPeriod:
    """What a formation says of its dépôt period (the tree's nodes and the detail)."""

    __slots__ = ()
    state: str
    date_debut_depot: date
    date_fin_depot: date

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def dates_label(self) -> str:
        return _period_label(self.date_debut_depot, self.date_fin_depot)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True, slots=True)
class FormationSummary(_DepotPeriod):
    """One formation node of the Offre de formation tree.

    The mots-clés are only in `search_key` (the detail, FormationDetail, shows
    them): 10,000 copies kept for nothing were ~1 MiB of every kiosk."""

    id: int
    code: str
    titre: str
    centre_id: int
    commission_id: int
    mode: str
    mode_label: str
    date_debut_depot: date
    date_fin_depot: date
    date_limite_retour: date
    state: str  # open | closed | future, against ctx.today() when read
    search_key: str = field(repr=False, compare=False, default="")


@dataclass(frozen=True, slots=True)
class CentreNode:
    id: int
    code: str
    libelle: str
    max_candidatures: int | None
    formations: tuple[FormationSummary, ...]

    @property
    def formation_count(self) -> int:
        return len(self.formations)

    @property
    def open_count(self) -> int:
        return sum(1 for f in self.formations if f.is_open)


@dataclass(frozen=True, slots=True)
class CentreOverview:
    """A centre and how many formations it offers, without the formations:
    what the Offre de formation shows first, read in one small query."""

    id: int
    code: str
    libelle: str
    max_candidatures: int | None
    formation_count: int
    open_count: int


def _query_words(query: str) -> list[str]:
    return fold(query).split()


def summary_matches(formation: FormationSummary, words: list[str]) -> bool:
    key = formation.search_key
    return all(w in key for w in words)


@dataclass(frozen=True, slots=True)
class CatalogTree:
    """The whole Offre de formation, read once; filtering happens in memory."""

    today: date
    centres: tuple[CentreNode, ...]

    @property
    def formation_count(self) -> int:
        return sum(len(c.formations) for c in self.centres)

    def formation(self, formation_id: int) -> FormationSummary | None:
        for centre in self.centres:
            for f in centre.formations:
                if f.id == formation_id:
                    return f
        return None

    def filter(self, query: str) -> "CatalogTree":
        """Centres with the formations whose titre, code or mots-clés contain
        every word of `query` (case and accent insensitive). An empty query
        returns the tree itself; centres left without formations are dropped."""
        words = _query_words(query)
        if not words:
            return self
        centres = []
        single = words[0] if len(words) == 1 else None
        for centre in self.centres:
            if single is not None:  # the common case, without a call per formation
                kept = tuple(f for f in centre.formations if single in f.search_key)
            else:
                kept = tuple(f for f in centre.formations if all(w in f.search_key for w in words))
            if kept:
                centres.append(CentreNode(centre.id, centre.code, centre.libelle, centre.max_candidatures, kept))
        return CatalogTree(self.today, tuple(centres))


@dataclass(frozen=True, slots=True)
class FormationDetail(_DepotPeriod):
    id: int
    code: str
    titre: str
    mots_cles: str
    url: str
    mode: str
    mode_label: str
    centre_id: int
    centre_code: str
    centre_libelle: str
    centre_max_candidatures: int | None
    commission_id: int
    commission_code: str
    commission_libelle: str
    adresse: str
    telephone: str
    mail: str
    date_debut_depot: date
    date_fin_depot: date
    date_limite_retour: date
    date_preanalyse: date | None
    date_jury: date | None
    date_publication: date | None
    date_confirmation: date | None
    state: str
    pieces: tuple[PieceTypeView, ...]


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
            if isinstance(value, bool) or isinstance(value, float):
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
        for code, values in self.doc.formations.items():
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
        r = dict(zip(header, row))
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


# ------------------------------------------------------------- service


class CatalogService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        # The last tree read: (monotonic time, today, fingerprint, tree); see cached_tree().
        self._tree_cache: tuple[float, date, tuple, CatalogTree] | None = None

    def invalidate(self) -> None:
        """Forget the cached tree (after an import in this process)."""
        self._tree_cache = None

    # ---------------------------------------------------------- loading

    def is_empty(self) -> bool:
        with self.ctx.db.read_session() as s:
            return s.execute(select(Formation.id).limit(1)).first() is None

    def load_demo_if_empty(self) -> bool:
        """Load the demo catalog when there is no formation; True when it did.

        One transaction. Two processes starting at once: on SQLite the write
        lock serialises them (the second sees formations and stops); on
        PostgreSQL the loser hits a unique violation and moves on.
        """
        if not self.is_empty():
            return False
        v = _Validator()
        doc = demo_catalog(self.ctx.today())
        _parse_json(json.dumps(doc), v)
        if v.errors:  # pragma: no cover - the shipped demo is tested
            raise CatalogImportError(v.errors)
        try:
            with self.ctx.db.session() as s:
                if s.execute(select(Formation.id).limit(1)).first() is not None:
                    return False
                self._apply(s, v.doc)
        except IntegrityError:
            return False
        finally:
            self.invalidate()
        return True

    def import_file(self, path: Path | str) -> ImportReport:
        """Validate then upsert a JSON or CSV catalog in one transaction."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CatalogImportError([f"{path}: cannot read the file ({exc.strerror or exc})"]) from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogImportError([f"{path}: not UTF-8 text (byte {exc.start})"]) from exc
        kind = path.suffix.lower()
        if kind not in (".json", ".csv"):
            kind = ".json" if text.lstrip()[:1] in ("{", "[") else ".csv"
        return self.import_text(text, kind.lstrip("."))

    def import_text(self, text: str, kind: str) -> ImportReport:
        v = _Validator()
        if kind == "json":
            _parse_json(text, v)
        elif kind == "csv":
            _parse_csv(text, v)
        else:
            raise CatalogImportError([f"unknown catalog format {kind!r} (json or csv)"])
        if v.errors:
            raise CatalogImportError(v.errors)
        try:
            with self.ctx.db.session() as s:
                known = set(s.execute(select(PieceType.code)).scalars())
                v.check_piece_references(known)
                if v.errors:
                    raise CatalogImportError(v.errors)
                report = self._apply(s, v.doc)
            self.invalidate()
            return report
        except IntegrityError as exc:
            raise CatalogImportError([f"the database refused the import: {exc.orig}"]) from exc

    def _apply(self, s, doc: _Parsed) -> ImportReport:
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

    # ------------------------------------------------------- read models

    def _fingerprint(self, conn: Any) -> tuple:
        """Numbers and highest ids of centres, commissions and formations."""
        return tuple(conn.execute(select(
            select(func.count(Formation.id)).scalar_subquery(),
            select(func.max(Formation.id)).scalar_subquery(),
            select(func.count(Centre.id)).scalar_subquery(),
            select(func.max(Centre.id)).scalar_subquery(),
            select(func.count(Commission.id)).scalar_subquery(),
            select(func.max(Commission.id)).scalar_subquery(),
        )).one())

    def cached_tree(self, max_age: float) -> CatalogTree | None:
        """The tree this service read less than `max_age` seconds ago, if the
        day is the same and the catalog's fingerprint has not changed; else None."""
        cached = self._tree_cache
        if cached is None or time.monotonic() - cached[0] >= max_age or cached[1] != self.ctx.today():
            return None
        with self.ctx.db.read_session() as s:
            if self._fingerprint(s.connection()) != cached[2]:
                return None
        return cached[3]

    def centre_overview(self) -> tuple[CentreOverview, ...]:
        """The centres, sorted as `catalog_tree` sorts them, each with its
        number of formations and of formations open today: one grouped query,
        a few milliseconds where the whole tree of 10,000 formations takes a
        few hundred, so a screen can show the centres before the formations."""
        today = self.ctx.today()
        is_open = case((and_(Formation.date_debut_depot <= today, Formation.date_fin_depot >= today), 1))
        with self.ctx.db.read_session() as s:
            rows = s.connection().execute(
                select(Centre.id, Centre.code, Centre.libelle, Centre.max_candidatures,
                       func.count(Formation.id), func.count(is_open))
                .select_from(Centre)
                .outerjoin(Commission, Commission.centre_id == Centre.id)
                .outerjoin(Formation, Formation.commission_id == Commission.id)
                .group_by(Centre.id, Centre.code, Centre.libelle, Centre.max_candidatures)).all()
        return tuple(CentreOverview(*row) for row in sorted(rows, key=lambda c: fold(c[2])))

    def catalog_tree(self) -> CatalogTree:
        """The whole catalog in two queries, centres sorted by libellé, formations
        by titre; kept for `cached_tree` (an import through this service
        forgets it)."""
        today = self.ctx.today()
        with self.ctx.db.read_session() as s:
            conn = s.connection()  # Core rows: no ORM bookkeeping for 10,000 tuples
            fingerprint = self._fingerprint(conn)
            read_at = time.monotonic()
            centres = conn.execute(
                select(Centre.id, Centre.code, Centre.libelle, Centre.max_candidatures)).all()
            rows = conn.execute(
                select(Formation.id, Formation.code, Formation.titre, Formation.mots_cles,
                       Commission.centre_id, Formation.commission_id, Formation.mode,
                       Formation.date_debut_depot, Formation.date_fin_depot, Formation.date_limite_retour)
                .join(Commission, Commission.id == Formation.commission_id))
            by_centre: dict[int, list[FormationSummary]] = {}
            labels = {m.value: m.label for m in ModeFormation}
            # The driver returns a new object for every value; the tree keeps one
            # per distinct date, mode, centre id and commission id (a few
            # hundred for 10,000 formations: ids above 256 are not shared by Python).
            shared: dict[Any, Any] = {}
            one = shared.setdefault
            for (fid, code, titre, mots, centre_id, commission_id, mode, debut, fin, retour) in rows:
                debut, fin, retour, mode = one(debut, debut), one(fin, fin), one(retour, retour), one(mode, mode)
                centre_id, commission_id = one(centre_id, centre_id), one(commission_id, commission_id)
                by_centre.setdefault(centre_id, []).append(FormationSummary(
                    id=fid, code=code, titre=titre, centre_id=centre_id,
                    commission_id=commission_id, mode=mode, mode_label=labels.get(mode, mode),
                    date_debut_depot=debut, date_fin_depot=fin, date_limite_retour=retour,
                    state=period_state(today, debut, fin),
                    search_key=fold(f"{titre} {code} {mots or ''}"),
                ))
        nodes = []
        for cid, code, libelle, max_cand in sorted(centres, key=lambda c: fold(c[2])):
            formations = by_centre.get(cid, [])
            formations.sort(key=lambda f: f.search_key)  # titre, then code
            nodes.append(CentreNode(cid, code, libelle, max_cand, tuple(formations)))
        tree = CatalogTree(today, tuple(nodes))
        self._tree_cache = (read_at, today, fingerprint, tree)
        return tree

    def formation_detail(self, formation_id: int) -> FormationDetail:
        today = self.ctx.today()
        with self.ctx.db.read_session() as s:
            row = s.execute(
                select(Formation, Commission, Centre)
                .join(Commission, Commission.id == Formation.commission_id)
                .join(Centre, Centre.id == Commission.centre_id)
                .where(Formation.id == formation_id)).first()
            if row is None:
                raise NotFound("Cette formation n'existe pas ou plus.")
            f, k, c = row
            pieces = s.execute(
                select(PieceType).join(FormationPiece, FormationPiece.piece_type_id == PieceType.id)
                .where(FormationPiece.formation_id == formation_id)
                .order_by(PieceType.ordre, PieceType.id)).scalars().all()
            return FormationDetail(
                id=f.id, code=f.code, titre=f.titre, mots_cles=f.mots_cles, url=f.url, mode=f.mode,
                mode_label=mode_label(f.mode), centre_id=c.id, centre_code=c.code, centre_libelle=c.libelle,
                centre_max_candidatures=c.max_candidatures, commission_id=k.id, commission_code=k.code,
                commission_libelle=k.libelle, adresse=k.adresse, telephone=k.telephone, mail=k.mail,
                date_debut_depot=f.date_debut_depot, date_fin_depot=f.date_fin_depot,
                date_limite_retour=f.date_limite_retour, date_preanalyse=f.date_preanalyse,
                date_jury=f.date_jury, date_publication=f.date_publication,
                date_confirmation=f.date_confirmation,
                state=period_state(today, f.date_debut_depot, f.date_fin_depot),
                pieces=tuple(_piece_view(p) for p in pieces),
            )

    def formation_by_code(self, code: str) -> FormationDetail:
        with self.ctx.db.read_session() as s:
            fid = s.execute(select(Formation.id).where(Formation.code == code)).scalar_one_or_none()
        if fid is None:
            raise NotFound(f"La formation {code} n'existe pas.")
        return self.formation_detail(fid)

    def piece_types(self) -> list[PieceTypeView]:
        with self.ctx.db.read_session() as s:
            rows = s.execute(select(PieceType).order_by(PieceType.ordre, PieceType.id)).scalars().all()
            return [_piece_view(p) for p in rows]

    def counts(self) -> dict[str, int]:
        with self.ctx.db.read_session() as s:
            return {name: s.execute(select(func.count()).select_from(model)).scalar_one()
                    for name, model in (("centres", Centre), ("commissions", Commission),
                                        ("formations", Formation), ("pieces", PieceType),
                                        ("formation_pieces", FormationPiece))}


def _piece_view(p: PieceType) -> PieceTypeView:
    return PieceTypeView(id=p.id, code=p.code, libelle=p.libelle, conditional=p.conditional,
                         shared=p.shared, ordre=p.ordre)


__all__ = [
    "CatalogImportError", "CatalogService", "CatalogTree", "CentreNode", "CentreOverview", "FormationDetail",
    "FormationSummary", "ImportReport", "PieceTypeView", "fold", "format_date",
]
