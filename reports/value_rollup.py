"""The rollup of data elements defined as data, and the statistics of indicators defined as data.

Called by reports.aggregation.stats_rebuild inside its transaction, after the built-in rows are inserted and
before targets are applied, with the same plan (so the StatsDirty refresh and the nightly rebuild include it).

1. ValueRollup: the values (ReportValue) of accepted yearly base reports (not summaries: they restate their
   children's figures) joined to every ancestor of their unit by cutting the unit's path at each depth — the
   technique of reports/aggregation.py — one row per (unit, element, option) and a total row (option empty) per
   element. An element aggregated 'none' is kept at the reporting unit only. Incremental like the built-in rollup:
   the plan's units are recomputed, the stored rows of kept children are summed into recomputed ancestors.
2. Every active indicator defined as data (not built-in), for every unit in scope: its numerator and denominator
   expressions rendered as SQL (definitions.expressions.to_sql) over a pivot of ValueRollup and of the built-in
   StatRollup rows (an element bound to a built-in figure reads that indicator's numerator or denominator).
   One INSERT per indicator, whatever the number of units; it writes the indicator's own rows (option empty) and,
   when all its elements share one breakdown, one row per option of it.

StatRollup's numerator and denominator are whole numbers: the expression values are rounded there; the
percentage is computed from the unrounded values (× factor, to the indicator's decimals, at most two: the column).
"""

from __future__ import annotations

from dataclasses import dataclass

from definitions.expressions import Expression, ExpressionError, Ref, parse
from definitions.models import Aggregation, CategoryOption, DataElement, IndicatorDefinition, PeriodKind

from .facts import SEGMENT, Scope, with_depths
from .models import ReportStatus, StatRollup, ValueRollup

VALUES = ValueRollup._meta.db_table
ROLLUP = StatRollup._meta.db_table
# StatRollup.percentage is numeric(7, 2): a larger value (a factor of 1000 on a ratio above 100) is left empty
# rather than failing the whole rebuild.
MAX_PERCENTAGE = 99_999


def _accepted_values_sql(year: int, scope: Scope) -> tuple[str, list]:
    """(unit_id, element_id, option_id, value) of accepted yearly base reports of units in scope, each value
    once with its option and, for a breakdown, once more as part of the element's total (option NULL)."""
    in_scope, params = scope.sql("u")
    base = (
        "SELECT r.unit_id, v.data_element_id, v.option_id, v.value FROM reports_reportvalue v "  # noqa: S608
        "JOIN reports_report r ON r.id = v.report_id JOIN units_unit u ON u.id = r.unit_id "
        f"WHERE r.year = %s AND r.status = %s AND r.is_summary = %s AND r.period_kind = %s AND {in_scope}"
    )
    base_params = [year, ReportStatus.ACCEPTED, False, PeriodKind.YEARLY, *params]
    return (
        f"SELECT unit_id, data_element_id, option_id, value FROM ({base}) b "  # noqa: S608
        "UNION ALL SELECT unit_id, data_element_id, CAST(NULL AS BIGINT), value "
        f"FROM ({base}) t WHERE t.option_id IS NOT NULL",
        [*base_params, *base_params],
    )


def _kept_children_values_sql(year: int, scope: Scope, keep_children_of: tuple[int, ...]) -> tuple[str, list]:
    """Stored rows (totals and options) of the children outside the scope of recomputed ancestors, counted at
    their parent; elements aggregated 'none' stay where they are."""
    in_scope, params = scope.sql("y")
    placeholders = ", ".join(["%s"] * len(keep_children_of))
    return (
        f"SELECT y.parent_id AS unit_id, s.data_element_id, s.option_id, s.value FROM {VALUES} s "  # noqa: S608
        "JOIN units_unit y ON y.id = s.unit_id JOIN definitions_dataelement e ON e.id = s.data_element_id "
        f"WHERE s.year = %s AND y.parent_id IN ({placeholders}) AND NOT {in_scope} AND e.aggregation = %s",
        [year, *keep_children_of, *params, Aggregation.SUM],
    )


