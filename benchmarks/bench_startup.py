"""Start-up: process start -> Connexion painted, and -> ready to log in.

Reference: a bare Textual app that shows one Static, started the same way
in the same run. Targets: ≤ 1.3× the reference painted, ≤ 2.5× ready.

The wall-clock ratio of Connexion painted swings by ±0.05 between runs of 20
on these shared machines, as much as a whole optimisation. So the full run
also counts the instructions both processes execute up to their first paint
under callgrind (when valgrind is installed): the count is the same from
one run to the next (±0.1 %), and its ratio is how start-up work is compared
before and after a change. No target: the issue's target is on time.
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ecandidat_tui

from .harness import Figure, check, skipped

CHILD = Path(__file__).with_name("startup_child.py")
PACKAGE = Path(ecandidat_tui.__file__).parent


def _one(mode: str, home: str) -> float:
    env = dict(os.environ, ECANDIDAT_HOME=home, ECANDIDAT_MAIL_BACKEND="memory")
    env["BENCH_T0"] = repr(time.time())
    out = subprocess.run([sys.executable, str(CHILD), mode], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def _instructions(mode: str, home: str) -> subprocess.Popen:
    env = dict(os.environ, ECANDIDAT_HOME=home, ECANDIDAT_MAIL_BACKEND="memory", BENCH_T0=repr(time.time()),
               BENCH_EXIT_AT_PAINT="1", PYTHONHASHSEED="0")
    return subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                             sys.executable, str(CHILD), mode],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _instruction_figures(home: str) -> list[Figure]:
    """Instructions to the first paint, bare app and Connexion (see the module's docstring)."""
    name = "start-up: instructions to the first paint (callgrind)"
    if shutil.which("valgrind") is None:
        return [skipped(name, "valgrind is not installed")]
    runs = {mode: _instructions(mode, home) for mode in ("bare", "connexion")}  # ~15 s each, side by side
    counts: dict[str, float] = {}
    for mode, process in runs.items():
        _, err = process.communicate(timeout=600)
        found = re.search(r"Collected : (\d+)", err)
        if process.returncode != 0 or found is None:
            return [skipped(name, f"callgrind failed ({mode}): {err.strip().splitlines()[-1:]}")]
        counts[mode] = int(found.group(1)) / 1e6
    bare = Figure("start-up: instructions to the first paint, bare Textual app (reference)", "M instr.",
                  [counts["bare"]])
    connexion = Figure("start-up: instructions to Connexion painted", "M instr.", [counts["connexion"]],
                       reference="bare Textual app",
                       note="callgrind, the same from run to run; no target (the target is on time)")
    connexion.ratio = round(connexion.median / bare.median, 3)
    return [bare, connexion]


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
        instructions = [] if smoke else _instruction_figures(home)
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
    return figures + instructions
