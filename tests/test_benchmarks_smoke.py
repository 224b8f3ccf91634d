"""The benchmark harness stays alive: `python -m benchmarks --smoke` runs every
benchmark at tiny sizes (no targets judged) and writes its table and JSON.

Runs in a subprocess from the repository root, exactly as `make bench-smoke`.
About a minute: it starts a few apps, a small fleet of kiosk processes and,
when a PostgreSQL server answers, the PostgreSQL variants (skipped with a
note otherwise).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every benchmark contributes figures whose names start with one of these.
EXPECTED = ("start-up:", "catalog:", "staff search [SQLite]:", "uploads:", "memory:", "fleet [SQLite, 2 processes]:",
            "rush [SQLite", "consoles [", "restyles:", "centre list [")


def test_smoke_run_writes_every_figure(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ)
    env.pop("ECANDIDAT_HOME", None)
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]

    payload = json.loads((out / "results.json").read_text())
    assert payload["smoke"] is True
    assert payload["machine"]["cpus"] >= 1
    figures = payload["figures"]
    names = [f["name"] for f in figures]
    for prefix in EXPECTED:
        assert any(n.startswith(prefix) for n in names), (prefix, names)
    for f in figures:
        if f["runs"] == 0:  # skipped: the note says why (no PostgreSQL here)
            assert f["note"].startswith("skipped"), f
            continue
        assert f["median"] is not None and math.isfinite(f["median"]) and f["median"] >= 0, f
        assert f["p95"] >= f["median"] or f["runs"] == 1, f
        assert f["ok"] is None, f  # smoke never judges targets
    # The PostgreSQL figures are there or explicitly skipped, never silently absent.
    assert any(n.startswith("staff search [PostgreSQL]") for n in names)
    assert any(n.startswith("fleet [PostgreSQL") for n in names)

    fleet = {f["name"]: f for f in figures if f["name"].startswith("fleet [")}
    for name, f in fleet.items():
        if name.endswith(": errors") or name.endswith("rows lost or duplicated") or "locked" in name:
            assert f["median"] == 0, f

    table = (out / "results.md").read_text()
    assert table.startswith("| benchmark | median | p95 |")
    assert table.count("\n") == len(figures) + 2
