"""Excel lists of a commune's yearly titles: one pipeline for households, citizens, clans and hamlets.

1. `check_workbook_file` inspects the zip (size, entries, unpacked size, compression ratio) before any
   XML is parsed.
2. `read_rows` streams the first sheet (titles.xlsx), matches the header to the template, skips blank
   rows and stops at the row limit.
3. `ListImporter.check` validates every row against lookups loaded once (the commune's hamlets, the
   registry, the list's rows): no query per row; duplicates across the whole file through a dict.
4. `ListImporter.write` (once confirmed) inserts the new registry rows, then the list rows, inside the
   caller's transaction: a file is written whole or not at all. On PostgreSQL with COPY (`copy_rows`; new
   registry ids drawn from the sequence first, refreshed registry values through one UPDATE … FROM a
   COPYed temporary table: docs/adr/0017-import-calamine-and-copy.md); elsewhere one multi-row INSERT per
   batch of WRITE_BATCH (`insert_rows`). Registry rows written here carry no per-row history: the stored
   workbook and its ImportJob (who, when) are the record of a bulk change.

A kind of list is a ListImporter subclass: its columns, how a row names its subject, and the registry
model behind it. django-import-export's resources give each kind its template and its export, with
cells that look like formulas escaped.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import itertools
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from core.errors import DomainError
from core.spreadsheet import safe_cell
from core.text import nfc, search_key
from units.models import Citizen, Clan, Household, Level, Unit
from units.selectors import today

from . import xlsx
from .models import EvaluationList, ListEntry, SubjectKind, TitleType

PROGRESS_EVERY = 5000  # rows between two progress updates the page can show
PREVIEW_ROWS = 500  # rows kept for the preview table; every error is kept up to MAX_STORED_ERRORS
MAX_STORED_ERRORS = 2000
MAX_ZIP_ENTRIES = 500
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # tiny parts compress absurdly well and are harmless
WRITE_BATCH = 2000  # rows per INSERT/UPDATE statement while writing
COPY_BATCH = 20_000  # rows per COPY statement (PostgreSQL); the progress bar moves after each batch of list rows
# PostgreSQL writes with COPY (copy_rows); False keeps the multi-row INSERTs there too (the SQLite path), which
# the tests use to compare both paths on the same database.
USE_COPY = True

COL_HAMLET = "Thôn/Tổ dân phố"
COL_CODE = "Mã hộ"
COL_HEAD = "Chủ hộ"
COL_ADDRESS = "Địa chỉ"
COL_FULL_NAME = "Họ và tên"
COL_BIRTH_YEAR = "Năm sinh"
COL_WORKPLACE = "Nơi làm việc"
COL_CLAN = "Tên dòng họ"
COL_DATE = "Ngày bình xét"
COL_RESULT = "Kết quả"
COL_NOTE = "Ghi chú"
RESULT_VALUES = {"dat": True, "khong dat": False}

Progress = Callable[[int], None]
_normalize = unicodedata.normalize


def progress_key(job_id: int) -> str:
    return f"titles:import:{job_id}:processed"


# --- file safety and reading ---------------------------------------------------------------------------


def check_workbook_file(upload) -> None:
    """Refuse, before parsing, a file that is too big, not an xlsx zip, or a zip bomb."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > settings.TITLES_IMPORT_MAX_BYTES:
        raise DomainError(
            _("Tệp vượt quá %(mb)s MB.") % {"mb": settings.TITLES_IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file", code="file_too_large",
        )
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DomainError(_("Tệp không phải là bảng tính Excel (.xlsx)."), field="file", code="not_xlsx") from exc
    finally:
        upload.seek(0)
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or len(infos) > MAX_ZIP_ENTRIES:
        raise DomainError(_("Tệp không phải là bảng tính Excel (.xlsx)."), field="file", code="not_xlsx")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > settings.TITLES_IMPORT_MAX_UNPACKED_BYTES:
        raise DomainError(_("Tệp sau khi giải nén quá lớn; không xử lý."), field="file", code="zip_bomb")
    for info in infos:
        if info.flag_bits & 0x1:
            raise DomainError(_("Tệp được mã hóa bằng mật khẩu; hãy lưu lại không mật khẩu."), field="file",
                              code="encrypted")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > settings.TITLES_IMPORT_MAX_COMPRESSION_RATIO:
            raise DomainError(_("Tệp có tỷ lệ nén bất thường; không xử lý."), field="file", code="zip_bomb")


def _cell(value):
    """A reader's value as validation takes it. Called per cell (a million times for 100,000 rows): exact types
    first, which is what both readers return."""
    kind = type(value)
    if kind is str:
        return _normalize("NFC", value).strip()  # core.text.nfc, without its None case
    if kind is datetime.datetime:
        return value.date()
    if kind is float:
        return int(value) if value.is_integer() else value
    return value


def _is_blank(values: list) -> bool:
    for value in values:
        if value is not None and not (type(value) is str and (not value or value.isspace())):
            return False
    return True


def read_rows(fileobj, columns: tuple[str, ...]) -> Iterator[tuple[int, list]]:
    """The first sheet's rows as (Excel row number, values in the template's column order).

    Refuses a broken file, a header that misses a column of the template, more rows than allowed, or
    a sheet without data rows.
    """
    unreadable = _("Không đọc được tệp Excel: tệp hỏng hoặc sai định dạng.")
    try:
        rows = xlsx.iter_rows(fileobj)
        _number, header_cells = next(rows, (0, []))
        header = [nfc(str(h)) if h is not None else "" for h in header_cells]
        missing = [c for c in columns if c not in header]
        if missing:
            raise DomainError(
                _("Tệp không đúng mẫu: thiếu cột %(cols)s. Hãy tải mẫu và nhập lại.")
                % {"cols": ", ".join(f"“{c}”" for c in missing)},
                field="file", code="wrong_columns",
            )
        positions = [header.index(c) for c in columns]
        width = max(positions) + 1
        count = 0
        for number, values in rows:
            if _is_blank(values):
                continue
            if len(values) < width:
                values = values + [None] * (width - len(values))
            count += 1
            if count > settings.TITLES_IMPORT_MAX_ROWS:
                raise DomainError(
                    _("Tệp có quá %(n)s dòng; hãy chia thành nhiều tệp.") % {"n": settings.TITLES_IMPORT_MAX_ROWS},
                    field="file", code="too_many_rows",
                )
            yield number, [_cell(values[p]) for p in positions]
    except xlsx.WorkbookError as exc:
        raise DomainError(unreadable, field="file") from exc
    if not count:
        raise DomainError(_("Tệp không có dòng dữ liệu nào."), field="file", code="empty")


# --- export: templates and lists ----------------------------------------------------------------------



class ResultWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return _("Đạt") if value else _("Không đạt")


class ListEntryResource(resources.ModelResource):
    """The columns every list has; a kind's resource adds its subject's columns (its Meta.fields order)."""

    hamlet = fields.Field(attribute="hamlet__name", column_name=COL_HAMLET, readonly=True)
    review_date = fields.Field(attribute="review_date", column_name=COL_DATE,
                               widget=widgets.DateWidget(format="%d/%m/%Y"), readonly=True)
    passed = fields.Field(attribute="passed", column_name=COL_RESULT, widget=ResultWidget(), readonly=True)
    note = fields.Field(attribute="note", column_name=COL_NOTE, readonly=True)

    class Meta:
        model = ListEntry
        fields = ["hamlet", "review_date", "passed", "note"]
        export_order = fields

    def export_field(self, field, instance, **kwargs):
        return safe_cell(super().export_field(field, instance, **kwargs))


class HouseholdListResource(ListEntryResource):
    household_code = fields.Field(attribute="household__code", column_name=COL_CODE, readonly=True)
    head_name = fields.Field(attribute="household__head_name", column_name=COL_HEAD, readonly=True)
    address = fields.Field(attribute="household__address", column_name=COL_ADDRESS, readonly=True)

    class Meta(ListEntryResource.Meta):
        fields = ["hamlet", "household_code", "head_name", "address", "review_date", "passed", "note"]
        export_order = fields


class CitizenListResource(ListEntryResource):
    full_name = fields.Field(attribute="citizen__full_name", column_name=COL_FULL_NAME, readonly=True)
    birth_year = fields.Field(attribute="citizen__birth_year", column_name=COL_BIRTH_YEAR, readonly=True)
    household_code = fields.Field(attribute="citizen__household__code", column_name=COL_CODE, readonly=True)
    workplace = fields.Field(attribute="citizen__workplace", column_name=COL_WORKPLACE, readonly=True)

    class Meta(ListEntryResource.Meta):
        fields = ["hamlet", "full_name", "birth_year", "household_code", "workplace", "review_date", "passed",
                  "note"]
        export_order = fields


class ClanListResource(ListEntryResource):
    clan_name = fields.Field(attribute="clan__name", column_name=COL_CLAN, readonly=True)

    class Meta(ListEntryResource.Meta):
        fields = ["hamlet", "clan_name", "review_date", "passed", "note"]
        export_order = fields


# --- validation ----------------------------------------------------------------------------------------


def _required(cells: dict, column: str, errors: list[str], max_length: int) -> str:
    value = "" if cells[column] is None else str(cells[column]).strip()
    if not value:
        errors.append(_("%(col)s: cần nhập.") % {"col": column})
    elif len(value) > max_length:
        errors.append(_("%(col)s: tối đa %(n)s ký tự.") % {"col": column, "n": max_length})
    return value


def _optional(cells: dict, column: str, max_length: int) -> str:
    return ("" if cells[column] is None else str(cells[column]).strip())[:max_length]


def _invalid_cell_error(column: str, cell: xlsx.InvalidCell) -> str:
    """The row error for a cell the reader could not turn into a value (an out-of-range date serial, NaN...):
    the row and its column are named, instead of the whole file failing."""
    if cell.kind == xlsx.InvalidCell.DATE:
        return _("%(col)s: giá trị ngày “%(value)s” nằm ngoài khoảng Excel cho phép (01/01/1900 đến 31/12/9999); "
                 "hãy nhập ngày dạng dd/mm/yyyy.") % {"col": column, "value": cell.raw[:40]}
    return _("%(col)s: “%(value)s” không phải là số hợp lệ.") % {"col": column, "value": cell.raw[:40]}


def _parse_date(value, year: int) -> tuple[datetime.date | None, str | None]:
    if value in (None, ""):
        return None, _("%(col)s: cần nhập ngày (dd/mm/yyyy).") % {"col": COL_DATE}
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.datetime.strptime(str(value).strip(), "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            return None, _("%(col)s: “%(value)s” không phải ngày hợp lệ (dd/mm/yyyy).") % {
                "col": COL_DATE, "value": value}
    if day.year != year:
        return None, _("%(col)s: ngày %(day)s không thuộc năm %(year)s.") % {
            "col": COL_DATE, "day": day.strftime("%d/%m/%Y"), "year": year}
    return day, None


@dataclasses.dataclass(slots=True)
class Row:
    """A valid row: its subject (a registry row, or the hamlet itself) and its list values."""

    hamlet_id: int
    key: tuple  # the subject's identity: duplicates in the file, matching in the registry
    subject: dict  # the registry fields the row gives (empty when the hamlet is the subject)
    review_date: datetime.date
    passed: bool
    note: str
    subject_id: int | None = None  # known at validation for existing subjects, after write for new ones


@dataclasses.dataclass
class Outcome:
    total_rows: int = 0
    new_rows: int = 0
    updated_rows: int = 0
    error_count: int = 0
    errors: list = dataclasses.field(default_factory=list)
    preview: list = dataclasses.field(default_factory=list)
    message: str = ""


@dataclasses.dataclass
class Checked:
    """What validation found: the valid rows, every bad row's errors, the first rows for the preview."""

    rows: list[Row] = dataclasses.field(default_factory=list)
    errors: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    preview: list[tuple[int, list]] = dataclasses.field(default_factory=list)
    total: int = 0


class ListImporter:
    """One kind of yearly list. Subclasses name the subject's columns and registry; the rest is shared."""

    subject_kind: ClassVar[str]
    subject_columns: ClassVar[tuple[str, ...]]
    resource: ClassVar[type[ListEntryResource]]
    # The registry model of the subject and the fields a row sets on it; None when the hamlet is the subject.
    registry: ClassVar[type[models.Model] | None] = None
    registry_fields: ClassVar[tuple[str, ...]] = ()
    # Registry fields a later list may refresh (a non-empty cell that differs replaces the stored value).
    update_fields: ClassVar[tuple[str, ...]] = ()
    entry_field: ClassVar[str] = "hamlet"  # the ListEntry field pointing at the subject
    export_related: ClassVar[tuple[str, ...]] = ("hamlet",)
    # What a duplicate row's error names: the subject's column, and the rule the row breaks.
    subject_column: ClassVar[str] = COL_HAMLET
    once_a_year: ClassVar[str] = gettext_lazy("mỗi thôn chỉ được bình xét một lần trong năm")

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return (COL_HAMLET, *cls.subject_columns, COL_DATE, COL_RESULT, COL_NOTE)

    def __init__(self, evaluation_list: EvaluationList):
        self.evaluation_list = evaluation_list
        self.commune = evaluation_list.unit
        self.year = evaluation_list.year

    # -- what a kind defines --

    def subject_key(self, hamlet_id: int, subject: dict) -> tuple:
        """The identity of a subject, the same for a file row and for a registry row."""
        return (hamlet_id,)

    def parse_subject(self, cells: dict, hamlet_id: int | None, errors: list[str]) -> dict:
        return {}

    def duplicate_error(self, cells: dict, first_row: int) -> str:
        return _("%(col)s: “%(value)s” trùng với dòng %(row)s (%(rule)s).") % {
            "col": self.subject_column, "value": cells[self.subject_column], "row": first_row, "rule": self.once_a_year}

    def load_lookups(self, hamlet_ids: list[int]) -> None:
        """Load what parse_subject needs besides the registry (one query, before the rows)."""

    # -- lookups, loaded once --

    def _load(self, *, lock: bool) -> None:
        end = min(datetime.date(self.year, 12, 31), today())
        hamlets = Unit.objects.filter(parent=self.commune, level=Level.HAMLET).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=end),
            Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(self.year, 1, 1)),
        ).order_by("pk")
        if lock:  # registry services lock the hamlet they write in: a concurrent edit waits for the import
            hamlets = hamlets.select_for_update()
        hamlets = list(hamlets.values_list("pk", "code", "name"))
        self.hamlet_by_code = {code: pk for pk, code, _name in hamlets if code}
        self.hamlet_by_name = {search_key(name): pk for pk, _code, name in hamlets}
        self.hamlet_cache: dict[str, int | None] = {}
        self.result_cache: dict[str, bool | None] = {}
        hamlet_ids = [pk for pk, _code, _name in hamlets]
        self.load_lookups(hamlet_ids)
        self.existing: dict[tuple, tuple[int, dict]] = {}
        if self.registry is not None:
            values = self.registry.objects.filter(unit_id__in=hamlet_ids).values("pk", "unit_id", *self.registry_fields)
            for row in values.iterator(chunk_size=WRITE_BATCH):
                pk, unit_id = row.pop("pk"), row.pop("unit_id")
                self.existing.setdefault(self.subject_key(unit_id, row), (pk, row))
        self.entries: dict[int, int] = dict(
            self.evaluation_list.entries.values_list(f"{self.entry_field}_id", "pk").iterator(chunk_size=WRITE_BATCH)
        )

    # -- validation --

    def check(self, fileobj, *, lock: bool = False, progress: Progress | None = None) -> Checked:
        """Validate every row of the file; nothing is written. `lock`: lock the hamlet rows (for a write)."""
        self._load(lock=lock)
        checked = Checked()
        columns = self.columns()
        seen: dict[tuple, int] = {}
        for number, values in read_rows(fileobj, columns):
            checked.total += 1
            cells = dict(zip(columns, values, strict=True))
            row, errors = self._validate(cells)
            if row is not None:
                first = seen.setdefault(row.key, number)
                if first != number:
                    errors, row = [self.duplicate_error(cells, first)], None
            if errors:
                checked.errors[number] = errors
            else:
                checked.rows.append(row)
            if len(checked.preview) < PREVIEW_ROWS:
                checked.preview.append((number, values))
            if progress and checked.total % PROGRESS_EVERY == 0:
                progress(checked.total)
        return checked

    def _validate(self, cells: dict) -> tuple[Row | None, list[str]]:
        errors: list[str] = []
        invalid: list[str] = []  # after the formulas, as they always came
        for column, value in cells.items():  # one pass: strings and numbers are by far the common case
            kind = type(value)
            if kind is str:
                if value[:1] == "=":
                    errors.append(_("%(col)s: ô chứa công thức, không được chấp nhận; hãy nhập giá trị.") % {
                        "col": column})
            elif kind is xlsx.InvalidCell:
                invalid.append(_invalid_cell_error(column, value))
        if errors or invalid:
            return None, errors + invalid
        hamlet_id = self._hamlet(cells[COL_HAMLET], errors)
        subject = self.parse_subject(cells, hamlet_id, errors)
        review_date, date_error = _parse_date(cells[COL_DATE], self.year)
        if date_error:
            errors.append(date_error)
        passed = self._result(cells[COL_RESULT])
        if passed is None:
            errors.append(_("%(col)s: ghi “Đạt” hoặc “Không đạt”.") % {"col": COL_RESULT})
        if errors:
            return None, errors
        key = self.subject_key(hamlet_id, subject)
        existing = self.existing.get(key) if self.registry is not None else (hamlet_id, {})
        return Row(hamlet_id=hamlet_id, key=key, subject=subject, review_date=review_date,
                   passed=passed, note=_optional(cells, COL_NOTE, 500),
                   subject_id=existing[0] if existing else None), errors

    def _hamlet(self, value, errors: list[str]) -> int | None:
        raw = "" if value is None else str(value).strip()
        if raw not in self.hamlet_cache:
            self.hamlet_cache[raw] = self.hamlet_by_code.get(raw) or self.hamlet_by_name.get(search_key(raw))
        hamlet_id = self.hamlet_cache[raw]
        if not raw:
            errors.append(_("%(col)s: cần nhập.") % {"col": COL_HAMLET})
        elif hamlet_id is None:
            errors.append(_("%(col)s: “%(value)s” không có trong %(commune)s.") % {
                "col": COL_HAMLET, "value": raw, "commune": self.commune.name})
        return hamlet_id

    def _result(self, value) -> bool | None:
        raw = "" if value is None else str(value)
        if raw not in self.result_cache:
            self.result_cache[raw] = RESULT_VALUES.get(search_key(raw))
        return self.result_cache[raw]

    def counts(self, rows: list[Row]) -> tuple[int, int]:
        """(new, updated) list rows: a row updates the list when its subject already has a row there."""
        updated = sum(1 for row in rows if row.subject_id is not None and row.subject_id in self.entries)
        return len(rows) - updated, updated

    # -- writing (inside the caller's transaction) --

    def write(self, rows: list[Row], *, progress: Progress | None = None) -> None:
        """Write validated rows: registry first (new subjects get their ids), then the list rows."""
        if self.registry is not None:
            self._write_registry(rows)
        self._write_entries(rows, progress or (lambda n: None))

    def _write_registry(self, rows: list[Row]) -> None:
        new = {row.key: row for row in rows if row.subject_id is None}
        columns = ("unit_id", *self.registry_fields)
        values = [(row.hamlet_id, *(row.subject[f] for f in self.registry_fields)) for row in new.values()]
        if _copy_available():
            # Ids drawn from the table's own sequence first, so COPY writes them and nothing needs matching back.
            ids = next_ids(self.registry, len(values))
            for row, pk in zip(new.values(), ids, strict=True):
                row.subject_id = pk
            copy_rows(self.registry, ("id", *columns), ((pk, *v) for pk, v in zip(ids, values, strict=True)))
        else:
            returned = insert_rows(self.registry, columns, values, returning=("id", *columns))
            for pk, unit_id, *values in returned:  # matched by key: RETURNING promises no order
                new[self.subject_key(unit_id, dict(zip(self.registry_fields, values, strict=True)))].subject_id = pk
        refreshed = [obj for row in rows if (obj := self._refreshed(row)) is not None]
        if not refreshed:
            return
        if _copy_available():
            update_rows(self.registry, self.update_fields,
                        ((obj.pk, *(getattr(obj, f) for f in self.update_fields)) for obj in refreshed))
        else:
            self.registry.objects.bulk_update(refreshed, list(self.update_fields), batch_size=WRITE_BATCH)

    def _refreshed(self, row: Row) -> models.Model | None:
        """The existing registry row with the values this row changes, or None when it changes nothing."""
        if not self.update_fields or row.key not in self.existing:
            return None
        current = self.existing[row.key][1]
        changes = {f: row.subject[f] for f in self.update_fields if row.subject[f] and row.subject[f] != current[f]}
        if not changes:
            return None
        return self.registry(pk=row.subject_id, **{**{f: current[f] for f in self.update_fields}, **changes})

    def _write_entries(self, rows: list[Row], progress: Progress) -> None:
        """A subject already on the list has its row replaced (nothing points at list rows)."""
        subject = [] if self.entry_field == "hamlet" else [f"{self.entry_field}_id"]  # a hamlet is its own row's
        columns = ("evaluation_list_id", "hamlet_id", *subject, "passed", "review_date", "note")
        list_id, done = self.evaluation_list.pk, 0
        copy = _copy_available()
        for batch in _batches(rows, COPY_BATCH if copy else WRITE_BATCH):
            replaced = [self.entries[row.subject_id] for row in batch if row.subject_id in self.entries]
            if replaced:
                ListEntry.objects.filter(pk__in=replaced).delete()
            values = [
                (list_id, row.hamlet_id, *([row.subject_id] if subject else []), row.passed, row.review_date, row.note)
                for row in batch
            ]
            if copy:
                copy_rows(ListEntry, columns, values)
            else:
                insert_rows(ListEntry, columns, values)
            done += len(batch)
            progress(done)

    # -- template and export --

    @classmethod
    def template(cls) -> bytes:
        """An empty workbook with the template's columns (the resource's export of no rows)."""
        return cls.resource().export(queryset=ListEntry.objects.none()).export("xlsx")

    def export(self) -> bytes:
        queryset = self.evaluation_list.entries.select_related(*self.export_related).order_by("hamlet__name", "id")
        return self.resource().export(queryset=queryset).export("xlsx")


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_rows(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple],
                returning: tuple[str, ...] = ()) -> list[tuple]:
    """INSERT plain values (int, str, bool, date, None) into the model's table: one multi-row statement
    per batch, parameters bound. With `returning`, the inserted rows' columns (PostgreSQL; SQLite ≥ 3.35).

    Why not bulk_create: preparing 200,000 model instances field by field took longer than the database's
    own work (docs/adr/0007-titles-excel-import-pipeline.md). No save(), no signals, no history: callers
    validate first.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    tail = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
    per_statement = min(WRITE_BATCH, (connection.features.max_query_params or 65535) // len(columns))
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    adapt_date = connection.ops.adapt_datefield_value
    inserted: list[tuple] = []
    with connection.cursor() as cursor:
        for batch in _batches(rows, per_statement):
            params = [adapt_date(v) if isinstance(v, datetime.date) else v for row in batch for v in row]
            values = ", ".join([placeholder] * len(batch))
            # Identifiers come from the model and are quoted; every value is a bound parameter.
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}{tail}", params)  # noqa: S608
            if returning:
                inserted.extend(cursor.fetchall())
    return inserted


def _copy_available() -> bool:
    return USE_COPY and connection.vendor == "postgresql"


def _copy_text(value) -> str:
    """One value in COPY's text format: NULL is \\N; backslash, tab, newline and carriage return escaped."""
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime.date:
        return value.isoformat()
    return str(value)  # int


