"""The aggregated table for the dashboard, and its exports: an Excel workbook and a BÁO CÁO in the state format.

Everything reads stored rollups with a fixed number of queries; nothing here aggregates.
"""

from __future__ import annotations

import datetime
import io

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from campaigns.indicators import Indicator
from core.spreadsheet import safe_cell
from units.models import Unit
from units.selectors import units_valid_on

from .models import StatRollup
from .selectors import percentage


def _row(unit: Unit, rollup: StatRollup | None) -> dict:
    pct = percentage(rollup.numerator, rollup.denominator) if rollup else None
    target = rollup.target if rollup else None
    return {
        "unit": unit, "rollup": rollup, "percentage": pct, "target": target,
        "on_track": rollup.on_track if rollup else None,
        "bar": float(min(pct, 100)) if pct is not None else 0.0,
        "target_mark": float(min(target, 100)) if target is not None else None,
    }


def _reference_day(year: int) -> datetime.date:
    """The tree a year is shown on: the year's end, or today for the running year."""
    return min(datetime.date(year, 12, 31), timezone.localdate())


def dashboard_table(unit: Unit, year: int, indicator: str) -> dict:
    """Targets against attainment for the unit and each child unit (two queries)."""
    rollups = {r.unit_id: r for r in StatRollup.objects.filter(
        Q(unit=unit) | Q(unit__parent=unit), year=year, indicator=indicator)}
    children = units_valid_on(Unit.objects.filter(parent=unit), _reference_day(year)) | Unit.objects.filter(
        pk__in=[pk for pk in rollups if pk != unit.pk])
    rows = [_row(child, rollups.get(child.pk)) for child in children.distinct().order_by("level", "name")]
    return {"total": _row(unit, rollups.get(unit.pk)), "rows": rows}


def unit_overview(unit: Unit, year: int) -> list[dict]:
    """Every indicator of the unit itself for the year (one query)."""
    rollups = {r.indicator: r for r in StatRollup.objects.filter(unit=unit, year=year)}
    return [dict(_row(unit, rollups.get(indicator)), indicator=indicator, label=label)
            for indicator, label in Indicator.choices if indicator in rollups]


def _export_rows(unit: Unit, year: int):
    return StatRollup.objects.filter(Q(unit=unit) | Q(unit__parent=unit), year=year).select_related(
        "unit").order_by("unit__depth", "unit__name", "indicator")


HEADER = ("Đơn vị", "Mã", "Cấp", "Chỉ tiêu", "Số đạt", "Tổng số", "Tỷ lệ (%)", "Chỉ tiêu (%)", "Đạt chỉ tiêu")


def rollup_workbook(unit: Unit, year: int) -> bytes:
    """The unit and its child units, every indicator, as one sheet; text cells escaped against formulas."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    sheet.append([safe_cell(_("Số liệu tổng hợp năm %(year)s — %(unit)s") % {"year": year, "unit": unit.name})])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Tính từ các báo cáo đã được tiếp nhận; tỷ lệ = số đạt / tổng số × 100.")])
    sheet.append([_(h) for h in HEADER])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in _export_rows(unit, year):
        pct = percentage(r.numerator, r.denominator)
        sheet.append([
            safe_cell(r.unit.name), safe_cell(r.unit.code), str(r.unit.get_level_display()),
            str(Indicator(r.indicator).label), r.numerator, r.denominator,
            float(pct) if pct is not None else None, float(r.target) if r.target is not None else None,
            "" if r.on_track is None else (_("Đạt") if r.on_track else _("Chưa đạt")),
        ])
    for index, width in enumerate((40, 10, 18, 50, 12, 12, 12, 12, 12), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@translation.override("vi")  # a state document is Vietnamese whatever the reader's language
def rollup_pdf(unit: Unit, year: int, *, by) -> bytes:
    """A BÁO CÁO of the year's results in the state format (core.documents), the table as its body."""
    from core.documents import SignatureBlock, StateDocument, render_pdf

    rows = [dict(_row(r.unit, r), label=Indicator(r.indicator).label) for r in _export_rows(unit, year)]
    body = render_to_string("reports/pdf_body.html", {"unit": unit, "year": year, "rows": rows})
    document = StateDocument(
        issuing_body=unit.name,
        number=f"     /BC-{unit.code or 'XHHT'}",
        place=unit.name.split(" ", 1)[-1] if unit.level == "province" else "",
        date=timezone.localdate(),
        type_label="BÁO CÁO",
        title=_("Kết quả thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt "
                "đời” năm %(year)s") % {"year": year},
        body_html=body,
        recipients=(_("Bộ Giáo dục và Đào tạo (để báo cáo);"), _("Lưu: VT.")),
        signature=SignatureBlock(authority_lines=(), signer_title=getattr(by, "job_title", "") or "",
                                 signer_name=str(by)),
        watermark="DỰ THẢO",
    )
    return render_pdf(document).data
