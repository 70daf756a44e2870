"""The statistics rollup: the base facts summed up the unit tree, set-based SQL over the materialised paths.

Base facts (reports/facts.py): per reporting area and indicator, the accepted base report's figure, else the
registry facts of the area (households, clans, citizens, units recognised); plus one `reports_on_time` fact
per expected report. Each fact is joined to every ancestor of its unit by cutting the unit's path at each
depth and looking the prefix up in the indexed `path` column — an equality join, so neither database scans
the unit table per fact. Summary reports (a province's report to the ministry) are not facts: their figures
come from this rollup, and adding them again would count twice. So for every unit:
rollup = Σ children's rollups + the unit's own base facts.

Full rebuild: delete the year's rows, then one INSERT … SELECT over every fact. Incremental rebuild (the
units whose figures may have changed, with their ancestors): the changed units' subtrees are recomputed from
their facts, and each ancestor from its own facts plus the stored rows of its other children — so re-adding
a commune does not re-read the whole country's registries, and the table stays additive.

Idempotent: the rows are deleted and inserted again inside one transaction; a worker killed half-way leaves
the previous table, and a second run gives the same table.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.indicators import Indicator
from core.errors import DomainError
from definitions.models import PeriodKind
from units.models import Level, Unit

from . import value_rollup
from .facts import (
    EVERYTHING,
    SEGMENT,
    Scope,
    base_facts_sql,
    depths_sql,
    on_year_tree_sql,
    reporters_sql,
    with_depths,
)
from .models import StatRollup, StatsDirty
from .selectors import expected_filter, rounds_for_year
from .services import stats_queued_key
from .stats_cache import rollups_changed
from .targets import apply_targets

ROLLUP = StatRollup._meta.db_table


@dataclass(frozen=True)
class _Plan:
    """The rows one rebuild recomputes: those of the units in `scope`. `keep_children_of`: recomputed
    ancestors whose children outside the scope keep their stored rows, which are summed, not recomputed.
    `min_depth`: facts are summed into their ancestors at that depth and below only (a province of the parallel
    rebuild stops at the province; the national step sums the provinces' rows). `subtree`: the registry facts
    of the scope are probed per registry row (facts._registry_subtree_sql) instead of the ORM querysets."""

    scope: Scope
    keep_children_of: tuple[int, ...] = ()
    min_depth: int = 0
    subtree: bool = False


def mend_planner_statistics(tables: tuple[str, ...] | None = None) -> list[str]:
    """PostgreSQL: ANALYZE again the tables (`tables`, or all) whose statistics say "fewer rows than pages" while
    they hold rows; returns their names.

    The planner estimates a table's rows as (rows ÷ pages at its last ANALYZE) × its pages now, so it follows a
    growing table by itself, except when that ANALYZE found pages but no live row: a table analysed while it held
    only dead rows (a test run's rolled-back transactions, a delete before a reload) keeps a density of 0, and
    every scan of it is then estimated at 1 row whatever it holds, so the rollup's joins become nested loops over
    millions of pairs (minutes instead of seconds). No table in use has fewer rows than pages, so the test costs
    one read of pg_class and finds nothing in production. A table still empty is left alone (its estimate is
    right), so a test database full of dead pages is not analysed again at every call. ANALYZE inside the
    caller's transaction counts the rows that transaction wrote."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relpages > 0 "
                       "AND c.reltuples < c.relpages AND (%s OR c.relname = ANY(%s)) ORDER BY c.relname",
                       [tables is None, list(tables or ())])
        mended = []
        for (name,) in cursor.fetchall():
            table = connection.ops.quote_name(name)
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - a name read from pg_class, quoted
            if cursor.fetchone():
                cursor.execute(f"ANALYZE {table}")
                mended.append(name)
    return mended


def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(SEGMENT, len(path) + 1, SEGMENT)]


