"""Staff search at scale, on SQLite and on PostgreSQL.

200,000 candidates and 400,000 candidatures (benchmarks.generate, seeded),
searched through `services.staff.search_candidates` with an administrator
principal, exactly as the support console calls it:

- by login (the full numéro de dossier) and by mail (the full address):
  p95 ≤ 10 ms;
- by name prefix (the first four letters of a nom): p95 ≤ 20 ms.

Reference, in the same run: the same service round trip's floor, a
`read_session()` that loads one account by primary key. The ratio says how
much the search costs over the cheapest possible read.
Every SELECT that one search of each kind runs is also
EXPLAINed on the generated data with fresh statistics (no planner switches,
unlike tests/unit/test_staff_search.py, which forces index use on a small
table): the figure counts the statements whose plan scans a whole table.
Smoke: 2,000 candidates; PostgreSQL skipped when no server answers.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from .envs import PG_SKIP_NOTE, admin_principal, pg_server, scratch_pg, services_for
from .generate import generate_population
from .harness import Figure, check, skipped, timed_ms


def _plans(services, principal, texts: list[str]) -> tuple[int, list[str]]:
    """(statements explained, the ones that scan a whole account-side table)."""
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and ("account" in statement
                                                               or "informations_perso" in statement):
            statements.append((statement, parameters))

    engine = services.db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for text in texts:
            services.staff.search_candidates(principal, text)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    scans = []
    with engine.connect() as conn:
        for statement, params in statements:
            if services.db.is_sqlite:
                plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()]
                bad = [line for line in plan if line.startswith("SCAN") and ("account" in line
                                                                         or "informations_perso" in line)]
            else:
                plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params).all()]
                bad = [line for line in plan if "Seq Scan on account" in line
                       or "Seq Scan on informations_perso" in line]
            if bad:
                scans.append(f"{' '.join(statement.split())[-220:]} -> {bad[0].strip()}")
    return len(statements), scans


def _figures(engine: str, url: str | None, home: Path, smoke: bool) -> list[Figure]:
    from sqlmodel import select

    from ecandidat_tui.store.models import Account

    services = services_for(home, url)
    try:
        n = 2_000 if smoke else 200_000
        pop = generate_population(services.db, n, n_formations=500 if smoke else 10_000)
        print(f"  {engine}: {pop.candidates} candidates, {pop.candidatures} candidatures "
              f"generated in {pop.seconds:.1f} s", file=sys.stderr, flush=True)
        principal = admin_principal(services)
        staff = services.staff
        rng = random.Random(7)
        repeat = 20 if smoke else 200

        def cycle(values):
            values = list(values)
            rng.shuffle(values)
            state = {"i": 0}

            def next_value():
                state["i"] += 1
                return values[state["i"] % len(values)]
            return next_value

        ids = cycle(range(pop.first_account_id, pop.first_account_id + pop.candidates))

        def by_pk():
            with services.db.read_session() as s:
                s.exec(select(Account).where(Account.id == ids())).one()

        logins = cycle(pop.logins_sample)
        mails = cycle(pop.mails_sample)
        prefixes = cycle(sorted({nom[:4] for nom in pop.noms_sample if len(nom) >= 4}))

        def search(next_text):
            def go():
                result = staff.search_candidates(principal, next_text())
                assert result.hits, "a generated candidate was not found"
            return go

        ref = Figure(f"staff search [{engine}]: primary-key read (reference)", "ms", timed_ms(by_pk, repeat, 20))
        figures = [ref]
        for label, fn, limit in (
            ("by login", search(logins), 10),
            ("by mail", search(mails), 10),
            ("by name prefix (4 letters)", search(prefixes), 20),
        ):
            fig = Figure(f"staff search [{engine}]: {label}", "ms", timed_ms(fn, repeat, 20),
                         reference="primary-key read",
                         note=f"{pop.candidates:,} candidates, {pop.candidatures:,} candidatures")
            fig.ratio = round(fig.median / ref.median, 2)
            figures.append(check(fig, max_ms=limit, on="p95"))
        explained, scans = _plans(services, principal, [pop.logins_sample[0], pop.mails_sample[0],
                                                        pop.noms_sample[0][:4], pop.noms_sample[1]])
        plans = Figure(f"staff search [{engine}]: statements whose plan scans a whole table", "",
                       [float(len(scans))], target="0",
                       note="; ".join(scans[:2]) or f"all {explained} statements use an index (EXPLAIN)")
        plans.ok = not scans
        figures.append(plans)
        figures.append(Figure(f"staff search [{engine}]: generating the population", "s", [pop.seconds],
                              note=f"{pop.candidates:,} candidates + {pop.candidatures:,} candidatures, bulk"))
        return figures
    finally:
        services.close()


def run(smoke: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        figures += _figures("SQLite", None, Path(tmp) / "sqlite", smoke)
        if pg_server() is None:
            figures.append(skipped("staff search [PostgreSQL]", PG_SKIP_NOTE))
        else:
            with scratch_pg("staff") as url:
                figures += _figures("PostgreSQL", url, Path(tmp) / "pg", smoke)
    return figures
