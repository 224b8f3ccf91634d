"""The institution's student directory (the ENT path of the Connexion screen).

`DirectoryBackend` is the interface an institution plugs its directory into
(LDAP, CAS + student system web service…): authenticate an ENT account and
look a student up. The `local` backend shipped here reads the
`directory_student` table, fed by `ecandidat directory import FILE` (CSV or
JSON, schema in docs/directory.md), so the path works offline and in demos.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, cast, overload
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ..store.models import DirectoryStudent
from .context import ServiceContext
from .errors import DomainError
from .import_files import load_json, read_import_text
from .security import hash_secret, verify_secret



@cache
def _dummy_hash() -> str:
    """Verified when the ENT login is unknown, so that answer takes as long as a wrong password."""
    return hash_secret("ecandidat-directory-dummy")


CURSUS_FIELDS = ("annee_universitaire", "code", "libelle", "note", "bareme", "mention", "resultat")
BAC_FIELDS = ("annee", "serie", "mention", "pays", "departement", "commune", "etablissement", "specialites")
_IDENTITY_FIELDS = ("numero_etudiant", "ent_login", "nom", "prenom", "mail")


@dataclass(frozen=True)
class CursusRow:
    """One line of the Cursus Interne tab."""

    annee_universitaire: str
    code: str
    libelle: str
    note: str | None = None
    bareme: str | None = None
    mention: str | None = None
    resultat: str | None = None


@dataclass(frozen=True)
class BacInfo:
    annee: int | None = None
    serie: str | None = None
    mention: str | None = None
    pays: str | None = None
    departement: str | None = None
    commune: str | None = None
    etablissement: str | None = None
    specialites: str | None = None


@dataclass(frozen=True)
class DirectoryPerson:
    """What the directory knows about a student."""

    numero_etudiant: str
    ent_login: str
    nom: str
    prenom: str
    mail: str
    ine: str | None = None
    date_naissance: date | None = None
    civilite: str | None = None
    cursus: tuple[CursusRow, ...] = ()
    bac: BacInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


class DirectoryBackend(Protocol):
    """What an institution's directory must answer."""

    def authenticate(self, ent_login: str, password: str) -> DirectoryPerson | None:
        """The student when the ENT credentials are right, else None."""

    def lookup(self, numero_etudiant: str) -> DirectoryPerson | None:
        """The student with this numéro étudiant, or None."""

    def lookup_ent_login(self, ent_login: str) -> DirectoryPerson | None:
        """The student with this ENT login, or None."""


# ------------------------------------------------------------ local backend


def _person(row: DirectoryStudent) -> DirectoryPerson:
    data = json.loads(row.data or "{}")
    cursus = tuple(
        # Stored by _validated_row: annee_universitaire, code and libelle are never empty.
        CursusRow(**cast(dict[str, Any],
                         {k: (None if c.get(k) in (None, "") else str(c.get(k))) for k in CURSUS_FIELDS}))
        for c in data.get("cursus", [])
    )
    bac_data = data.get("bac")
    bac = None
    if bac_data:
        values = {k: bac_data.get(k) or None for k in BAC_FIELDS}
        if values["annee"] is not None:
            values["annee"] = int(values["annee"])
        bac = BacInfo(**values)
    extra = {k: v for k, v in data.items() if k not in ("cursus", "bac")}
    return DirectoryPerson(
        numero_etudiant=row.numero_etudiant, ent_login=row.ent_login, nom=row.nom,
        prenom=row.prenom, mail=row.mail, ine=row.ine, date_naissance=row.date_naissance,
        civilite=row.civilite, cursus=cursus, bac=bac, extra=extra,
    )


class _ConcurrentImport(DomainError):
    """Another import inserted the same students while this one ran."""