def rebuild_values(cursor, year: int, plan, now) -> None:
    """Recompute the ValueRollup rows of the plan's units (reports.aggregation._Plan): one DELETE, one INSERT."""
    scope: Scope = plan.scope
    in_scope, params = scope.sql("s")
    cursor.execute(f"DELETE FROM {VALUES} WHERE year = %s AND unit_id IN "  # noqa: S608 - constants only
                   f"(SELECT s.id FROM units_unit s WHERE {in_scope})", [year, *params])
    sources, source_params = _accepted_values_sql(year, scope)
    if plan.keep_children_of:
        kept, kept_params = _kept_children_values_sql(year, scope, plan.keep_children_of)
        sources, source_params = f"{sources} UNION ALL {kept}", [*source_params, *kept_params]
    # A kept child's row arrives already at its parent (depth cut at the parent's own depth): it is summed into
    # the parent and its ancestors like a fact of the parent.
    cursor.execute(
        with_depths() + f"""
        INSERT INTO {VALUES} (year, computed_at, unit_id, data_element_id, option_id, value)
        SELECT %s, %s, a.id, x.data_element_id, x.option_id, SUM(x.value)
        FROM ({sources}) x
        JOIN definitions_dataelement e ON e.id = x.data_element_id
        JOIN units_unit u ON u.id = x.unit_id
        JOIN depths d ON d.n <= u.depth AND d.n >= {int(getattr(plan, "min_depth", 0))}
                      AND (e.aggregation = %s OR d.n = u.depth)
        JOIN units_unit a ON a.path = SUBSTR(u.path, 1, (d.n + 1) * {SEGMENT})
        GROUP BY a.id, x.data_element_id, x.option_id
        """,  # noqa: S608 - only constants are interpolated; values are bound parameters
        [year, now, *source_params, Aggregation.SUM],
    )


# --- indicators defined as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    slug: str
    numerator: Expression
    denominator: Expression
    refs: tuple[Ref, ...]  # the union of both sides' references, each read as column r<i> of the pivot
    elements: dict[str, DataElement]
    breakdown: int | None  # the category whose options get rows of their own
    factor: int
    decimals: int


def _compile(definition: IndicatorDefinition, elements: dict[str, DataElement]) -> _Compiled | None:
    try:
        numerator, denominator = parse(definition.numerator), parse(definition.denominator)
    except ExpressionError:
        return None  # refused by definitions.services when written; an old bad one has no statistics
    refs = tuple(dict.fromkeys([*numerator.refs, *denominator.refs]))
    if any(ref.element not in elements for ref in refs):
        return None
    used = [elements[ref.element] for ref in refs]
    categories = {e.category_id for e in used}
    breakdown = None
    if (refs and len(categories) == 1 and None not in categories and not any(e.is_builtin for e in used)
            and all(ref.option is None for ref in refs)):
        breakdown = next(iter(categories))
    return _Compiled(definition.slug, numerator, denominator, refs, elements, breakdown, definition.factor,
                     definition.decimals)


def _source_sql(index: int, ref: Ref, element: DataElement, options: dict[tuple[int, str], int], breakdown: bool,
                year: int, in_scope: str, scope_params: list) -> tuple[str, list]:
    """The rows of pivot column r<index>: (unit_id, opt, k, v). `opt` is NULL on the indicator's own rows and the
    option's id on a breakdown's rows."""
    if element.is_builtin:
        part = "numerator" if element.figure_part == "numerator" else "denominator"
        return (f"SELECT sr.unit_id, CAST(NULL AS BIGINT) AS opt, {index} AS k, sr.{part} AS v FROM {ROLLUP} sr "  # noqa: S608
                "JOIN units_unit s ON s.id = sr.unit_id "
                f"WHERE sr.year = %s AND sr.indicator = %s AND sr.option_id IS NULL AND {in_scope}",
                [year, element.figure_indicator, *scope_params])
    head = (f"SELECT vr.unit_id, {{opt}} AS opt, {index} AS k, vr.value AS v FROM {VALUES} vr "  # noqa: S608
            f"JOIN units_unit s ON s.id = vr.unit_id WHERE vr.year = %s AND vr.data_element_id = %s AND ")
    if ref.option is not None:
        option_id = options.get((element.category_id or 0, ref.option), 0)
        parts = [(head.format(opt="CAST(NULL AS BIGINT)") + f"vr.option_id = %s AND {in_scope}",
                  [year, element.pk, option_id, *scope_params])]
    else:
        parts = [(head.format(opt="CAST(NULL AS BIGINT)") + f"vr.option_id IS NULL AND {in_scope}",
                  [year, element.pk, *scope_params])]
        if breakdown:
            parts.append((head.format(opt="vr.option_id") + f"vr.option_id IS NOT NULL AND {in_scope}",
                          [year, element.pk, *scope_params]))
    return " UNION ALL ".join(p[0] for p in parts), [param for p in parts for param in p[1]]


