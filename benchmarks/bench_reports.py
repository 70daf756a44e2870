"""The yearly statistics rollup on one synthetic province of 1,000,000 households and 3,000,000 citizens:
its generation, the full `stats_rebuild` of one year beside a hand-written SQL GROUP BY over the same facts,
and the incremental path after one commune's change.

Run: DATABASE_URL=postgres://.../xhht_bench... .venv/bin/python benchmarks/bench_reports.py
(after bench_units.py loaded the tree; `make bench` runs both). Environment: BENCH_PROVINCE (default 38,
Thanh Hóa: 166 communes, about a million households in reality), BENCH_HOUSEHOLDS (1000000),
BENCH_REUSE=1 keeps a synthetic data set already there instead of generating it again.
"""

import datetime
import os
import time

from common import fmt_s, median, setup_django, table, timed

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from reports import facts  # noqa: E402
from reports.aggregation import rollup_select, stats_rebuild  # noqa: E402
from reports.models import Report, StatRollup  # noqa: E402
from reports.selectors import expected_filter, rounds_for_year  # noqa: E402
from reports.synthetic import generate_synthetic, synthetic_units  # noqa: E402
from titles.models import Recognition  # noqa: E402
from titles.selectors import LEARNING_UNIT_KINDS  # noqa: E402
from units.models import Citizen, Household, Level, Unit  # noqa: E402
from units.selectors import units_valid_on  # noqa: E402

YEAR = timezone.localdate().year
SEG = facts.SEGMENT

