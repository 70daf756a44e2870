"""Writes of yearly reports: create, edit (optimistic lock), submit, return, accept, extend, attach.

Every writer (pages, API, admin, commands, tasks) goes through these functions, so each rule lives here.
Locks: every transition takes `SELECT ... FOR UPDATE` on the report row, then checks the version the
caller read, so two people editing one draft cannot overwrite each other silently.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.indicators import Indicator
from core import files
from core.errors import Conflict, DomainError, PermissionDenied
from core.params import BadParameter, parse_int
from definitions.models import PeriodKind, ValueType
from units.models import Unit
from units.roles import Role
from units.selectors import can_act_on, require_role

from . import conf, selectors, validation
from .form_versions import ElementInfo, Layout, form_version_for, layout
from .models import (
    NARRATIVE_FIELDS,
    DeadlineExtension,
    ExtensionRequest,
    ExtensionRequestStatus,
    Report,
    ReportAttachment,
    ReportFigure,
    ReportStatus,
    ReportTransition,
    ReportValue,
    StatsDirty,
)

MAX_FIGURE = 2_000_000_000  # fits a PositiveIntegerField on every database
# Values of elements defined as data: a thousand billion is beyond any count or amount a unit reports, and well
# inside the column (20 digits, 4 decimals), so a typo of extra zeros is refused instead of stored.
MAX_VALUE = Decimal(1_000_000_000_000)
MAX_DECIMALS = 4
MAX_NARRATIVE = 100_000  # characters of one narrative section


# --- validation -----------------------------------------------------------------------------------


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:  # the one number parser: '²' and '①' pass str.isdigit() but not int() (that was a 500)
            return parse_int(value, field="figures")
        except BadParameter:
            return None
    return None


def validate_figures(figures: Mapping[str, Mapping[str, Any]], allowed: list[str]) -> tuple[dict, dict]:
    """Clean `{indicator: {"numerator", "denominator"}}`; returns (clean, errors by field name).

    A pure function: the page form shows every error at once, the services refuse on the first.
    """
    clean: dict[str, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    if not isinstance(figures, Mapping):
        return {}, {"figures": _("Số liệu không đúng định dạng.")}
    for indicator, pair in figures.items():
        if indicator not in allowed:
            errors[f"figures.{indicator}"] = _("Chỉ tiêu “%(indicator)s” không thuộc đợt báo cáo này.") % {
                "indicator": indicator}
            continue
        if not isinstance(pair, Mapping):
            errors[f"figures.{indicator}"] = _("Số liệu không đúng định dạng.")
            continue
        values = {}
        for part in ("numerator", "denominator"):
            raw = pair.get(part, 0)
            number = 0 if raw in (None, "") else _whole_number(raw)
            if number is None or number < 0 or number > MAX_FIGURE:
                errors[f"figures.{indicator}.{part}"] = _("Số liệu phải là số nguyên không âm.")
            values[part] = number
        if f"figures.{indicator}.numerator" in errors or f"figures.{indicator}.denominator" in errors:
            continue
        if values["numerator"] > values["denominator"]:
            errors[f"figures.{indicator}.numerator"] = _("Số đạt danh hiệu không được lớn hơn tổng số.")
            continue
        clean[indicator] = (values["numerator"], values["denominator"])
    return clean, errors


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        field, message = next(iter(errors.items()))
        label = _indicator_label(field)
        raise DomainError(f"{label}: {message}" if label else message, field=field)


def _indicator_label(field: str) -> str:
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "figures" and parts[1] in Indicator.values:
        return str(Indicator(parts[1]).label)
    return ""


ValueKey = tuple[str, str | None]  # (element code, option code or None)


def _number(raw: Any, element: ElementInfo) -> Decimal | str | None:
    """The value as a Decimal, None for an empty entry (clears it), or a Vietnamese message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return _("Giá trị phải là một số.")
    try:
        # str() first: a float is taken as written (0.1, not 0.1000000000000000055…); "1e3" and "NaN" are refused.
        text = str(raw).strip()
        if any(c in text.lower() for c in "en") or text.startswith("+"):
            raise InvalidOperation
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return _("Giá trị phải là một số (dùng dấu chấm cho phần thập phân).")
    if number < 0:
        return _("Giá trị không được âm.")
    if number > MAX_VALUE:
        return _("Giá trị quá lớn (tối đa %(max)s).") % {"max": f"{MAX_VALUE:,.0f}".replace(",", ".")}
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if element.value_type == ValueType.INTEGER and number != number.to_integral_value():
        return _("Giá trị phải là số nguyên không âm.")
    if decimals > MAX_DECIMALS and number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        return _("Giá trị chỉ được có tối đa %(n)s chữ số thập phân.") % {"n": MAX_DECIMALS}
    return number.quantize(Decimal(1)) if element.value_type == ValueType.INTEGER else number


