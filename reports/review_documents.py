"""The BÁO CÁO of an interim or final review (sơ kết 2023 - 2025, tổng kết 2023 - 2030) in the state format.

The register's builder for kind 'report' (reports.exports.report_document_build) hands a document whose subject is
a review report to `review_document_build`. The body follows what a review report of the movement says, in the
decree's report layout (Nghị định 30/2020/NĐ-CP): an opening naming the decision that launched the movement, then
numbered parts made from the report's narrative sections — I. results (with the tables), II. limitations and
their causes, III. lessons, IV. proposals — and any narrative section a later form version adds, before the
proposals, which close a report.

Tables: the built-in indicators year by year over the period, from the stored rollups of the unit (continuous
across the 2025 reform: reports.selectors.trend sums a new commune's predecessors), next to the figures of the
review itself; then the review's own elements (models, typical examples, commendations) with their breakdowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from campaigns.indicators import Indicator
from core.documents import StateDocument
from core.documents.sanitize import rich_text
from definitions.models import PeriodKind, ValueType

from . import validation
from .form_versions import ElementInfo, Layout, layout
from .models import Report
from .selectors import percentage, trend
from .services import narrative_text
from .templatetags.reports_tags import format_number

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")

# The parts of a review report and the narrative codes each gathers, in the order printed. A code of the form
# that no part names gets a part of its own before the last (the proposals close a report).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("KẾT QUẢ ĐẠT ĐƯỢC", ("results",)),
    ("HẠN CHẾ, TỒN TẠI VÀ NGUYÊN NHÂN", ("limitations", "causes")),
    ("BÀI HỌC KINH NGHIỆM", ("lessons",)),
    ("ĐỀ XUẤT, KIẾN NGHỊ", ("proposals",)),
)


@dataclass(frozen=True)
class Part:
    number: str  # "I", "II"…
    heading: str
    # (sub-heading or "" when the part has one section, html): "1. Hạn chế, tồn tại", "2. Nguyên nhân"
    sections: tuple[tuple[str, str], ...]
    tables: bool = False  # part I carries the tables


def _parts(report: Report, version_layout: Layout) -> list[Part]:
    codes = list(version_layout.narrative_codes)
    named = {code for _heading, part_codes in PARTS for code in part_codes}
    plan = [(heading, tuple(c for c in part_codes if c in codes)) for heading, part_codes in PARTS]
    extra = [(version_layout.label_of(code).upper(), (code,)) for code in codes if code not in named]
    plan = plan[:-1] + extra + plan[-1:]
    parts: list[Part] = []
    for heading, part_codes in plan:
        if not part_codes and heading != PARTS[0][0]:
            continue
        sections = []
        for n, code in enumerate(part_codes, start=1):
            html = rich_text(narrative_text(report, code)) or "<p>" + _("(Không có nội dung.)") + "</p>"
            sub = f"{n}. {version_layout.label_of(code)}" if len(part_codes) > 1 else ""
            sections.append((sub, html))
        parts.append(Part(ROMAN[len(parts)], heading, tuple(sections), tables=not parts))
    return parts


def _indicator_rows(report: Report, version_layout: Layout, years: list[int]) -> list[dict]:
    """Per built-in indicator of the form: its rate each year of the period (rollups), and the review's figure."""
    figures = validation.report_figures(report)
    rows = []
    for slug in version_layout.builtin_slugs:
        by_year = {row.year: row for row in trend(report.unit, slug, years[0], years[-1])}
        numerator, denominator = figures.get(slug, (None, None))
        rows.append({
            "label": str(Indicator(slug).label) if slug in Indicator.values else slug,
            "years": [format_number(by_year[y].percentage, 2) if y in by_year else "—" for y in years],
            "numerator": format_number(numerator), "denominator": format_number(denominator),
            "percentage": format_number(percentage(numerator or 0, denominator) if denominator else None, 2),
        })
    return rows


def _element_rows(report: Report, version_layout: Layout) -> list[dict]:
    """The review's own elements (defined as data): total, then one line per option of a breakdown."""
    values = validation.report_values(report)
    rows = []
    for element in version_layout.elements.values():
        if element.is_builtin:
            continue
        rows.append(_element_row(element, values))
    return rows


def _shown(value: Decimal | None, element: ElementInfo) -> str:
    """A stored value (4 decimal places in the column) as written: 5, not 5,0000; 2,5 for a number."""
    if value is None:
        return format_number(None)
    if element.value_type == ValueType.INTEGER or value == value.to_integral_value():
        return format_number(value, 0)
    return format_number(value.normalize())


def _element_row(element: ElementInfo, values: dict) -> dict:
    if not element.category:
        return {"label": element.name, "unit": element.unit_of_measure,
                "total": _shown(values.get((element.code, None)), element), "options": []}
    given = [values.get((element.code, code)) for code in element.option_codes]
    total = sum(v for v in given if v is not None) if any(v is not None for v in given) else None
    return {"label": element.name, "unit": element.unit_of_measure, "total": _shown(total, element),
            "options": [(name, _shown(value, element)) for (_code, name), value in zip(element.options, given,
                                                                                      strict=True)]}


def review_body(report: Report, issuer_name: str) -> str:
    version = report.form_version
    assert version is not None  # noqa: S101 - reviews.review_document_request refuses a report without one
    version_layout = layout(version)
    first, last = version.period_from or report.year, version.period_to or report.year
    years = list(range(first, last + 1))
    return render_to_string("reports/review_pdf_body.html", {
        "report": report, "issuer_name": issuer_name, "first": first, "last": last, "years": years,
        "interim": report.period_kind == PeriodKind.INTERIM_REVIEW, "parts": _parts(report, version_layout),
        "indicator_rows": _indicator_rows(report, version_layout, years),
        "element_rows": _element_rows(report, version_layout),
    })


def review_document_build(document) -> StateDocument:
    """The register's builder for a review report's BÁO CÁO (document.subject is the Report)."""
    report = (Report.objects.select_related("unit", "form_version", "form_version__form")
              .get(pk=document.subject_id))
    from .exports import report_state_document

    return report_state_document(document, review_body(report, document.issuer.name))
