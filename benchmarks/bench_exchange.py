"""Data value sets (reports/exchange.py): a province's file of yearly figures — dry run, write, the same file
imported again (nothing to write) and the export — beside a bare bulk INSERT of the same figure rows.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/bench_exchange.py [--communes 150 1000] [--runs 3]

Each commune reports the seven built-in commune indicators (14 rows). The import goes through the services as
the page does: one report_create and one report_update per commune, in one transaction. The bench province,
its communes, round and officer are created idempotently; each run deletes the reports the previous one wrote.
"""

from __future__ import annotations

import argparse
import datetime
import time

from common import QUICK, fmt_s, median, setup_django, table

setup_django()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.models import Campaign  # noqa: E402
from core.models import User  # noqa: E402
from reports import exchange  # noqa: E402
from reports.models import Report, ReportFigure, ReportingRound  # noqa: E402
from units.models import Kind, Level, Membership, Unit, path_segment  # noqa: E402
from units.roles import Role  # noqa: E402

YEAR = timezone.localdate().year
INDICATORS = {"households_learning_family": ("households_recognised", "households_total"),
              "clans_learning_clan": ("clans_recognised", "clans_total"),
              "hamlets_learning_community": ("hamlets_recognised", "hamlets_total"),
              "communes_learning_community": ("communes_recognised", "communes_total"),
              "citizens_learning_citizen": ("citizens_recognised", "citizens_total"),
              "workers_learning_citizen": ("workers_recognised", "workers_total"),
              "learning_centres_using_it": ("centres_using_it", "centres_total")}


def _province(communes: int) -> tuple[Unit, list[Unit], User]:
    key = f"bench:exchange:{communes}"
    province = Unit.objects.filter(source_key=key).first()
    if province is None:
        province = Unit.objects.create(name=f"Tỉnh Đo Trao Đổi {communes}", level=Level.PROVINCE,
                                       kind=Kind.PROVINCE, code="", source_key=key)
        Unit.objects.filter(pk=province.pk).update(path=path_segment(province.pk), depth=0)
        province.refresh_from_db()
        made = Unit.objects.bulk_create([
            Unit(name=f"Xã Đo {i}", level=Level.COMMUNE, kind=Kind.COMMUNE, parent=province, code=f"B{communes}x{i}",
                 source_key=f"{key}:{i}") for i in range(communes)])
        for unit in made:
            unit.path, unit.depth = province.path + path_segment(unit.pk), 1
        Unit.objects.bulk_update(made, ["path", "depth"])
    user, _created = User.objects.get_or_create(username=f"bench.exchange.{communes}")
    Membership.objects.get_or_create(user=user, unit=province, role=Role.OFFICER)
    today = timezone.localdate()
    ReportingRound.objects.get_or_create(
        year=YEAR, scope_unit=province, level=Level.COMMUNE, period_kind="yearly",
        defaults={"campaign": Campaign.objects.first(), "opens_on": today - datetime.timedelta(days=30),
                  "deadline": today + datetime.timedelta(days=30), "indicators": list(INDICATORS)})
    return province, list(Unit.objects.filter(parent=province).order_by("path")), user


def _file(communes: list[Unit], bump: int = 0) -> bytes:
    rows = []
    for i, unit in enumerate(communes):
        for recognised, total in INDICATORS.values():
            rows.append(exchange.ExchangeRow(unit.code, unit.name, total, "", str(YEAR), str(100 + i % 7)))
            rows.append(exchange.ExchangeRow(unit.code, unit.name, recognised, "", str(YEAR), str(50 + bump)))
    return exchange.to_csv(rows)


def _clear(province: Unit) -> None:
    Report.objects.filter(unit__parent=province, year=YEAR).delete()


def _import(data: bytes, user: User, *, dry_run: bool) -> exchange.ImportResult:
    result = exchange.import_file(SimpleUploadedFile("tinh.csv", data), user=user, dry_run=dry_run)
    assert result.ok, result.errors[:3]
    return result


def _bare_insert(province: Unit, communes: list[Unit], user: User) -> float:
    """The limit: the same reports and figure rows written by two bulk INSERTs, rolled back."""
    round_ = ReportingRound.objects.get(year=YEAR, scope_unit=province, level=Level.COMMUNE)
    started = time.perf_counter()
    with transaction.atomic():
        reports = Report.objects.bulk_create([Report(unit=u, year=YEAR, round=round_, created_by=user)
                                              for u in communes])
        ReportFigure.objects.bulk_create([ReportFigure(report=r, indicator=i, numerator=50, denominator=100)
                                          for r in reports for i in INDICATORS])
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _one_run(data: bytes, user: User, province: Unit) -> dict[str, float]:
    """Dry run, write, the same file again, export: seconds of each, in this order (each needs the one before)."""
    seconds = {}
    for name, dry_run in (("dry", True), ("write", False), ("again", False)):
        started = time.perf_counter()
        _import(data, user, dry_run=dry_run)
        seconds[name] = time.perf_counter() - started
    started = time.perf_counter()
    exchange.to_csv(exchange.export_rows(user, province, YEAR))
    seconds["export"] = time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, nargs="+", default=[20] if QUICK else [150])
    parser.add_argument("--runs", type=int, default=1 if QUICK else 3)
    args = parser.parse_args()
    rows = []
    for size in args.communes:
        province, communes, user = _province(size)
        data = _file(communes)
        samples: dict[str, list[float]] = {"dry": [], "write": [], "again": [], "export": [], "bare": []}
        for _run in range(args.runs):
            _clear(province)
            for name, seconds in _one_run(data, user, province).items():
                samples[name].append(seconds)
            _clear(province)
            samples["bare"].append(_bare_insert(province, communes, user))
        ratio = median(samples["dry"]) + median(samples["write"])  # the page's whole import: dry run, then write
        rows.append([f"{size:,}".replace(",", "."), f"{size * 14:,}".replace(",", "."),
                     *(fmt_s(median(samples[k])) for k in ("dry", "write", "again", "export", "bare")),
                     f"{ratio / median(samples['bare']):.0f}×"])
    print("## Data value sets: a province's file (reports/exchange.py)\n")
    version = (f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 100}"
               if connection.vendor == "postgresql" else connection.vendor)
    print(f"{version}; "
          f"median of {args.runs} runs. Every commune's report is opened and written through reports.services "
          "(one report_create + one report_update per commune, one transaction); \"again\" imports the same file "
          "once more (nothing to write). Limit: the same reports and figures by two bulk INSERTs; the ratio is the "
          "whole import (dry run + write) to it.\n")
    print(table(["communes", "rows", "dry run", "write", "same file again", "export CSV", "bulk INSERT (limit)",
                 "ratio"], rows))
    print("\n`DATABASE_URL=… .venv/bin/python benchmarks/bench_exchange.py`")


if __name__ == "__main__":
    main()
