"""Candidate search: correctness on a generated set, and index use (EXPLAIN) on each engine."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, UTC

import pytest
from sqlalchemy import event, insert, text

from ecandidat_tui.services.account_rules import name_key
from ecandidat_tui.services.errors import ValidationFailed
from ecandidat_tui.services.staff import SEARCH_CAP, _search_statement, prefix_successor
from ecandidat_tui.store.models import Account, InformationsPerso

NOMS = ["Dupré", "Dupont", "Durand", "Lefèvre", "Lefebvre", "Müller", "Ngô", "Le Goff", "Legrand",
        "Martin", "Martínez", "Bernard", "Petit", "Roux", "Fournier", "Girard", "Bonnet", "Mercier",
        "François", "Garçon", "Lévêque", "Ødegaard", "D'Artagnan", "Abadie"]
PRENOMS = ["Élodie", "Elodie", "Émile", "Jean", "Jeanne", "Jean-Pierre", "Chloé", "Zoé", "Noël",
           "Anaïs", "Loïc", "Hélène", "Thành", "Lucas", "Léa", "Inès", "Maël", "Sébastien"]
N = 3000


def generate(h) -> list[dict]:
    """N accounts, deterministic; every third one has an INE, every fifth a numéro étudiant."""
    rnd = random.Random(20260)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    rows, infos = [], []
    for i in range(N):
        nom, prenom = rnd.choice(NOMS), rnd.choice(PRENOMS)
        login = f"{'ABCDEFGHJK'[i % 10]}{i:07d}"
        mail = f"{name_key(prenom).replace(' ', '').lower()}.{i}@{rnd.choice(['univ.fr', 'mail.com'])}"
        rows.append(dict(login=login, nom=nom, prenom=prenom, nom_key=name_key(nom), prenom_key=name_key(prenom),
                         mail=mail, mail_key=mail.lower(), must_change_password=False, mail_validated=True,
                         account_valid=True, from_directory=False, failed_attempts=0, created_at=now,
                         numero_etudiant=f"{21000000 + i}" if i % 5 == 0 else None, version=1))
    with h.services.db.session() as s:
        s.execute(insert(Account), rows)
        ids = dict(s.execute(text("SELECT login, id FROM account")).all())
        for i, row in enumerate(rows):
            row["id"] = ids[row["login"]]
            row["ine"] = f"{i:010d}{'ABCDEFGHJK'[i % 10]}" if i % 3 == 0 else None
            if row["ine"]:
                infos.append(dict(account_id=row["id"], nationalite="FRA", ine=row["ine"], civilite="M.",
                                  nom_naissance=row["nom"], prenom=row["prenom"], date_naissance=date(2004, 5, 6),
                                  pays_naissance="FRA", locked_fields="", version=1))
        s.execute(insert(InformationsPerso), infos)
    if h.services.db.is_postgresql:
        with h.services.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return rows


def expected(rows: list[dict], q: str) -> set[str]:
    """Brute force over the generated rows: the specification of the search."""
    raw, up, key = q.strip(), q.strip().upper(), name_key(q)
    first, _, rest = key.partition(" ")
    found = set()
    for r in rows:
        if (r["login"].startswith(up) or (r["numero_etudiant"] or "").startswith(up)
                or r["mail_key"].startswith(raw.lower()) or (r["ine"] or "").startswith(up)
                or r["nom_key"].startswith(key) or r["prenom_key"].startswith(key)
                or (rest and r["nom_key"] == first and r["prenom_key"].startswith(rest.strip()))):
            found.add(r["login"])
    return found




@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


@pytest.fixture
def generated(h):
    rows = generate(h)
    support = h.seed_staff("support").principal
    return h, rows, support


QUERIES = ["Dupré", "dupre", "DUP", "lef", "Lefèvre", "le goff", "le g", "Ngo", "mü", "ødegaard",
           "d'art", "ÉLO", "elodie", "jean", "Jean-P", "thanh", "Martin Ch", "dupont je",
           "B0000123", "b00001", "A0000000", "21000", "2100015", "0000000120", "0000000120A",
           "chloe.1", "CHLOE.12", "zoe.299@univ.fr", "xx", "zz-top"]


def shown_order(rows: list[dict], q: str) -> list[str]:
    """The logins of `expected` in the order the hits are shown: exact matches
    first (login, nom, prénom, numéro, INE, mail), then by nom, prénom, login."""
    raw, up, key = q.strip(), q.strip().upper(), name_key(q)
    by_login = {r["login"]: r for r in rows}

    def rank(login: str) -> tuple:
        r = by_login[login]
        exact = (up in (r["login"], r["nom_key"], r["prenom_key"], r["numero_etudiant"], r["ine"])
                 or r["mail_key"] == raw.lower() or r["nom_key"] == key)
        return (not exact, r["nom_key"], r["prenom_key"], r["login"])
    return sorted(expected(rows, q), key=rank)


def test_search_matches_the_brute_force(generated):
    # one generated set for every query: generating it is the slow part
    h, rows, support = generated
    for q in QUERIES:
        result = h.services.staff.search_candidates(support, q)
        want = expected(rows, q)
        got = {hit.login for hit in result.hits}
        if len(want) <= SEARCH_CAP:
            assert got == want and not result.truncated, q
            assert [hit.login for hit in result.hits] == shown_order(rows, q), q
        else:
            assert len(got) == SEARCH_CAP and got <= want and result.truncated, q
    assert len(expected(rows, "zz-top")) == 0 and len(expected(rows, "jean")) > SEARCH_CAP


def test_search_specific_cases(generated):
    h, rows, support = generated
    svc = h.services.staff
    # accent-insensitive both ways, and exact matches first
    dupre = svc.search_candidates(support, "dupre").hits
    assert dupre and all(hit.nom == "Dupré" for hit in dupre)
    exact = svc.search_candidates(support, rows[42]["login"]).hits
    assert exact[0].login == rows[42]["login"]
    by_ine = svc.search_candidates(support, rows[99]["ine"]).hits
    assert [hit.login for hit in by_ine] == [rows[99]["login"]] and by_ine[0].ine == rows[99]["ine"]
    by_mail = svc.search_candidates(support, rows[7]["mail"].upper()).hits
    assert [hit.login for hit in by_mail] == [rows[7]["login"]]
    by_numero = svc.search_candidates(support, rows[10]["numero_etudiant"]).hits
    assert [hit.login for hit in by_numero] == [rows[10]["login"]]
    # a hit found by name still shows its INE
    assert any(hit.ine for hit in svc.search_candidates(support, "Ngô").hits)


def test_exact_matches_come_first_then_nom_order(h):
    abadie = h.seed_candidate(nom="Abadie", prenom="Jeanne")
    zorro = h.seed_candidate(nom="Zorro", prenom="Jean")  # prénom is exactly the query
    bernard = h.seed_candidate(nom="Bernard", prenom="Jeannette")
    support = h.seed_staff("support").principal
    hits = h.services.staff.search_candidates(support, "jean").hits
    assert [hit.login for hit in hits] == [zorro.login, abadie.login, bernard.login]


def test_texts_of_one_shape_share_one_built_statement(ecandidat):
    support = ecandidat.seed_staff("support").principal
    ecandidat.seed_candidate(nom="Dupont", prenom="Jeanne")
    search = ecandidat.services.staff.search_candidates
    _search_statement.cache_clear()  # whatever other tests built in this process
    assert [hit.nom for hit in search(support, "dupont").hits] == ["Dupont"]
    built = _search_statement.cache_info().misses
    assert search(support, "martin").hits == ()  # same shape: letters only
    assert [hit.prenom for hit in search(support, "jean").hits] == ["Jeanne"]
    assert _search_statement.cache_info().misses == built
    search(support, "dupont je")  # another shape (nom + prénom): built once more
    assert _search_statement.cache_info().misses == built + 1


@pytest.mark.parametrize("q", ["", " ", "a", "é "])
def test_search_needs_two_characters(ecandidat, q):
    support = ecandidat.seed_staff("support").principal
    with pytest.raises(ValidationFailed) as err:
        ecandidat.services.staff.search_candidates(support, q)
    assert "2 caractères" in err.value.message


def test_search_caps_results(generated):
    h, _rows, support = generated
    result = h.services.staff.search_candidates(support, "jean")
    assert len(result.hits) == SEARCH_CAP and result.truncated
    assert len(h.services.staff.search_candidates(support, "jean", limit=5000).hits) == SEARCH_CAP
    assert len(h.services.staff.search_candidates(support, "jean", limit=10).hits) == 10


def test_prefix_successor():
    assert prefix_successor("AB") == "AC"
    assert prefix_successor("A9") == "A:"
    assert prefix_successor("AB") > "ABZZZ"


def _captured_selects(h, q, principal):
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = h.services.db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        h.services.staff.search_candidates(principal, q)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return [(st, p) for st, p in statements if "account" in st or "informations_perso" in st]


def test_search_uses_indexes(generated):
    """Every query the search runs is an index search, never a table scan (EXPLAIN)."""
    h, _rows, support = generated
    statements = []
    for q in ["dupre", "le g", "dupont je", "B00001", "0000000120", "chloe.1", "21000"]:
        found = _captured_selects(h, q, support)
        # one statement: every lookup is a branch of a UNION (each EXPLAINed below)
        assert len(found) == 1 and found[0][0].count("UNION") >= 2, q
        statements += found
    with h.services.db.engine.connect() as conn:
        if h.services.db.is_sqlite:
            for statement, params in statements:
                plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()]
                for line in plan:
                    if "account" in line or "informations_perso" in line:
                        assert line.startswith("SEARCH") and ("USING" in line), (statement, plan)
                assert any("INDEX" in line or "PRIMARY KEY" in line for line in plan), plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            for statement, params in statements:
                plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params).all())
                assert "Seq Scan on account" not in plan, (statement, plan)
                assert "Seq Scan on informations_perso" not in plan, (statement, plan)
                assert "Index" in plan, plan
            conn.rollback()


def test_name_search_names_its_indexes_on_sqlite(ecandidat):
    """The nom prefix search names the composite index in its plan."""
    h = ecandidat
    generate(h)
    support = h.seed_staff("support").principal
    statements = _captured_selects(h, "dupre", support)
    with h.services.db.engine.connect() as conn:
        plans = [" ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + st, p).all())
                 for st, p in statements]
    # (a COVERING index when the branch reads only the id from it)
    assert any(re.search(r"USING (COVERING )?INDEX ix_account_nom_key_prenom_key", plan) for plan in plans), plans
    assert any(re.search(r"USING (COVERING )?INDEX ix_account_prenom_key", plan) for plan in plans), plans