def _insert_indicator(cursor, year: int, scope: Scope, now, compiled: _Compiled,
                      options: dict[tuple[int, str], int]) -> None:
    in_scope, scope_params = scope.sql("s")
    sources, params = [], []
    for index, ref in enumerate(compiled.refs):
        sql, sql_params = _source_sql(index, ref, compiled.elements[ref.element], options,
                                      compiled.breakdown is not None, year, in_scope, scope_params)
        sources.append(sql)
        params += sql_params
    columns = ", ".join(f"SUM(CASE WHEN p.k = {i} THEN p.v END) AS r{i}" for i in range(len(compiled.refs)))

    def column_of(ref: Ref) -> str:
        return f"q.r{compiled.refs.index(ref)}"

    numerator = _to_sql(compiled.numerator, column_of)
    denominator = _to_sql(compiled.denominator, column_of)
    places = min(compiled.decimals, 2)
    cursor.execute(
        f"""
        INSERT INTO {ROLLUP} (year, computed_at, unit_id, indicator, option_id, numerator, denominator, percentage)
        SELECT %s, %s, w.unit_id, %s, w.opt,
               CAST(COALESCE(ROUND(w.n), 0) AS BIGINT), CAST(COALESCE(ROUND(w.d), 0) AS BIGINT),
               CASE WHEN w.d IS NULL OR w.d = 0 OR w.n IS NULL THEN NULL
                    WHEN ABS(w.n * {compiled.factor} / w.d) >= {MAX_PERCENTAGE} THEN NULL
                    ELSE ROUND(w.n * {compiled.factor} / w.d, {places}) END
        FROM (
            SELECT q.unit_id, q.opt, {numerator} AS n, {denominator} AS d
            FROM (SELECT p.unit_id, p.opt, {columns} FROM ({" UNION ALL ".join(sources)}) p
                  GROUP BY p.unit_id, p.opt) q
        ) w
        """,  # noqa: S608 - only constants and parsed numbers are interpolated; values are bound parameters
        [year, now, compiled.slug, *params],
    )


def _to_sql(expression: Expression, column_of) -> str:
    from definitions.expressions import to_sql

    # Numeric arithmetic on both engines: 1.0 * keeps SQLite from integer division on whole-number sums.
    return f"(1.0 * {to_sql(expression, column_of)})"


def defined_indicators() -> list[IndicatorDefinition]:
    return list(IndicatorDefinition.objects.filter(builtin=False, is_active=True).order_by("slug"))


def rebuild_defined_indicators(cursor, year: int, scope: Scope, now) -> None:
    """The StatRollup rows of every active indicator defined as data, for the units in scope: one DELETE, then
    one INSERT per indicator (never a loop over units). Reads ValueRollup and the built-in StatRollup rows of
    the same units, so it runs after both are current."""
    definitions = defined_indicators()
    in_scope, params = scope.sql("s")
    # Rows of indicators no longer defined as data go too (a deactivated one); built-in rows stay.
    cursor.execute(
        f"DELETE FROM {ROLLUP} WHERE year = %s AND unit_id IN (SELECT s.id FROM units_unit s WHERE {in_scope}) "  # noqa: S608
        f"AND indicator NOT IN (SELECT slug FROM definitions_indicatordefinition WHERE builtin = %s)",
        [year, *params, True])
    if not definitions:
        return
    elements = {e.code: e for e in DataElement.objects.all()}
    options = {(o.category_id, o.code): o.pk for o in CategoryOption.objects.all()}
    for definition in definitions:
        compiled = _compile(definition, elements)
        if compiled is None or not compiled.refs:
            continue
        _insert_indicator(cursor, year, scope, now, compiled, options)