def validate_values(version_layout: Layout | None, values: Mapping[str, Any]
                    ) -> tuple[dict[ValueKey, Decimal | None], dict[str, dict[str, int | None]], dict[str, str]]:
    """Clean `{"code": n}` / `{"code.option": n}` against the form version. Returns (values of elements defined as
    data, parts of built-in figures given by element {slug: {part: n}}, errors by field "values.<key>").

    Only the form's elements; a breakdown takes one value per option, never a bare total; an element without
    one takes no option. A pure function, like validate_figures: the page shows every error at once.
    """
    clean: dict[ValueKey, Decimal | None] = {}
    parts: dict[str, dict[str, int | None]] = {}
    errors: dict[str, str] = {}
    if not isinstance(values, Mapping):
        return {}, {}, {"values": _("Số liệu không đúng định dạng.")}
    elements = version_layout.elements if version_layout is not None else {}
    for key, raw in values.items():
        field = f"values.{key}"
        code, _dot, option = str(key).partition(".")
        element = elements.get(code)
        if element is None:
            errors[field] = _("Phần tử dữ liệu “%(code)s” không có trong biểu mẫu của báo cáo này.") % {"code": code}
            continue
        if element.computed:
            errors[field] = _("“%(name)s” do hệ thống tính, không nhập.") % {"name": element.name}
            continue
        if element.category and not option:
            errors[field] = _("“%(name)s” được nhập theo từng nhóm của phân tổ “%(category)s” (%(options)s), "
                              "không nhập tổng.") % {"name": element.name, "category": element.category_name,
                                                   "options": ", ".join(element.option_codes)}
            continue
        if not element.category and option:
            errors[field] = _("“%(name)s” không có phân tổ: nhập “%(code)s”, không kèm nhóm.") % {
                "name": element.name, "code": code}
            continue
        if option and option not in element.option_codes:
            errors[field] = _("Phân tổ “%(category)s” không có nhóm “%(option)s”.") % {
                "category": element.category_name, "option": option}
            continue
        number = _number(raw, element)
        if isinstance(number, str):
            errors[field] = f"{element.name}: {number}"
            continue
        if element.is_builtin:
            if number is not None and number > MAX_FIGURE:
                errors[field] = f"{element.name}: " + _("Số liệu phải là số nguyên không âm.")
                continue
            parts.setdefault(element.figure_indicator, {})[element.figure_part] = (
                int(number) if number is not None else None)
            continue
        clean[(code, option or None)] = number
    return clean, parts, errors


def _merge_figure_parts(report: Report, figures: Mapping[str, Any] | None,
                        parts: dict[str, dict[str, int | None]]) -> dict[str, Any]:
    """Figures given per built-in element join the figures given per indicator; the part not given keeps its
    stored value."""
    merged: dict[str, Any] = dict(figures or {})
    if not parts:
        return merged
    stored = {f.indicator: {"numerator": f.numerator, "denominator": f.denominator} for f in _stored_figures(report)}
    for slug, given in parts.items():
        base = merged.get(slug)
        pair = dict(base) if isinstance(base, Mapping) else dict(stored.get(slug, {}))
        for part, number in given.items():
            pair[part] = 0 if number is None else number
        merged[slug] = pair
    return merged


