"""Start-up: process start -> Connexion painted, and -> ready to log in.

Reference: a bare Textual app that shows one Static, started the same way
in the same run. Targets: ≤ 1.3× the reference painted, ≤ 2.5× ready.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ecandidat_tui

from .harness import Figure, check

CHILD = Path(__file__).with_name("startup_child.py")
PACKAGE = Path(ecandidat_tui.__file__).parent


def _one(mode: str, home: str) -> float:
    env = dict(os.environ, ECANDIDAT_HOME=home, ECANDIDAT_MAIL_BACKEND="memory")
    env["BENCH_T0"] = repr(time.time())
    out = subprocess.run([sys.executable, str(CHILD), mode], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def run(smoke: bool = False) -> list[Figure]:
    repeat = 2 if smoke else 20  # start-up times swing ±10 % between runs here: more samples
    # An installed app has bytecode (pip compiles it); an editable checkout
    # under PYTHONDONTWRITEBYTECODE would recompile the package in every child.
    compileall.compile_dir(PACKAGE, quiet=1)
    with tempfile.TemporaryDirectory() as home:
        _one("services", home)  # first start creates and migrates the database: not what we time
        samples: dict[str, list[float]] = {"bare": [], "connexion": [], "ready": [], "services": []}
        for _ in range(repeat):  # interleaved, so machine noise hits all three alike
            for mode in samples:
                samples[mode].append(_one(mode, home))
    bare = Figure("start-up: bare Textual app (reference)", "ms", samples["bare"])
    figures = [bare]
    for mode, label, limit in (("connexion", "Connexion painted", 1.3), ("ready", "ready to log in", 2.5),
                               ("services", "services loaded (ORM)", None)):
        fig = Figure(f"start-up: {label}", "ms", samples[mode], reference="bare Textual app")
        fig.ratio = round(fig.median / bare.median, 3)
        if limit is None:
            fig.note = "no target: a login submitted before this waits for it"
            figures.append(fig)
        else:
            figures.append(check(fig, max_ratio=limit))
    return figures
