"""A fleet of kiosks: N candidate sessions in separate processes, all at once.

Each process (benchmarks/fleet_worker.py) runs the whole procedure of the
seed document against ONE shared database: create the account, read the
welcome mail from the outbox table, validate, log in, change the password,
a real headless kiosk session through Pilot (log in on Connexion, Mon
compte, Offre de formation), fill the profile, apply to 3 open formations,
attach every pièce (small generated PDF / PNG), transmit. The processes
import and connect first, then start on one signal.

Files: each candidate's own PDF and photo, except the "Formulaire
complémentaire", which in the full run is the same blank form for every
candidate (identical bytes, as when everybody sends back the form they
downloaded): the blob store must deduplicate it under concurrency. The
smoke run gives every candidate its own files (it checks the harness, not
that race).

- PostgreSQL: N = 30 processes (smoke: 2).
- SQLite in WAL mode: 8 processes (smoke: 2); any "database is locked"
  reaching a step is counted and must be zero.

Afterwards the rows are counted: accounts, candidatures (all Réceptionné),
pièces with a file, mails in the outbox: nothing lost, nothing duplicated.
Figures: p95 of each step over the processes, the wall time, and
throughput in completed procedures per minute. Passwords use the production
Argon2id parameters (smoke: the cheap test ones).

Why the service layer for most steps: a Textual app costs ~1 s of CPU to
start and each Pilot keystroke waits for idle (≥ 20 ms); 30 full Pilot runs
of the whole procedure would measure Pilot on 2 shared cores, not the
store. The screens are thin (one service call per action, in a thread
worker), so the services see exactly the load the kiosks make; the Pilot
step proves the real app holds its part under the same load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .envs import PG_SKIP_NOTE, pg_server, scratch_pg, services_for
from .harness import Figure, skipped

ROOT = Path(__file__).resolve().parent.parent


def _open_formations(services, count: int) -> list[int]:
    tree = services.catalog.catalog_tree()
    ids = [f.id for c in tree.centres for f in c.formations if f.is_open and f.mode == "dematerialise"]
    assert len(ids) >= count, f"only {len(ids)} open formations"
    return ids


def _counts(services, run: str) -> dict[str, int]:
    """Totals over every account of this run."""
    from sqlalchemy import func, select

    from ecandidat_tui.store.models import Account, Candidature, OutboxMail, PieceSubmission

    like = f"fleet-{run}-%"
    with services.db.read_session() as s:
        accounts = select(Account.id).where(Account.mail_key.like(like)).scalar_subquery()
        cands = select(Candidature.id).where(Candidature.account_id.in_(accounts)).scalar_subquery()
        return {
            "accounts": s.execute(select(func.count()).select_from(Account)
                                  .where(Account.mail_key.like(like))).scalar(),
            "distinct logins": s.execute(select(func.count(func.distinct(Account.login)))
                                         .where(Account.mail_key.like(like))).scalar(),
            "candidatures": s.execute(select(func.count()).select_from(Candidature)
                                      .where(Candidature.account_id.in_(accounts))).scalar(),
            "pièces": s.execute(select(func.count()).select_from(PieceSubmission)
                                .where(PieceSubmission.candidature_id.in_(cands))).scalar(),
            "mails": s.execute(select(func.count()).select_from(OutboxMail)
                               .where(OutboxMail.to_addr.like(like))).scalar(),
        }


def _check_completed(services, result: dict, expected_pieces: int) -> list[str]:
    """What the store lacks (or holds twice) for one procedure its kiosk reported complete."""
    from sqlalchemy import func, select

    from ecandidat_tui.store.models import Account, Candidature, OutboxMail, PieceSubmission

    problems = []
    with services.db.read_session() as s:
        ids = s.execute(select(Account.id).where(Account.login == result["login"])).scalars().all()
        if len(ids) != 1:
            return [f"{result['login']}: {len(ids)} accounts"]
        cands = s.execute(select(Candidature.id, Candidature.statut)
                          .where(Candidature.account_id == ids[0])).all()
        if sorted(c for c, _ in cands) != sorted(result["candidatures"]):
            problems.append(f"{result['login']}: candidatures {sorted(c for c, _ in cands)} "
                            f"instead of {sorted(result['candidatures'])}")
        if any(statut != "receptionne" for _, statut in cands):
            problems.append(f"{result['login']}: a candidature not Réceptionnée")
        with_file = s.execute(select(func.count()).select_from(PieceSubmission).where(
            PieceSubmission.candidature_id.in_([c for c, _ in cands]),
            PieceSubmission.blob_sha256.is_not(None))).scalar()
        if with_file != expected_pieces:
            problems.append(f"{result['login']}: {with_file} pièces with a file instead of {expected_pieces}")
        mails = s.execute(select(func.count()).select_from(OutboxMail)
                          .where(OutboxMail.to_addr == result["mail"])).scalar()
        if mails != 7:  # account created, 3 × candidature created, 3 × transmitted
            problems.append(f"{result['login']}: {mails} mails instead of 7")
    return problems


def _pieces_per_set(services, formation_sets: list[list[int]]) -> list[int]:
    from sqlalchemy import func, select

    from ecandidat_tui.store.models import FormationPiece

    with services.db.read_session() as s:
        per = dict(s.execute(select(FormationPiece.formation_id, func.count())
                             .group_by(FormationPiece.formation_id)).all())
    return [sum(per.get(fid, 0) for fid in fids) for fids in formation_sets]


def _expected_pieces(services, formation_sets: list[list[int]]) -> int:
    return sum(_pieces_per_set(services, formation_sets))


def _fleet(engine: str, url: str | None, n: int, tmp: Path, smoke: bool) -> list[Figure]:
    run = uuid.uuid4().hex[:6]
    setup_home = tmp / f"{engine}-setup"
    services = services_for(setup_home, url, demo_catalog=True)  # migrated, demo catalog loaded
    db_url = services.db.url
    try:
        open_ids = _open_formations(services, 3)
        formation_sets = [[open_ids[(3 * i + k) % len(open_ids)] for k in range(3)] for i in range(n)]
        procs = []
        for i in range(n):
            cfg = {"home": str(tmp / f"{engine}-kiosk-{i}"), "database_url": db_url, "index": i, "run": run,
                   "formation_ids": formation_sets[i], "fast_hash": smoke, "pilot": True, "shared_form": not smoke,
                   "ine_base": 1_000_000 + (os.getpid() % 1000) * 10_000}
            procs.append(subprocess.Popen([sys.executable, "-m", "benchmarks.fleet_worker", json.dumps(cfg)],
                                          cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        for p in procs:  # every kiosk imported, connected and ready
            line = p.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"fleet worker did not start: {line!r} {p.stderr.read()[-2000:]}")
        t0 = time.perf_counter()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=1800)
            lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
            if not lines:
                results.append({"error": f"worker crashed: {err[-1500:]}", "step": "?", "steps": {}})
            else:
                results.append(json.loads(lines[-1][len("RESULT "):]))
        wall = time.perf_counter() - t0
        counts = _counts(services, run)
        expected_pieces = _expected_pieces(services, formation_sets)
        per_kiosk = _pieces_per_set(services, formation_sets)
        problems = []
        for r in results:
            if not r.get("error"):
                problems += _check_completed(services, r, per_kiosk[r["index"]])
    finally:
        services.close()

    errors = [r for r in results if r.get("error")]
    locked = [r for r in errors if "database is locked" in r["error"]]
    done = len(results) - len(errors)
    # Every kiosk gets as far as creating its account and its candidatures before
    # anything else can fail, so these totals hold even with errors.
    expected = {"accounts": n, "distinct logins": n}
    if not errors:
        expected.update({"candidatures": 3 * n, "pièces": expected_pieces, "mails": 7 * n})
    wrong = [f"{k}: {counts[k]} instead of {v}" for k, v in expected.items() if counts[k] != v] + problems
    tag = f"fleet [{engine}, {n} processes]"
    figures = []
    steps: dict[str, list[float]] = {}
    for r in results:
        for name, ms in r.get("steps", {}).items():
            steps.setdefault(name, []).append(ms)
    for name, samples in steps.items():
        figures.append(Figure(f"{tag}: {name}", "ms", samples, note="p95 over the processes"))
    totals = [r["total_ms"] for r in results if not r.get("error") and "total_ms" in r]
    if totals:
        figures.append(Figure(f"{tag}: whole procedure", "ms", totals))
    err_note = "; ".join(f"#{r.get('index')} at '{r.get('step')}': {r['error']}" for r in errors[:3])
    errs = Figure(f"{tag}: errors", "", [float(len(errors))], note=err_note or "none", target="0")
    errs.ok = not errors
    figures.append(errs)
    if engine == "SQLite":
        lk = Figure(f"{tag}: 'database is locked' errors", "", [float(len(locked))], target="0")
        lk.ok = not locked
        figures.append(lk)
    rows = Figure(f"{tag}: rows lost or duplicated", "", [float(len(wrong))], target="0",
                  note=("; ".join(wrong[:3]) or f"each of the {done} completed procedures checked: "
                        "1 account, its 3 candidatures Réceptionnées, every pièce with a file, 7 mails; totals "
                        + ", ".join(f"{k} {v}" for k, v in counts.items())))
    rows.ok = not wrong
    figures.append(rows)
    figures.append(Figure(f"{tag}: throughput", "procedures/min", [done / wall * 60],
                          note=f"{done} procedures in {wall:.1f} s"))
    if smoke:
        for f in figures:
            f.ok = None
        if errors or wrong:
            raise RuntimeError(f"{tag}: {err_note or wrong}\n{errors[0].get('traceback', '') if errors else ''}")
    return figures


def run(smoke: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        if pg_server() is None:
            figures.append(skipped("fleet [PostgreSQL]", PG_SKIP_NOTE))
        else:
            with scratch_pg("fleet") as url:
                figures += _fleet("PostgreSQL", url, 2 if smoke else 30, Path(tmp), smoke)
        figures += _fleet("SQLite", None, 2 if smoke else 8, Path(tmp), smoke)
    return figures
