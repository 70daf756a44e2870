"""The base facts of the statistics: one source per (reporting area, indicator), never two.

Two sources give figures for a piece of the tree:
- the figures of accepted *base* reports (a commune's or a school's yearly report);
- the registries with their recognitions, per registry unit (titles.selectors.recognition_fact_querysets:
  households, clans and citizens per hamlet or organisation; hamlets, communes, organisations as subjects).

Reporting areas. The reporters of a year are the units a base round of that year expects a report from,
plus any unit with an accepted base report. Every unit belongs to the area of its nearest ancestor-or-self
reporter: a hamlet to its commune, a school that reports to itself, a faculty to its university. For each
(reporter, indicator) the facts are the reporter's accepted figure if it has one, else the registry facts
of its area. Registry facts outside every area always count. So a figure replaces exactly the registry rows
it stands for, and sums stay additive (docs/adr/0005-report-rollups.md).

The functions return SQL text with its parameters, for SQLite and PostgreSQL alike. Statements using them
start with `WITH depths(n) AS (...)` (see `with_depths`). Ancestors are found by cutting a unit's path at
each depth and looking the prefix up by equality on the indexed `path` column; every per-row test is an
index probe on a base table, so a plan stays cheap whatever the planner estimates for derived sets.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Max, Q

from campaigns.indicators import Indicator
from definitions.models import PeriodKind
from titles.models import SubjectKind, TitleType
from titles.selectors import REGISTRY_INDICATORS, recognition_fact_querysets
from units.models import PATH_SEGMENT_WIDTH, Unit

from .models import ReportStatus
from .selectors import expected_filter, rounds_for_year

SEGMENT = PATH_SEGMENT_WIDTH + 1  # "00000012/"


@dataclass(frozen=True)
class Scope:
    """Which units' facts a statement reads: all of them, or the units `ids` and the subtrees under `prefixes`."""

    ids: tuple[int, ...] = ()
    prefixes: tuple[str, ...] = ()
    everything: bool = False

    def unit_q(self) -> Q:
        """A Q over units in scope."""
        if self.everything:
            return Q()
        q = Q(pk__in=list(self.ids))
        for prefix in self.prefixes:
            q |= Q(path__startswith=prefix)
        return q

    def sql(self, alias: str) -> tuple[str, list]:
        """A condition on `alias` (a units_unit alias): its row is in scope."""
        if self.everything:
            return "1 = 1", []
        parts, params = [], []
        if self.ids:
            parts.append(f"{alias}.id IN ({', '.join(['%s'] * len(self.ids))})")
            params += list(self.ids)
        for prefix in self.prefixes:
            parts.append(f"{alias}.path LIKE %s")
            params.append(prefix + "%")
        return ("(" + " OR ".join(parts) + ")", params) if parts else ("1 = 0", [])


EVERYTHING = Scope(everything=True)


def depths_sql() -> str:
    """`depths(n)`: 0 .. the deepest depth in the tree, the cuts of a path that name its ancestors."""
    deepest = Unit.objects.aggregate(deepest=Max("depth"))["deepest"] or 0
    return "depths(n) AS (VALUES " + ", ".join(f"({n})" for n in range(deepest + 1)) + ")"


def expected_base_sql(year: int) -> tuple[str, list] | None:
    """The units a base round of `year` expects a report from, as a SELECT of ids; None when no base round."""
    try:
        return (Unit.objects.filter(expected_filter(rounds_for_year(year), base_only=True))
                .order_by().values("id").query.sql_with_params())
    except EmptyResultSet:
        return None


def _accepted_base(alias: str) -> str:
    # Yearly reports only: an interim or final review is a report of its own, never a statistics fact.
    return f"{alias}.year = %s AND {alias}.status = %s AND {alias}.is_summary = %s AND {alias}.period_kind = %s"


def _accepted_base_params(year: int) -> list:
    return [year, ReportStatus.ACCEPTED, False, PeriodKind.YEARLY]