def _write_values(report: Report, version_layout: Layout, clean: dict[ValueKey, Decimal | None]) -> None:
    """One statement per kind of change: create, update, delete (a cleared entry)."""
    if not clean:
        return
    ids: dict[ValueKey, tuple[int, int | None]] = {}
    for (code, option) in clean:
        element = version_layout.elements[code]
        option_id = element.option_ids[element.option_codes.index(option)] if option else None
        ids[(code, option)] = (element.id, option_id)
    existing = {(v.data_element_id, v.option_id): v for v in report.values.filter(
        data_element_id__in={element_id for element_id, _o in ids.values()})}
    _forget_values(report)  # the values change below: the answer reads them again
    to_create, to_update, to_delete = [], [], []
    for key, number in clean.items():
        element_id, option_id = ids[key]
        row = existing.get((element_id, option_id))
        if number is None:
            if row is not None:
                to_delete.append(row.pk)
        elif row is None:
            to_create.append(ReportValue(report=report, data_element_id=element_id, option_id=option_id, value=number))
        elif row.value != number:
            row.value = number
            to_update.append(row)
    ReportValue.objects.bulk_create(to_create)
    ReportValue.objects.bulk_update(to_update, ["value"])
    if to_delete:
        ReportValue.objects.filter(pk__in=to_delete).delete()


def _report_layout(report: Report) -> Layout | None:
    """The layout of the report's form version, read from the cache once per report object: a write and its answer
    read it several times (rules, required figures, narratives, values), and each cache read unpickles it."""
    if not report.form_version_id:
        return None
    memo = report.__dict__.get("_layout_memo")
    if memo is None or memo.version_id != report.form_version_id:
        memo = report.__dict__["_layout_memo"] = layout(report.form_version)
    return memo


def required_indicators(report: Report, version_layout: Layout | None) -> list[str]:
    """Report.required_indicators() from the layout already read (ReportingRound.required_indicators, the same
    rule: the version's built-in figures, narrowed to the round's indicators when it names some)."""
    if version_layout is None:
        return report.required_indicators()
    on_form = list(version_layout.builtin_slugs)
    return [i for i in report.round.indicators if i in on_form] if report.round.indicators else on_form


# What a write read of the report's figures and values, kept on the report object so that the answer built from
# it (reports.api.serializers.report_detail_data) reads neither again. Only the services set them, on the object
# they locked; the figures are kept in step with what _write_figures writes.


def _stored_figures(report: Report) -> list[ReportFigure]:
    found = report.__dict__.get("_figures_memo")
    if found is None:
        found = report.__dict__["_figures_memo"] = list(report.figures.all())
    return found


def stored_figures(report: Report) -> list[ReportFigure] | None:
    """The figures a service read (and wrote) on this report object, or None when it read none."""
    return report.__dict__.get("_figures_memo")


def stored_values(report: Report) -> dict | None:
    """The values (validation.report_values) a service read on this report object, or None."""
    return report.__dict__.get("_values_memo")


def _report_values(report: Report) -> dict:
    found = report.__dict__.get("_values_memo")
    if found is None:
        found = report.__dict__["_values_memo"] = validation.report_values(report)
    return found


def _forget_values(report: Report) -> None:
    report.__dict__.pop("_values_memo", None)


def _narrative_codes(version_layout: Layout | None) -> tuple[str, ...]:
    return version_layout.narrative_codes if version_layout is not None else NARRATIVE_FIELDS


def _clean_narrative(version_layout: Layout | None, narrative: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(narrative, Mapping):
        raise DomainError(_("Nội dung không đúng định dạng."), field="narrative")
    allowed = _narrative_codes(version_layout)
    unknown = sorted(set(narrative) - set(allowed))
    if unknown:
        raise DomainError(_("Mục không hợp lệ: %(field)s.") % {"field": ", ".join(unknown)}, field=unknown[0])
    clean = {}
    for code, text in narrative.items():
        text = "" if text is None else str(text).strip()
        if len(text) > MAX_NARRATIVE:
            label = version_layout.label_of(code) if version_layout is not None else code
            raise DomainError(_("%(label)s: nội dung quá dài (tối đa %(n)s ký tự).") % {
                "label": label, "n": f"{MAX_NARRATIVE:,}".replace(",", ".")}, field=code)
        clean[code] = text
    return clean


def narrative_text(report: Report, code: str) -> str:
    """A narrative section's text: one of the three columns, or the `narratives` map."""
    return getattr(report, code) if code in NARRATIVE_FIELDS else (report.narratives or {}).get(code, "")


# --- helpers --------------------------------------------------------------------------------------


def _locked(report: Report) -> Report:
    # The form version and its form too: every write reads the layout, and the API's answer names the form.
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("unit", "round", "round__scope_unit", "form_version__form")
        .get(pk=report.pk)
    )


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and int(version) != report.version:
        raise Conflict(
            _("Báo cáo đã được người khác cập nhật (phiên bản %(current)s, bạn đang sửa phiên bản %(yours)s). "
              "Vui lòng tải lại trang rồi nhập lại thay đổi của bạn.") % {"current": report.version, "yours": version},
            field="version", code="stale_version",
        )


