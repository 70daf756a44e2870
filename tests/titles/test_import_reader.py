"""The calamine path of the workbook reader (titles.xlsx): it gives exactly the expat reader's rows, it is never
handed a sheet that could make it allocate without bound, and what it cannot give faithfully goes to the expat
reader. No database needed."""

import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from titles import xlsx

from .helpers import rewritten

SHEET = "xl/worksheets/sheet1.xml"


def saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def expat_rows(content: bytes) -> list:
    """The expat reader's rows, those with no value left out (calamine cannot tell an empty row from an absent
    one; the import skips both)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(number, values) for number, values in xlsx._sheet_rows(archive) if values]


def is_plain(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return xlsx._is_plain(archive, xlsx._first_sheet_path(archive)[0])


@pytest.fixture
def calamine_calls(monkeypatch):
    """How many times calamine was given a workbook."""
    calls = []
    real = xlsx.python_calamine.CalamineWorkbook.from_filelike

    def counting(filelike, *args, **kwargs):
        calls.append(1)
        return real(filelike, *args, **kwargs)

    monkeypatch.setattr(xlsx.python_calamine.CalamineWorkbook, "from_filelike", counting)
    return calls


@pytest.fixture
def calamine_forbidden(monkeypatch):
    """Calamine must not see the workbook: on these files it would abort the whole process (not raise)."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("calamine was given a sheet it must not read")

    monkeypatch.setattr(xlsx.python_calamine.CalamineWorkbook, "from_filelike", refuse)


def a_list(rows: int = 30, *, write_only: bool = False, epoch=None) -> bytes:
    """A list the way openpyxl writes it: inline strings, a date format, numbers, booleans, blank rows."""
    book = openpyxl.Workbook(write_only=write_only)
    if epoch is not None:
        book.epoch = epoch
    sheet = book.create_sheet() if write_only else book.active
    sheet.append(["Thôn/Tổ dân phố", "Mã hộ", "Chủ hộ", "Ngày bình xét", "Kết quả", "Ghi chú", "Số"])
    for i in range(rows):
        if i % 7 == 3:
            sheet.append([])  # a blank row between data rows
            continue
        sheet.append([f"Thôn {i % 3}", f"HB-{i:04d}", f"Nguyễn Văn {i}\tcó tab", datetime.date(2025, 11, 1 + i % 28),
                      "Đạt" if i % 2 else "Không đạt", None if i % 5 else "ghi chú", i * 1.5 if i % 4 else i == 8])
    return saved(book)


@pytest.mark.parametrize("content", [
    pytest.param(a_list(), id="openpyxl"),
    pytest.param(a_list(write_only=True), id="streamed"),
    pytest.param(a_list(epoch=CALENDAR_MAC_1904), id="1904"),
])
def test_plain_sheets_are_read_by_calamine_with_exactly_the_expat_readers_rows(content, calamine_calls):
    assert is_plain(content)
    rows = list(xlsx.iter_rows(io.BytesIO(content)))
    assert calamine_calls == [1]
    assert rows == expat_rows(content)
    assert rows[1] == (2, ["Thôn 0", "HB-0000", "Nguyễn Văn 0\tcó tab", datetime.datetime(2025, 11, 1), "Không đạt",
                           "ghi chú", False])


def test_shared_strings_as_excel_saves_them_are_read_by_calamine(calamine_calls):
    shared = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="2">'
              b"<si><t>Th\xc3\xb4n M\xe1\xbb\x99t</t></si>"
              b'<si><r><t xml:space="preserve">Th\xc3\xb4n </t></r><r><rPr><b/></rPr><t>Hai</t></r>'
              b'<rPh sb="0" eb="1"><t>phonetic hint</t></rPh></si></sst>')
    cells = (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
             b'<row r="4" spans="1:3"><c r="B4" s="0" t="s"><v>0</v></c></row>')
    book = openpyxl.Workbook()
    book.active.append(["placeholder"])
    content = rewritten(saved(book), SHEET, lambda xml: re.sub(rb"<sheetData>.*</sheetData>",
                                                               b"<sheetData>" + cells + b"</sheetData>", xml),
                        {"xl/sharedStrings.xml": shared})
    rows = list(xlsx.iter_rows(io.BytesIO(content)))
    assert calamine_calls == [1]
    assert rows == expat_rows(content) == [(1, ["Thôn Một", None, "Thôn Hai"]), (4, [None, "Thôn Một"])]


