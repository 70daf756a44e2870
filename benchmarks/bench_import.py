"""Excel import of a commune's yearly list (titles): dry run, write and peak memory, beside a bare
PostgreSQL COPY of the same rows in the same run.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_import.py [--rows 10000 100000] [--runs 3]

Each measured import runs in a fresh process (so its peak RSS is the import's own) and goes through the
same services as the page: upload checks (zip inspection) and dry run, then confirm and write
(households + list rows, one transaction); Celery runs in-process. The bench province, commune, hamlets
and officer are created idempotently under the country root; each run clears what the previous one wrote.

A second table reads the same workbook with each reader of titles.xlsx (the expat handlers; calamine after its
byte scan), each in a fresh process: CPU and peak RSS of reading alone.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import QUICK, fmt_s, median, setup_django, table

setup_django()

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from core.models import User
from titles import imports, services
from titles.catalogue import load_catalogue
from titles.models import EvaluationList, ImportJob, ListEntry, TitleType
from units.models import Household, Kind, Level, Membership, Unit, path_segment
from units.roles import Role

HAMLETS = 50
YEAR = timezone.localdate().year - 1
TITLE = "gia-dinh-hoc-tap"


def _unit(parent: Unit | None, name: str, level: str, kind: str, key: str) -> Unit:
    unit, _created = Unit.objects.get_or_create(
        source_key=key, defaults={"parent": parent, "name": name, "level": level, "kind": kind})
    path = (parent.path if parent else "") + path_segment(unit.pk)
    Unit.objects.filter(pk=unit.pk).update(path=path, depth=path.count("/") - 1)
    unit.refresh_from_db()
    return unit


def bench_units() -> tuple[Unit, list[Unit], User]:
    """The bench commune with its hamlets and officer, created on first use."""
    load_catalogue()
    nation = Unit.objects.filter(level=Level.NATION).first()
    province = _unit(nation, "Tỉnh Đo Hiệu Năng", Level.PROVINCE, Kind.PROVINCE, "bench:province")
    commune = _unit(province, "Xã Đo Hiệu Năng", Level.COMMUNE, Kind.COMMUNE, "bench:commune")
    hamlets = [_unit(commune, f"Thôn {i}", Level.HAMLET, Kind.HAMLET, f"bench:hamlet{i}")
               for i in range(1, HAMLETS + 1)]
    officer, _created = User.objects.get_or_create(username="bench.officer")
    Membership.objects.get_or_create(user=officer, unit=commune, role=Role.OFFICER)
    return commune, hamlets, officer


def list_rows(rows: int, hamlets: list[Unit]):
    day = datetime.date(YEAR, 11, 20)
    for i in range(rows):
        yield (hamlets[i % len(hamlets)], f"HB-{i:06d}", f"Nguyễn Văn Hộ {i}", f"Số {i} đường Trần Phú", day,
               i % 4 != 0, "")


def workbook(rows: int, hamlets: list[Unit], path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(imports.HouseholdImporter.columns()))
    for hamlet, code, head, address, day, passed, note in list_rows(rows, hamlets):
        sheet.append([hamlet.name, code, head, address, day, "Đạt" if passed else "Không đạt", note])
    book.save(path)


def clear(commune: Unit) -> None:
    """Remove what an earlier run wrote. Plain SQL: the ORM would collect 100,000 households one by one
    for their history rows, which imports never write."""
    lists = EvaluationList.objects.filter(unit=commune)
    for job in ImportJob.objects.filter(evaluation_list__in=lists):
        job.file.delete(save=False)
    with transaction.atomic(), connection.cursor() as cur:
        list_ids = list(lists.values_list("pk", flat=True))
        if list_ids:
            marks = ", ".join(["%s"] * len(list_ids))
            cur.execute(f"DELETE FROM {ListEntry._meta.db_table} WHERE evaluation_list_id IN ({marks})", list_ids)
            cur.execute(f"DELETE FROM {ImportJob._meta.db_table} WHERE evaluation_list_id IN ({marks})", list_ids)
            cur.execute(f"DELETE FROM {EvaluationList._meta.db_table} WHERE id IN ({marks})", list_ids)
        cur.execute(
            f"DELETE FROM {Household._meta.db_table} WHERE unit_id IN "
            f"(SELECT id FROM {Unit._meta.db_table} WHERE parent_id = %s)", [commune.pk])


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_once(path: Path, rows: int, keep: bool) -> dict:
    """One import end to end, in this (fresh) process: what the child prints."""
    commune, _hamlets, officer = bench_units()
    clear(commune)
    evaluation_list = services.evaluation_list_open(
        commune=commune, title_type=TitleType.objects.get(slug=TITLE), year=YEAR, by=officer)
    content = path.read_bytes()
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    job = services.import_job_create(evaluation_list=evaluation_list, by=officer,
                                     upload=SimpleUploadedFile("danh-sach.xlsx", content))
    job = ImportJob.objects.get(pk=job.pk)  # eager Celery: the dry run ran when the upload committed
    checked = time.perf_counter()
    services.import_job_confirm(job=job, by=officer)
    written = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    result = {
        "dry_run": checked - started, "write": written - checked, "cpu": _cpu_seconds() - cpu_started,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux reports KiB
        "status": job.status, "entries": evaluation_list.entries.count(),
        "households": Household.objects.filter(unit__parent=commune).count(),
    }
    assert job.status == ImportJob.Status.DONE and result["entries"] == result["households"] == rows, result
    if not keep:
        clear(commune)
    return result


def measure_in_fresh_process(path: Path, rows: int, keep: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(path), "--rows", str(rows)] + (["--keep"] if keep else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parent)
    if done.returncode != 0:
        sys.exit(f"import run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_once(path: Path, reader: str) -> dict:
    """One full read of the workbook by one reader, in this (fresh) process."""
    import zipfile

    from titles import xlsx

    cpu_started = _cpu_seconds()
    with path.open("rb") as fh:
        if reader == "expat":
            with zipfile.ZipFile(fh) as archive:
                rows = sum(1 for _ in xlsx._sheet_rows(archive))
        else:
            with zipfile.ZipFile(fh) as archive:
                assert xlsx._is_plain(archive, xlsx._first_sheet_path(archive)[0]), "the bench workbook is plain"
            rows = sum(1 for _ in xlsx.iter_rows(fh))
    return {"cpu": _cpu_seconds() - cpu_started, "rows": rows,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def read_in_fresh_process(path: Path, reader: str) -> dict:
    command = [sys.executable, __file__, "--read", reader, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parent)
    if done.returncode != 0:
        sys.exit(f"read run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def copy_seconds(rows: int, hamlets: list[Unit], runs: int) -> list[float]:
    """COPY of the same rows, from an in-memory CSV, into a scratch table with the list's columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for hamlet, code, head, address, day, passed, note in list_rows(rows, hamlets):
        writer.writerow([hamlet.pk, code, head, address, day.isoformat(), passed, note])
    samples = []
    for _ in range(runs):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE bench_import_copy (hamlet_id integer, code varchar(40), "
                        "head_name varchar(200), address varchar(255), review_date date, passed boolean, "
                        "note varchar(500)) ON COMMIT DROP")
            buffer.seek(0)
            started = time.perf_counter()
            cur.cursor.copy_expert("COPY bench_import_copy FROM STDIN WITH (FORMAT csv)", buffer)
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000] if QUICK else [10_000, 100_000])
    parser.add_argument("--runs", type=int, default=1 if QUICK else 3)
    parser.add_argument("--keep", action="store_true", help="leave the last run's rows in the database")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--read", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_once(args.child, args.rows[0], args.keep)))  # read by the parent
        return
    if args.read:
        print(json.dumps(read_once(Path(args.read[1]), args.read[0])))  # read by the parent
        return

    _commune, hamlets, _officer = bench_units()
    postgres = connection.vendor == "postgresql"
    lines, reads = [], []
    load = [f"{x:.1f}" for x in os.getloadavg()]
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "danh-sach.xlsx"
            workbook(rows, hamlets, path)
            size_mb = path.stat().st_size / 1e6
            runs = [measure_in_fresh_process(path, rows, args.keep) for _ in range(args.runs)]
            by_reader = {reader: [read_in_fresh_process(path, reader) for _ in range(args.runs)]
                         for reader in ("expat", "calamine")}
        dry, write = median([r["dry_run"] for r in runs]), median([r["write"] for r in runs])
        total = median([r["dry_run"] + r["write"] for r in runs])
        peak = max(r["peak_mb"] for r in runs)
        cpu = median([r["cpu"] for r in runs])
        copy = median(copy_seconds(rows, hamlets, args.runs)) if postgres else None
        lines.append([
            f"{rows:,} ({size_mb:.1f} MB)", fmt_s(dry), fmt_s(write), fmt_s(total), f"{rows / total:,.0f}",
            f"{rows / cpu:,.0f}", fmt_s(cpu), f"{peak:.0f} MB",
            fmt_s(copy) if copy else "n/a (SQLite)", f"{total / copy:.0f}×" if copy else "—",
        ])
        expat_cpu = median([r["cpu"] for r in by_reader["expat"]])
        for reader, label in (("expat", "expat handlers (titles.xlsx)"), ("calamine", "calamine after the byte scan")):
            cpu_read = median([r["cpu"] for r in by_reader[reader]])
            reads.append([f"{rows:,}", label, fmt_s(cpu_read), f"{rows / cpu_read:,.0f}",
                          f"{max(r['peak_mb'] for r in by_reader[reader]):.0f} MB", f"{expat_cpu / cpu_read:.1f}×"])
    print("## Excel import (titles)\n")
    print(
        f"Database: {connection.vendor}. A commune's Gia đình học tập list through the page's services: upload "
        "checks and dry run, then the write (each row a new household and a list row, one transaction). "
        f"Median of {args.runs} runs, each in a fresh process; peak RSS is the largest of those processes "
        "(Django included); CPU is that process's user + system time over the import (the database server's "
        "work is not in it), which other load on the machine moves far less than the clock. Goal: ≥ 20,000 "
        "rows/s end to end (100,000 rows in ≤ 5 s) and < 300 MB. The COPY column loads the same rows from an "
        "in-memory CSV into a scratch table with the list's seven columns; the ratio is end to end over it. "
        f"Load average (1, 5, 15 min) when the section started: {', '.join(load)} on {os.cpu_count()} cores.\n")
    header = ["rows (workbook)", "upload checks + dry run", "write", "end to end", "rows/s (clock)",
              "rows/s (import CPU)", "CPU of the import process", "peak RSS", "PostgreSQL COPY, same rows", "ratio"]
    print(table(header, lines))
    print("\nReading alone, the same workbook, each reader in a fresh process (CPU median, peak RSS max):\n")
    print(table(["rows", "reader", "CPU", "rows/s (CPU)", "peak RSS", "speed-up over expat"], reads))
    print("\nCommand: `DATABASE_URL=... .venv/bin/python benchmarks/bench_import.py`\n")


if __name__ == "__main__":
    main()