def _require_officer(by, unit: Unit) -> None:
    require_role(by, unit, [Role.OFFICER], action=_(
        "Chỉ cán bộ của đơn vị “%(unit)s” được lập và gửi báo cáo này.") % {"unit": unit.name})


def _require_reviewer(by, unit: Unit) -> None:
    """The reviewer sits at the level above: REVIEWER over the reporting unit's parent subtree."""
    parent = unit.parent
    if parent is None or not can_act_on(by, parent, [Role.REVIEWER]):
        raise PermissionDenied(
            _("Chỉ cán bộ duyệt báo cáo của cấp trên đơn vị “%(unit)s” được tiếp nhận hoặc trả lại báo cáo này.")
            % {"unit": unit.name}, code="permission_denied")


def _require_open(report_unit: Unit, year: int, round_, today: datetime.date) -> None:
    if today < round_.opens_on:
        raise DomainError(_("Đợt báo cáo năm %(year)s chưa mở (mở từ ngày %(day)s).") % {
            "year": year, "day": round_.opens_on.strftime("%d/%m/%Y")}, field="year", code="not_open")
    # An extension only ever moves the deadline later (effective_deadline is the later of the two): before the
    # round's own deadline there is nothing to read, which spares every deadline-day save a query.
    deadline = round_.deadline if today < round_.deadline else selectors.effective_deadline(report_unit, year, round_)
    if today >= deadline:
        raise DomainError(
            _("Đã quá hạn gửi báo cáo (trước ngày %(day)s). Cần cấp trên gia hạn mới được nhập và gửi báo cáo.")
            % {"day": deadline.strftime("%d/%m/%Y")}, field="year", code="deadline_passed")


def _record(report: Report, *, from_status: str, to_status: str, by, comment: str = "",
            field_comments: dict | None = None) -> None:
    ReportTransition.objects.create(report=report, from_status=from_status, to_status=to_status, by=by,
                                    comment=comment, field_comments=field_comments or {})


def _write_figures(report: Report, clean: dict[str, tuple[int, int]]) -> None:
    """At most two statements: one INSERT of the new figures, one UPDATE of the changed ones."""
    stored = _stored_figures(report)
    existing = {f.indicator: f for f in stored}
    to_create, to_update = [], []
    for indicator, (numerator, denominator) in clean.items():
        figure = existing.get(indicator)
        if figure is None:
            to_create.append(ReportFigure(report=report, indicator=indicator, numerator=numerator,
                                          denominator=denominator))
        elif (figure.numerator, figure.denominator) != (numerator, denominator):
            figure.numerator, figure.denominator = numerator, denominator
            to_update.append(figure)
    if to_create:
        ReportFigure.objects.bulk_create(to_create)
        stored.extend(to_create)
    _update_figures(report, to_update)


def _update_figures(report: Report, figures: list[ReportFigure]) -> None:
    """The changed figures of one report in one statement.

    PostgreSQL: one UPDATE … FROM (VALUES …) joined on (report, indicator), the unique key. bulk_update would build
    a CASE over the primary keys per column, which costs more to build in Python and to plan than the join of a
    few rows. Elsewhere (SQLite, the embedded default) bulk_update, which is portable. Both set numerator and
    denominator together, so the check numerator ≤ denominator holds on each row as written.
    """
    if not figures:
        return
    if connection.vendor != "postgresql":
        ReportFigure.objects.bulk_update(figures, ["numerator", "denominator"])
        return
    meta = ReportFigure._meta
    q = connection.ops.quote_name
    column = {name: q(cast(models.Field, meta.get_field(name)).column)
              for name in ("report", "indicator", "numerator", "denominator")}
    rows = ", ".join(["(%s, %s::integer, %s::integer)"] * len(figures))
    # Names from the model's meta, quoted; every value is a parameter.
    sql = (f"UPDATE {q(meta.db_table)} AS f SET {column['numerator']} = v.n, {column['denominator']} = v.d "  # noqa: S608
           f"FROM (VALUES {rows}) AS v(indicator, n, d) "
           f"WHERE f.{column['report']} = %s AND f.{column['indicator']} = v.indicator")
    params: list[Any] = [value for figure in figures
                         for value in (figure.indicator, figure.numerator, figure.denominator)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, report.pk])


