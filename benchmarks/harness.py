"""Timing helpers shared by every benchmark: repeated runs, median and p95.

Each benchmark returns `Figure`s. A figure is compared with a reference
measured in the same run wherever one exists (`ratio`), because absolute
times on shared machines are only indicative.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from collections.abc import Callable


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float] = field(repr=False)
    target: str = ""
    reference: str = ""
    ratio: float | None = None
    ok: bool | None = None
    note: str = ""

    @property
    def skipped(self) -> bool:
        """No samples: the benchmark could not run here (the note says why)."""
        return not self.samples

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("samples")
        if self.skipped:
            data.update(median=None, p95=None, runs=0)
        else:
            data.update(median=round(self.median, 3), p95=round(self.p95, 3), runs=len(self.samples))
        return data


def timed_ms(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def skipped(name: str, note: str) -> Figure:
    return Figure(name, "", [], note=note)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def check(figure: Figure, *, max_ms: float | None = None, max_ratio: float | None = None,
          on: str = "median") -> Figure:
    """Mark the figure ok / not ok against its target (median or p95)."""
    if figure.skipped:
        return figure
    value = figure.p95 if on == "p95" else figure.median
    if max_ms is not None:
        figure.target = f"{on} ≤ {max_ms:g} {figure.unit}"
        figure.ok = value <= max_ms
    if max_ratio is not None and figure.ratio is not None:
        figure.target = f"≤ {max_ratio:g}× {figure.reference}"
        figure.ok = figure.ratio <= max_ratio
    return figure
