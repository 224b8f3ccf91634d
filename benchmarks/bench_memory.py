"""Memory: peak RSS of the candidate app after logging in and browsing the
10,000-formation catalog. Target ≤ 100 MiB.

Each measurement is a fresh process (benchmarks/memory_child.py) started
like `ecandidat` (services built in the app's worker on ECANDIDAT_HOME,
SQLite), which reports its own peak resident set (VmHWM of
/proc/self/status). Not getrusage(RUSAGE_CHILDREN).ru_maxrss: on Linux a
child's maxrss also counts the pages of the parent that forked it (before
execve), so it read 85 MiB for a bare app launched from this benchmark.

Two candidates log in: one whose password hash has the production Argon2id
parameters (`services.security.PRODUCTION_PARAMETERS`: 19 MiB of memory per
hash, which the login verification allocates), and one with the cheap test
parameters, which shows what the rest of the app costs. Reference, in the same run: a bare
Textual app that shows one Static. The RSS after each stage of the
production run is reported too. Smoke: 500 formations, one run each.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .harness import Figure, check

CHILD = Path(__file__).with_name("memory_child.py")


def _child(mode: str, env: dict) -> tuple[float, dict[str, float]]:
    """(peak MiB, {stage: RSS MiB}) of one child run."""
    proc = subprocess.run([sys.executable, str(CHILD), mode], env=env, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0 or (mode != "bare" and "browsed" not in proc.stdout):
        raise RuntimeError(f"memory child {mode} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = int(re.findall(r"^peak_kib=(\d+)$", proc.stdout, re.M)[-1]) / 1024
    stages = {m[0]: int(m[1]) / 1024 for m in re.findall(r"^stage (\S+) rss_kib=(\d+)", proc.stdout, re.M)}
    return peak, stages


def _production_hash(services, account_id: int, password: str) -> None:
    """Give the account the hash a real kiosk would have stored (production Argon2id)."""
    from sqlalchemy import update

    from ecandidat_tui.services.security import production_hasher
    from ecandidat_tui.store.models import Account

    with services.db.session() as s:
        s.execute(update(Account).where(Account.id == account_id)
                  .values(password_hash=production_hasher().hash(password)))


def run(smoke: bool = False) -> list[Figure]:
    from ecandidat_tui.store.demo import generate_catalog
    from ecandidat_tui.testing import make_harness

    n_formations = 500 if smoke else 10_000
    repeat = 1 if smoke else 3
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        h = make_harness(home)
        try:
            prod = h.seed_candidate(mail="prod@example.org")
            _production_hash(h.services, prod.account_id, prod.password)
            cheap = h.seed_candidate(mail="cheap@example.org")
            generate_catalog(h.services.db, n_formations=n_formations, n_centres=60, seed=0)
        finally:
            h.services.close()
        base = dict(os.environ, ECANDIDAT_HOME=str(home), ECANDIDAT_MAIL_BACKEND="memory")
        env_prod = dict(base, BENCH_LOGIN=prod.login, BENCH_PASSWORD=prod.password)
        env_cheap = dict(base, BENCH_LOGIN=cheap.login, BENCH_PASSWORD=cheap.password)
        bare, app, app_cheap = [], [], []
        stages: dict[str, list[float]] = {}
        for _ in range(repeat):  # interleaved, so machine noise hits all alike
            bare.append(_child("bare", base)[0])
            peak, seen = _child("candidate", env_prod)
            app.append(peak)
            for name, rss in seen.items():
                stages.setdefault(name, []).append(rss)
            app_cheap.append(_child("candidate", env_cheap)[0])
    size = f"{n_formations:,} formations, 60 centres"
    ref = Figure("memory: bare Textual app peak RSS (reference)", "MiB", bare)
    figures = [ref]
    for name, samples, note in (
        ("memory: candidate app after login + browsing the catalog, peak RSS", app,
         f"{size}; production Argon2id (19 MiB per hash)"),
        ("memory: the same, password hashed with the cheap test parameters", app_cheap,
         f"{size}; what the app costs without the login hash"),
    ):
        fig = Figure(name, "MiB", samples, reference="bare Textual app", note=note)
        fig.ratio = round(fig.median / ref.median, 2)
        figures.append(check(fig, max_ms=100))
    for name, samples in stages.items():
        figures.append(Figure(f"memory: RSS after stage '{name}'", "MiB", samples, note="production run"))
    return figures