def _reporters_among(year: int, unit_ids: list[int]) -> set[int]:
    sql, params = reporters_sql(year)
    placeholders = ", ".join(["%s"] * len(unit_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({sql}) q WHERE id IN ({placeholders})",  # noqa: S608 - constants only
                       [*params, *unit_ids])
        return {row[0] for row in cursor.fetchall()}


def _plan(year: int, unit_ids: list[int] | None) -> _Plan | None:
    """Which rows to recompute for `unit_ids` (None: all). None when there is nothing to do.

    Recomputed with their whole subtree: the deepest given units and the given units that report (an
    acceptance changes which registry rows its figures replace, all over its area). Recomputed from their own
    facts and their children's stored rows: the ancestors of those. A year never built is built in full.
    """
    if unit_ids is None or not StatRollup.objects.filter(year=year).exists():
        return _Plan(EVERYTHING)
    given = dict(Unit.objects.filter(pk__in=unit_ids).values_list("path", "id"))
    if not given:
        return None
    paths = sorted(given)
    deepest = [p for i, p in enumerate(paths) if i + 1 == len(paths) or not paths[i + 1].startswith(p)]
    reporting = _reporters_among(year, list(given.values()))
    roots: list[str] = []
    for path in sorted(set(deepest) | {p for p, pk in given.items() if pk in reporting}):
        if not roots or not path.startswith(roots[-1]):  # sorted: a subtree follows its root
            roots.append(path)
    ancestors = {a for p in paths for a in _ancestor_paths(p)}
    scope = Scope(ids=tuple(sorted(int(a[-SEGMENT:-1]) for a in ancestors)), prefixes=tuple(roots))
    keep = tuple(sorted(int(a[-SEGMENT:-1]) for a in ancestors if not any(a.startswith(r) for r in roots)))
    return _Plan(scope, keep)


def _reports_on_time_sql(year: int, scope: Scope) -> tuple[str, list]:
    """One fact per expected report of units in scope: 1/1 when first sent before the deadline, else 0/1."""
    rounds = rounds_for_year(year)
    if not rounds:
        return "", []
    expected = Unit.objects.filter(expected_filter(rounds)).filter(scope.unit_q()).order_by().values("id")
    try:
        expected_sql, params = expected.query.sql_with_params()
    except EmptyResultSet:  # no unit in scope is expected to report
        return "", []
    return (
        "SELECT e.id AS unit_id, %s AS indicator, CASE WHEN r.on_time = %s THEN 1 ELSE 0 END AS numerator, "  # noqa: S608
        f"1 AS denominator FROM ({expected_sql}) e LEFT JOIN reports_report r ON r.unit_id = e.id AND r.year = %s "
        "AND r.period_kind = %s",
        [Indicator.REPORTS_ON_TIME, True, *params, year, PeriodKind.YEARLY],
    )


# The indicators this module computes. StatRollup also holds rows of indicators defined as data (and per category
# option), written by reports.value_rollup after the insert: what reads stored rows here reads only these.
BUILT_IN = tuple(Indicator.values)


def _built_in(alias: str) -> str:
    """A condition on the StatRollup alias `alias`: a built-in indicator's own row, not a breakdown's (params:
    BUILT_IN)."""
    return f"({alias}.indicator IN ({', '.join(['%s'] * len(BUILT_IN))}) AND {alias}.option_id IS NULL)"


def _kept_children_sql(year: int, plan: _Plan) -> tuple[str, list]:
    """Stored rows of the children (outside the scope) of recomputed ancestors, counted at their parent."""
    in_scope, params = plan.scope.sql("y")
    placeholders = ", ".join(["%s"] * len(plan.keep_children_of))
    # A child dissolved before the year's end holds rows over its successors' area (_continue_dissolved): those
    # communes are counted in their own parent already, so the dissolved child's rows never reach its parent.
    on_tree, on_tree_params = on_year_tree_sql(year, "y", "yp")
    params = [*params]
    return (
        f"SELECT y.parent_id AS unit_id, s.indicator, s.numerator, s.denominator FROM {ROLLUP} s "  # noqa: S608
        f"JOIN units_unit y ON y.id = s.unit_id LEFT JOIN units_unit yp ON yp.id = y.parent_id "
        f"WHERE s.year = %s AND {_built_in('s')} AND y.parent_id IN ({placeholders}) AND NOT {in_scope} "
        f"AND {on_tree}",
        [year, *BUILT_IN, *plan.keep_children_of, *params, *on_tree_params],
    )


def _select(year: int, plan: _Plan, *, gathered: bool | None = None) -> tuple[str, list]:
    """The rollup rows of the plan's units: (unit_id, indicator, numerator, denominator, percentage).

    Without its WITH clause (with_depths), so that it can stand under an INSERT.
    """
    sources, params = base_facts_sql(year, plan.scope, gathered=gathered, subtree=plan.subtree)
    for extra_sql, extra_params in (_reports_on_time_sql(year, plan.scope),
                                    _kept_children_sql(year, plan) if plan.keep_children_of else ("", [])):
        if extra_sql:
            sources, params = f"{sources} UNION ALL {extra_sql}", [*params, *extra_params]
    return f"""
        SELECT a.id, x.indicator, SUM(x.numerator), SUM(x.denominator),
               CASE WHEN SUM(x.denominator) = 0 THEN NULL
                    ELSE ROUND(SUM(x.numerator) * 100.0 / SUM(x.denominator), 2) END
        FROM ({sources}) x
        JOIN units_unit u ON u.id = x.unit_id
        JOIN depths d ON d.n <= u.depth AND d.n >= {int(plan.min_depth)}
        JOIN units_unit a ON a.path = SUBSTR(u.path, 1, (d.n + 1) * {SEGMENT})
        GROUP BY a.id, x.indicator
    """, params  # noqa: S608 - only constants are interpolated; values are bound parameters


def rollup_select(year: int, *, gathered: bool | None = None) -> tuple[str, list]:
    """The full rollup of `year` as a plain SELECT (diagnostics, EXPLAIN, the benchmark); writes nothing."""
    sql, params = _select(year, _Plan(EVERYTHING), gathered=gathered)
    return with_depths() + sql, params


def _insert(cursor, year: int, plan: _Plan, now) -> None:
    sql, params = _select(year, plan)
    cursor.execute(  # PostgreSQL and SQLite both take `WITH … INSERT INTO … SELECT …`
        with_depths() + f"""
        INSERT INTO {ROLLUP} (year, computed_at, unit_id, indicator, numerator, denominator, percentage)
        SELECT %s, %s, q.* FROM ({sql}) q
        """,  # noqa: S608 - only constants are interpolated; values are bound parameters
        [year, now, *params],
    )


# Levels whose dissolved units keep statistics after the 2025 reform: their plans' targets (Bình Dương's 151/KH-UBND
# for 2025) are reviewed over the area that succeeded them. Old communes are left out: a new commune's own rows
# and its trend over its predecessors already say what became of them, at a tenth of the rows.
CONTINUED_LEVELS = (Level.PROVINCE, Level.DISTRICT)


def _dissolved_sql(alias: str, year: int) -> tuple[str, list]:
    """A condition on units `alias`: a province or district that ended before 31/12 of `year` (not on its tree)."""
    levels = ", ".join(["%s"] * len(CONTINUED_LEVELS))
    return (f"{alias}.level IN ({levels}) AND {alias}.valid_to IS NOT NULL AND {alias}.valid_to < %s",
            [*CONTINUED_LEVELS, datetime.date(year, 12, 31)])


def _continue_dissolved(cursor, year: int, now) -> None:
    """Rows of the provinces and districts dissolved before the year's end, over the area that succeeded them.

    A dissolved unit D gets, per indicator, Σ share(N, D) × the row of N over the new communes N that received a
    commune of D (the lineage's commune edges). share(N, D) = the pieces of N that came from D ÷ all of N's pieces,
    a piece being one lineage edge weighted 1 ÷ the number of communes its predecessor went to: a split commune
    is apportioned evenly among the communes the lineage records as receiving it, a whole one counts fully.
    Figures are rounded to whole numbers after the weighting. Then D's own targets (nearest ancestor-or-self, as
    for every row) and on_track; then successors' targets derived from their predecessors' (_derive_targets).

    These rows are not facts: nothing sums them into D's parent (see _kept_children_sql), so every count is still
    made once on the year's tree. One DELETE and one INSERT … SELECT over the lineage, whatever the tree's size.
    `+s.year` keeps the (year, indicator) index out of the successors' lookup (see _derive_targets).
    """
    dissolved, dissolved_params = _dissolved_sql("a", year)
    cursor.execute(f"DELETE FROM {ROLLUP} WHERE year = %s AND {_built_in(ROLLUP)} AND unit_id IN "  # noqa: S608
                   f"(SELECT a.id FROM units_unit a WHERE {dissolved})", [year, *BUILT_IN, *dissolved_params])
    end = datetime.date(year, 12, 31)
    # PostgreSQL: the shares are computed first (OFFSET 0 keeps the subquery whole). Estimating one stored row per
    # successor, the planner joined the rows to `part` first and scanned `whole` again per row: 20 s on the demo.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    cursor.execute(
        f"""WITH {depths_sql()}, pieces AS (
            SELECT e.predecessor_id, e.successor_id, 1.0 / od.k AS w
            FROM units_succession e
            JOIN (SELECT predecessor_id, COUNT(*) AS k FROM units_succession GROUP BY predecessor_id) od
              ON od.predecessor_id = e.predecessor_id
            JOIN units_unit p ON p.id = e.predecessor_id
            CROSS JOIN units_unit nn  -- SQLite keeps a CROSS JOIN's order: nn by its key, not all communes per edge
            WHERE nn.id = e.successor_id AND p.level = %s AND nn.level = %s
              AND (nn.valid_from IS NULL OR nn.valid_from <= %s) AND (nn.valid_to IS NULL OR nn.valid_to >= %s)
        )
        INSERT INTO {ROLLUP} (year, computed_at, unit_id, indicator, numerator, denominator, percentage)
        SELECT %s, %s, q.unit_id, q.indicator, q.n, q.d,
               CASE WHEN q.d = 0 THEN NULL ELSE ROUND(q.n * 100.0 / q.d, 2) END
        FROM (
            SELECT sh.unit_id, s.indicator,
                   CAST(ROUND(SUM(sh.share * s.numerator)) AS BIGINT) AS n,
                   CAST(ROUND(SUM(sh.share * s.denominator)) AS BIGINT) AS d
            FROM (
                SELECT part.unit_id, part.successor_id, part.w / whole.w AS share
                FROM (
                    SELECT a.id AS unit_id, pc.successor_id, SUM(pc.w) AS w
                    FROM pieces pc
                    JOIN units_unit p ON p.id = pc.predecessor_id
                    JOIN depths dd ON dd.n <= p.depth
                    JOIN units_unit a ON a.path = SUBSTR(p.path, 1, (dd.n + 1) * {SEGMENT})
                    WHERE {dissolved}
                    GROUP BY a.id, pc.successor_id
                ) part
                JOIN (SELECT successor_id, SUM(w) AS w FROM pieces GROUP BY successor_id) whole
                  ON whole.successor_id = part.successor_id{fence}
            ) sh
            JOIN {ROLLUP} s ON s.unit_id = sh.successor_id AND +s.year = %s  -- + : by the unit key, see below
            WHERE {_built_in('s')}
            GROUP BY sh.unit_id, s.indicator
        ) q
        """,  # noqa: S608 - only constants are interpolated; values are bound parameters
        [Level.COMMUNE, Level.COMMUNE, end, end, year, now, *dissolved_params, year, *BUILT_IN],
    )
    cursor.execute(f"SELECT a.id FROM units_unit a WHERE {dissolved}", dissolved_params)  # noqa: S608
    ids = tuple(row[0] for row in cursor.fetchall())
    if ids:
        apply_targets(cursor, year, Scope(ids=ids))
    _derive_targets(cursor, year)


