"""Helpers shared by the benchmark scripts: Django set-up, medians, peak memory, Markdown tables.

Each `bench_*.py` prints one Markdown section on stdout; `benchmarks/run.py` collects them into
docs/benchmarks.md. Figures are medians of several runs, each beside its limit measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# BENCH_QUICK=1: every script at a small size, to check that the benchmarks run (a fresh clone, a new machine);
# the figures mean nothing and `run.py` then writes them outside docs/.
QUICK = os.environ.get("BENCH_QUICK") == "1"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def timed(fn: Callable[[], object], runs: int = 5, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
