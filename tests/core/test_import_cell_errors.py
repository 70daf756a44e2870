"""Cells an Excel list cannot hold as values (a date serial past 31/12/9999, an ISO date of year 10000, NaN,
infinity) are Vietnamese row errors naming the row and the column, not a failed import; nothing is written.
Workbooks are real .xlsx files made by openpyxl; where openpyxl refuses to store such a value (it writes NaN as
an empty cell, and no Python date has year 10000), its sheet XML is then edited the way other producers write it.
"""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest

from tests import factories as f
from tests.titles.helpers import upload
from titles import imports, services, xlsx
from titles.catalogue import load_catalogue
from titles.models import ImportJob, ListEntry, TitleType
from units.models import Citizen, Household
from units.roles import Role

pytestmark = pytest.mark.django_db

LAST_YEAR = datetime.date.today().year - 1
DAY = datetime.date(LAST_YEAR, 11, 20)
SHEET = "xl/worksheets/sheet1.xml"
DATE_OUT_OF_RANGE = ("Ngày bình xét: giá trị ngày “{raw}” nằm ngoài khoảng Excel cho phép (01/01/1900 đến "
                     "31/12/9999); hãy nhập ngày dạng dd/mm/yyyy.")


def workbook(columns, rows, *, date_serials=(), raw_cells=None) -> bytes:
    """An .xlsx of `rows` under `columns`. date_serials: (row, col) cells holding a number shown as a date (how
    Excel stores dates); raw_cells: {"E3": '<c r="E3" t="d"><v>...</v></c>'} replaces cells in the sheet XML."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append(row)
    for row, col in date_serials:
        sheet.cell(row=row, column=col).number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    book.save(buffer)
    if not raw_cells:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET:
                text = data.decode()
                for ref, xml in raw_cells.items():
                    text, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', xml, text, count=1)
                    assert n == 1, ref
                data = text.encode()
            target.writestr(info, data)
    return out.getvalue()


@pytest.fixture
def officer(tree):
    load_catalogue()
    return f.member(tree["c1"], Role.OFFICER)


def open_list(tree, officer, slug):
    return services.evaluation_list_open(commune=tree["c1"], title_type=TitleType.objects.get(slug=slug),
                                         year=LAST_YEAR, by=officer)


def dry_run(evaluation_list, officer, content, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_create(evaluation_list=evaluation_list, by=officer, upload=upload(content))
    return ImportJob.objects.get(pk=job.pk)


def errors_by_row(job) -> dict[int, str]:
    return {e["row"]: " ".join(e["errors"]) for e in job.errors}


def test_out_of_range_dates_are_row_errors_naming_row_and_column(tree, officer, django_capture_on_commit_callbacks):
    evaluation_list = open_list(tree, officer, "gia-dinh-hoc-tap")
    columns = imports.HouseholdImporter.columns()
    date_col = columns.index(imports.COL_DATE) + 1
    letter = openpyxl.utils.get_column_letter(date_col)
    rows = [
        ["Thôn Một", "HB-001", "Nguyễn Văn An", "", DAY, "Đạt", ""],          # row 2: fine
        ["Thôn Một", "HB-002", "Trần Thị Bình", "", 2958466, "Đạt", ""],      # row 3: serial of 01/01/10000
        ["Thôn Một", "HB-003", "Lê Văn Cường", "", -1000000, "Đạt", ""],      # row 4: far before year 1
        ["Thôn Một", "HB-004", "Phạm Văn Dũng", "", "placeholder", "Đạt", ""],  # row 5: ISO date of year 10000
        ["Thôn Một", "HB-005", "Hồ Thị Én", "", DAY, "Đạt", ""],              # row 6: fine
    ]
    content = workbook(columns, rows, date_serials=[(3, date_col), (4, date_col)],
                       raw_cells={f"{letter}5": f'<c r="{letter}5" t="d"><v>10000-01-01T00:00:00</v></c>'})

    job = dry_run(evaluation_list, officer, content, django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.INVALID
    assert (job.total_rows, job.error_count) == (5, 3)
    errors = errors_by_row(job)
    assert errors == {
        3: DATE_OUT_OF_RANGE.format(raw="2958466"),
        4: DATE_OUT_OF_RANGE.format(raw="-1000000"),
        5: DATE_OUT_OF_RANGE.format(raw="10000-01-01T00:00:00"),
    }
    assert job.message == ""  # a row error, not a message about the whole file
    preview = {p["row"]: p for p in job.preview}
    assert preview[3]["values"][columns.index(imports.COL_DATE)] == "2958466"
    assert preview[2]["errors"] == [] and preview[6]["errors"] == []
    assert not ListEntry.objects.exists() and not Household.objects.exists()


def test_nan_and_infinite_numbers_are_row_errors(tree, officer, django_capture_on_commit_callbacks):
    evaluation_list = open_list(tree, officer, "cong-dan-hoc-tap")
    columns = imports.CitizenImporter.columns()
    year_col = openpyxl.utils.get_column_letter(columns.index(imports.COL_BIRTH_YEAR) + 1)
    rows = [["Thôn Một", f"Công Dân {i}", 1980, "", "", DAY, "Đạt", ""] for i in range(4)]
    content = workbook(columns, rows, raw_cells={
        f"{year_col}3": f'<c r="{year_col}3" t="n"><v>NaN</v></c>',
        f"{year_col}4": f'<c r="{year_col}4"><v>INF</v></c>',
        f"{year_col}5": f'<c r="{year_col}5" t="n"><v>1e400</v></c>',
    })

    job = dry_run(evaluation_list, officer, content, django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.INVALID
    assert errors_by_row(job) == {
        3: "Năm sinh: “NaN” không phải là số hợp lệ.",
        4: "Năm sinh: “INF” không phải là số hợp lệ.",
        5: "Năm sinh: “1e400” không phải là số hợp lệ.",
    }
    assert not ListEntry.objects.exists() and not Citizen.objects.exists()


@pytest.mark.parametrize("birth_year", ["²⁰⁰⁰", "①⑨⑧⓪", "1" * 5000, "１９８０"])
def test_a_birth_year_of_non_ascii_or_endless_digits_is_a_row_error(tree, officer, birth_year,
                                                                    django_capture_on_commit_callbacks):
    evaluation_list = open_list(tree, officer, "cong-dan-hoc-tap")
    columns = imports.CitizenImporter.columns()
    content = workbook(columns, [["Thôn Một", "Công Dân Một", birth_year, "", "", DAY, "Đạt", ""]])

    job = dry_run(evaluation_list, officer, content, django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.INVALID
    assert errors_by_row(job)[2].startswith(f"Năm sinh: “{birth_year}” không hợp lệ (năm từ 1900 đến ")
    assert not Citizen.objects.exists()


def test_the_reader_returns_invalid_cells_instead_of_raising():
    content = workbook(["a", "b", "c"], [[2958466, "x", "y"]], date_serials=[(2, 1)], raw_cells={
        "B2": '<c r="B2"><v>nan</v></c>', "C2": '<c r="C2" t="d"><v>99999-12-31</v></c>'})
    rows = list(xlsx.iter_rows(io.BytesIO(content)))
    assert rows[1] == (2, [xlsx.InvalidCell("2958466", "date"), xlsx.InvalidCell("nan", "number"),
                           xlsx.InvalidCell("99999-12-31", "date")])
