"""Targets on the statistics rollup: which target each StatRollup row is measured against, and whether it is on track.

A target (campaigns.Target) is set on a unit for an indicator and a year, either for the whole of the unit's subtree
or, with a unit group, only for the group's members (and their subtrees) inside it ("mountainous communes of Hà
Tĩnh: 60% in 2026"). For a row of unit u the precedence is:

1. u's own target (set on u, no group);
2. a group target for which u or an ancestor of u, at or below the target's unit, is a member — the deepest
   target unit first (a province's group target beats a national one);
3. the nearest ancestor's general target (no group), as before groups existed.

Ties (two plans setting the same target) go to the newest target row. reports.selectors names the rule that
produced a row's target (`target_basis`) by the same tests; reports.aggregation._derive_targets may then give a
successor commune its predecessors' targets instead (only when it has no own target).

One set-based UPDATE: each row's ancestors-or-self by path cut (as the rollup itself), joined by equality to a
small table of candidates — every general target anchored at its unit, every group target anchored at each of the
group's members inside the target's unit — then ranked per row. No Python loop over units or indicators.
"""

from __future__ import annotations

from definitions.models import Direction, IndicatorDefinition, UnitGroup

from .facts import SEGMENT, Scope, with_depths
from .models import StatRollup

ROLLUP = StatRollup._meta.db_table
TARGETS = "campaigns_target"
INDICATORS = IndicatorDefinition._meta.db_table
_MEMBERS = UnitGroup.units.through._meta
MEMBERS = _MEMBERS.db_table
MEMBER_GROUP = _MEMBERS.get_field("unitgroup").column
MEMBER_UNIT = _MEMBERS.get_field("unit").column

# Ranks of the precedence above (lower wins).
OWN, GROUP, ANCESTOR = 0, 1, 2


def candidates_sql() -> str:
    """`candidates(anchor_id, indicator, percentage, target_id, grouped, target_depth)` for one year (one %s).

    A general target is anchored at its own unit; a group target at each member that lies in its unit's subtree
    (so a member outside it never receives the target). A row of unit u matches the candidates anchored at u or
    at an ancestor of u."""
    return f"""candidates(anchor_id, indicator, percentage, target_id, grouped, target_depth) AS (
        SELECT t.unit_id, t.indicator, t.percentage, t.id, 0, tu.depth
        FROM {TARGETS} t JOIN units_unit tu ON tu.id = t.unit_id
        WHERE t.year = %s AND t.unit_group_id IS NULL
        UNION ALL
        SELECT m.{MEMBER_UNIT}, t.indicator, t.percentage, t.id, 1, tu.depth
        FROM {TARGETS} t
        JOIN units_unit tu ON tu.id = t.unit_id
        JOIN {MEMBERS} m ON m.{MEMBER_GROUP} = t.unit_group_id
        JOIN units_unit mu ON mu.id = m.{MEMBER_UNIT}
        WHERE t.year = %s AND t.unit_group_id IS NOT NULL AND SUBSTR(mu.path, 1, LENGTH(tu.path)) = tu.path
    )"""  # noqa: S608 - only constants are interpolated; values are bound parameters


def apply_targets(cursor, year: int, scope: Scope) -> None:
    """Set `target` and `on_track` on the year's rows of the units in `scope` (rows with no target get none).

    on_track compares exactly, without the rounded percentage: numerator × factor against target × denominator,
    "at least" for an indicator where higher is better, "at most" where lower is better (an indicator defined as
    data says which; the built-in ones are percentages where higher is better)."""
    in_scope, params = scope.sql("su")
    cursor.execute(
        with_depths() + ", " + candidates_sql() + f"""
        UPDATE {ROLLUP} SET target = x.percentage, on_track = CASE
            WHEN {ROLLUP}.denominator = 0 THEN NULL
            WHEN x.lower_is_better = 1 THEN
                CASE WHEN {ROLLUP}.numerator * x.factor <= x.percentage * {ROLLUP}.denominator THEN %s ELSE %s END
            WHEN {ROLLUP}.numerator * x.factor >= x.percentage * {ROLLUP}.denominator THEN %s ELSE %s END
        FROM (
            SELECT s.id AS row_id, c.percentage,
                   COALESCE(i.factor, 100) AS factor,
                   CASE WHEN i.direction = %s THEN 1 ELSE 0 END AS lower_is_better,
                   ROW_NUMBER() OVER (
                       PARTITION BY s.id
                       ORDER BY CASE WHEN c.grouped = 1 THEN {GROUP}
                                     WHEN d.n = su.depth THEN {OWN} ELSE {ANCESTOR} END,
                                c.target_depth DESC, c.target_id DESC
                   ) AS nearest
            FROM {ROLLUP} s
            JOIN units_unit su ON su.id = s.unit_id
            JOIN depths d ON d.n <= su.depth
            JOIN units_unit a ON a.path = SUBSTR(su.path, 1, (d.n + 1) * {SEGMENT})
            JOIN candidates c ON c.anchor_id = a.id AND c.indicator = s.indicator
            LEFT JOIN {INDICATORS} i ON i.slug = s.indicator
            WHERE s.year = %s AND {in_scope}
        ) x
        WHERE {ROLLUP}.id = x.row_id AND x.nearest = 1
        """,  # noqa: S608 - only constants are interpolated; values are bound parameters
        [year, year, True, False, True, False, Direction.LOWER, year, *params],
    )