def _derive_targets(cursor, year: int) -> None:
    """A successor with no target of its own for the year takes its predecessors' targets weighted by their
    denominators (Σ target × denominator ÷ Σ denominator over the predecessors' rows of the year that have a
    target), when at least one predecessor set its own. So Thành phố Hồ Chí Minh's 2025 target blends Bình
    Dương's 151/KH-UBND targets with those its other predecessors follow. Own target > predecessors' > nearest
    ancestor's; reports.selectors.target_basis names the rule a row's target came from by the same tests.

    `+ps.year`: the unary plus keeps the (year, indicator) index out of the predecessor lookups, so both engines
    find a predecessor's row by its (unit, year, indicator) key; SQLite otherwise scanned the year's rows per row
    (8.7 s for one year of the demo's tree, per rebuild).
    """
    cursor.execute(
        f"""
        UPDATE {ROLLUP} SET target = x.t, on_track = CASE
            WHEN {ROLLUP}.denominator = 0 THEN NULL
            WHEN {ROLLUP}.numerator * 100 >= x.t * {ROLLUP}.denominator THEN %s ELSE %s END
        FROM (
            SELECT s.id AS row_id, ROUND(SUM(ps.target * ps.denominator) / SUM(ps.denominator), 2) AS t
            FROM {ROLLUP} s
            JOIN units_succession e ON e.successor_id = s.unit_id
            JOIN {ROLLUP} ps ON ps.unit_id = e.predecessor_id AND +ps.year = s.year AND ps.indicator = s.indicator
            WHERE s.year = %s AND {_built_in('s')} AND ps.target IS NOT NULL AND ps.denominator > 0
              AND NOT EXISTS (SELECT 1 FROM campaigns_target t
                              WHERE t.unit_id = s.unit_id AND t.year = s.year AND t.indicator = s.indicator
                                AND t.unit_group_id IS NULL)
              AND EXISTS (SELECT 1 FROM units_succession e2
                          JOIN campaigns_target t2 ON t2.unit_id = e2.predecessor_id AND t2.unit_group_id IS NULL
                          JOIN {ROLLUP} ps2 ON ps2.unit_id = e2.predecessor_id
                          WHERE e2.successor_id = s.unit_id AND t2.year = s.year AND t2.indicator = s.indicator
                            AND +ps2.year = s.year AND ps2.indicator = s.indicator AND ps2.denominator > 0)
            GROUP BY s.id
        ) x
        WHERE {ROLLUP}.id = x.row_id
        """,  # noqa: S608 - only constants are interpolated; values are bound parameters
        [True, False, year, *BUILT_IN],
    )


