"""Seeded generators of candidates and candidatures at scale, for the benchmarks.

    generate_population(db, n_candidates=200_000, candidatures_per_candidate=2, seed=0)

writes `n_candidates` validated accounts (90 % with their informations
personnelles and an INE) and about twice as many candidatures (spread over the formations already in the database; a
10,000-formation catalog is generated first when there is none). Same
seed, same rows: names, logins and mails are drawn from a `random.Random`.

Speed matters (200,000 accounts and 400,000 candidatures in seconds, not
minutes), so the rows go in as bulk writes: `COPY … FROM STDIN` on
PostgreSQL (psycopg 3), one `executemany` per table on SQLite. The ORM is
bypassed but the column values are exactly what the services write:
upper-case accent-free `nom_key` / `prenom_key`, lower-case `mail_key`,
UTC timestamps.

`python -m benchmarks.generate URL [N]` fills a database from the shell.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from functools import cache
from datetime import datetime, timedelta, UTC
from typing import Any
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from ecandidat_tui.domain import StatutDossier
from ecandidat_tui.services.account_rules import name_key
from ecandidat_tui.services.security import LOGIN_ALPHABET, LOGIN_LENGTH
from ecandidat_tui.store.db import Database
from ecandidat_tui.services.ine import bea_key
from ecandidat_tui.store.models import Account, Candidature, Formation, InformationsPerso, IssuedLogin

NOMS = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèbvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Müller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
    "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martínez",
    "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume",
    "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sánchez",
    "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury",
    "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré",
    "Charles", "Renault", "Charpentier", "Ménard", "Maillard", "Baron", "Bertin", "Bailly",
    "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet", "Léger", "Bouvier", "Julien", "Prévost",
    "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain", "Breton", "Besson", "Langlois",
    "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal",
    "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard",
    "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin",
    "Da Silva", "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine",
    "Hoarau", "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay",
    "Pasquier", "Carlier", "Laporte", "Gockel", "N'Diaye", "O'Brien", "Saint-Martin",
)
PRENOMS = (
    "Charlotte", "Léa", "Manon", "Emma", "Chloé", "Camille", "Inès", "Sarah", "Jade", "Louise",
    "Zoé", "Lucie", "Anaïs", "Clara", "Mathilde", "Juliette", "Éloïse", "Maëlys", "Océane", "Pauline",
    "Lucas", "Hugo", "Louis", "Nathan", "Gabriel", "Jules", "Arthur", "Théo", "Raphaël", "Tom",
    "Ethan", "Noah", "Mathis", "Enzo", "Maël", "Paul", "Adam", "Sacha", "Timéo", "Nolan", "Léo",
    "Baptiste", "Antoine", "Maxime", "Alexandre", "Quentin", "Clément", "Romain", "Julien", "Thomas",
    "Marie", "Anne", "Sophie", "Élodie", "Aurélie", "Céline", "Amélie", "Hélène", "Noémie", "Agathe",
    "Jean-Baptiste", "Marie-Claire", "Anne-Sophie", "Pierre-Louis", "Yasmine", "Mohamed", "Fatou",
    "Kévin", "Jérôme", "Frédéric", "Gaëlle", "Loïc", "Yanis", "Aïcha", "Björn", "Zoë", "Chloë",
)
DOMAINS = ("example.org", "example.com", "example.net", "univ.example", "mail.example")
STATUTS = tuple(s.value for s in StatutDossier)

# Every generated account shares one real Argon2id hash of PASSWORD: they can
# log in, and nobody pays 200,000 hashes to create them.
PASSWORD = "Candidat-2026!"


@dataclass(frozen=True)
class Population:
    candidates: int
    candidatures: int
    seconds: float
    first_account_id: int
    logins_sample: tuple[str, ...]
    mails_sample: tuple[str, ...]
    noms_sample: tuple[str, ...]


def _login(rng: random.Random, taken: set[str]) -> str:
    while True:
        login = "".join(rng.choices(LOGIN_ALPHABET, k=LOGIN_LENGTH))
        if login not in taken:
            taken.add(login)
            return login


@cache
def _key(text: str) -> str:
    return name_key(text)


@cache
def _ascii_local(text: str) -> str:
    return "".join(c for c in name_key(text).lower() if c.isalnum())


def _password_hash() -> str:
    from ecandidat_tui.services.security import hash_secret

    return hash_secret(PASSWORD)


def candidate_rows(n: int, seed: int, start: datetime, first_id: int,
                   password_hash: str) -> tuple[list[dict[str, Any]], list[str]]:
    """`n` account rows (ids from `first_id`), deterministic for `seed`."""
    rng = random.Random(seed)
    taken: set[str] = set()
    rows = []
    for i in range(n):
        nom = rng.choice(NOMS)
        prenom = rng.choice(PRENOMS)
        # Index suffix keeps every mail unique whatever the draw.
        mail = f"{_ascii_local(prenom)}.{_ascii_local(nom)}{seed}x{i}@{rng.choice(DOMAINS)}"
        created = start + timedelta(seconds=i * 7 + rng.randrange(7))
        rows.append({
            "id": first_id + i,
            "login": _login(rng, taken),
            "nom": nom, "prenom": prenom,
            "nom_key": _key(nom), "prenom_key": _key(prenom),
            "mail": mail, "mail_key": mail.lower(),
            "password_hash": password_hash,
            "must_change_password": False, "mail_validated": True, "account_valid": True,
            "from_directory": False, "ent_login": None,
            "numero_etudiant": f"{seed % 10}{i:07d}" if rng.random() < 0.3 else None,
            "failed_attempts": 0, "locked_until": None,
            "created_at": created, "validity_deadline": None, "last_login_at": created,
            "version": 1,
        })
    return rows, sorted(taken)


def informations_rows(accounts: Sequence[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Informations personnelles for 90 % of the accounts, each with its own valid INE-BEA."""
    from datetime import date

    rng = random.Random(seed + 3)
    rows = []
    for a in accounts:
        if rng.random() >= 0.9:
            continue
        digits = f"{(seed * 7_919 + a['id']) % 10**10:010d}"
        rows.append({
            "account_id": a["id"], "nationalite": "FRA", "ine": digits + bea_key(digits),
            "civilite": rng.choice(("M.", "Mme")), "nom_naissance": a["nom"], "nom_usage": None,
            "prenom": a["prenom"], "autre_prenom": None,
            "date_naissance": date(2000 + rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            "pays_naissance": "FRA", "departement_naissance": "13", "commune_naissance": "Marseille",
            "ville_naissance": None, "telephone": None, "portable": "06 12 34 56 78",
            "locked_fields": "", "version": 1,
        })
    return rows


def candidature_rows(account_ids: Sequence[int], formation_ids: Sequence[int], per_candidate: int,
                     seed: int, start: datetime) -> list[dict[str, Any]]:
    rng = random.Random(seed + 1)
    rows = []
    k = min(per_candidate, len(formation_ids))
    for account_id in account_ids:
        for formation_id in rng.sample(formation_ids, k):
            statut = rng.choice(STATUTS)
            created = start + timedelta(minutes=rng.randrange(60 * 24 * 60))
            rows.append({
                "account_id": account_id, "formation_id": formation_id, "statut": statut,
                "decision": None, "decision_rang": None, "decision_commentaire": None,
                "decision_validated": False, "confirmation": None, "commentaire": None,
                "created_at": created,
                "transmitted_at": None if statut == StatutDossier.EN_ATTENTE else created + timedelta(days=1),
                "updated_at": created, "version": 1,
            })
    return rows


# ----------------------------------------------------------------- writers


def _copy_rows(db: Database, table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY FROM STDIN (binary-free text protocol via psycopg's writer)."""
    if not rows:
        return
    columns = list(rows[0])
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur, cur.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        conn.commit()
    finally:
        raw.close()


def _sqlite_rows(db: Database, table, rows: list[dict[str, Any]]) -> None:
    """SQLite: one transaction, `executemany` on the driver connection.

    Values go through each column type's own bind processor (the one
    SQLAlchemy would apply), so dates and booleans are stored exactly as the
    services store them, without the per-row cost of the Core statement.
    """
    if not rows:
        return
    columns = list(rows[0])
    dialect = db.engine.dialect
    procs = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
    pairs = list(zip(columns, procs, strict=True))
    raw = db.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(sql, ([row[c] if p is None else p(row[c]) for c, p in pairs] for row in rows))
        cur.execute("COMMIT")
    finally:
        raw.close()


def bulk_insert(db: Database, table, rows: list[dict[str, Any]]) -> None:
    if db.is_postgresql:
        _copy_rows(db, table, rows)
    else:
        _sqlite_rows(db, table, rows)


def _fix_sequence(db: Database, table) -> None:
    """Explicit ids on PostgreSQL: move the serial past them."""
    if db.is_postgresql:
        from sqlalchemy import text

        with db.session() as session:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                f" (SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table.name}\"), false)"))


def _analyze(db: Database) -> None:
    """Fresh planner statistics, as a database that grew slowly would have."""
    with db.engine.connect() as conn:
        if db.is_postgresql:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def ensure_catalog(db: Database, n_formations: int = 10_000, n_centres: int = 60, seed: int = 0) -> list[int]:
    """The ids of the formations in the database; a generated catalog when empty."""
    with db.read_session() as session:
        ids = [fid for (fid,) in session.execute(select(Formation.id).order_by(Formation.id)).all()]
    if ids:
        return ids
    from ecandidat_tui.store.demo import generate_catalog

    generate_catalog(db, n_formations=n_formations, n_centres=n_centres, seed=seed)
    with db.read_session() as session:
        return [fid for (fid,) in session.execute(select(Formation.id).order_by(Formation.id)).all()]


def generate_population(db: Database, n_candidates: int = 200_000, candidatures_per_candidate: int = 2,
                        seed: int = 0, *, n_formations: int = 10_000) -> Population:
    """Bulk-insert the candidates and their candidatures; returns counts and samples."""
    t0 = time.perf_counter()
    formation_ids = ensure_catalog(db, n_formations=n_formations, seed=seed)
    with db.read_session() as session:
        first_id = (session.execute(select(func.max(Account.id))).scalar() or 0) + 1
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    accounts, _logins = candidate_rows(n_candidates, seed, start, first_id, _password_hash())
    bulk_insert(db, Account.__table__, accounts)
    bulk_insert(db, IssuedLogin.__table__, [{"login": a["login"], "issued_at": a["created_at"]} for a in accounts])
    _fix_sequence(db, Account.__table__)
    bulk_insert(db, InformationsPerso.__table__, informations_rows(accounts, seed))
    cands = candidature_rows([a["id"] for a in accounts], formation_ids, candidatures_per_candidate, seed, start)
    bulk_insert(db, Candidature.__table__, cands)
    _analyze(db)
    rng = random.Random(seed + 2)
    sample = rng.sample(accounts, min(200, len(accounts)))
    return Population(
        candidates=len(accounts), candidatures=len(cands), seconds=time.perf_counter() - t0,
        first_account_id=first_id,
        logins_sample=tuple(a["login"] for a in sample),
        mails_sample=tuple(a["mail"] for a in sample),
        noms_sample=tuple(a["nom"] for a in sample),
    )


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m benchmarks.generate DATABASE_URL [N_CANDIDATES]", file=sys.stderr)
        return 2
    from ecandidat_tui.store.migrate import ensure_schema

    db = Database(args[0])
    ensure_schema(db)
    pop = generate_population(db, int(args[1]) if len(args) > 1 else 200_000)
    print(f"{pop.candidates} candidates, {pop.candidatures} candidatures in {pop.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
