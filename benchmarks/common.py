"""Helpers shared by the benchmark scripts: Django set-up, medians, peak memory, Markdown tables.

Each `bench_*.py` prints one Markdown section on stdout; `benchmarks/run.py` collects them into
docs/benchmarks.md. Figures are medians of several runs, each beside its limit measured in the same run.
"""

from __future__ import annotations

import datetime
import os
import re
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


def load_average() -> float:
    """The 1-minute load average: the machine is shared, so every measured section states it."""
    return os.getloadavg()[0]


def measured_line(started: datetime.datetime, seconds: float, load: tuple[float, float], how: str = "") -> str:
    """The line under a section's heading saying when, how long and under what load it was measured.

    `run.py` writes it into docs/benchmarks.md and parses it back (parse_measured) for the table at the head, so a
    change of wording here must keep that expression matching."""
    minutes, secs = divmod(round(seconds), 60)
    took = f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
    by = f" by {how}" if how else ""
    return (f"_Measured {started:%d/%m/%Y %H:%M} UTC{by} in {took}; load average (1 min) {load[0]:.1f} before, "
            f"{load[1]:.1f} after, on {os.cpu_count()} cores._")


# "Measured 01/12/2026 17:05 UTC … in 3 min 20 s; load average (1 min) 0.9 before, 1.4 after": looked for
# separately on the line that says "Measured <date>", so that the hand-written lines of sections measured before
# this format (date only, or the load without the duration) still give what they have.
MEASURED_RE = re.compile(r"Measured (?P<date>\d\d/\d\d/\d{4})(?: (?P<time>\d\d:\d\d) UTC)?")
TOOK_RE = re.compile(r"\bin (?P<took>\d+ (?:min \d+ )?s)\b")
LOAD_RE = re.compile(r"load average \(1 min\) (?P<before>[\d.]+) before, (?P<after>[\d.]+) after")


def parse_measured(text: str) -> dict[str, str | None] | None:
    """The date, time, duration and load of the first "Measured …" line in `text` (None: no such line)."""
    for line in text.split("\n"):
        found = MEASURED_RE.search(line)
        if found:
            took, load = TOOK_RE.search(line[found.end():]), LOAD_RE.search(line)
            return {"date": found["date"], "time": found["time"], "took": took["took"] if took else None,
                    "before": load["before"] if load else None, "after": load["after"] if load else None}
    return None