def _require_complete(report: Report) -> None:
    """Every required field of the version filled (a breakdown: every option), then no blocking rule failing.
    Warnings never refuse: the page shows them from reports.validation.check_report."""
    version_layout = _report_layout(report)
    if version_layout is None:
        return
    stored = _report_values(report)
    for f in version_layout.fields:
        if not f.required:
            continue
        label = f.label or (f.element.name if f.element else f.narrative_code)
        if f.element is None:
            if not narrative_text(report, f.narrative_code).strip():
                raise DomainError(_("Chưa nhập nội dung: %(label)s.") % {"label": label}, field=f.narrative_code,
                                  code="incomplete")
            continue
        if f.element.is_builtin or f.element.computed:
            continue  # figures: checked above, per indicator
        wanted = [(o, n) for o, n in f.element.options] if f.element.category else [(None, "")]
        for option, option_name in wanted:
            if (f.element.code, option) not in stored:
                raise DomainError(
                    _("Chưa nhập số liệu: %(label)s.") % {"label": f"{label} ({option_name})" if option else label},
                    field=f"values.{f.element.code}" + (f".{option}" if option else ""), code="incomplete")
    figures = {f.indicator: (f.numerator, f.denominator) for f in _stored_figures(report)}
    for outcome in validation.check_values(version_layout, figures, stored):
        if outcome.blocking and not outcome.passed:
            raise DomainError(outcome.message, field=outcome.field, code="rule_failed")


# --- services -------------------------------------------------------------------------------------


@transaction.atomic
def report_create(*, unit: Unit, year: int, by, period_kind: str = PeriodKind.YEARLY,
                  today: datetime.date | None = None) -> Report:
    """Open the unit's draft report for `year` (and period kind), figures prefilled from registries (or rollups
    for a summary), on the form version that applies now — kept for good by the report.

    Needs the officer role over the unit, a round for the unit, year and period kind, the round open and a
    published form version for the year. Locks the unit row so that two officers opening the form at once get
    one report, not an integrity error.
    """
    today = today or timezone.localdate()
    if period_kind not in PeriodKind.values:
        raise DomainError(_("Kỳ báo cáo không hợp lệ: %(kind)s.") % {"kind": period_kind}, field="period_kind")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_officer(by, unit)
    round_ = selectors.round_for(unit, year, period_kind=period_kind)
    if round_ is None:
        raise DomainError(_("Đơn vị “%(unit)s” không thuộc đợt báo cáo nào của năm %(year)s.") % {
            "unit": unit.name, "year": year}, field="year", code="no_round")
    if Report.objects.filter(unit=unit, year=year, period_kind=period_kind).exists():
        raise Conflict(_("Đơn vị “%(unit)s” đã có báo cáo năm %(year)s.") % {"unit": unit.name, "year": year},
                       field="year", code="duplicate")
    _require_open(unit, year, round_, today)
    version = form_version_for(unit, year, round_, period_kind)
    if version is None:
        raise DomainError(_("Chưa có biểu mẫu báo cáo nào được ban hành áp dụng cho năm %(year)s "
                            "(đơn vị “%(unit)s”).") % {"year": year, "unit": unit.name}, field="year", code="no_form")
    report = Report.objects.create(unit=unit, year=year, round=round_, is_summary=round_.is_summary, created_by=by,
                                   period_kind=period_kind, form_version=version)
    prefill = selectors.report_prefill(report)
    ReportFigure.objects.bulk_create([
        ReportFigure(report=report, indicator=indicator, numerator=min(n, d), denominator=d)
        for indicator, (n, d) in prefill.items()
    ])
    _record(report, from_status="", to_status=ReportStatus.DRAFT, by=by)
    return report