def reporters_sql(year: int) -> tuple[str, list]:
    """Ids of the units that send a base report for `year` (expected by a round, or accepted anyway)."""
    accepted = f"SELECT r.unit_id AS id FROM reports_report r WHERE {_accepted_base('r')}"  # noqa: S608
    expected = expected_base_sql(year)
    if expected is None:
        return accepted, _accepted_base_params(year)
    return f"{expected[0]} UNION {accepted}", [*expected[1], *_accepted_base_params(year)]


def is_reporter_sql(year: int, alias: str) -> tuple[str, list]:
    """A condition: the unit `alias` reports for `year`. Two probes by index (its id among the expected units,
    its accepted base report), so it stays cheap per row whatever the planner estimates."""
    accepted = f"EXISTS (SELECT 1 FROM reports_report ra WHERE ra.unit_id = {alias}.id AND {_accepted_base('ra')})"  # noqa: S608
    expected = expected_base_sql(year)
    if expected is None:
        return accepted, _accepted_base_params(year)
    return (f"(EXISTS (SELECT 1 FROM ({expected[0]}) ex WHERE ex.id = {alias}.id) OR {accepted})",  # noqa: S608
            [*expected[1], *_accepted_base_params(year)])


def with_depths() -> str:
    """The WITH clause every statement built from this module starts with."""
    return f"WITH {depths_sql()} "


def on_year_tree_sql(year: int, unit: str, parent: str) -> tuple[str, list]:
    """titles.selectors.on_year_tree as SQL: the unit `unit` (its parent joined as `parent`) and its parent are
    valid on 31/12 of `year`."""
    end = datetime.date(year, 12, 31)

    def valid(alias: str) -> str:
        return (f"({alias}.valid_from IS NULL OR {alias}.valid_from <= %s) "
                f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %s)")

    return f"{valid(unit)} AND ({unit}.parent_id IS NULL OR ({valid(parent)}))", [end, end, end, end]


def _in_force_sql(alias: str, year: int) -> tuple[str, list]:
    """titles.selectors._in_force as SQL: granted for `year`, or still in force on its 31/12; never if revoked."""
    end = datetime.date(year, 12, 31)
    return (f"{alias}.revoked_at IS NULL AND ({alias}.year = %s OR ({alias}.valid_from <= %s "
            f"AND {alias}.valid_to >= %s))", [year, end, end])


def _held_set_sql(column: str, indicator: str, year: int, *, units: bool = False) -> tuple[str, list]:
    """`SELECT DISTINCT <column> AS id`: the subjects holding a recognition of `indicator` in force in `year`,
    gathered once (one scan of the recognitions), to be hash-joined to the registry rows."""
    in_force, params = _in_force_sql("r", year)
    subject = " AND r.subject_kind = %s" if units else ""
    return (f"SELECT DISTINCT r.{column} AS id FROM titles_recognition r "  # noqa: S608 - constants only
            f"JOIN titles_titletype t ON t.id = r.title_type_id "
            f"WHERE t.indicator = %s AND r.{column} IS NOT NULL AND {in_force}{subject}",
            [indicator, *params, *([SubjectKind.UNIT] if units else [])])


