"""Data value sets: a unit's (or a whole province's) yearly figures out to CSV/xlsx and back in (issue 14, item 5).

The model is DHIS2's data value set: one row per value, keyed by unit code, data element code, category option
code and period — columns `unit_code, unit_name, data_element, option, period, value` (`unit_name` is written on
export for people and ignored on import). Built-in elements are stored as ReportFigure (the `*_recognised`
element is the numerator, the `*_total` one the denominator, definitions/seed.py BUILTIN); every other element
as ReportValue. Only yearly reports are exchanged (period = the year, "2025"); reviews are left out.

Import, the same workflow as the form:
1. `read_table` refuses a bad file whole (type, size, content, encoding, header, more than MAX_ROWS rows).
2. `_parse` checks every row against lookups loaded once (units in the importer's scope valid on 31/12 of the
   period, elements, options, the stored reports and their values): a code outside the scope gets the same
   answer as a code that does not exist, so a file never learns what lies outside its reach.
3. `_apply` writes, group by group (unit, year), through reports.services: `report_create` where the unit has
   no report yet, `report_update(figures=, values=)` for what changes. Permissions, deadlines, version locks and
   the form's validation are the services' own; an error they raise is mapped back to the row it concerns.
   A row equal to what is stored needs no write, so a file exported and imported again changes nothing and is
   accepted even where reports are already accepted; a row that would change a submitted or accepted report
   is an error. The dry run goes through exactly the same writes and rolls them back: its counts and errors
   are those of the real run.
Everything runs in one transaction: one error anywhere, and nothing is written.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core import files
from core.errors import DomainError, PermissionDenied
from core.params import MAX_YEAR, MIN_YEAR
from core.spreadsheet import safe_cell
from core.text import nfc
from definitions.models import CategoryOption, DataElement, FigurePart, PeriodKind, ValueType
from titles import xlsx  # the streaming first-sheet reader (no models): shared until it moves to core
from units.models import Unit
from units.selectors import scope_queryset, valid_on, visible_units

from . import services
from .form_versions import layout
from .models import EDITABLE_STATUSES, Report, ReportFigure, ReportValue

COLUMNS = ("unit_code", "unit_name", "data_element", "option", "period", "value")
REQUIRED_COLUMNS = ("unit_code", "data_element", "option", "period", "value")
# A unit with no official code (schools, agencies) is exchanged by its id in the portal: "id:1234".
ID_PREFIX = "id:"
# Larger than any value the services take (services.MAX_VALUE, MAX_FIGURE): what the regex lets through is bounded.
MAX_VALUE = Decimal(10) ** 15
MAX_DECIMALS = 4
MAX_ERRORS = 1000  # errors returned with the answer; `error_count` tells how many there were in all
_NUMBER = re.compile(r"\+?[0-9]{1,19}(?:\.[0-9]+)?")
_NEGATIVE = re.compile(r"-\s*[0-9]")


def max_rows() -> int:
    return getattr(settings, "REPORTS_EXCHANGE_MAX_ROWS", 50_000)


def max_bytes() -> int:
    return getattr(settings, "REPORTS_EXCHANGE_MAX_BYTES", 10 * 1024 * 1024)


# --- export -------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ExchangeRow:
    unit_code: str
    unit_name: str
    data_element: str
    option: str
    period: str
    value: str

    def as_dict(self) -> dict[str, str | None]:
        return {"unit_code": self.unit_code, "unit_name": self.unit_name, "data_element": self.data_element,
                "option": self.option or None, "period": self.period, "value": self.value}


def unit_key(unit_id: int, code: str) -> str:
    return code or f"{ID_PREFIX}{unit_id}"


def format_value(value: Decimal | int) -> str:
    """A stored value as the file writes it: 70, 12.5 (never 12.5000 or 1E+1)."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _figure_elements() -> dict[tuple[str, str], str]:
    """(built-in indicator, part) → element code, for the elements typed in (computed ones are never exchanged)."""
    return {(indicator, part): code for indicator, part, code in DataElement.objects.filter(
        computed=False).exclude(figure_indicator="").values_list("figure_indicator", "figure_part", "code")}