@transaction.atomic
def report_update(
    *,
    report: Report,
    by,
    version: int,
    figures: Mapping[str, Mapping[str, Any]] | None = None,
    narrative: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    today: datetime.date | None = None,
) -> Report:
    """Save the officer's edits (also the autosave). Row lock on the report; `version` must be current.

    A draft locks at the deadline unless the level above granted an extension; a returned report stays
    editable, because the reviewer asked for the correction. `values`: {"element": n} or {"element.option": n}
    for the elements of the report's form version (a built-in element's value is that part of its figure; an
    empty value clears the entry); `narrative`: any narrative code of the version. All or nothing: the first
    error refuses the whole edit.
    """
    today = today or timezone.localdate()
    report = _locked(report)
    _require_officer(by, report.unit)
    _check_version(report, version)
    if not report.is_editable:
        raise DomainError(_("Báo cáo ở trạng thái “%(status)s” không thể sửa.") % {
            "status": report.get_status_display()}, field="status", code="wrong_state")
    if report.status == ReportStatus.DRAFT:
        _require_open(report.unit, report.year, report.round, today)
    version_layout = _report_layout(report)
    clean_values, parts, errors = validate_values(version_layout, values or {})
    _raise_first(errors)
    clean, errors = validate_figures(_merge_figure_parts(report, figures, parts),
                                     required_indicators(report, version_layout))
    _raise_first(errors)
    texts = _clean_narrative(version_layout, narrative or {})
    _write_figures(report, clean)
    if version_layout is not None:
        _write_values(report, version_layout, clean_values)
    others = dict(report.narratives or {})
    for code, text in texts.items():
        if code in NARRATIVE_FIELDS:
            setattr(report, code, text)
        elif text:
            others[code] = text
        else:
            others.pop(code, None)
    report.narratives = others
    report.version += 1
    report.save(update_fields=[*NARRATIVE_FIELDS, "narratives", "version", "updated_at"])
    return report


@transaction.atomic
def report_submit(*, report: Report, by, version: int | None = None, today: datetime.date | None = None) -> Report:
    """Send the report to the level above. Idempotent: a report already sent or accepted is left as it is.

    Row lock on the report. A draft needs the round open (or an extension); every required figure must be
    present. `on_time` is decided at the first submission, against the round's own deadline.
    """
    today = today or timezone.localdate()
    report = _locked(report)
    _require_officer(by, report.unit)
    if report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        return report
    _check_version(report, version)
    if report.status == ReportStatus.DRAFT:
        _require_open(report.unit, report.year, report.round, today)
    present = {f.indicator for f in _stored_figures(report)}
    missing = [i for i in required_indicators(report, _report_layout(report)) if i not in present]
    if missing:
        raise DomainError(_("Chưa nhập số liệu: %(indicator)s.") % {"indicator": Indicator(missing[0]).label},
                          field=f"figures.{missing[0]}", code="incomplete")
    _require_complete(report)
    now = timezone.now()
    previous = report.status
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.on_time = today < report.round.deadline
    report.submitted_at = now
    report.status = ReportStatus.SUBMITTED
    # The reviewer's comments answered: they live on in the RETURNED step of the history, not on the form.
    report.review_comments = {}
    report.version += 1
    report.save(update_fields=["first_submitted_at", "on_time", "submitted_at", "status", "review_comments",
                               "version", "updated_at"])
    _record(report, from_status=previous, to_status=ReportStatus.SUBMITTED, by=by)
    return report


@transaction.atomic
def report_return(*, report: Report, by, comments: Mapping[str, str], comment: str = "") -> Report:
    """Send a submitted report back for correction with comments per field. Reviewer of the level above.

    Row lock on the report. `comments` keys are indicator slugs, narrative fields or "general", and the element
    and narrative codes of the report's form version.
    """
    report = _locked(report)
    _require_reviewer(by, report.unit)
    if report.status != ReportStatus.SUBMITTED:
        raise DomainError(_("Chỉ trả lại được báo cáo đã gửi (hiện tại: “%(status)s”).") % {
            "status": report.get_status_display()}, field="status", code="wrong_state")
    allowed = set(Indicator.values) | set(NARRATIVE_FIELDS) | {"general"}
    version_layout = _report_layout(report)
    if version_layout is not None:
        allowed |= set(version_layout.elements) | set(version_layout.narrative_codes)
    if not isinstance(comments, Mapping):
        raise DomainError(_("Ý kiến không đúng định dạng."), field="comments")
    cleaned = {k: str(v).strip() for k, v in comments.items() if str(v or "").strip()}
    bad = sorted(set(cleaned) - allowed)
    if bad:
        raise DomainError(_("Mục không hợp lệ trong ý kiến: %(field)s.") % {"field": bad[0]}, field="comments")
    if not cleaned and not comment.strip():
        raise DomainError(_("Cần ghi ý kiến để đơn vị biết phải sửa gì."), field="comments")
    report.status = ReportStatus.RETURNED
    report.review_comments = cleaned | ({"general": comment.strip()} if comment.strip() else {})
    report.version += 1
    report.save()
    _record(report, from_status=ReportStatus.SUBMITTED, to_status=ReportStatus.RETURNED, by=by,
            comment=comment.strip(), field_comments=cleaned)
    return report


