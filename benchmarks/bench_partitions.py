"""Recognitions and the rollup tables partitioned by year (core/partitions.py, titles 0007, reports 0005): the
same reads and the same rebuild on plain tables (before) and on partitioned ones (after), the migration itself
on the filled tables, and EXPLAIN's evidence of partition pruning.

Run after bench_reports.py generated its province (BENCH_REUSE=1 keeps it):
DATABASE_URL=postgres://.../xhht_bench... .venv/bin/python benchmarks/bench_partitions.py
The database ends partitioned (the latest migrations); on a partitioned one, the script first migrates back to
plain tables (timed as the reverse migration).
"""

import os
import re
import time

from common import QUICK, fmt_s, load_average, median, setup_django, table

setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from core import partitions  # noqa: E402
from reports import facts  # noqa: E402
from reports.aggregation import stats_rebuild  # noqa: E402
from reports.models import StatRollup, ValueRollup  # noqa: E402
from titles.models import Recognition  # noqa: E402
from titles.selectors import visible_recognitions  # noqa: E402
from units.models import Level, Membership, Unit  # noqa: E402
from units.roles import Role  # noqa: E402
from units.selectors import units_valid_on  # noqa: E402

YEAR = timezone.localdate().year
PLAIN = [("titles", "0006_decision_legal_basis"), ("reports", "0004_reports_keep_their_form_version")]
PARTITIONED = [("titles", "0007_partition_recognitions_by_year"), ("reports", "0005_partition_rollups_by_year")]
TICKS = os.sysconf("SC_CLK_TCK")
# Few runs of the heavy statements: the machine is shared; the registry facts just before warm the rebuild's data.
RUNS = {"list": 3 if QUICK else 7, "facts": 1 if QUICK else 2, "rebuild": 1 if QUICK else 2}


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (the server runs on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115, PTH123
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(function, runs: int, warmup: bool = True) -> tuple[float, float]:
    """Median wall time and median PostgreSQL backend CPU of `function`, after one warm-up (unless told not)."""
    if warmup:
        function()
    walls, cpus = [], []
    for _ in range(runs):
        cpu, started = backend_cpu(), time.perf_counter()
        function()
        walls.append(time.perf_counter() - started)
        cpus.append(backend_cpu() - cpu)
    return median(walls), median(cpus)


def _migrate(targets) -> float:
    started = time.perf_counter()
    for app, name in targets:
        call_command("migrate", app, name, verbosity=0)
    return time.perf_counter() - started


def _explain(sql: str, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def touched(plan: str, table_name: str) -> list[str]:
    """The partitions of `table_name` a plan scans (none on a plain table)."""
    return sorted(set(re.findall(rf"\b{table_name}_(y\d{{4}}|default)\b", plan)))


def officer_of(commune: Unit):
    user, _ = get_user_model().objects.get_or_create(username="bench-partitions-officer")
    Membership.objects.get_or_create(user=user, unit=commune, role=Role.OFFICER)
    return user


class Reads:
    """The measured reads, as the application makes them (called, not copied)."""

    def __init__(self, commune: Unit):
        self.user = officer_of(commune)

    def title_list(self) -> int:
        """A commune's titles of a year: the first page of 50 and the count, as the list page asks."""
        queryset = visible_recognitions(self.user).filter(year=YEAR).order_by("-year", "id")
        return queryset.count() + len(list(queryset[:50]))

    def title_list_sql(self):
        return visible_recognitions(self.user).filter(year=YEAR).order_by("-year", "id")[:50].query.sql_with_params()

    @staticmethod
    def registry_facts_sql():
        sql, params = facts.registry_facts_sql(YEAR, facts.EVERYTHING)
        return facts.with_depths() + sql, params

    def registry_facts(self) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # as stats_rebuild runs its statements
            cursor.execute(*self.registry_facts_sql())
            return len(cursor.fetchall())

    @staticmethod
    def rollup_read_sql():
        return StatRollup.objects.filter(year=YEAR, indicator="households_learning_family",
                                         option__isnull=True).query.sql_with_params()

    @staticmethod
    def rollup_read() -> int:
        return len(list(StatRollup.objects.filter(year=YEAR, indicator="households_learning_family",
                                                  option__isnull=True).values_list("unit_id", "numerator")))

    @staticmethod
    def rebuild() -> None:
        stats_rebuild(year=YEAR)


def phase(reads: Reads) -> dict:
    result = {
        "list": measure(reads.title_list, RUNS["list"]),
        "rollup_read": measure(reads.rollup_read, RUNS["list"]),
        "facts": measure(reads.registry_facts, RUNS["facts"]),
        "rebuild": measure(reads.rebuild, RUNS["rebuild"], warmup=False),
        "plans": {
            "list": touched(_explain(*reads.title_list_sql()), "titles_recognition"),
            "rollup_read": touched(_explain(*reads.rollup_read_sql()), "reports_statrollup"),
            "facts": touched(_explain(*reads.registry_facts_sql()), "titles_recognition"),
        },
    }
    result["rows"] = {"list": reads.title_list(), "rollup_read": reads.rollup_read(), "facts": reads.registry_facts()}
    return result


def is_partitioned() -> bool:
    with connection.cursor() as cursor:
        return partitions.is_partitioned(cursor, "titles_recognition")


def main() -> None:
    assert connection.vendor == "postgresql", "partitions exist on PostgreSQL only"
    assert "bench" in connection.settings_dict["NAME"], "runs only on a benchmark database (it migrates back)"
    province = units_valid_on(Unit.objects.filter(level=Level.PROVINCE, code=os.environ.get("BENCH_PROVINCE", "38")),
                              timezone.localdate()).get()
    commune = (units_valid_on(Unit.objects.filter(path__startswith=province.path, level=Level.COMMUNE),
                              timezone.localdate()).order_by("path")[10])
    load_before = load_average()
    started = time.perf_counter()
    reverse = _migrate(PLAIN) if is_partitioned() else None
    assert not is_partitioned()
    reads = Reads(commune)
    n_recognitions = Recognition.objects.count()
    n_year = Recognition.objects.filter(year=YEAR).count()
    before = phase(reads)
    forward = _migrate(PARTITIONED)
    assert is_partitioned()
    after = phase(reads)
    assert before["rows"] == after["rows"], "the same reads must give the same rows before and after"
    n_rollup = StatRollup.objects.count()
    n_values = ValueRollup.objects.count()
    took = time.perf_counter() - started

    def row(name, key, note=""):
        (wb, cb), (wa, ca) = before[key], after[key]
        return [name, f"{fmt_s(wb)} ({fmt_s(cb)} CPU)", f"{fmt_s(wa)} ({fmt_s(ca)} CPU)", f"{wa / wb:.2f}×",
                f"{ca / cb:.2f}×" if cb else "—", note]

    def plan(key):
        parts = after["plans"][key]
        return f"{len(parts)} of {len(partitions.partitions(connection.cursor(), 'titles_recognition'))}: " + (
            ", ".join(parts) if len(parts) <= 3 else f"{parts[0]} … {parts[-1]}")

    print("## Recognitions and rollups partitioned by year\n")
    print(f"Database: {connection.vendor}, {n_recognitions:,} recognitions ({n_year:,} of {YEAR}), "
          f"{n_rollup:,} statistics rollup rows and {n_values:,} value rollup rows, the province of "
          f"bench_reports.py ({province.name}). Before: the plain tables (titles 0006, reports 0004); after: "
          f"`PARTITION BY RANGE (year)`, one partition per year {partitions.FIRST_YEAR}–{partitions.LAST_YEAR} "
          "and DEFAULT (titles 0007, reports 0005). Medians of wall time and of the PostgreSQL backend's CPU "
          f"(from /proc); load average (1 min) {load_before:.1f} at the start, {load_average():.1f} at the end, "
          f"on {os.cpu_count()} cores; {fmt_s(took)} in all.\n")
    print(table(
        ["measure", "before (plain)", "after (partitioned)", "wall after/before", "CPU after/before",
         "partitions scanned after (EXPLAIN)"],
        [
            row(f"a commune's titles of {YEAR} (`visible_recognitions`, count + first 50; {commune.name})",
                "list", plan("list")),
            row(f"the rollup's rows of {YEAR} for one indicator (`/stats/` read)", "rollup_read",
                ", ".join(after["plans"]["rollup_read"])),
            row("registry facts SELECT of the rollup (`facts.registry_facts_sql`, whole tree)", "facts",
                plan("facts")),
            row(f"full `stats_rebuild({YEAR})`", "rebuild", "DELETE of one year's partition"),
        ],
    ))
    print()
    print(table(["migration on the filled tables", "time"], [
        ["forward: plain → partitioned (copy, indexes, keys validated, ANALYZE; one transaction)", fmt_s(forward)],
        ["backward: partitioned → plain", fmt_s(reverse) if reverse is not None else "not run (was plain)"],
    ]))
    print("\nEvery figure is measured in this run on the same data; the reads give the same rows before and after "
          "(checked). The registry facts read every partition: recognitions in force at the end of a year are "
          "selected by `year = … OR valid_from <= … AND valid_to >= …`, which names no year range the planner "
          "can prune by (see the text below the table in docs/scaling.md, Step 3).")
    print("\nCommand: `DATABASE_URL=... .venv/bin/python benchmarks/bench_partitions.py` (after bench_reports.py)\n")


if __name__ == "__main__":
    main()
