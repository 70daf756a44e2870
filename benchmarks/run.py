"""`make bench`: runs every benchmark on PostgreSQL and rewrites docs/benchmarks.md.

Needs a PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/xhht_bench);
the benchmark database is dropped and created afresh. Each bench_*.py prints a Markdown section.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# Order matters: the tree first (it truncates and reloads units), the rest build on it.
SCRIPTS = ["bench_units.py", "bench_pdf.py", "bench_reports.py", "bench_import.py", "bench_exchange.py",
           "bench_load.py", "bench_replica.py"]


def _memory() -> str:
    with open("/proc/meminfo") as fh:
        kb = int(fh.readline().split()[1])
    return f"{kb / 1024 / 1024:.0f} GiB"


def _recreate(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit("The benchmark database name must contain 'bench': it is dropped and recreated.")
    admin = parsed._replace(path="/postgres").geturl()
    import psycopg2

    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/xhht_bench")
    _recreate(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)  # tasks run in-process: we time the work, not the queue
    server = subprocess.run(["psql", url, "-Atc", "SHOW server_version"], capture_output=True, text=True)
    sections = []
    for script in SCRIPTS:
        path = ROOT / "benchmarks" / script
        if not path.exists():
            continue
        print(f"--- {script}", flush=True)
        result = subprocess.run([sys.executable, str(path)], cwd=ROOT / "benchmarks", env=env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
            sys.exit(f"{script} failed")
        print(result.stdout)
        sections.append(result.stdout.strip())
    head = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {datetime.datetime.now(datetime.UTC):%d/%m/%Y %H:%M} UTC. "
        f"Machine: {os.cpu_count()} cores, {_memory()} memory, {platform.python_implementation()} "
        f"{platform.python_version()}, PostgreSQL {server.stdout.strip() or '?'}.\n"
        "Each figure is the median of several runs, beside its limit measured in the same run. "
        "Reproduce everything with `make bench` (PostgreSQL at BENCH_DATABASE_URL), or one section with "
        "the command under it.\n"
    )
    target = ROOT / "docs" / "benchmarks.md"
    if os.environ.get("BENCH_QUICK") == "1":  # small sizes: a check that everything runs, not figures to keep
        target = Path(tempfile.gettempdir()) / "benchmarks-quick.md"
        head = head.replace("# Benchmarks", "# Benchmarks (BENCH_QUICK=1: small sizes, figures not comparable)", 1)
    target.write_text(head + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"{target} written")


if __name__ == "__main__":
    main()