@transaction.atomic
def report_accept(*, report: Report, by, comment: str = "") -> Report:
    """Accept a submitted report (reviewer of the level above). Idempotent on an accepted report.

    Row lock on the report. A base report marks the unit and its ancestors dirty and queues the debounced
    rollup on commit.
    """
    report = _locked(report)
    _require_reviewer(by, report.unit)
    if report.status == ReportStatus.ACCEPTED:
        return report
    if report.status != ReportStatus.SUBMITTED:
        raise DomainError(_("Chỉ tiếp nhận được báo cáo đã gửi (hiện tại: “%(status)s”).") % {
            "status": report.get_status_display()}, field="status", code="wrong_state")
    report.status = ReportStatus.ACCEPTED
    report.accepted_at = timezone.now()
    report.review_comments = {}
    report.version += 1
    report.save()
    _record(report, from_status=ReportStatus.SUBMITTED, to_status=ReportStatus.ACCEPTED, by=by,
            comment=comment.strip())
    # A summary report or a review (sơ kết, tổng kết) is no fact: accepting it changes no statistics.
    if not report.is_summary and report.period_kind == PeriodKind.YEARLY:
        stats_mark_dirty(unit=report.unit, year=report.year)
    return report


def stats_queued_key(year: int) -> str:
    return f"reports:stats-refresh-queued:{year}"


def stats_mark_dirty(*, unit: Unit, year: int) -> None:
    """Mark the unit and its ancestors for recomputation; queue one debounced refresh per year on commit."""
    ancestor_ids = [int(seg) for seg in unit.path.strip("/").split("/") if seg]
    StatsDirty.objects.bulk_create([StatsDirty(unit_id=i, year=year) for i in ancestor_ids], ignore_conflicts=True)

    def queue() -> None:
        from .tasks import refresh_dirty_stats

        # Many acceptances in the last days before a deadline: one refresh per year per debounce window.
        delay = conf.stats_debounce_seconds()
        if cache.add(stats_queued_key(year), 1, timeout=max(delay, 1)):
            refresh_dirty_stats.apply_async(args=[year], countdown=delay)

    transaction.on_commit(queue)


@transaction.atomic
def extension_grant(*, unit: Unit, year: int, new_deadline: datetime.date, reason: str, by,
                    today: datetime.date | None = None) -> DeadlineExtension:
    """Let a unit report late. Reviewer of the level above; a reason and a later date are required."""
    today = today or timezone.localdate()
    _require_reviewer(by, unit)
    round_ = selectors.round_for(unit, year)
    if round_ is None:
        raise DomainError(_("Đơn vị “%(unit)s” không thuộc đợt báo cáo nào của năm %(year)s.") % {
            "unit": unit.name, "year": year}, field="year", code="no_round")
    if not (reason or "").strip():
        raise DomainError(_("Cần ghi lý do gia hạn."), field="reason")
    if new_deadline <= max(round_.deadline, today):
        raise DomainError(_("Hạn mới phải sau hạn hiện tại và sau hôm nay."), field="new_deadline")
    return DeadlineExtension.objects.create(unit=unit, year=year, new_deadline=new_deadline,
                                            reason=reason.strip(), granted_by=by)