def _registry_sets_sql(year: int) -> tuple[str, list]:
    """The registry indicators of the whole tree, as the hand-written limit of benchmarks/bench_reports.py does:
    recognitions in force gathered once per indicator into sets and hash-joined to the registry rows, instead of
    one correlated probe per registry row; the registry rows of units off the year's tree dropped before
    grouping (before the reform that is most of them: hamlets hang under today's communes); the citizens read
    once for their three indicators. Same rows as recognition_fact_querysets' registry indicators kept on the
    year's tree (tests/reports/test_rollup_registry_sets.py checks it)."""
    ind = Indicator
    on_tree, on_tree_params = on_year_tree_sql(year, "tu", "tp")
    live = f"SELECT tu.id FROM units_unit tu LEFT JOIN units_unit tp ON tp.id = tu.parent_id WHERE {on_tree}"  # noqa: S608
    family, family_params = _held_set_sql("household_id", ind.HOUSEHOLDS_LEARNING_FAMILY, year)
    clan, clan_params = _held_set_sql("clan_id", ind.CLANS_LEARNING_CLAN, year)
    citizen, citizen_params = _held_set_sql("citizen_id", ind.CITIZENS_LEARNING_CITIZEN, year)
    community, community_params = _held_set_sql("unit_id", ind.HAMLETS_LEARNING_COMMUNITY, year, units=True)
    learning_unit, learning_unit_params = _held_set_sql("unit_id", ind.UNITS_LEARNING_UNIT, year, units=True)
    # Citizens, per unit: all (d_all, n_all recognised), with a workplace (d_wp, n_wp), with a workplace in a
    # recognised family (d_wpf, n_wpf). Workers are the latter unless the unit is a recognised learning community
    # (then every citizen with a workplace); officials are all of a recognised learning unit's citizens.
    wp, fam, cit = "c.workplace <> ''", "f.id IS NOT NULL", "ci.id IS NOT NULL"
    sql = f"""
        SELECT h.unit_id, %s AS indicator, COUNT(f.id) AS numerator, COUNT(*) AS denominator
        FROM units_household h JOIN ({live}) l ON l.id = h.unit_id LEFT JOIN ({family}) f ON f.id = h.id
        GROUP BY h.unit_id
        UNION ALL
        SELECT k.unit_id, %s, COUNT(g.id), COUNT(*)
        FROM units_clan k JOIN ({live}) l ON l.id = k.unit_id LEFT JOIN ({clan}) g ON g.id = k.id
        GROUP BY k.unit_id
        UNION ALL
        SELECT unit_id, indicator, numerator, denominator FROM (
            SELECT cg.unit_id, x.indicator,
                   CASE WHEN x.indicator = %s THEN (CASE WHEN hc.id IS NULL THEN cg.n_wpf ELSE cg.n_wp END)
                        ELSE cg.n_all END AS numerator,
                   CASE WHEN x.indicator = %s THEN (CASE WHEN hc.id IS NULL THEN cg.d_wpf ELSE cg.d_wp END)
                        ELSE cg.d_all END AS denominator,
                   lu.id AS learning_unit
            FROM (
                SELECT c.unit_id, COUNT(*) AS d_all, COUNT(ci.id) AS n_all,
                       SUM(CASE WHEN {wp} THEN 1 ELSE 0 END) AS d_wp,
                       SUM(CASE WHEN {wp} AND {cit} THEN 1 ELSE 0 END) AS n_wp,
                       SUM(CASE WHEN {wp} AND {fam} THEN 1 ELSE 0 END) AS d_wpf,
                       SUM(CASE WHEN {wp} AND {fam} AND {cit} THEN 1 ELSE 0 END) AS n_wpf
                FROM units_citizen c JOIN ({live}) l ON l.id = c.unit_id
                LEFT JOIN ({citizen}) ci ON ci.id = c.id
                LEFT JOIN ({family}) f ON f.id = c.household_id
                GROUP BY c.unit_id
            ) cg
            CROSS JOIN (SELECT %s AS indicator UNION ALL SELECT %s UNION ALL SELECT %s) x
            LEFT JOIN ({community}) hc ON hc.id = cg.unit_id
            LEFT JOIN ({learning_unit}) lu ON lu.id = cg.unit_id
        ) cx
        WHERE denominator > 0 AND (indicator <> %s OR learning_unit IS NOT NULL)
    """  # noqa: S608 - only constants are interpolated; values are bound parameters
    params = [
        ind.HOUSEHOLDS_LEARNING_FAMILY, *on_tree_params, *family_params,
        ind.CLANS_LEARNING_CLAN, *on_tree_params, *clan_params,
        ind.WORKERS_LEARNING_CITIZEN, ind.WORKERS_LEARNING_CITIZEN,
        *on_tree_params, *citizen_params, *family_params,
        ind.CITIZENS_LEARNING_CITIZEN, ind.WORKERS_LEARNING_CITIZEN, ind.OFFICIALS_LEARNING_CITIZEN,
        *community_params, *learning_unit_params,
        ind.OFFICIALS_LEARNING_CITIZEN,
    ]
    return sql, params