def with_cells(cells: bytes, extra: dict | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["a"])
    return rewritten(saved(book), SHEET, lambda xml: re.sub(rb"<sheetData>.*</sheetData>",
                                                            b"<sheetData>" + cells + b"</sheetData>", xml), extra)


@pytest.mark.parametrize("cells", [
    # A dense block of 17 billion cells from two: calamine asks for 512 GiB and aborts the process.
    pytest.param(b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                 b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>b</t></is></c></row>', id="far-cell"),
    pytest.param(b'<row r="1"><c r="M1"><v>1</v></c></row>', id="column-past-L"),
    pytest.param(b'<row r="210000"><c r="A210000"><v>1</v></c></row>', id="row-past-209999"),
    pytest.param(b'<row r="1"><c r="a1"><v>1</v></c></row>', id="lower-case-reference"),
    pytest.param(b'<row r="1"><c><v>1</v></c><c><v>2</v></c></row>', id="cells-without-reference"),
    pytest.param(b"<row><c r=\"A1\"><v>1</v></c></row>", id="row-without-number"),
    pytest.param(b"<row r='1'><c r='A1'><v>1</v></c></row>", id="single-quotes"),
    pytest.param(b'<row r="1"><c r="A1" t="e"><v>#N/A</v></c></row>', id="error-cell"),
    pytest.param(b'<row r="1"><c r="A1" t="d"><v>10000-01-01T00:00:00</v></c></row>', id="iso-date"),
    pytest.param(b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>', id="formula"),
    pytest.param(b'<row r="1"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="A1">'
                 b"<x:v>1</x:v></x:c></row>", id="prefixed-cell"),
    pytest.param(b'<row r="1"><c r="A1"><v>nan</v></c></row>', id="nan"),
    pytest.param(b'<row r="1"><c r="A1"><v>-1000000</v></c></row>', id="negative-serial"),
    pytest.param(b'<row r="1"><c r="A1"><v>2958466</v></c></row>', id="serial-past-9999"),
    pytest.param(b'<row r="1"><c r="A1" t="inlineStr"><is><t>a_x0000_b</t></is></c></row>', id="excel-escape"),
    pytest.param(b'<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>', id="comment"),
])
def test_sheets_calamine_must_not_read_go_to_the_expat_reader(cells, calamine_forbidden):
    content = with_cells(cells)
    assert not is_plain(content)
    assert list(xlsx.iter_rows(io.BytesIO(content))) == expat_rows(content)


def test_a_shared_string_count_beyond_its_part_never_reaches_calamine(calamine_forbidden):
    """calamine reserves room for uniqueCount strings first: 4,000,000,000 in 200 bytes aborts the process."""
    shared = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
              b'uniqueCount="4000000000"><si><t>x</t></si></sst>')
    content = with_cells(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', {"xl/sharedStrings.xml": shared})
    assert not is_plain(content)
    assert list(xlsx.iter_rows(io.BytesIO(content))) == [(1, ["x"])]


def test_a_value_calamine_cannot_give_faithfully_hands_over_to_the_expat_reader_from_that_row(calamine_calls):
    """1e400 passes the byte scan (digits and an exponent) but is infinite: the rows before it come from calamine,
    the rest from the expat reader, which names the raw text; nothing is given twice or skipped."""
    cells = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 5))
    cells += b'<row r="5"><c r="A5"><v>1e400</v></c></row><row r="6"><c r="A6"><v>6</v></c></row>'
    content = with_cells(cells)
    assert is_plain(content)
    rows = list(xlsx.iter_rows(io.BytesIO(content)))
    assert calamine_calls == [1]
    assert rows == [(1, [1]), (2, [2]), (3, [3]), (4, [4]), (5, [xlsx.InvalidCell("1e400", "number")]), (6, [6])]


def test_a_doctype_in_the_sheet_is_still_refused(calamine_forbidden):
    book = openpyxl.Workbook()
    book.active.append(["Thôn Một"])
    content = rewritten(saved(book), SHEET,
                        lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aa">]><worksheet', 1))
    with pytest.raises(xlsx.WorkbookError):
        list(xlsx.iter_rows(io.BytesIO(content)))


def test_a_workbook_calamine_cannot_open_gets_the_expat_readers_refusal():
    """A shared string index past the table: calamine fails; the refusal is the expat reader's own."""
    content = with_cells(b'<row r="1"><c r="A1" t="s"><v>5</v></c></row>',
                         {"xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                                  b'main" count="1" uniqueCount="1"><si><t>x</t></si></sst>'})
    with pytest.raises(xlsx.WorkbookError, match="IndexError"):
        list(xlsx.iter_rows(io.BytesIO(content)))
