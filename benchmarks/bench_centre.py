"""The centre list: its first page, and a 100,000-row .xlsx export (time and peak memory).

On the 200,000-candidate population of `generate.py` (10,000 formations in
60 centres), one centre is made to hold 100,000 more candidatures (one per
candidate, in the centre's formations): the size of a large university's
biggest centre on the deadline day.

- first page: `services.centre_list.page()` with a gestionnaire of that
  centre, sorted by nom (the screen's default), 100 rows and the count;
  also sorted by date de transmission, latest first. Reference: a
  primary-key read. Target: p95 ≤ 300 ms.
- export: the whole centre to `.xlsx` (write-only workbook, streamed rows),
  in a child process started for it, so its peak resident memory (`VmHWM`)
  is the export's and not the population generator's. No target: the figure
  says what a staff server needs.

PostgreSQL when a server answers, else SQLite. Smoke: 2,000 candidates,
1,000 in the big centre.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

from .envs import admin_principal, pg_server, scratch_pg, services_for
from .generate import bulk_insert, candidature_rows, generate_population
from .harness import Figure, check, timed_ms

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pathlib import Path
from benchmarks.envs import services_for
from ecandidat_tui.domain import Role
from ecandidat_tui.services.staff_views import StaffPrincipal

def rss(name):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024

cfg = json.loads(sys.argv[1])
services = services_for(Path(cfg["home"]), cfg["url"])
principal = StaffPrincipal(cfg["login"], Role.GESTIONNAIRE, (cfg["centre"],))
services.centre_list.page(principal, cfg["centre"], limit=1)  # imports and connection, outside the figure
before = rss("VmRSS")
start = time.perf_counter()
result = services.centre_list.export(principal, cfg["centre"], cfg["path"], "xlsx")
seconds = time.perf_counter() - start
print(json.dumps({"rows": result.rows, "seconds": seconds, "before": before, "peak": rss("VmHWM"),
                  "size": Path(cfg["path"]).stat().st_size}))
"""


def _big_centre(services, n: int) -> tuple[str, int]:
    """Put `n` more candidatures in the centre with the most formations; returns (code, its total)."""
    from sqlalchemy import func, select

    from ecandidat_tui.store.models import Account, Candidature, Centre, Commission, Formation

    with services.db.read_session() as s:
        code, centre_id = s.execute(
            select(Centre.code, Centre.id).join(Commission, Commission.centre_id == Centre.id)
            .join(Formation, Formation.commission_id == Commission.id)
            .group_by(Centre.code, Centre.id).order_by(func.count(Formation.id).desc()).limit(1)).one()
        formations = s.execute(select(Formation.id).join(Commission, Commission.id == Formation.commission_id)
                               .where(Commission.centre_id == centre_id)).scalars().all()
        accounts = s.execute(select(Account.id).order_by(Account.id).limit(n)).scalars().all()
        taken = set(s.execute(select(Candidature.account_id, Candidature.formation_id)
                              .where(Candidature.formation_id.in_(formations))).all())
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    rows = [r for r in candidature_rows(accounts, formations, 1, 11, start)
            if (r["account_id"], r["formation_id"]) not in taken]
    bulk_insert(services.db, Candidature.__table__, rows)
    with services.db.read_session() as s:
        total = s.execute(select(func.count()).select_from(Candidature).join(
            Formation, Formation.id == Candidature.formation_id).join(
            Commission, Commission.id == Formation.commission_id).where(Commission.centre_id == centre_id)).scalar()
    return code, total


def _figures(engine: str, url: str | None, home: Path, smoke: bool) -> list[Figure]:
    from sqlmodel import select

    from ecandidat_tui.services.centre_list import CentreFilters
    from ecandidat_tui.store.models import Account

    services = services_for(home, url)
    try:
        pop = generate_population(services.db, 2_000 if smoke else 200_000,
                                  n_formations=500 if smoke else 10_000)
        centre, total = _big_centre(services, 1_000 if smoke else 100_000)
        admin_principal(services)
        login = "bench-gestionnaire"
        from ecandidat_tui.domain import Role

        services.staff.add_staff_user(login, "Gestion-Bench-2026!", Role.GESTIONNAIRE.value, centres=[centre])
        principal = services.staff.authenticate_staff(login, "Gestion-Bench-2026!")
        repeat = 5 if smoke else 30
        note = f"{total:,} candidatures in centre {centre}; {pop.candidates:,} candidates in all"

        def by_pk():
            with services.db.read_session() as s:
                s.exec(select(Account).where(Account.id == pop.first_account_id)).one()

        ref = Figure(f"centre list [{engine}]: primary-key read (reference)", "ms", timed_ms(by_pk, repeat, 3))
        figures = [ref]
        for label, filters in (("first page by nom", CentreFilters()),
                               ("first page by date de transmission, latest first",
                                CentreFilters(sort="transmission", descending=True))):
            def first_page(filters=filters):
                page = services.centre_list.page(principal, centre, filters)
                assert page.total == total and len(page.rows) == 100

            fig = Figure(f"centre list [{engine}]: {label}", "ms", timed_ms(first_page, repeat, 2),
                         reference="primary-key read", note=note)
            fig.ratio = round(fig.median / ref.median, 2)
            figures.append(check(fig, max_ms=300, on="p95"))
    finally:
        services.close()
    out = home / "export.xlsx"
    cfg = {"home": str(home), "url": services.db.url, "login": login, "centre": centre, "path": str(out)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg)], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"export child failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    wall = time.perf_counter() - started
    assert result["rows"] == total, (result, total)
    export_note = f"{result['rows']:,} rows, {result['size'] / 2**20:.1f} MiB file; child process {wall:.1f} s in all"
    figures += [
        Figure(f"centre list [{engine}]: .xlsx export of the whole centre", "s", [result["seconds"]],
               note=export_note),
        Figure(f"centre list [{engine}]: .xlsx export, peak resident memory", "MiB", [result["peak"]],
               note=f"{result['peak'] - result['before']:.1f} MiB above the process before the export"),
    ]
    return figures


def run(smoke: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        if pg_server() is not None:
            with scratch_pg("centre") as url:
                return _figures("PostgreSQL", url, Path(tmp), smoke)
        return _figures("SQLite", None, Path(tmp), smoke)