# PostgreSQL advisory transaction locks of the rebuilds, keyed (this space + year, unit id): (…, 0) is the whole
# year, (…, province id) one province's subtree. A full or incremental rebuild and the national step take the
# year's key exclusively; a province of the parallel rebuild takes it shared and its own key exclusively. So the
# provinces of a year run side by side, two rebuilds of one province run one after the other, and a full rebuild
# (or the national step) waits for every province under way and holds them off while it runs. Unlike the row
# locks on the year's reporting rounds used before, it also holds for a year without rounds. Released at commit or
# rollback (a killed worker's connection ends its transaction). SQLite serialises writers by itself.
_LOCK_SPACE = 0x57A7_0000  # + year stays below 2**31 (a PostgreSQL int4 key) until year 34,000


def _lock(year: int, unit_id: int = 0, *, shared: bool = False) -> None:
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_LOCK_SPACE + year, unit_id])


@transaction.atomic
def stats_rebuild(*, year: int, unit_ids: list[int] | None = None) -> int:
    """Recompute the rollup of `year`: all of it, or after a change at `unit_ids` (the changed units and their
    ancestors, as StatsDirty holds them). Returns how many rows the recomputed units hold now.

    The rest of the table must be current (the nightly full rebuild sees to registry edits). Delete + insert
    inside one transaction, so it is idempotent and safe to kill half-way. Takes the year's rebuild lock
    (_lock) so that two rebuilds of one year, or a rebuild and a province of the parallel rebuild, run one
    after the other instead of colliding on the unique (unit, year, indicator) rows.
    """
    _lock(year)
    rollups_changed()
    mend_planner_statistics()  # statistics that read "empty" made one rollup take minutes (all tables: one query)
    plan = _plan(year, None if unit_ids is None else sorted(set(unit_ids)))
    if plan is None:
        return 0
    in_scope, params = plan.scope.sql("s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The statement is big (ten grouped fact queries with correlated probes): its estimated cost triggers
            # PostgreSQL's JIT, which spent 7 s compiling a plan that ran 5 s. Index probes gain nothing from it.
            cursor.execute("SET LOCAL jit = off")
        # Stored rows of kept children are read by the insert: only the scope's own rows go.
        cursor.execute(f"DELETE FROM {ROLLUP} WHERE year = %s AND unit_id IN "  # noqa: S608 - constants only
                       f"(SELECT s.id FROM units_unit s WHERE {in_scope})", [year, *params])
        now = timezone.now()
        _insert(cursor, year, plan, now)
        # What follows reads the fresh rows by year. After a full rebuild (of a year the statistics may not know
        # at all: estimated at 1 row, the targets' UPDATE ran as nested loops for a minute on the demo), ANALYZE
        # them: a sample of the table, a fraction of a second beside the rebuild. After a few units' rows, only
        # statistics that read "empty" are mended.
        if plan.scope.everything and connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {ROLLUP}")
        else:
            mend_planner_statistics((ROLLUP,))
        value_rollup.rebuild_values(cursor, year, plan, now)  # elements and indicators defined as data
        value_rollup.rebuild_defined_indicators(cursor, year, plan.scope, now)
        apply_targets(cursor, year, plan.scope)
        # After every rebuild, full or partial: the successor communes' rows may have changed.
        _continue_dissolved(cursor, year, now)
        cursor.execute(f"SELECT COUNT(*) FROM {ROLLUP} WHERE year = %s AND unit_id IN "  # noqa: S608
                       f"(SELECT s.id FROM units_unit s WHERE {in_scope})", [year, *params])
        return cursor.fetchone()[0]


@transaction.atomic
def stats_refresh_dirty(*, year: int) -> int:
    """Recompute the units marked dirty for `year` (accepted reports' units and their ancestors), then unmark.

    Row locks on the dirty markers (select_for_update) so two workers never drain the same markers.
    """
    # Forget the debounce marker first: an acceptance committed from now on queues a new refresh.
    cache.delete(stats_queued_key(year))
    dirty = list(StatsDirty.objects.select_for_update().filter(year=year).values_list("id", "unit_id"))
    if not dirty:
        return 0
    count = stats_rebuild(year=year, unit_ids=[unit_id for _id, unit_id in dirty])
    StatsDirty.objects.filter(id__in=[i for i, _u in dirty]).delete()
    return count


def recent_years(*, today=None) -> list[int]:
    """The years the nightly job rebuilds: the current and the previous report years (reports of a year are
    accepted into January)."""
    today = today or timezone.localdate()
    return [today.year - 1, today.year]



# --- the parallel rebuild: one task per province of the year, then the national step -------------------------
#
# A full rebuild is one statement over the whole country on one core. The rows of a unit inside a province depend
# only on the facts of that province's subtree (every fact is summed into its ancestors), so the provinces of a
# year can be recomputed side by side, each in its own transaction, and what lies above them (the nation) from
# their stored rows, as the incremental path sums the stored rows of children it keeps. The steps that must see
# the whole year (the dissolved provinces' and districts' rows over their successors, successors' derived targets)
# run in the national step, after every province. Run province by province then national, the table is the full
# rebuild's, row for row (tests/reports/test_parallel_rebuild.py). Between a province's commit and the national
# step, readers see that province's new rows beside the previous national rows (and the previous rows of the
# dissolved units): the national step is a few seconds; the full rebuild remains for when that matters.


def year_provinces(year: int) -> list[Unit]:
    """The provinces on the tree of `year` (the unit and its parent valid on 31/12): the 63 of the old era for a
    year before the 2025 reform, today's 34 after. One ordered list; a province inside another's subtree (never
    in the real tree) is left to the outer one, so the subtrees never overlap."""
    from titles.selectors import on_year_tree

    provinces: list[Unit] = []
    for province in Unit.objects.filter(on_year_tree(year), level=Level.PROVINCE).order_by("path"):
        if not provinces or not province.path.startswith(provinces[-1].path):
            provinces.append(province)
    return provinces


def _province_plan(province: Unit) -> _Plan:
    """Every unit of the province's subtree, from the facts of that subtree, summed up to the province only."""
    return _Plan(Scope(prefixes=(province.path,)), min_depth=province.depth, subtree=True)


def _national_plan(provinces: list[Unit]) -> _Plan:
    """Every unit outside the provinces' subtrees: their ancestors (the nation) from their own facts plus the
    provinces' stored rows (kept children), and every other subtree (ministries, the other era's provinces, …)
    from its facts. The scope is the ancestors by id and the other subtrees by path prefix."""
    province_paths = {p.path for p in provinces}
    containing = {int(a[-SEGMENT:-1]) for p in provinces for a in _ancestor_paths(p.path)[:-1]}
    parents = tuple(sorted({p.parent_id for p in provinces if p.parent_id is not None}))
    others = (Unit.objects.filter(Q(parent__isnull=True) | Q(parent_id__in=containing))
              .exclude(pk__in=containing).order_by("path").values_list("path", flat=True))
    prefixes = tuple(path for path in others if path not in province_paths)
    return _Plan(Scope(ids=tuple(sorted(containing)), prefixes=prefixes), keep_children_of=parents, subtree=True)


def _count_in_scope(cursor, year: int, scope: Scope) -> int:
    in_scope, params = scope.sql("s")
    cursor.execute(f"SELECT COUNT(*) FROM {ROLLUP} WHERE year = %s AND unit_id IN "  # noqa: S608 - constants only
                   f"(SELECT s.id FROM units_unit s WHERE {in_scope})", [year, *params])
    return cursor.fetchone()[0]


def _rebuild_plan(cursor, year: int, plan: _Plan, now) -> None:
    """Delete and recompute the plan's rows (built-in, elements and indicators defined as data, targets)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")  # see stats_rebuild
    in_scope, params = plan.scope.sql("s")
    cursor.execute(f"DELETE FROM {ROLLUP} WHERE year = %s AND unit_id IN "  # noqa: S608 - constants only
                   f"(SELECT s.id FROM units_unit s WHERE {in_scope})", [year, *params])
    if plan.scope.ids or plan.scope.prefixes:
        _insert(cursor, year, plan, now)
    value_rollup.rebuild_values(cursor, year, plan, now)
    value_rollup.rebuild_defined_indicators(cursor, year, plan.scope, now)
    apply_targets(cursor, year, plan.scope)


@transaction.atomic
def stats_rebuild_province(*, year: int, province_id: int) -> int:
    """Recompute the rows of `year` of one province's subtree (a province of year_provinces(year)); returns how
    many rows the subtree holds now. Delete + insert in one transaction: idempotent, safe to run twice or to kill
    half-way. Provinces run side by side (_lock); the national step (stats_rebuild_national) must follow the
    last of them (tasks.rebuild_stats_parallel chains it)."""
    _lock(year, shared=True)
    _lock(year, province_id)
    province = next((p for p in year_provinces(year) if p.pk == province_id), None)
    if province is None:
        raise DomainError(_("Đơn vị #%(id)s không phải tỉnh/thành phố trên cây đơn vị năm %(year)s.")
                          % {"id": province_id, "year": year}, field="province")
    rollups_changed()
    mend_planner_statistics()
    plan = _province_plan(province)
    with connection.cursor() as cursor:
        _rebuild_plan(cursor, year, plan, timezone.now())
        # Provinces commit one by one: only statistics that read "empty" are mended here (an ANALYZE holds a
        # lock that would make the provinces wait for each other); the national step analyses the year's rows.
        return _count_in_scope(cursor, year, plan.scope)


@transaction.atomic
def stats_rebuild_national(*, year: int) -> int:
    """After every province of `year` (stats_rebuild_province): the rows of the units outside the provinces (the
    nation from the provinces' stored rows), then what needs the whole year: the dissolved provinces' and
    districts' rows over their successors and the successors' derived targets. Returns the year's row count."""
    _lock(year)
    rollups_changed()
    mend_planner_statistics()
    plan = _national_plan(year_provinces(year))
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {ROLLUP}")  # the year's fresh rows, read by what follows (see stats_rebuild)
        _rebuild_plan(cursor, year, plan, now)
        _continue_dissolved(cursor, year, now)
        cursor.execute(f"SELECT COUNT(*) FROM {ROLLUP} WHERE year = %s", [year])  # noqa: S608 - constants only
        return cursor.fetchone()[0]


def stats_rebuild_in_parts(*, year: int) -> int:
    """The parallel rebuild's steps one after the other in this process: every province, then the national step
    (what tasks.rebuild_stats_parallel runs as a chord; tests and `manage.py stats_rebuild --parallel` without
    workers). Returns the year's row count."""
    for province in year_provinces(year):
        stats_rebuild_province(year=year, province_id=province.pk)
    return stats_rebuild_national(year=year)