def export_rows(user, unit: Unit, year: int) -> list[ExchangeRow]:
    """Every value of the yearly reports of `unit`'s subtree for `year` that `user` may see (three queries).

    The caller has checked that `unit` is visible to the user; the reports are scoped again, so a subtree that
    reaches beyond the user's scope (it cannot today: a scope is whole subtrees) would still not leak.
    """
    reports = scope_queryset(Report.objects.filter(unit__path__startswith=unit.path, year=year,
                                                   period_kind=PeriodKind.YEARLY), user, unit_field="unit")
    elements = _figure_elements()
    keyed: list[tuple[tuple, ExchangeRow]] = []
    figures = ReportFigure.objects.filter(report__in=reports).values_list(
        "report__unit_id", "report__unit__code", "report__unit__name", "report__unit__path", "indicator",
        "numerator", "denominator")
    for unit_id, code, name, path, indicator, numerator, denominator in figures:
        for part, number in ((FigurePart.DENOMINATOR, denominator), (FigurePart.NUMERATOR, numerator)):
            element = elements.get((indicator, part))
            if element is not None:
                keyed.append(((path, element, 0, ""), ExchangeRow(
                    unit_key(unit_id, code), name, element, "", str(year), format_value(number))))
    values = ReportValue.objects.filter(report__in=reports).values_list(
        "report__unit_id", "report__unit__code", "report__unit__name", "report__unit__path", "data_element__code",
        "option__code", "option__order", "value")
    for unit_id, code, name, path, element, option, order, value in values:
        keyed.append(((path, element, order or 0, option or ""), ExchangeRow(
            unit_key(unit_id, code), name, element, option or "", str(year), format_value(value))))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _key, row in keyed]