def _title_types_by_indicator() -> dict[str, list[int]]:
    """The title types of each indicator, read once per statement built (a handful of rows)."""
    types: dict[str, list[int]] = {}
    for pk, indicator in TitleType.objects.exclude(indicator="").order_by("pk").values_list("pk", "indicator"):
        types.setdefault(indicator, []).append(pk)
    return types


def _probe_sql(column: str, outer: str, indicator: str, year: int, types: dict[str, list[int]], *,
               units: bool = False) -> tuple[str, list]:
    """`CASE WHEN EXISTS (…) THEN 1 ELSE 0 END`: the subject `outer` holds a recognition of `indicator` in force
    in `year`, probed through the index of the recognitions' `column` (household_id, clan_id, citizen_id,
    unit_id). The same rule as _held_set_sql, one registry row at a time.

    The indicator's title types are bound as values (`types`: _title_types_by_indicator), not looked up by a
    subquery: PostgreSQL ran `title_type_id IN (SELECT …)` as a nested loop (a scan of titles_titletype, then
    the index probe) for every registry row, 1.5 million times for a 200,000-household province, which cost
    about as much as the probes themselves."""
    ids = types.get(indicator, [])
    if not ids:  # no title type counts for the indicator: nobody holds it
        return "0", []
    in_force, params = _in_force_sql("r", year)
    subject = " AND r.subject_kind = %s" if units else ""
    return (f"CASE WHEN EXISTS (SELECT 1 FROM titles_recognition r WHERE r.{column} = {outer} "  # noqa: S608
            f"AND r.title_type_id IN ({', '.join(['%s'] * len(ids))}) "
            f"AND {in_force}{subject}) THEN 1 ELSE 0 END",
            [*ids, *params, *([SubjectKind.UNIT] if units else [])])


