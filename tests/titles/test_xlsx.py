"""The streaming reader of imported workbooks: values as Excel shows them, and no DTD accepted."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from titles import xlsx

from .helpers import rewritten, with_doctype


def saved(book) -> io.BytesIO:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_values_come_back_as_excel_shows_them():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Thôn Một", 42, 1.5, datetime.date(2025, 11, 20), True, "=SUM(B1:C1)", None, "cuối"])
    sheet["D1"].number_format = "dd/mm/yyyy"
    sheet["A2"] = CellRichText(["Thôn ", TextBlock(InlineFont(b=True), "Hai")])
    sheet["C3"] = datetime.datetime(2025, 11, 21, 8, 30)
    sheet["C3"].number_format = "d/m/yyyy h:mm"
    rows = list(xlsx.iter_rows(saved(book)))
    assert rows == [
        (1, ["Thôn Một", 42, 1.5, datetime.datetime(2025, 11, 20), True, "=SUM(B1:C1)", None, "cuối"]),
        (2, ["Thôn Hai"]),
        (3, [None, None, datetime.datetime(2025, 11, 21, 8, 30)]),
    ]


def test_the_first_sheet_is_read_even_when_another_is_active():
    book = openpyxl.Workbook()
    book.active.append(["danh sách"])
    book.create_sheet("Ghi chú").append(["không đọc"])
    book.active = 1
    assert list(xlsx.iter_rows(saved(book))) == [(1, ["danh sách"])]


def test_dates_of_a_1904_workbook_are_not_shifted():
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    book.active.append([datetime.date(2024, 12, 20)])
    assert list(xlsx.iter_rows(saved(book))) == [(1, [datetime.datetime(2024, 12, 20)])]


def test_inline_strings_of_streamed_workbooks_are_read():
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Mã hộ", None, "Chủ hộ"])
    assert list(xlsx.iter_rows(saved(book))) == [(1, ["Mã hộ", None, "Chủ hộ"])]


def test_a_part_with_a_doctype_is_refused():
    book = openpyxl.Workbook()
    book.active.append(["Thôn Một"])
    with pytest.raises(xlsx.WorkbookError):
        list(xlsx.iter_rows(io.BytesIO(with_doctype(saved(book).getvalue()))))


def test_a_zip_without_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(xlsx.WorkbookError):
        list(xlsx.iter_rows(buffer))


SHARED_STRINGS = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
    b"<si><t>Th\xc3\xb4n M\xe1\xbb\x99t</t></si>"
    b'<si><r><t xml:space="preserve">Th\xc3\xb4n </t></r><r><rPr><b/></rPr><t>Hai</t></r>'
    b"<rPh sb=\"0\" eb=\"1\"><t>phonetic hint</t></rPh></si></sst>"
)


def with_shared_strings(cells: bytes) -> io.BytesIO:
    """A workbook the way Excel saves it: text in xl/sharedStrings.xml, cells holding its indexes."""
    book = openpyxl.Workbook()
    book.active.append(["placeholder"])

    def replace_rows(xml: bytes) -> bytes:
        return xml[:xml.index(b"<sheetData>")] + b"<sheetData>" + cells + xml[xml.index(b"</sheetData>"):]

    return io.BytesIO(rewritten(saved(book).getvalue(), "xl/worksheets/sheet1.xml", replace_rows,
                                {"xl/sharedStrings.xml": SHARED_STRINGS}))


def test_shared_strings_are_read_with_rich_text_runs_joined_and_phonetic_hints_left_out():
    cells = b'<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c></row>'
    assert list(xlsx.iter_rows(with_shared_strings(cells))) == [(2, ["Thôn Một", None, "Thôn Hai"])]


def test_a_cell_pointing_outside_the_shared_strings_is_refused():
    with pytest.raises(xlsx.WorkbookError, match="IndexError"):
        list(xlsx.iter_rows(with_shared_strings(b'<row r="1"><c r="A1" t="s"><v>99</v></c></row>')))