# The same facts as the rollup, written by hand: recognitions in force joined (not probed row by row) to the
# registries, one source per reporting area, every fact joined to its ancestors, one GROUP BY. No ORM, no insert.
BARE_SQL = """
WITH {depths}, reporters(id) AS ({reporters}),
rec AS (
    SELECT t.indicator, r.subject_kind, r.unit_id, r.household_id, r.clan_id, r.citizen_id
    FROM titles_recognition r JOIN titles_titletype t ON t.id = r.title_type_id
    WHERE r.revoked_at IS NULL AND (r.year = %(year)s OR (r.valid_from <= %(end)s AND r.valid_to >= %(end)s))
),
fam AS (SELECT DISTINCT household_id AS id FROM rec WHERE indicator = 'households_learning_family'),
cln AS (SELECT DISTINCT clan_id AS id FROM rec WHERE indicator = 'clans_learning_clan'),
cit AS (SELECT DISTINCT citizen_id AS id FROM rec WHERE indicator = 'citizens_learning_citizen'),
subj AS (SELECT DISTINCT unit_id, indicator FROM rec WHERE subject_kind = 'unit'),
live AS (
    SELECT u.id, u.level, u.kind FROM units_unit u
    WHERE (u.valid_from IS NULL OR u.valid_from <= %(end)s) AND (u.valid_to IS NULL OR u.valid_to >= %(start)s)
),
registry AS (
    SELECT h.unit_id, 'households_learning_family' AS indicator, COUNT(f.id) AS numerator, COUNT(*) AS denominator
    FROM units_household h LEFT JOIN fam f ON f.id = h.id GROUP BY h.unit_id
    UNION ALL
    SELECT c.unit_id, 'clans_learning_clan', COUNT(k.id), COUNT(*)
    FROM units_clan c LEFT JOIN cln k ON k.id = c.id GROUP BY c.unit_id
    UNION ALL
    SELECT c.unit_id, 'citizens_learning_citizen', COUNT(ci.id), COUNT(*)
    FROM units_citizen c LEFT JOIN cit ci ON ci.id = c.id GROUP BY c.unit_id
    UNION ALL
    SELECT c.unit_id, 'workers_learning_citizen', COUNT(ci.id), COUNT(*)
    FROM units_citizen c LEFT JOIN cit ci ON ci.id = c.id LEFT JOIN fam f ON f.id = c.household_id
    LEFT JOIN subj s ON s.unit_id = c.unit_id AND s.indicator = 'hamlets_learning_community'
    WHERE c.workplace <> '' AND (f.id IS NOT NULL OR s.unit_id IS NOT NULL) GROUP BY c.unit_id
    UNION ALL
    SELECT c.unit_id, 'officials_learning_citizen', COUNT(ci.id), COUNT(*)
    FROM units_citizen c JOIN subj s ON s.unit_id = c.unit_id AND s.indicator = 'units_learning_unit'
    LEFT JOIN cit ci ON ci.id = c.id GROUP BY c.unit_id
    UNION ALL
    SELECT u.id, x.indicator, CASE WHEN s.unit_id IS NULL THEN 0 ELSE 1 END, 1
    FROM live u
    JOIN (VALUES ('hamlet', 'hamlets_learning_community'), ('commune', 'communes_learning_community'),
                 ('district', 'districts_learning_district'), ('organisation', 'units_learning_unit'))
         x(level, indicator) ON x.level = u.level
    LEFT JOIN subj s ON s.unit_id = u.id AND s.indicator = x.indicator
    WHERE u.level <> 'organisation' OR u.kind IN %(unit_kinds)s
),
figures AS (
    SELECT r.unit_id, f.indicator, f.numerator, f.denominator
    FROM reports_reportfigure f JOIN reports_report r ON r.id = f.report_id
    WHERE r.year = %(year)s AND r.status = 'accepted' AND NOT r.is_summary
),
owners AS (
    SELECT u.id AS unit_id, u.path, MAX(d.n) AS owner_depth
    FROM units_unit u JOIN depths d ON d.n <= u.depth
    JOIN units_unit o ON o.path = SUBSTR(u.path, 1, (d.n + 1) * {seg})
    JOIN reporters e ON e.id = o.id
    GROUP BY u.id, u.path
),
covered AS (
    SELECT ow.unit_id, fg.indicator FROM owners ow
    JOIN units_unit ou ON ou.path = SUBSTR(ow.path, 1, (ow.owner_depth + 1) * {seg})
    JOIN figures fg ON fg.unit_id = ou.id
),
base AS (
    SELECT g.unit_id, g.indicator, g.numerator, g.denominator FROM registry g
    LEFT JOIN covered c ON c.unit_id = g.unit_id AND c.indicator = g.indicator
    WHERE c.unit_id IS NULL
    UNION ALL SELECT * FROM figures
    UNION ALL
    SELECT e.id, 'reports_on_time', CASE WHEN r.on_time THEN 1 ELSE 0 END, 1
    FROM ({expected}) e LEFT JOIN reports_report r ON r.unit_id = e.id AND r.year = %(year)s
)
SELECT a.id, b.indicator, SUM(b.numerator), SUM(b.denominator)
FROM base b
JOIN units_unit u ON u.id = b.unit_id
JOIN depths d ON d.n <= u.depth
JOIN units_unit a ON a.path = SUBSTR(u.path, 1, (d.n + 1) * {seg})
GROUP BY a.id, b.indicator
"""


def bare_statement() -> tuple[str, dict]:
    reporters, reporter_params = facts.reporters_sql(YEAR)
    expected, expected_params = (Unit.objects.filter(expected_filter(rounds_for_year(YEAR))).order_by()
                                 .values("id").query.sql_with_params())
    with connection.cursor() as cursor:  # inline the few ORM-built pieces (rounds are data) as literals
        reporters = cursor.mogrify(reporters, reporter_params).decode()
        expected = cursor.mogrify(expected, expected_params).decode()
    sql = BARE_SQL.format(depths=facts.depths_sql(), reporters=reporters.replace("%", "%%"),
                          expected=expected.replace("%", "%%"), seg=SEG)
    return sql, {"year": YEAR, "start": datetime.date(YEAR, 1, 1), "end": datetime.date(YEAR, 12, 31),
                 "unit_kinds": tuple(str(k) for k in LEARNING_UNIT_KINDS)}