def _registry_subtree_sql(year: int, scope: Scope) -> tuple[str, list]:
    """The registry indicators of the registry units in `scope` on the year's tree: one province of a parallel
    rebuild (aggregation.stats_rebuild_province), or what lies outside every province (the national step).

    The rows and rules of _registry_sets_sql (citizens read once for their three indicators, units off the
    year's tree dropped before grouping), but each registry row probes the recognitions' indexes instead of
    joining sets gathered from every recognition in force: gathering them would read the whole country's
    recognitions once per province. Probing per row was also the cheaper hand-written form of the limit
    (benchmarks/bench_reports.py, "probed"); the ORM querysets probe the same way but read the citizens three
    times. tests/reports/test_parallel_rebuild.py checks these rows against the full rebuild's."""
    ind = Indicator
    on_tree, on_tree_params = on_year_tree_sql(year, "tu", "tp")
    in_scope, scope_params = scope.sql("tu")
    live = (f"SELECT tu.id FROM units_unit tu LEFT JOIN units_unit tp ON tp.id = tu.parent_id "  # noqa: S608
            f"WHERE {on_tree} AND {in_scope}")
    live_params = [*on_tree_params, *scope_params]
    types = _title_types_by_indicator()
    family_h, family_h_params = _probe_sql("household_id", "h.id", ind.HOUSEHOLDS_LEARNING_FAMILY, year, types)
    clan, clan_params = _probe_sql("clan_id", "k.id", ind.CLANS_LEARNING_CLAN, year, types)
    citizen, citizen_params = _probe_sql("citizen_id", "c.id", ind.CITIZENS_LEARNING_CITIZEN, year, types)
    family_c, family_c_params = _probe_sql("household_id", "c.household_id", ind.HOUSEHOLDS_LEARNING_FAMILY, year,
                                           types)
    community, community_params = _probe_sql("unit_id", "p.unit_id", ind.HAMLETS_LEARNING_COMMUNITY, year, types,
                                             units=True)
    learning_unit, learning_unit_params = _probe_sql("unit_id", "p.unit_id", ind.UNITS_LEARNING_UNIT, year, types,
                                                     units=True)
    # PostgreSQL: OFFSET 0 keeps the per-citizen subquery `p` whole. Pulled up into the grouping, each reference
    # to p.cit / p.fam became a copy of its probe inside each aggregate: the citizen probe ran 3 times per citizen
    # and the family probe twice per citizen with a workplace (2.5 million probes instead of 0.9 million for a
    # 200,000-household province). SQLite takes no OFFSET without LIMIT.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = f"""
        SELECT h.unit_id, %s AS indicator, SUM({family_h}) AS numerator, COUNT(*) AS denominator
        FROM units_household h JOIN ({live}) l ON l.id = h.unit_id
        GROUP BY h.unit_id
        UNION ALL
        SELECT k.unit_id, %s, SUM({clan}), COUNT(*)
        FROM units_clan k JOIN ({live}) l ON l.id = k.unit_id
        GROUP BY k.unit_id
        UNION ALL
        SELECT unit_id, indicator, numerator, denominator FROM (
            SELECT cg.unit_id, x.indicator,
                   CASE WHEN x.indicator = %s THEN (CASE WHEN cg.hc = 0 THEN cg.n_wpf ELSE cg.n_wp END)
                        ELSE cg.n_all END AS numerator,
                   CASE WHEN x.indicator = %s THEN (CASE WHEN cg.hc = 0 THEN cg.d_wpf ELSE cg.d_wp END)
                        ELSE cg.d_all END AS denominator,
                   cg.lu AS learning_unit
            FROM (
                SELECT p.unit_id, {community} AS hc, {learning_unit} AS lu,
                       COUNT(*) AS d_all, SUM(p.cit) AS n_all, SUM(p.wp) AS d_wp, SUM(p.wp * p.cit) AS n_wp,
                       SUM(p.wp * p.fam) AS d_wpf, SUM(p.wp * p.fam * p.cit) AS n_wpf
                FROM (
                    SELECT c.unit_id, {citizen} AS cit,
                           CASE WHEN c.workplace <> '' THEN 1 ELSE 0 END AS wp,
                           CASE WHEN c.workplace <> '' THEN {family_c} ELSE 0 END AS fam
                    FROM units_citizen c JOIN ({live}) l ON l.id = c.unit_id{fence}
                ) p
                GROUP BY p.unit_id
            ) cg
            CROSS JOIN (SELECT %s AS indicator UNION ALL SELECT %s UNION ALL SELECT %s) x
        ) cx
        WHERE denominator > 0 AND (indicator <> %s OR learning_unit = 1)
    """  # noqa: S608 - only constants are interpolated; values are bound parameters
    params = [
        ind.HOUSEHOLDS_LEARNING_FAMILY, *family_h_params, *live_params,
        ind.CLANS_LEARNING_CLAN, *clan_params, *live_params,
        ind.WORKERS_LEARNING_CITIZEN, ind.WORKERS_LEARNING_CITIZEN,
        *community_params, *learning_unit_params,
        *citizen_params, *family_c_params, *live_params,
        ind.CITIZENS_LEARNING_CITIZEN, ind.WORKERS_LEARNING_CITIZEN, ind.OFFICIALS_LEARNING_CITIZEN,
        ind.OFFICIALS_LEARNING_CITIZEN,
    ]
    return sql, params


def registry_facts_sql(year: int, scope: Scope, *, gathered: bool | None = None,
                       subtree: bool = False) -> tuple[str, list]:
    """Rows (unit_id, indicator, numerator, denominator) of the registries, for registry units in scope and on
    the year's tree (a year is counted on one tree: docs/adr/0005-report-rollups.md).

    The whole tree (a full rebuild): the registry indicators from sets gathered once (_registry_sets_sql). A few
    subtrees (the incremental path, a report's prefill): the ORM querysets, whose per-row probes read only the
    registry rows in scope — gathering every recognition in force of the country would cost more than that.
    `gathered=False` takes the probes on the whole tree too (the benchmark times both ways). `subtree=True`
    (a province of the parallel rebuild, or the national step's rest of the tree): _registry_subtree_sql."""
    if subtree and not scope.everything:
        sets, sets_params = _registry_subtree_sql(year, scope)
        parts, params = [sets], list(sets_params)
        for indicator, qs in recognition_fact_querysets(year).items():
            if indicator not in REGISTRY_INDICATORS:  # units as subjects: a probe per unit in scope
                sql, qs_params = qs.order_by().filter(scope.unit_q()).query.sql_with_params()
                parts.append(f"SELECT unit_id, indicator, numerator, denominator FROM ({sql}) rs{len(parts)}")  # noqa: S608
                params += qs_params
        return " UNION ALL ".join(parts), params
    if scope.everything and gathered is not False:
        sets, sets_params = _registry_sets_sql(year)
        parts, params = [sets], list(sets_params)
        for indicator, qs in recognition_fact_querysets(year).items():
            if indicator not in REGISTRY_INDICATORS:  # units as subjects: a probe per unit, a few thousand
                sql, qs_params = qs.order_by().query.sql_with_params()
                parts.append(f"SELECT unit_id, indicator, numerator, denominator FROM ({sql}) rs{len(parts)}")  # noqa: S608
                params += qs_params
        return " UNION ALL ".join(parts), params
    in_scope = Unit.objects.filter(scope.unit_q()).order_by().values("id")
    on_tree, on_tree_params = on_year_tree_sql(year, "tu", "tp")
    parts, params = [], []
    for indicator, qs in recognition_fact_querysets(year).items():
        qs = qs.order_by()  # a member of UNION ALL carries no ORDER BY
        if not scope.everything:
            # One table's condition each time (a subquery for registry rows), so both databases use an index.
            qs = qs.filter(scope.unit_q()) if qs.model is Unit else qs.filter(unit__in=in_scope)
        sql, qs_params = qs.query.sql_with_params()
        alias = f"rf{len(parts)}"
        if indicator in REGISTRY_INDICATORS:
            # Grouped per unit first, then joined to the units: a join with thousands of rows, not millions.
            parts.append(
                f"SELECT {alias}.unit_id, {alias}.indicator, {alias}.numerator, {alias}.denominator "  # noqa: S608
                f"FROM ({sql}) {alias} JOIN units_unit tu ON tu.id = {alias}.unit_id "
                f"LEFT JOIN units_unit tp ON tp.id = tu.parent_id WHERE {on_tree}")
            params += [*qs_params, *on_tree_params]
        else:  # units as subjects: the queryset keeps the year's tree itself
            parts.append(f"SELECT unit_id, indicator, numerator, denominator FROM ({sql}) {alias}")  # noqa: S608
            params += qs_params
    return " UNION ALL ".join(parts), params


def accepted_figures_sql(year: int, scope: Scope) -> tuple[str, list]:
    """Rows (unit_id, indicator, numerator, denominator) of accepted base reports of units in scope."""
    condition, params = scope.sql("u")
    sql = (
        "SELECT r.unit_id, f.indicator, f.numerator, f.denominator FROM reports_reportfigure f "  # noqa: S608
        "JOIN reports_report r ON r.id = f.report_id JOIN units_unit u ON u.id = r.unit_id "
        f"WHERE {_accepted_base('r')} AND {condition}"
    )
    return sql, [*_accepted_base_params(year), *params]


def owners_sql(year: int, scope: Scope) -> tuple[str, list]:
    """(unit_id, unit_path, owner_depth) for every unit in scope inside some reporting area: the depth of its
    nearest ancestor-or-self reporter (one grouped join over the units in scope)."""
    condition, params = scope.sql("u")
    reporter, reporter_params = is_reporter_sql(year, "o")
    sql = f"""
        SELECT u.id AS unit_id, u.path AS unit_path, MAX(d.n) AS owner_depth
        FROM units_unit u
        JOIN depths d ON d.n <= u.depth
        JOIN units_unit o ON o.path = SUBSTR(u.path, 1, (d.n + 1) * {SEGMENT})
        WHERE {condition} AND {reporter}
        GROUP BY u.id, u.path
    """  # noqa: S608 - only constants are interpolated; values are bound parameters
    return sql, [*params, *reporter_params]


def base_facts_sql(year: int, scope: Scope, *, gathered: bool | None = None,
                   subtree: bool = False) -> tuple[str, list]:
    """The base facts of units in scope: accepted figures, and the registry rows no figure replaces.

    A registry row is replaced when an ancestor-or-self of its unit has an accepted figure for the same
    indicator and no reporter lies below that ancestor on the way to the unit (so that ancestor is the unit's
    owner). Written as index probes per registry row (path cut → report → figure), never as a join with a
    computed set: the planner cannot estimate such a set and once picked a nested loop over 338 million pairs.
    The "no reporter below" test hangs on the figure row (`f.id IS NULL OR …`, never true for f.id) so that it
    runs only where a figure was found; as a bare NOT EXISTS the planner ran it first, for every ancestor.
    Needs `with_depths` in the statement.
    """
    registry, registry_params = registry_facts_sql(year, scope, gathered=gathered, subtree=subtree)
    figures, figure_params = accepted_figures_sql(year, scope)
    reporter, reporter_params = is_reporter_sql(year, "b")
    sql = f"""
        SELECT rf.unit_id, rf.indicator, rf.numerator, rf.denominator
        FROM ({registry}) rf JOIN units_unit u ON u.id = rf.unit_id
        WHERE NOT EXISTS (
            SELECT 1 FROM depths d
            JOIN units_unit o ON o.path = SUBSTR(u.path, 1, (d.n + 1) * {SEGMENT})
            JOIN reports_report r ON r.unit_id = o.id
            JOIN reports_reportfigure f ON f.report_id = r.id
            WHERE d.n <= u.depth AND {_accepted_base('r')} AND f.indicator = rf.indicator
              AND (f.id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM depths e JOIN units_unit b ON b.path = SUBSTR(u.path, 1, (e.n + 1) * {SEGMENT})
                  WHERE e.n > o.depth AND e.n <= u.depth AND {reporter})))
        UNION ALL
        {figures}
    """  # noqa: S608 - only constants are interpolated; values are bound parameters
    return sql, [*registry_params, *_accepted_base_params(year), *reporter_params, *figure_params]


def area_registry_sql(year: int, unit: Unit) -> tuple[str, list]:
    """(indicator, numerator, denominator) of the registries in `unit`'s reporting area: its subtree, less
    the subtrees of the reporters below it. Needs `with_depths` in the statement.

    The registry rows come from _registry_subtree_sql (the citizens read once for their three indicators, the
    title types bound as values), not from the ORM querysets: those probe the recognitions three times per
    citizen, and a commune's draft took about a second to open (every report_create, every commune of a data
    exchange file)."""
    registry, params = registry_facts_sql(year, Scope(prefixes=(unit.path,)), subtree=True)
    reporter, reporter_params = is_reporter_sql(year, "o")
    sql = f"""
        SELECT rf.indicator, SUM(rf.numerator), SUM(rf.denominator)
        FROM ({registry}) rf JOIN units_unit u ON u.id = rf.unit_id
        WHERE NOT EXISTS (
            SELECT 1 FROM depths d JOIN units_unit o ON o.path = SUBSTR(u.path, 1, (d.n + 1) * {SEGMENT})
            WHERE d.n > %s AND d.n <= u.depth AND {reporter})
        GROUP BY rf.indicator
    """  # noqa: S608 - only constants are interpolated; values are bound parameters
    return sql, [*params, unit.depth, *reporter_params]


def registry_by_reporter_sql(year: int, scope: Scope) -> tuple[str, list]:
    """(reporter id, indicator, numerator, denominator): the registries of every reporting area in scope,
    each summed to its reporter (area_registry_sql for many reporters at once). Needs `with_depths`."""
    registry, params = registry_facts_sql(year, scope, subtree=True)
    owners, owner_params = owners_sql(year, scope)
    sql = f"""
        SELECT owner.id, rf.indicator, SUM(rf.numerator), SUM(rf.denominator) FROM ({registry}) rf
        JOIN ({owners}) ow ON ow.unit_id = rf.unit_id
        JOIN units_unit owner ON owner.path = SUBSTR(ow.unit_path, 1, (ow.owner_depth + 1) * {SEGMENT})
        GROUP BY owner.id, rf.indicator
    """  # noqa: S608 - only constants are interpolated; values are bound parameters
    return sql, [*params, *owner_params]