def to_csv(rows: Iterable[ExchangeRow]) -> bytes:
    """UTF-8 with a BOM (Excel then reads Vietnamese names right), comma-separated, one header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.unit_code, safe_cell(r.unit_name), r.data_element, r.option, r.period, r.value])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _number_cell(text: str) -> int | Decimal:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else number


def to_xlsx(rows: Iterable[ExchangeRow]) -> bytes:
    """One sheet, the CSV's columns: codes as text (a code "00004" keeps its zeros), period and value as numbers."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data_values")
    sheet.append(list(COLUMNS))
    for r in rows:
        sheet.append([r.unit_code, safe_cell(r.unit_name), r.data_element, r.option or None, int(r.period),
                      _number_cell(r.value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading a file -----------------------------------------------------------------------------------------


class FileError(DomainError):
    """The file as a whole is refused (type, size, encoding, header): no row was looked at."""

    def __init__(self, message: str, *, code: str = "bad_file") -> None:
        super().__init__(message, field="file", code=code)


@dataclasses.dataclass
class Table:
    rows: list[tuple[int, dict[str, Any]]]  # (row number as the user sees it, {column: raw cell})
    decimal_comma: bool = False  # a semicolon CSV (Excel in a Vietnamese locale) writes 12,5


def _header(cells: list[Any]) -> dict[str, int]:
    names = [nfc(str(c)).strip().lstrip("\ufeff").strip().lower() if c is not None else "" for c in cells]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise FileError(_("Tệp không đúng mẫu: thiếu cột %(cols)s. Dòng đầu tiên phải là tên các cột: %(all)s.") % {
            "cols": ", ".join(missing), "all": ", ".join(COLUMNS)}, code="wrong_columns")
    return {name: names.index(name) for name in COLUMNS if name in names}


def _is_blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _table(numbered: Iterator[tuple[int, list[Any]]], *, decimal_comma: bool = False) -> Table:
    header: dict[str, int] | None = None
    table = Table(rows=[], decimal_comma=decimal_comma)
    for number, values in numbered:
        if _is_blank(values):
            continue
        if header is None:
            header = _header(values)
            continue
        if len(table.rows) >= max_rows():
            raise FileError(_("Tệp có quá %(n)s dòng số liệu; hãy chia thành nhiều tệp.") % {
                "n": f"{max_rows():,}".replace(",", ".")}, code="too_many_rows")
        table.rows.append((number, {name: values[i] if i < len(values) else None for name, i in header.items()}))
    if header is None:
        raise FileError(_("Tệp rỗng: không có dòng tên cột."), code="empty")
    if not table.rows:
        raise FileError(_("Tệp không có dòng số liệu nào."), code="empty")
    return table


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    return size


def _csv_rows(data: bytes) -> tuple[Iterator[tuple[int, list[Any]]], bool]:
    if b"\x00" in data:
        raise FileError(_("Tệp không phải là tệp CSV (văn bản)."), code="file_type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(_("Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: “CSV UTF-8”)."),
                        code="encoding") from exc
    first_line = text.split("\n", 1)[0]
    # Excel in a Vietnamese (or any comma-decimal) locale saves "CSV" with semicolons: the header says which.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = 0
        try:
            for values in reader:
                line = reader.line_num
                yield line, values
        except csv.Error as exc:
            raise FileError(_("Tệp CSV sai định dạng ở dòng %(row)s (dấu ngoặc kép không khớp?).") % {
                "row": reader.line_num or line + 1}, code="file_type") from exc

    return rows(), delimiter == ";"


def read_table(upload) -> Table:
    """The rows of an uploaded CSV or xlsx file, or FileError. Reads the file; writes nothing."""
    name = files.display_name(getattr(upload, "name", "") or "")
    ext = files.extension_of(name)
    limit = max_bytes()
    if ext == "xlsx":
        # The one content check (signature, an Office zip without macros, password or zip bomb).
        try:
            files.check_upload(upload, allowed=["xlsx"], max_bytes=limit, label=_("Tệp số liệu"), field="file")
        except DomainError as exc:
            raise FileError(exc.message, code=exc.code) from exc
        try:
            upload.seek(0)
            return _table(xlsx.iter_rows(upload))
        except xlsx.WorkbookError as exc:
            raise FileError(_("Không đọc được tệp Excel “%(name)s”: tệp hỏng hoặc sai định dạng.") % {"name": name},
                            code="file_type") from exc
    if ext != "csv":
        raise FileError(_("Tệp “%(name)s”: chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx).") % {"name": name},
                        code="file_type")
    if _size(upload) > limit:
        raise FileError(_("Tệp “%(name)s” vượt quá giới hạn %(mb)s MB.") % {
            "name": name, "mb": limit // (1024 * 1024)}, code="file_too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise FileError(_("Tệp “%(name)s”: tệp rỗng.") % {"name": name}, code="empty")
    rows, decimal_comma = _csv_rows(data)
    return _table(rows, decimal_comma=decimal_comma)


# --- checking rows ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


def _row_error(row: int, column: str | None, message: str) -> RowError:
    where = (_("Dòng %(row)s, cột %(col)s") % {"row": row, "col": column} if column
             else _("Dòng %(row)s") % {"row": row})
    return RowError(row, column, f"{where}: {message}")


@dataclasses.dataclass(slots=True)
class ParsedRow:
    number: int
    unit: Unit
    year: int
    element: DataElement
    option: CategoryOption | None
    value: Decimal

    @property
    def service_key(self) -> str:
        """How report_update's `values` and its errors name this row's value."""
        return f"{self.element.code}.{self.option.code}" if self.option else self.element.code


def _text(raw: Any) -> str | None:
    """A code cell as text; None when the cell holds something no code can be (a date, a formula result…)."""
    if raw is None:
        return ""
    if isinstance(raw, bool) or isinstance(raw, (datetime.date, xlsx.InvalidCell)):
        return None
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else None
    return nfc(str(raw)).strip()


def _decimal(raw: Any, *, decimal_comma: bool) -> tuple[Decimal | None, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, _("cần nhập giá trị.")
    if isinstance(raw, bool) or isinstance(raw, (datetime.date, xlsx.InvalidCell)):
        return None, _("“%(value)s” không phải là số.") % {"value": str(raw)[:40]}
    if isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    else:
        text = str(raw).strip()
        if text.startswith("="):
            return None, _("là công thức; hãy nhập giá trị số.")
        if decimal_comma and text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if _NEGATIVE.match(text):
            return None, _("giá trị không được âm (“%(value)s”).") % {"value": text[:40]}
        if not _NUMBER.fullmatch(text):
            return None, _("“%(value)s” không phải là số (viết số không có dấu phân cách hàng nghìn, "
                           "phần thập phân sau dấu chấm).") % {"value": text[:40]}
        try:
            number = Decimal(text)
        except InvalidOperation:  # the pattern rules it out; kept so that no text can end in a 500
            return None, _("“%(value)s” không phải là số.") % {"value": text[:40]}
    if number < 0:
        return None, _("giá trị không được âm (“%(value)s”).") % {"value": format_value(number)}
    if number >= MAX_VALUE:
        return None, _("giá trị quá lớn.")
    return number, None


def _check_value(number: Decimal, element: DataElement) -> str | None:
    if element.value_type == ValueType.INTEGER or element.figure_indicator:
        if number != number.to_integral_value():
            return _("phần tử “%(element)s” nhận số nguyên không âm (“%(value)s”).") % {
                "element": element.code, "value": format_value(number)}
    else:
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
            return _("tối đa %(n)s chữ số thập phân.") % {"n": MAX_DECIMALS}
    limit = services.MAX_FIGURE if element.figure_indicator else services.MAX_VALUE
    if number > limit:
        return _("giá trị quá lớn (tối đa %(max)s).") % {"max": f"{limit:,.0f}".replace(",", ".")}
    return None


def _period(raw: Any) -> int | None:
    text = _text(raw)
    if not text or not (len(text) == 4 and text.isascii() and text.isdigit()):
        return None
    year = int(text)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


class _Lookups:
    """What every row is checked against, loaded once: a query per period for units, one for elements."""

    def __init__(self, user, table: Table) -> None:
        self.user = user
        self.elements = {e.code: e for e in DataElement.objects.select_related("category")}
        self.options: dict[int, dict[str, CategoryOption]] = defaultdict(dict)
        for option in CategoryOption.objects.all():
            self.options[option.category_id][option.code] = option
        self.units: dict[tuple[int, str], list[Unit]] = defaultdict(list)
        wanted: dict[int, set[str]] = defaultdict(set)
        for _number, cells in table.rows:
            year, code = _period(cells.get("period")), _text(cells.get("unit_code"))
            if year is not None and code:
                wanted[year].add(code)
        for year, codes in wanted.items():
            ids = [int(c[len(ID_PREFIX):]) for c in codes
                   if c.startswith(ID_PREFIX) and c[len(ID_PREFIX):].isascii() and c[len(ID_PREFIX):].isdigit()
                   and len(c) <= 30]
            plain = [c for c in codes if not c.startswith(ID_PREFIX)]
            # The importer's scope, valid at the period's end: codes are reused across eras (DESIGN.md).
            found = visible_units(user).filter(valid_on(datetime.date(year, 12, 31))).filter(
                Q(code__in=plain) | Q(pk__in=ids, code=""))
            for unit in found:
                self.units[(year, unit_key(unit.pk, unit.code))].append(unit)


def _parse(lookups: _Lookups, table: Table) -> tuple[list[ParsedRow], list[RowError]]:
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, int, int | None, int], int] = {}
    for number, cells in table.rows:
        row_errors: list[RowError] = []
        year = _period(cells.get("period"))
        if year is None:
            row_errors.append(_row_error(number, "period", _("kỳ “%(value)s” không hợp lệ; ghi năm, ví dụ 2025.") % {
                "value": str(cells.get("period") or "")[:20]}))
        code = _text(cells.get("unit_code"))
        unit = None
        if not code:
            row_errors.append(_row_error(number, "unit_code", _("cần nhập mã đơn vị.")))
        elif year is not None:
            units = lookups.units.get((year, code), [])
            if not units:
                # One answer for "no such code" and "not yours": the file learns nothing outside its scope.
                row_errors.append(_row_error(number, "unit_code", _(
                    "đơn vị mã “%(code)s” không có hoặc không thuộc phạm vi của bạn (đơn vị có hiệu lực ngày "
                    "31/12/%(year)s).") % {"code": code[:40], "year": year}))
            elif len(units) > 1:
                row_errors.append(_row_error(number, "unit_code", _(
                    "mã “%(code)s” ứng với nhiều đơn vị trong phạm vi của bạn (%(names)s); không xác định được "
                    "đơn vị.") % {"code": code, "names": ", ".join(u.name for u in units[:3])}))
            else:
                unit = units[0]
        element_code = _text(cells.get("data_element"))
        element = lookups.elements.get(element_code or "")
        if not element_code:
            row_errors.append(_row_error(number, "data_element", _("cần nhập mã phần tử dữ liệu.")))
        elif element is None or not element.is_active:
            row_errors.append(_row_error(number, "data_element", _(
                "không có phần tử dữ liệu mã “%(code)s” (hoặc phần tử đã ngừng dùng).") % {
                "code": element_code[:60]}))
            element = None
        elif element.computed:
            row_errors.append(_row_error(number, "data_element", _(
                "“%(code)s” do hệ thống tính, không nhập được.") % {"code": element_code}))
            element = None
        option_code = _text(cells.get("option"))
        option = None
        if element is not None:
            category = element.category
            if category is None:
                if option_code:
                    row_errors.append(_row_error(number, "option", _(
                        "phần tử “%(element)s” không có phân tổ; để trống cột option.") % {"element": element.code}))
            elif not option_code:
                row_errors.append(_row_error(number, "option", _(
                    "phần tử “%(element)s” được nhập theo phân tổ “%(category)s”: ghi một trong %(options)s.") % {
                    "element": element.code, "category": category.name,
                    "options": ", ".join(lookups.options[category.pk])}))
            else:
                option = lookups.options[category.pk].get(option_code)
                if option is None:
                    row_errors.append(_row_error(number, "option", _(
                        "“%(option)s” không thuộc phân tổ “%(category)s” (%(options)s).") % {
                        "option": option_code[:60], "category": category.name,
                        "options": ", ".join(lookups.options[category.pk])}))
        value, problem = _decimal(cells.get("value"), decimal_comma=table.decimal_comma)
        if problem is None and value is not None and element is not None:
            problem = _check_value(value, element)
        if problem:
            row_errors.append(_row_error(number, "value", problem))
        if row_errors:
            errors.extend(row_errors)
            continue
        assert unit is not None and element is not None and value is not None and year is not None  # noqa: S101
        key = (unit.pk, element.pk, option.pk if option else None, year)
        first = seen.setdefault(key, number)
        if first != number:
            errors.append(_row_error(number, "data_element", _(
                "trùng với dòng %(first)s (cùng đơn vị, phần tử dữ liệu, nhóm phân tổ và kỳ).") % {"first": first}))
            continue
        parsed.append(ParsedRow(number, unit, year, element, option, value))
    return parsed, errors


# --- applying ----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class UnitOutcome:
    unit: Unit
    period: int
    report_id: int | None = None
    new_report: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclasses.dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    units: list[UnitOutcome] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)
    error_count: int = 0
    # The version of each (unit, year) report the run saw ("unit_id:year" → version, None: no report yet): a
    # confirmation after a preview passes them back, so a report edited in between is a conflict, not overwritten.
    versions: dict[str, int | None] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error_count

    def total(self, field: str) -> int:
        return sum(getattr(u, field) for u in self.units)

    @property
    def reports_created(self) -> int:
        return sum(1 for u in self.units if u.new_report)

    def add_errors(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.error_count += 1
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(error)


@dataclasses.dataclass
class _Group:
    unit: Unit
    year: int
    rows: list[ParsedRow]
    report: Report | None = None

    @property
    def key(self) -> str:
        return f"{self.unit.pk}:{self.year}"

    def error(self, message: str, column: str | None = None) -> RowError:
        first = min(r.number for r in self.rows)
        return _row_error(first, column, _("%(unit)s, năm %(year)s: %(message)s") % {
            "unit": self.unit.name, "year": self.year, "message": message})


def _groups(rows: list[ParsedRow]) -> list[_Group]:
    by_key: dict[tuple[int, int], _Group] = {}
    for row in rows:
        group = by_key.get((row.unit.pk, row.year))
        if group is None:
            group = by_key[(row.unit.pk, row.year)] = _Group(row.unit, row.year, [])
        group.rows.append(row)
    groups = sorted(by_key.values(), key=lambda g: (g.unit.path, g.year))  # one lock order for every import
    reports = Report.objects.filter(unit_id__in={g.unit.pk for g in groups}, year__in={g.year for g in groups},
                                    period_kind=PeriodKind.YEARLY).select_related("round", "form_version")
    found = {(r.unit_id, r.year): r for r in reports}
    for group in groups:
        group.report = found.get((group.unit.pk, group.year))
    return groups


def _stored(reports: list[Report]) -> tuple[dict[int, dict[str, tuple[int, int]]],
                                             dict[int, dict[tuple[int, int | None], Decimal]]]:
    """The reports' figures and values (two queries), by report id."""
    figures: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for report_id, indicator, numerator, denominator in ReportFigure.objects.filter(report__in=reports).values_list(
            "report_id", "indicator", "numerator", "denominator"):
        figures[report_id][indicator] = (numerator, denominator)
    values: dict[int, dict[tuple[int, int | None], Decimal]] = defaultdict(dict)
    for report_id, element_id, option_id, value in ReportValue.objects.filter(report__in=reports).values_list(
            "report_id", "data_element_id", "option_id", "value"):
        values[report_id][(element_id, option_id)] = value
    return figures, values


@dataclasses.dataclass
class _Plan:
    figures: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    values: dict[str, int | str] = dataclasses.field(default_factory=dict)
    changed: list[ParsedRow] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _plan(group: _Group, figures: Mapping[str, tuple[int, int]],
          values: Mapping[tuple[int, int | None], Decimal]) -> _Plan:
    """What the group's rows change against what is stored, and the service arguments that write it."""
    plan = _Plan()
    pairs: dict[str, dict[str, ParsedRow]] = defaultdict(dict)
    for row in group.rows:
        element = row.element
        if element.figure_indicator:
            stored = figures.get(element.figure_indicator)
            old: Decimal | int | None = None if stored is None else stored[
                0 if element.figure_part == FigurePart.NUMERATOR else 1]
            pairs[element.figure_indicator][element.figure_part] = row
        else:
            old = values.get((element.pk, row.option.pk if row.option else None))
        if old is None:
            plan.created += 1
        elif Decimal(old) == row.value:
            plan.unchanged += 1
            continue
        else:
            plan.updated += 1
        plan.changed.append(row)
        if not element.figure_indicator:
            whole = row.value == row.value.to_integral_value()
            plan.values[row.service_key] = int(row.value) if whole else format_value(row.value)
    changed = {id(r) for r in plan.changed}
    for indicator, parts in pairs.items():
        if not any(id(r) in changed for r in parts.values()):
            continue
        # A figure is a pair: the part the file leaves out keeps its stored number (0 when none is stored).
        stored_pair = figures.get(indicator, (0, 0))
        numerator = int(parts[FigurePart.NUMERATOR].value) if FigurePart.NUMERATOR in parts else stored_pair[0]
        denominator = int(parts[FigurePart.DENOMINATOR].value) if FigurePart.DENOMINATOR in parts else stored_pair[1]
        if numerator > denominator:
            row = parts.get(FigurePart.NUMERATOR) or parts[FigurePart.DENOMINATOR]
            plan.errors.append(_row_error(row.number, "value", _(
                "số đạt danh hiệu (%(numerator)s) không được lớn hơn tổng số (%(denominator)s) của “%(unit)s”.") % {
                "numerator": numerator, "denominator": denominator, "unit": group.unit.name}))
            continue
        plan.figures[indicator] = {"numerator": numerator, "denominator": denominator}
    return plan


def _service_error(group: _Group, exc: DomainError) -> RowError:
    """A refusal of a service, on the row it concerns ("figures.<slug>.<part>", "values.<code>[.<option>]"),
    else on the group's first row with the unit named."""
    field = exc.field or ""
    parts = field.split(".")
    if isinstance(exc, PermissionDenied):
        return group.error(exc.message, "unit_code")
    for row in sorted(group.rows, key=lambda r: r.number):
        element = row.element
        if parts[0] == "figures" and len(parts) >= 2 and element.figure_indicator == parts[1]:
            if len(parts) == 2:
                return _row_error(row.number, "data_element", exc.message)
            if element.figure_part == parts[2]:
                return _row_error(row.number, "value", exc.message)
        if parts[0] == "values" and len(parts) >= 2 and ".".join(parts[1:]) in (row.service_key, element.code):
            return _row_error(row.number, "value", exc.message)
    return group.error(exc.message, "period" if field == "year" else None)


def _off_form(group: _Group, report: Report, rows: list[ParsedRow]) -> list[RowError]:
    """Rows whose element is not on the report's form version (every one of them: the service would name only the
    first). Built-in elements follow the figures the report needs; the service checks again when writing."""
    required = set(report.required_indicators())
    on_form = set(layout(report.form_version).elements) if report.form_version is not None else set()
    errors = []
    for row in rows:
        element = row.element
        if (element.figure_indicator in required) if element.figure_indicator else (element.code in on_form):
            continue
        errors.append(_row_error(row.number, "data_element", _(
            "phần tử “%(element)s” không có trong biểu mẫu báo cáo năm %(year)s của “%(unit)s”.") % {
            "element": element.code, "year": group.year, "unit": group.unit.name}))
    return errors


def _apply_group(group: _Group, *, by, figures: Mapping[str, tuple[int, int]],
                 values: Mapping[tuple[int, int | None], Decimal], expected: Mapping[str, int | None] | None,
                 today: datetime.date | None, outcome: UnitOutcome) -> list[RowError]:
    report = group.report
    if expected is not None and group.key in expected:
        seen = expected[group.key]
        if (seen is None) != (report is None) or (report is not None and seen != report.version):
            return [group.error(_("báo cáo đã thay đổi từ lúc kiểm tra thử (người khác vừa lập hoặc sửa); hãy tải "
                                  "tệp lên lại để kiểm tra."), None)]
    if report is None:
        try:
            report = services.report_create(unit=group.unit, year=group.year, by=by, today=today)
        except DomainError as exc:
            return [_service_error(group, exc)]
        outcome.new_report = True
        figures = {f.indicator: (f.numerator, f.denominator) for f in report.figures.all()}  # the prefill
        values = {}
    outcome.report_id = report.pk
    plan = _plan(group, figures, values)
    outcome.created, outcome.updated, outcome.unchanged = plan.created, plan.updated, plan.unchanged
    if plan.errors:
        return plan.errors
    if not plan.changed:
        return []
    off_form = _off_form(group, report, plan.changed)
    if off_form:
        return off_form
    if report.status not in EDITABLE_STATUSES:
        return [_row_error(row.number, "value", _(
            "báo cáo năm %(year)s của “%(unit)s” đang ở trạng thái “%(status)s”: không ghi đè số liệu.") % {
            "year": group.year, "unit": group.unit.name, "status": report.get_status_display()})
            for row in plan.changed]
    arguments: dict[str, Any] = {"figures": plan.figures or None}
    if plan.values:
        arguments["values"] = plan.values
    try:
        services.report_update(report=report, by=by, version=report.version, today=today, **arguments)
    except DomainError as exc:
        return [_service_error(group, exc)]
    return []


class _Rollback(Exception):
    """Leaves the import's transaction so that nothing of it stays (dry run, or an error anywhere)."""


def import_file(upload, *, user, dry_run: bool, expected_versions: Mapping[str, int | None] | None = None,
                today: datetime.date | None = None) -> ImportResult:
    """Check, and unless `dry_run` write, an uploaded data value set. Raises FileError for a file refused whole;
    row errors are in the result (`ok` False), and then nothing was written.

    One transaction: report rows are locked by the services as they are written, in unit path order.
    """
    table = read_table(upload)
    result = ImportResult(dry_run=dry_run, rows=len(table.rows))
    lookups = _Lookups(user, table)
    rows, errors = _parse(lookups, table)
    result.add_errors(errors)
    groups = _groups(rows)
    for group in groups:
        result.versions[group.key] = group.report.version if group.report else None
    if result.error_count:
        # Rows that are wrong in themselves: the services are not asked about the rest (a file is fixed whole).
        result.units = [UnitOutcome(g.unit, g.year, g.report.pk if g.report else None) for g in groups]
        return result
    figures, values = _stored([g.report for g in groups if g.report is not None])
    try:
        with transaction.atomic():
            for group in groups:
                outcome = UnitOutcome(group.unit, group.year)
                report_id = group.report.pk if group.report else 0
                result.add_errors(_apply_group(group, by=user, figures=figures.get(report_id, {}),
                                               values=values.get(report_id, {}), expected=expected_versions,
                                               today=today, outcome=outcome))
                result.units.append(outcome)
            if dry_run or result.error_count:
                raise _Rollback
    except _Rollback:
        pass
    return result


def summary(result: ImportResult) -> dict[str, Any]:
    """The answer of the API (and what the page shows): totals, then one line per unit and period."""
    return {
        "dry_run": result.dry_run, "written": not result.dry_run and result.ok, "rows": result.rows,
        "created": result.total("created"), "updated": result.total("updated"),
        "unchanged": result.total("unchanged"), "reports_created": result.reports_created,
        "units": [{"unit": {"id": u.unit.pk, "code": u.unit.code, "name": u.unit.name, "level": u.unit.level},
                   "period": str(u.period), "report": u.report_id if not (result.dry_run and u.new_report) else None,
                   "new_report": u.new_report, "created": u.created, "updated": u.updated, "unchanged": u.unchanged}
                  for u in result.units],
    }


__all__ = ["COLUMNS", "ExchangeRow", "FileError", "ImportResult", "RowError", "export_rows",
           "import_file", "read_table", "summary", "to_csv", "to_xlsx"]
