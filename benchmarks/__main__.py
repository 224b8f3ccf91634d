"""Run every benchmark and write benchmarks/out/results.{json,md}.

    python -m benchmarks            # full sizes, with targets
    python -m benchmarks --smoke    # tiny sizes, no targets (CI keeps the harness alive)
    python -m benchmarks --only startup catalog
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

OUT = Path(__file__).with_name("out")
BENCHMARKS = ["startup", "restyles", "catalog", "staff", "uploads", "memory", "fleet", "rush", "consoles", "centre"]


def machine() -> dict:
    import os

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def _cell(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(value: float, unit: str) -> str:
    return f"{value:g}" if not unit else f"{value:.1f} {unit}"


def to_markdown(figures, smoke: bool) -> str:
    lines = ["| benchmark | median | p95 | runs | ratio | target | met | note |",
             "| --- | ---: | ---: | ---: | ---: | --- | :---: | --- |"]
    for f in figures:
        if f.skipped:
            lines.append(f"| {f.name} | — | — | 0 | | {f.target} | | {_cell(f.note)} |")
            continue
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
        met = "" if smoke or f.ok is None else ("yes" if f.ok else "**no**")
        lines.append(f"| {f.name} | {_value(f.median, f.unit)} | {_value(f.p95, f.unit)} | {len(f.samples)} "
                     f"| {ratio} | {f.target} | {met} | {_cell(f.note)} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, targets not judged")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    figures = []
    for name in args.only or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"running {name}…", file=sys.stderr, flush=True)
        figures.extend(module.run(smoke=args.smoke))
    if args.smoke:  # tiny sizes: the targets mean nothing, only that every benchmark ran
        for figure in figures:
            figure.ok = None
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"machine": machine(), "smoke": args.smoke, "figures": [f.as_dict() for f in figures]}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    table = to_markdown(figures, args.smoke)
    (args.out / "results.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
