"""The aggregated table for the dashboard, and its exports: an Excel workbook and a BÁO CÁO in the state format.

Everything reads stored rollups with a fixed number of queries; nothing here aggregates.
"""

from __future__ import annotations

import datetime
import io

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from campaigns.indicators import Indicator
from core.documents import StateDocument
from core.documents import services as register
from core.documents.models import Document, DocumentKind, IssuingBody
from core.documents.naming import managing_territory
from core.documents.sanitize import rich_text
from core.documents.services import issuing_body_for
from core.spreadsheet import safe_cell
from units.models import Level, Unit
from units.roles import Role
from units.selectors import require_role, units_valid_on

from .models import NARRATIVE_FIELDS, Report, StatRollup, ValueRollup
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
    # The built-in indicators' own rows: a defined indicator has no Indicator label and has rows per option.
    return StatRollup.objects.filter(Q(unit=unit) | Q(unit__parent=unit), year=year, option__isnull=True,
                                     indicator__in=Indicator.values).select_related(
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
    # Numbers stay numbers (sums, charts); the format groups thousands, and Excel writes them with the reader's
    # separators: 1.234 and 69,96 in a Vietnamese Excel.
    for cells in sheet.iter_rows(min_row=4, min_col=5, max_col=8):
        for cell, number_format in zip(cells, ("#,##0", "#,##0", "#,##0.00", "#,##0.00"), strict=True):
            cell.number_format = number_format
    for index, width in enumerate((40, 10, 18, 50, 12, 12, 12, 12, 12), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the yearly BÁO CÁO, a document of the register -------------------------------------------------------------

ISSUE_ROLES = (Role.APPROVER,)  # the head's office; the unit's administrator too (require_role adds it)


def _report_narrative(unit: Unit, year: int) -> list[tuple[str, str]]:
    """(heading, html) of the narrative sections the unit's officer wrote in its report of the year."""
    report = Report.objects.filter(unit=unit, year=year, period_kind="yearly").only(*NARRATIVE_FIELDS).first()
    if report is None:
        return []
    headings = {"results": _("KẾT QUẢ ĐẠT ĐƯỢC"), "limitations": _("HẠN CHẾ, TỒN TẠI"),
                "proposals": _("ĐỀ XUẤT, KIẾN NGHỊ")}
    return [(headings[name], rich_text(getattr(report, name))) for name in NARRATIVE_FIELDS
            if getattr(report, name).strip()]


def _report_values(unit: Unit, year: int) -> list[dict]:
    """Elements defined as data, summed over the unit's subtree (ValueRollup): one row each, its breakdown beside."""
    rows: dict[int, dict] = {}
    for v in (ValueRollup.objects.filter(unit=unit, year=year).select_related("data_element", "option")
              .order_by("data_element__code", "option__order", "option__code")):
        row = rows.setdefault(v.data_element_id, {"element": v.data_element, "total": "", "options": []})
        if v.option is None:
            row["total"] = _plain(v.value)
        else:
            row["options"].append(f"{v.option.name}: {_plain(v.value)}")
    return list(rows.values())


def _plain(value) -> str:
    """90 for 90.0000, 2,5 for 2.5000: a Vietnamese document writes the decimal comma."""
    return format(value.normalize(), "f").replace(".", ",")


def _recipient_above(unit: Unit) -> str:
    """The body a unit's report is sent to: an organisation's managing People's Committee, a territory's
    People's Committee above it; a province reports to the Ministry of Education and Training."""
    if unit.level == Level.ORGANISATION:
        above = managing_territory(unit)
    else:
        above = managing_territory(unit.parent) if unit.parent_id else None
    if above is None or above.level == Level.NATION:
        return "Bộ Giáo dục và Đào tạo"
    return issuing_body_for(above).name


def reported_year(document) -> int:
    """The year a BÁO CÁO reports on. Not Document.year once issued: that is the register's year (the 2025
    report signed in January 2026 is numbered in 2026's register), so it is read back from the title this
    module gave it ("… năm 2025"); a draft's year is the reported year."""
    import re

    found = re.search(r"năm (\d{4})$", document.title or "")
    return int(found.group(1)) if found and document.title == _report_title(int(found.group(1))) else document.year


def report_document_build(document) -> StateDocument:
    """The register's builder for kind 'report': the unit's table of the year and its narrative."""
    if document.subject_type_id is not None:  # a review report's BÁO CÁO (sơ kết, tổng kết) is about the report
        from .review_documents import review_document_build

        return review_document_build(document)
    issuer = document.issuer
    unit, year = issuer.unit, reported_year(document)
    rows = [dict(_row(r.unit, r), label=Indicator(r.indicator).label) for r in _export_rows(unit, year)]
    body = render_to_string("reports/pdf_body.html", {
        "unit": unit, "issuer": issuer, "year": year, "rows": rows, "narrative": _report_narrative(unit, year),
        "values": _report_values(unit, year),
    })
    return report_state_document(document, body)


def report_state_document(document, body_html: str) -> StateDocument:
    """A BÁO CÁO of the register (yearly or review): the issuing body's header, its number, the body given."""
    issuer = document.issuer
    return StateDocument(
        issuing_body=issuer.name,
        parent_body=" ".join(issuer.parent_header_lines),
        number=f"      /BC-{issuer.abbreviation}",
        place=issuer.place_name,
        date=document.date,
        type_label="BÁO CÁO",
        title=document.title,
        body_html=body_html,
        recipients=tuple(document.recipients),
        kind="report",  # the decree's administrative layout (core.documents.types.Layout.REPORT)
    )


def _report_title(year: int) -> str:
    with translation.override("vi"):  # a state document is Vietnamese whatever the reader's language
        return _("Kết quả thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập "
                 "suốt đời” năm %(year)s") % {"year": year}


def _report_document(unit: Unit, year: int):
    issuer = issuing_body_for(unit)
    # Issuing numbers the report in the register of the year it is signed (Document.year = that year: the
    # 2025 report signed in January 2026 is "01/BC-UBND" of 2026), so an issued report is found by what it
    # reports on (its title names the year), a draft by its year.
    from django.db.models import Q

    return (Document.objects.select_related("issuer", "issuer__unit")
            .filter(Q(year=year) | Q(status=Document.Status.ISSUED, title=_report_title(year)),
                    kind=DocumentKind.REPORT, issuer=issuer, subject_type__isnull=True,
                    status__in=[Document.Status.DRAFT, Document.Status.ISSUED])
            .filter(Q(status=Document.Status.DRAFT) | Q(title=_report_title(year)))
            .order_by("-status", "-pk").first())


def report_document(unit: Unit, year: int):
    """The unit's BÁO CÁO of `year` in the register, if one was made (reads only: pages call it)."""
    return _report_document(unit, year)


def report_document_is_fresh(document) -> bool:
    from core.documents import builders

    if document is None or not document.pdf_ready:
        return False
    return document.content_hash == builders.fingerprint(document) and document.pdf.storage.exists(document.pdf.name)


@transaction.atomic
def report_document_request(*, unit: Unit, year: int, by, issue: bool = False):
    """Make (or bring up to date) the unit's yearly BÁO CÁO and queue its PDF: issued by the body that
    reports (issuing_body_for the unit: UBND xã/tỉnh, Sở…), signed by its head, sent to the body above.
    With `issue`, it is numbered in the body's register (the head's office: approver or administrator).
    Locks the issuing body's row so that two clicks make one document, then the document's."""
    issuer = issuing_body_for(unit)
    if issue:
        require_role(by, unit, ISSUE_ROLES,
                     action=_("Chỉ lãnh đạo đơn vị (người phê duyệt) mới ban hành được báo cáo."))
    IssuingBody.objects.select_for_update().filter(pk=issuer.pk).first()
    document = _report_document(unit, year)
    with translation.override("vi"):  # a state document is Vietnamese whatever the reader's language
        fields = {
            "title": _report_title(year),
            "signer_title": issuer.head_title, "signer_name": issuer.head_name,
            "recipients": [_("%(body)s (để báo cáo);") % {"body": _recipient_above(unit)}, _("Lưu: VT.")],
        }
    if document is None:
        document = Document.objects.create(kind=DocumentKind.REPORT, issuer=issuer, year=year,
                                           status=Document.Status.DRAFT, created_by=by if by and by.pk else None,
                                           **fields)
    elif document.status == Document.Status.DRAFT:
        changed = [name for name, value in fields.items() if getattr(document, name) != value]
        for name in changed:
            setattr(document, name, fields[name])
        if changed:
            document.save(update_fields=changed)
    if issue and document.status == Document.Status.DRAFT:
        return register.document_number_draft(document=document, date=timezone.localdate(), by=by)
    register.document_request_render(document=document, force=document.render_status == "failed")
    return document