class LocalDirectoryBackend:
    """The `directory_student` table as a directory."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def authenticate(self, ent_login: str, password: str) -> DirectoryPerson | None:
        ent_login = (ent_login or "").strip().lower()
        with self.ctx.db.read_session() as s:
            row = s.exec(select(DirectoryStudent).where(DirectoryStudent.ent_login == ent_login)).first()
            if row is None:
                verify_secret(_dummy_hash(), password)
                return None
            if not verify_secret(row.password_hash, password):
                return None
            return _person(row)

    def lookup(self, numero_etudiant: str) -> DirectoryPerson | None:
        with self.ctx.db.read_session() as s:
            row = s.get(DirectoryStudent, (numero_etudiant or "").strip())
            return _person(row) if row else None

    def lookup_ent_login(self, ent_login: str) -> DirectoryPerson | None:
        ent_login = (ent_login or "").strip().lower()
        with self.ctx.db.read_session() as s:
            row = s.exec(select(DirectoryStudent).where(DirectoryStudent.ent_login == ent_login)).first()
            return _person(row) if row else None


BACKENDS = {"local": LocalDirectoryBackend}


# ------------------------------------------------------------ the service


class DirectoryService:
    """The configured directory backend, plus import and demo data for `local`."""

    def __init__(self, ctx: ServiceContext, backend: DirectoryBackend | None = None) -> None:
        self.ctx = ctx
        if backend is None:
            name = ctx.settings.directory_backend
            if name not in BACKENDS:
                raise DomainError(f"Annuaire inconnu : {name!r} (disponibles : {', '.join(BACKENDS)})")
            backend = BACKENDS[name](ctx)
        self.backend = backend

    def authenticate(self, ent_login: str, password: str) -> DirectoryPerson | None:
        return self.backend.authenticate(ent_login, password)

    def lookup(self, numero_etudiant: str) -> DirectoryPerson | None:
        return self.backend.lookup(numero_etudiant)

    def lookup_ent_login(self, ent_login: str) -> DirectoryPerson | None:
        return self.backend.lookup_ent_login(ent_login)

    # ----------------------------------------------------------- import

    def import_file(self, path: Path) -> int:
        """Load (insert or replace) students from a CSV or JSON file; all or nothing."""
        path = Path(path)
        text = read_import_text(path)  # ImportFileRefused: missing, a FIFO, a device, too large, not UTF-8
        if path.suffix.lower() == ".json":
            records = _records_from_json(text, path.name)
        elif path.suffix.lower() in (".csv", ".txt"):
            records = _records_from_csv(text, path.name)
        else:
            raise DomainError(f"{path.name} : format non reconnu (attendu : .csv ou .json)")
        return self._store(records)

    def load_demo_if_empty(self) -> int:
        """On an empty directory, load the demo students (docs/directory.md lists them)."""
        with self.ctx.db.read_session() as s:
            if s.exec(select(DirectoryStudent.numero_etudiant).limit(1)).first() is not None:
                return 0
        text = resources.files("ecandidat_tui").joinpath("data", "demo_directory.json").read_text(encoding="utf-8")
        try:
            return self._store(_records_from_json(text, "demo_directory.json"))
        except _ConcurrentImport:
            return 0  # another kiosk loaded the demo students at the same moment

    def _store(self, records: list[tuple[str, dict[str, Any]]]) -> int:
        rows = [_validated_row(where, record) for where, record in records]
        seen_numeros: set[str] = set()
        seen_logins: set[str] = set()
        for (where, _), row in zip(records, rows, strict=True):
            if row.numero_etudiant in seen_numeros:
                raise DomainError(f"{where} : numéro étudiant {row.numero_etudiant} en double")
            if row.ent_login in seen_logins:
                raise DomainError(f"{where} : identifiant ENT {row.ent_login} en double")
            seen_numeros.add(row.numero_etudiant)
            seen_logins.add(row.ent_login)
        try:
            self._upsert(rows)
        except IntegrityError:
            # Two imports (or two demo loads) at once both saw a student missing and both
            # inserted: the loser is rolled back whole and says so, never a traceback.
            raise _ConcurrentImport("l'annuaire a été modifié en même temps par un autre import : "
                              "relancez l'import") from None
        return len(rows)

    def _upsert(self, rows: list[DirectoryStudent]) -> None:
        with self.ctx.db.session() as s:
            for row in rows:
                other = s.exec(select(DirectoryStudent).where(
                    DirectoryStudent.ent_login == row.ent_login,
                    DirectoryStudent.numero_etudiant != row.numero_etudiant)).first()
                if other is not None:
                    raise DomainError(
                        f"identifiant ENT {row.ent_login} déjà attribué à l'étudiant {other.numero_etudiant}")
                existing = s.get(DirectoryStudent, row.numero_etudiant)
                if existing is None:
                    s.add(row)
                else:
                    for name in ("ent_login", "password_hash", "nom", "prenom", "mail", "ine",
                                 "date_naissance", "civilite", "data"):
                        setattr(existing, name, getattr(row, name))
                    s.add(existing)
                s.flush()


# ------------------------------------------------------------ file formats


def _records_from_json(text: str, name: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = load_json(text, name)
    except json.JSONDecodeError as exc:
        raise DomainError(f"{name} : JSON invalide (ligne {exc.lineno}) : {exc.msg}") from None
    if isinstance(data, dict):
        data = data.get("students")
    if not isinstance(data, list):
        raise DomainError(f"{name} : attendu une liste d'étudiants (ou {{\"students\": [...]}})")
    records = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise DomainError(f"{name}, étudiant n° {index} : un objet JSON est attendu")
        records.append((f"{name}, étudiant n° {index}", item))
    return records


def _records_from_csv(text: str, name: str) -> list[tuple[str, dict[str, Any]]]:
    """One row per student, or several rows per student each adding a cursus line."""
    lines = text.splitlines()
    if not lines:
        raise DomainError(f"{name} : fichier vide")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    missing = [c for c in _IDENTITY_FIELDS if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(f"{name} : colonne obligatoire absente : {', '.join(missing)}")
    by_numero: dict[str, tuple[str, dict[str, Any]]] = {}
    for line_no, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        numero = row.get("numero_etudiant", "")
        where = f"{name}, ligne {line_no}"
        if numero not in by_numero:
            record: dict[str, Any] = {k: v for k, v in row.items()
                                      if not k.startswith(("cursus_", "bac_")) and v != ""}
            bac = {k[4:]: v for k, v in row.items() if k.startswith("bac_") and v}
            if bac:
                record["bac"] = bac
            record["cursus"] = []
            by_numero[numero] = (where, record)
        cursus = {k[7:]: v for k, v in row.items() if k.startswith("cursus_") and v}
        if cursus:
            by_numero[numero][1]["cursus"].append(cursus)
    return list(by_numero.values())


@overload
def _text(record: dict[str, Any], key: str, where: str, max_len: int, required: Literal[True] = True) -> str: ...
@overload
def _text(record: dict[str, Any], key: str, where: str, max_len: int, required: bool) -> str | None: ...
def _text(record: dict[str, Any], key: str, where: str, max_len: int, required: bool = True) -> str | None:
    value = record.get(key)
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise DomainError(f"{where} : le champ {key} est obligatoire")
        return None
    if len(value) > max_len:
        raise DomainError(f"{where} : {key} dépasse {max_len} caractères")
    return value


def _validated_row(where: str, record: dict[str, Any]) -> DirectoryStudent:
    from .account_rules import normalise_mail

    numero = _text(record, "numero_etudiant", where, 20)
    ent_login = _text(record, "ent_login", where, 64).lower()
    password = record.get("password")
    password_hash = record.get("password_hash")
    if password_hash:
        if not str(password_hash).startswith("$argon2"):
            raise DomainError(f"{where} : password_hash doit être un hachage Argon2")
        password_hash = str(password_hash)
    elif password:
        password_hash = hash_secret(str(password))
    else:
        raise DomainError(f"{where} : le champ password (ou password_hash) est obligatoire")
    try:
        mail = normalise_mail(str(record.get("mail") or ""))
    except ValueError as exc:
        raise DomainError(f"{where} : mail : {exc}") from None
    birth = record.get("date_naissance")
    date_naissance = None
    if birth:
        try:
            date_naissance = date.fromisoformat(str(birth))
        except ValueError:
            raise DomainError(f"{where} : date_naissance doit être au format AAAA-MM-JJ") from None
    cursus = []
    for item in _as_list(record.get("cursus"), where):
        row = {k: (None if item.get(k) in (None, "") else str(item.get(k)).strip()) for k in CURSUS_FIELDS}
        if not row["annee_universitaire"] or not row["code"] or not row["libelle"]:
            raise DomainError(f"{where} : chaque cursus demande annee_universitaire, code et libelle")
        cursus.append(row)
    data: dict[str, Any] = {k: v for k, v in record.items()
                            if k not in (*_IDENTITY_FIELDS, "password", "password_hash", "ine",
                                         "date_naissance", "civilite", "cursus", "bac")}
    data["cursus"] = cursus
    bac = record.get("bac")
    if bac:
        if not isinstance(bac, dict):
            raise DomainError(f"{where} : bac doit être un objet")
        bac_row: dict[str, Any] = {k: (None if bac.get(k) in (None, "") else str(bac.get(k)).strip())
                                   for k in BAC_FIELDS}
        if bac_row["annee"] is not None:
            if not bac_row["annee"].isdigit():
                raise DomainError(f"{where} : l'année du bac doit être un nombre")
            bac_row["annee"] = int(bac_row["annee"])
        data["bac"] = bac_row
    return DirectoryStudent(
        numero_etudiant=numero, ent_login=ent_login, password_hash=password_hash,
        nom=_text(record, "nom", where, 30), prenom=_text(record, "prenom", where, 20), mail=mail,
        ine=_text(record, "ine", where, 11, required=False), date_naissance=date_naissance,
        civilite=_text(record, "civilite", where, 8, required=False),
        data=json.dumps(data, ensure_ascii=False),
    )


def _as_list(value: Any, where: str) -> Iterable[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DomainError(f"{where} : cursus doit être une liste d'objets")
    return value