def copy_rows(model: type[models.Model], columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """COPY plain values into the model's table (PostgreSQL), in the caller's transaction.

    The table's own constraints (NOT NULL, foreign keys, unique) check every row as an INSERT would; a breach
    raises Django's IntegrityError and the caller's transaction rolls back whole. Like insert_rows: no save(),
    no signals, no history rows.
    """
    _copy_into(model._meta.db_table, columns, rows)


def _copy_into(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        rows = iter(rows)
        # One COPY per COPY_BATCH rows, sent as UTF-8 bytes: the text of 100,000 rows at once in a StringIO held
        # four bytes a character (Vietnamese is not Latin-1) on top of the rows themselves.
        while batch := list(itertools.islice(rows, COPY_BATCH)):
            data = "".join(["\t".join(map(_copy_text, row)) + "\n" for row in batch]).encode()
            # Identifiers come from models and are quoted; the values travel as data, never as SQL.
            cursor.cursor.copy_expert(sql, io.BytesIO(data))


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids from the table's own id sequence (PostgreSQL), as INSERT would have drawn them."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [pk for (pk,) in cursor.fetchall()]


def update_rows(model: type[models.Model], fields: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """UPDATE the model's rows (id, *fields) from a COPY into a temporary table: one statement, not a CASE per
    field and row (PostgreSQL). The temporary table goes at commit or rollback."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        # Identifiers come from the model and are quoted.
        cursor.execute(f"CREATE TEMPORARY TABLE titles_import_update ON COMMIT DROP AS "  # noqa: S608
                       f"SELECT id, {', '.join(quote(f) for f in fields)} FROM {table} WITH NO DATA")
    _copy_into("titles_import_update", ("id", *fields), rows)
    assignments = ", ".join(f"{quote(f)} = u.{quote(f)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM titles_import_update AS u "  # noqa: S608
                       "WHERE t.id = u.id")
        cursor.execute("DROP TABLE titles_import_update")


class HouseholdImporter(ListImporter):
    """Gia đình học tập: households by code within their hamlet; a new code adds the household."""

    subject_kind = SubjectKind.HOUSEHOLD
    subject_columns = (COL_CODE, COL_HEAD, COL_ADDRESS)
    resource = HouseholdListResource
    registry = Household
    registry_fields = ("code", "head_name", "address")
    update_fields = ("head_name", "address")
    entry_field = "household"
    export_related = ("hamlet", "household")
    subject_column = COL_CODE
    once_a_year = gettext_lazy("một hộ chỉ được bình xét một lần trong năm")

    def subject_key(self, hamlet_id, subject):
        return (hamlet_id, subject["code"])

    def parse_subject(self, cells, hamlet_id, errors):
        return {"code": _required(cells, COL_CODE, errors, 40), "head_name": _required(cells, COL_HEAD, errors, 200),
                "address": _optional(cells, COL_ADDRESS, 255)}


class CitizenImporter(ListImporter):
    """Công dân học tập: a citizen is matched by name, birth year and household within the hamlet."""

    subject_kind = SubjectKind.CITIZEN
    subject_columns = (COL_FULL_NAME, COL_BIRTH_YEAR, COL_CODE, COL_WORKPLACE)
    resource = CitizenListResource
    registry = Citizen
    registry_fields = ("full_name", "birth_year", "household_id", "workplace")
    update_fields = ("workplace",)
    entry_field = "citizen"
    export_related = ("hamlet", "citizen__household")
    subject_column = COL_FULL_NAME
    once_a_year = gettext_lazy("cùng năm sinh, cùng hộ: mỗi người chỉ được bình xét một lần trong năm")

    def load_lookups(self, hamlet_ids):
        self.households = {
            (unit_id, code): pk for pk, unit_id, code in
            Household.objects.filter(unit_id__in=hamlet_ids).values_list("pk", "unit_id", "code")
            .iterator(chunk_size=WRITE_BATCH)
        }

    def subject_key(self, hamlet_id, subject):
        return (hamlet_id, search_key(subject["full_name"]), subject["birth_year"], subject["household_id"])

    def parse_subject(self, cells, hamlet_id, errors):
        household_code = _optional(cells, COL_CODE, 40)
        household_id = self.households.get((hamlet_id, household_code)) if household_code else None
        if household_code and hamlet_id is not None and household_id is None:
            errors.append(_("%(col)s: hộ “%(code)s” chưa có trong sổ hộ gia đình của thôn; hãy thêm hộ trước.") % {
                "col": COL_CODE, "code": household_code})
        return {"full_name": _required(cells, COL_FULL_NAME, errors, 200),
                "birth_year": _birth_year(cells[COL_BIRTH_YEAR], errors),
                "household_id": household_id, "workplace": _optional(cells, COL_WORKPLACE, 255)}


def _birth_year(value, errors: list[str]) -> int | None:
    if value in (None, ""):
        return None
    latest = today().year
    text = str(value).strip()
    # Four ASCII digits before int(): str.isdigit() also accepts "²" or "①", which int() refuses.
    if not (len(text) == 4 and text.isascii() and text.isdigit()) or not 1900 <= int(text) <= latest:
        errors.append(_("%(col)s: “%(value)s” không hợp lệ (năm từ 1900 đến %(latest)s).") % {
            "col": COL_BIRTH_YEAR, "value": value, "latest": latest})
        return None
    return int(text)


class ClanImporter(ListImporter):
    """Dòng họ học tập: a clan is matched by name (case and accents aside) within the hamlet."""

    subject_kind = SubjectKind.CLAN
    subject_columns = (COL_CLAN,)
    resource = ClanListResource
    registry = Clan
    registry_fields = ("name",)
    entry_field = "clan"
    export_related = ("hamlet", "clan")
    subject_column = COL_CLAN
    once_a_year = gettext_lazy("một dòng họ chỉ được bình xét một lần trong năm")

    def subject_key(self, hamlet_id, subject):
        return (hamlet_id, search_key(subject["name"]))

    def parse_subject(self, cells, hamlet_id, errors):
        return {"name": _required(cells, COL_CLAN, errors, 200)}


class HamletImporter(ListImporter):
    """Cộng đồng học tập cấp thôn: the hamlet is the subject; no registry behind it."""

    subject_kind = SubjectKind.UNIT
    subject_columns = ()
    resource = ListEntryResource


IMPORTERS: tuple[type[ListImporter], ...] = (HouseholdImporter, CitizenImporter, ClanImporter, HamletImporter)


def list_title_filter() -> Q:
    """The title types a commune's yearly list (and its Excel import) is made for."""
    kinds = [i.subject_kind for i in IMPORTERS if i.subject_kind != SubjectKind.UNIT]
    return Q(subject_kind__in=kinds) | Q(subject_kind=SubjectKind.UNIT, unit_level=Level.HAMLET)


def importer_for(title_type: TitleType) -> type[ListImporter] | None:
    if title_type.subject_kind == SubjectKind.UNIT and title_type.unit_level != Level.HAMLET:
        return None
    return next((i for i in IMPORTERS if i.subject_kind == title_type.subject_kind), None)


def template_workbook(title_type: TitleType) -> bytes:
    return importer_for(title_type).template()


def export_list(evaluation_list: EvaluationList) -> bytes:
    return importer_for(evaluation_list.title_type)(evaluation_list).export()


# --- running a job ---------------------------------------------------------------------------------------


def run(job, *, progress: Progress | None = None) -> Outcome:
    """Check (dry run) or write the job's workbook; returns what the job row should record.

    The write re-reads and re-validates the file inside its transaction, with the list row and the
    commune's hamlet rows locked: what was true at the dry run may have changed since.
    """
    evaluation_list = EvaluationList.objects.select_related("unit", "title_type").get(pk=job.evaluation_list_id)
    importer = importer_for(evaluation_list.title_type)(evaluation_list)
    with job.file.open("rb") as fh:
        check_workbook_file(fh)
        if not job.commit_requested:
            return _outcome(importer, importer.check(fh, progress=progress))
        with transaction.atomic():
            locked = EvaluationList.objects.select_for_update().get(pk=evaluation_list.pk)
            if locked.status != EvaluationList.Status.OPEN:
                raise DomainError(_("Danh sách đã được công nhận, không thể nhập thêm."))
            checked = importer.check(fh, lock=True)
            outcome = _outcome(importer, checked)  # counts before the write fills in the new subjects
            if not checked.errors:
                try:
                    importer.write(checked.rows, progress=progress)
                except IntegrityError as exc:  # a registry row added meanwhile by another path: all rolls back
                    raise DomainError(_("Sổ đăng ký đã thay đổi trong khi ghi nên không dòng nào được ghi; "
                                        "hãy tải tệp lên lại để kiểm tra.")) from exc
    return outcome


def _outcome(importer: ListImporter, checked: Checked) -> Outcome:
    outcome = Outcome(total_rows=checked.total, error_count=len(checked.errors))
    outcome.errors = [
        {"row": number, "errors": errors} for number, errors in sorted(checked.errors.items())[:MAX_STORED_ERRORS]
    ]
    outcome.new_rows, outcome.updated_rows = importer.counts(checked.rows)
    outcome.preview = [
        {"row": number, "values": [_preview_value(v) for v in values], "errors": checked.errors.get(number, [])}
        for number, values in checked.preview
    ]
    return outcome


def _preview_value(value) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)
