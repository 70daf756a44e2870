"""A form version's validation rules on a report's figures and values.

`check_values` is pure (the page shows every outcome while the officer types); `check_report` reads one report.
A reference reads: a built-in element → its ReportFigure part; `#{e.option}` → that option's value; `#{e}` of an
element with a breakdown → the sum of its options; a missing value → 0 (definitions.expressions). A side that
divides by 0 is undefined: the rule cannot be judged and counts as passed (as DHIS2 skips it).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from definitions.expressions import Expression, ExpressionError, Ref, evaluate, parse
from definitions.models import Severity

from .form_versions import ElementInfo, Layout, RuleInfo, layout

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}

# {slug: (numerator, denominator)} and {(element code, option code or None): value}
Figures = Mapping[str, tuple[int, int]]
Values = Mapping[tuple[str, str | None], Decimal | int]


@dataclass(frozen=True)
class RuleOutcome:
    rule: RuleInfo
    passed: bool
    left_value: Decimal | None
    right_value: Decimal | None
    field: str  # the first element the left side reads: "figures.<slug>.<part>" or "values.<code>[.<option>]"

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def message(self) -> str:
        return self.rule.message

    @property
    def blocking(self) -> bool:
        return self.rule.severity == Severity.BLOCKING


def field_of(ref: Ref, elements: Mapping[str, ElementInfo]) -> str:
    element = elements.get(ref.element)
    if element is not None and element.is_builtin:
        return f"figures.{element.figure_indicator}.{element.figure_part}"
    return f"values.{ref.element}" + (f".{ref.option}" if ref.option else "")


def _reader(figures: Figures, values: Values, elements: Mapping[str, ElementInfo]) -> Callable[[Ref], Decimal | None]:
    option_sums: dict[str, Decimal] = {}
    for (code, option), value in values.items():
        if option is not None:
            option_sums[code] = option_sums.get(code, Decimal(0)) + Decimal(value)

    def value_of(ref: Ref) -> Decimal | None:
        element = elements.get(ref.element)
        if element is not None and element.is_builtin:
            pair = figures.get(element.figure_indicator)
            if pair is None:
                return None
            return Decimal(pair[0] if element.figure_part == "numerator" else pair[1])
        if ref.option is not None:
            found = values.get((ref.element, ref.option))
            return None if found is None else Decimal(found)
        if element is not None and element.category:
            return option_sums.get(ref.element)
        found = values.get((ref.element, None))
        return None if found is None else Decimal(found)

    return value_of


def _parsed(text: str) -> Expression | None:
    try:
        return parse(text)
    except ExpressionError:
        return None


def check_values(version_layout: Layout, figures: Figures, values: Values) -> list[RuleOutcome]:
    """Every rule of the version, judged on the given figures and values (no query)."""
    elements = version_layout.known_elements
    value_of = _reader(figures, values, elements)
    outcomes = []
    for rule in version_layout.rules:
        left, right = _parsed(rule.left), _parsed(rule.right)
        if left is None or right is None:
            continue  # refused by definitions.services when written; nothing to judge
        left_value, right_value = evaluate(left, value_of), evaluate(right, value_of)
        passed = left_value is None or right_value is None or OPERATORS[rule.operator](left_value, right_value)
        refs = left.refs or right.refs
        field = field_of(refs[0], elements) if refs else "values"
        outcomes.append(RuleOutcome(rule, passed, left_value, right_value, field))
    return outcomes


def report_figures(report) -> dict[str, tuple[int, int]]:
    return {f.indicator: (f.numerator, f.denominator) for f in report.figures.all()}


def report_values(report) -> dict[tuple[str, str | None], Decimal]:
    """The report's values keyed by (element code, option code or None). One query."""
    rows = report.values.select_related("data_element", "option").all()
    return {(v.data_element.code, v.option.code if v.option_id else None): v.value for v in rows}


def check_report(report) -> list[RuleOutcome]:
    """The rules of the report's form version on its stored figures and values; none without a version."""
    if report.form_version_id is None:
        return []
    return check_values(layout(report.form_version), report_figures(report), report_values(report))