def _fetch(sql: str, params) -> list:
    """Run one query as stats_rebuild runs its statement: in a transaction, JIT off (see aggregation.py)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


def run_bare() -> dict:
    return {(u, i): (int(n), int(d)) for u, i, n, d in _fetch(*bare_statement())}


def run_select() -> int:
    return len(_fetch(*rollup_select(YEAR)))


def stored() -> dict:
    return {(u, i): (n, d) for u, i, n, d in StatRollup.objects.filter(year=YEAR).values_list(
        "unit_id", "indicator", "numerator", "denominator")}


def main() -> None:
    assert connection.vendor == "postgresql", "the reports benchmark runs on PostgreSQL"
    assert "bench" in connection.settings_dict["NAME"], "runs only on a benchmark database (it writes a province)"
    code = os.environ.get("BENCH_PROVINCE", "38")
    households = int(os.environ.get("BENCH_HOUSEHOLDS", "1000000"))
    province = units_valid_on(Unit.objects.filter(level=Level.PROVINCE, code=code), timezone.localdate()).get()
    generation = None
    if not (os.environ.get("BENCH_REUSE") and synthetic_units(province).exists()):
        started = time.perf_counter()
        generate_synthetic(provinces=[province], households=households, years=[YEAR - 1, YEAR], seed=2026,
                           replace=True)
        generation = time.perf_counter() - started
    in_province = {"unit__path__startswith": province.path}
    n_households = Household.objects.filter(**in_province).count()
    n_citizens = Citizen.objects.filter(**in_province).count()
    n_recognitions = Recognition.objects.filter(**in_province).count()
    n_reports = Report.objects.filter(year=YEAR, status="accepted", **in_province).count()

    full = timed(lambda: stats_rebuild(year=YEAR), runs=3)
    rows = StatRollup.objects.filter(year=YEAR).count()
    bare = timed(run_bare, runs=3)
    select_only = timed(run_select, runs=3)
    table_rows, bare_rows = stored(), run_bare()
    mismatches = {k for k in set(table_rows) | set(bare_rows)
                  if table_rows.get(k, (0, 0)) != bare_rows.get(k, (0, 0))}
    assert not mismatches, f"the rollup and the hand-written GROUP BY disagree on {len(mismatches)} rows"

    commune = units_valid_on(Unit.objects.filter(path__startswith=province.path, level=Level.COMMUNE),
                             timezone.localdate()).exclude(reports__year=YEAR).order_by("path")[10]
    ancestors = [int(seg) for seg in commune.path.strip("/").split("/")]
    before = stored()
    incremental = timed(lambda: stats_rebuild(year=YEAR, unit_ids=ancestors), runs=7)
    assert stored() == before, "the incremental path must give the full rebuild's table"

    ratio = median(full) / median(bare)
    print("## Yearly statistics rollup\n")
    print(f"Database: {connection.vendor}. Synthetic {province.name} (code {code}): "
          f"{synthetic_units(province).filter(level=Level.HAMLET).count():,} hamlets under its current communes, "
          f"{n_households:,} households, {n_citizens:,} citizens (3 per household plus staff of schools and agencies), "
          f"{n_recognitions:,} recognitions ({YEAR - 1}–{YEAR}), {n_reports} accepted base reports for {YEAR}. "
          f"The rollup of {YEAR} holds {rows:,} rows (the whole country's tree, this province's facts).\n")
    print(table(
        ["measure", "median", "limit beside it", "ratio"],
        [
            ["generate the province (COPY, one transaction, ANALYZE)",
             fmt_s(generation) if generation is not None else "reused", "goal: minutes, not hours", "—"],
            [f"full stats_rebuild({YEAR}): delete + INSERT … SELECT + targets",
             fmt_s(median(full)), f"hand-written SELECT … GROUP BY: {fmt_s(median(bare))}",
             f"{ratio:.1f}× (goal ≤ 1.5×)"],
            ["… its SELECT alone (ORM-built fact queries, no write)", fmt_s(median(select_only)),
             f"hand-written: {fmt_s(median(bare))}", f"{median(select_only) / median(bare):.1f}×"],
            [f"incremental: one commune ({commune.name}) and its ancestors", fmt_s(median(incremental)),
             "goal: < 1 s", "—"],
        ],
    ))
    print("\nThe hand-written query gives the same rows as the rollup (checked); the incremental path leaves "
          "the table equal to the full rebuild's (checked).")
    print("\nCommand: `DATABASE_URL=... .venv/bin/python benchmarks/bench_reports.py` "
          "(BENCH_REUSE=1 keeps the generated province)\n")


if __name__ == "__main__":
    main()