@transaction.atomic
def extension_request(*, unit: Unit, year: int, new_deadline: datetime.date, reason: str, by,
                      today: datetime.date | None = None) -> ExtensionRequest:
    """The unit's officer asks the level above for more time. Locks the unit row, so two clicks make one request.

    Needs a round for the unit, a reason, a date after the deadline in force and after today, a report not yet
    sent, and no request already waiting.
    """
    today = today or timezone.localdate()
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_officer(by, unit)
    round_ = selectors.round_for(unit, year)
    if round_ is None:
        raise DomainError(_("Đơn vị “%(unit)s” không thuộc đợt báo cáo nào của năm %(year)s.") % {
            "unit": unit.name, "year": year}, field="year", code="no_round")
    if Report.objects.filter(unit=unit, year=year, period_kind=PeriodKind.YEARLY,
                             status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)).exists():
        raise DomainError(_("Báo cáo năm %(year)s đã gửi: không cần gia hạn.") % {"year": year},
                          field="year", code="wrong_state")
    if ExtensionRequest.objects.filter(unit=unit, year=year, status=ExtensionRequestStatus.PENDING).exists():
        raise Conflict(_("Đơn vị đã có một đề nghị gia hạn đang chờ cấp trên xem xét."), field="year",
                       code="duplicate")
    if not (reason or "").strip():
        raise DomainError(_("Cần ghi lý do đề nghị gia hạn."), field="reason")
    deadline = selectors.effective_deadline(unit, year, round_)
    if new_deadline <= max(deadline, today):
        raise DomainError(_("Hạn đề nghị phải sau hạn hiện tại (trước ngày %(day)s) và sau hôm nay.") % {
            "day": deadline.strftime("%d/%m/%Y")}, field="new_deadline")
    return ExtensionRequest.objects.create(unit=unit, year=year, new_deadline=new_deadline, reason=reason.strip(),
                                           requested_by=by)


@transaction.atomic
def extension_request_decide(*, request: ExtensionRequest, by, grant: bool, reason: str = "",
                             new_deadline: datetime.date | None = None,
                             today: datetime.date | None = None) -> ExtensionRequest:
    """The reviewer of the level above grants (creating the extension) or refuses the unit's request.

    Row lock on the request; only a waiting request can be decided, so two reviewers cannot both answer it.
    A refusal needs a reason (the unit must know why); a grant may shorten or move the requested date and
    takes the unit's reason when the reviewer writes none.
    """
    today = today or timezone.localdate()
    request = ExtensionRequest.objects.select_for_update(of=("self",)).select_related("unit", "unit__parent").get(
        pk=request.pk)
    _require_reviewer(by, request.unit)
    if request.status != ExtensionRequestStatus.PENDING:
        raise DomainError(_("Đề nghị gia hạn này đã được xử lý (%(status)s).") % {
            "status": request.get_status_display()}, field="status", code="wrong_state")
    reason = (reason or "").strip()
    if grant:
        request.extension = extension_grant(unit=request.unit, year=request.year,
                                            new_deadline=new_deadline or request.new_deadline,
                                            reason=reason or request.reason, by=by, today=today)
        request.status = ExtensionRequestStatus.GRANTED
    else:
        if not reason:
            raise DomainError(_("Cần ghi lý do không gia hạn để đơn vị biết."), field="reason")
        request.status = ExtensionRequestStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_reason = by, timezone.now(), reason
    request.save()
    return request


@transaction.atomic
def attachment_add(*, report: Report, by, upload: UploadedFile, version: int | None = None) -> ReportAttachment:
    """Attach a file (size and type limited by settings). Row lock on the report; editable states only."""
    report = _locked(report)
    _require_officer(by, report.unit)
    _check_version(report, version)
    if not report.is_editable:
        raise DomainError(_("Báo cáo ở trạng thái “%(status)s” không thể thêm tệp.") % {
            "status": report.get_status_display()}, field="file", code="wrong_state")
    # The content is checked, not the name: an HTML page called .pdf is refused (core/files.py).
    kind = files.check_upload(upload, allowed=conf.attachment_types(), max_bytes=conf.attachment_max_bytes(),
                              label=_("Tệp đính kèm"), field="file")
    name = files.display_name(upload.name)
    attachment = ReportAttachment(report=report, name=name, size=upload.size, uploaded_by=by)
    # The stored name is a random token (core.files.PrivateStorage); only the validated extension is kept.
    attachment.file.save(f"tep.{kind.ext}", upload, save=False)
    attachment.save()
    report.version += 1
    report.save(update_fields=["version", "updated_at"])
    return attachment
