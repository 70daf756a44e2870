"""A streaming reader of the first sheet of an .xlsx workbook: cell values only, one pass, no DTD.

Why not openpyxl for reading: with defusedxml installed, openpyxl parses through the pure-Python
ElementTree, about 10 s of CPU per 100,000 list rows and twice per import (dry run, then write), against
a 30 s budget for the whole import (docs/adr/0007-titles-excel-import-pipeline.md). This reader feeds the
sheet to expat directly and keeps only what a list needs: strings (shared and inline), numbers, booleans,
dates (by the cell's number format), and formulas (returned as "=..." text, the way openpyxl shows them,
so that validation refuses them). openpyxl still writes templates and exports, and lends its date helpers.

Safety: the zip has been inspected before (titles.imports.check_workbook_file); here any DOCTYPE or
entity declaration is refused, as defusedxml does (a workbook never has one), and expat ≥ 2.4 bounds
entity amplification anyway.

A faster path (docs/adr/0017-import-calamine-and-copy.md): python-calamine (Rust) reads the sheet several
times faster than the expat handlers, but it returns a formula's cached value instead of the formula, drops
error cells, has no raw text for a value it cannot hold, decodes Excel's _xHHHH_ escapes, and builds the sheet
as one dense rows × columns block: a 2-cell file with a cell at XFD1048576 makes it ask for 512 GiB and abort
the process (so does <sst uniqueCount="4000000000">). So calamine only reads a sheet that a byte scan
(`_is_plain`) finds plain: every cell tag `<c r="A1" [s=".."] [t="s|n|b|inlineStr"]>` with a reference within
A1:L209999, every row numbered within 209,999, no formula, no prefixed element, no DOCTYPE/comment/CDATA, no
_xHHHH_ escape, every stored number plain, non-negative and below 1,000,000 (so no date serial out of range), and
shared strings that claim no more strings than their part holds. A value it then returns that the expat reader
would have returned otherwise (NaN, infinity, a date serial out of range, a duration) hands over to the expat
reader from that row on. Anything else, and any calamine error, goes to the expat reader from the start: the
refusals and row errors are the expat reader's in every case.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import math
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import ClassVar
from xml.parsers import expat

import python_calamine
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

CHUNK_BYTES = 1024 * 1024  # sheet XML fed to expat per step; rows are yielded after each step
WORKBOOK = "xl/workbook.xml"


class WorkbookError(Exception):
    """The package is not a workbook this reader understands (missing part, broken XML, a DTD)."""


@dataclasses.dataclass(frozen=True, slots=True)
class InvalidCell:
    """A cell whose stored value has no Python value: a date serial or ISO date past 31/12/9999, a number that is
    NaN, infinite or not a number. It is returned in place of the value, not raised: the row it is in then gets
    an error naming its column (titles.imports), and the rest of the file is still checked."""

    DATE: ClassVar[str] = "date"
    NUMBER: ClassVar[str] = "number"

    raw: str  # the text stored in the sheet
    kind: str  # DATE or NUMBER

    def __str__(self) -> str:
        return self.raw


def _refuse_dtd(*_args) -> None:
    raise WorkbookError("DTD or entity declaration in a workbook part")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True  # one CharacterData call per text node, not one per chunk boundary
    return parser


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    """"x:c" and "c" are the same element (namespaces are not checked); cached: called per element."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _LOCAL_NAMES[tag] = tag.rpartition(":")[2]
    return name


def _parse_part(data: bytes, on_start=None, on_end=None, on_text=None) -> None:
    parser = _parser()
    if on_start:
        parser.StartElementHandler = lambda tag, attrs: on_start(_local(tag), attrs)
    if on_end:
        parser.EndElementHandler = lambda tag: on_end(_local(tag))
    if on_text:
        parser.CharacterDataHandler = on_text
    parser.Parse(data, True)


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        return None


def _first_sheet_path(archive: zipfile.ZipFile) -> tuple[str, bool]:
    """The first sheet's part name (workbook order, not the active tab) and whether dates count from 1904."""
    path, date1904, _name = _first_sheet(archive)
    return path, date1904


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, bool, str | None]:
    """_first_sheet_path and the sheet's name (calamine picks sheets by position: the names must agree)."""
    data = _read(archive, WORKBOOK)
    if data is None:
        raise WorkbookError("no workbook part")
    found: dict = {"rid": None, "date1904": False, "name": None}

    def start(tag, attrs):
        if tag == "sheet" and found["rid"] is None:
            found["rid"] = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            found["name"] = attrs.get("name")
        elif tag == "workbookPr":
            found["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    _parse_part(data, on_start=start)
    targets: dict[str, str] = {}
    _parse_part(_read(archive, "xl/_rels/workbook.xml.rels") or b"<r/>",
                on_start=lambda tag, attrs: tag == "Relationship" and targets.setdefault(attrs.get("Id"),
                                                                                          attrs.get("Target", "")))
    target = targets.get(found["rid"])
    if not target:
        raise WorkbookError("no first sheet")
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return path, found["date1904"], found["name"]


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    """The shared string table; a rich-text string is its runs joined, phonetic hints (rPh) left out."""
    data = _read(archive, "xl/sharedStrings.xml")
    strings: list[str] = []
    if data is None:
        return strings
    state = {"parts": [], "in_t": False, "in_rph": False}

    def start(tag, _attrs):
        if tag == "si":
            state["parts"] = []
        elif tag == "t" and not state["in_rph"]:
            state["in_t"] = True
        elif tag == "rPh":
            state["in_rph"] = True

    def end(tag):
        if tag == "si":
            strings.append("".join(state["parts"]))
        elif tag == "t":
            state["in_t"] = False
        elif tag == "rPh":
            state["in_rph"] = False

    def text(data):
        if state["in_t"]:
            state["parts"].append(data)

    _parse_part(data, start, end, text)
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (cellXfs) whose number format shows a date or time."""
    data = _read(archive, "xl/styles.xml")
    if data is None:
        return set()
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    state = {"in_cell_xfs": False}

    def start(tag, attrs):
        if tag == "numFmt":
            custom[int(attrs.get("numFmtId", -1))] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            state["in_cell_xfs"] = True
        elif tag == "xf" and state["in_cell_xfs"]:
            xf_formats.append(int(attrs.get("numFmtId", 0)))

    def end(tag):
        if tag == "cellXfs":
            state["in_cell_xfs"] = False

    _parse_part(data, start, end)
    return {i for i, fmt in enumerate(xf_formats) if is_date_format(custom.get(fmt) or BUILTIN_FORMATS.get(fmt))}


class _SheetReader:
    """expat handlers that turn <row><c><v|is|f> into lists of values, one list per row."""

    def __init__(self, shared: list[str], date_styles: set[int], epoch: datetime.datetime):
        self.shared, self.date_styles, self.epoch = shared, date_styles, epoch
        self.rows: list[tuple[int, list]] = []
        self.row_number = 0
        self.cells: dict[int, object] = {}
        self.column = 0
        self.kind = self.style = self.formula = None
        self.text: list[str] = []
        self.capture = False

    def start(self, tag, attrs):
        tag = _LOCAL_NAMES.get(tag) or _local(tag)  # called per element: the cache first, inline
        if tag == "c":
            ref = attrs.get("r")
            self.column = column_index_from_string(ref.rstrip("0123456789")) if ref else self.column + 1
            self.kind, self.style, self.formula = attrs.get("t", "n"), attrs.get("s"), None
            self.text = []
        elif tag in ("v", "t", "f"):
            self.capture = True
            if tag == "f":
                self.formula = []
        elif tag == "row":
            self.row_number = int(attrs["r"]) if "r" in attrs else self.row_number + 1
            self.cells, self.column = {}, 0

    def end(self, tag):
        tag = _LOCAL_NAMES.get(tag) or _local(tag)
        if tag == "c":
            self.cells[self.column] = self._value()
        elif tag in ("v", "t"):
            self.capture = False
        elif tag == "f":
            self.capture = False
            self.formula = "=" + "".join(self.text)
            self.text = []
        elif tag == "row":
            width = max(self.cells, default=0)
            self.rows.append((self.row_number, [self.cells.get(i) for i in range(1, width + 1)]))

    def chars(self, data):
        if self.capture:
            self.text.append(data)

    def _value(self):
        if self.formula is not None:
            return self.formula
        text = "".join(self.text)
        kind = self.kind
        if kind in ("s", "inlineStr", "str", "e"):
            return self.shared[int(text)] if kind == "s" and text else text if text else None
        if not text:
            return None
        if kind == "b":
            return text in ("1", "true")
        if kind == "d":
            try:
                return datetime.datetime.fromisoformat(text)
            except ValueError:  # past year 9999, or not a date at all
                return InvalidCell(text, InvalidCell.DATE)
        try:
            number = float(text) if any(ch in text for ch in ".eEnN") else int(text)
        except ValueError:
            return InvalidCell(text, InvalidCell.NUMBER)
        if not math.isfinite(number):  # NaN and ±inf are not numbers a list can hold
            return InvalidCell(text, InvalidCell.NUMBER)
        if self.style is not None and int(self.style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):  # a serial beyond 31/12/9999 (or far before 1900)
                return InvalidCell(text, InvalidCell.DATE)
        return number


def iter_rows(fileobj) -> Iterator[tuple[int, list]]:
    """(Excel row number, [cell values from column A]) of the first sheet, skipping rows absent from it (and, on
    the calamine path, rows present but without any cell value: the import skips blank rows anyway).

    Raises WorkbookError for a package that is not a readable workbook.
    """
    try:
        with zipfile.ZipFile(fileobj) as archive:
            sheet_path, _date1904, sheet_name = _first_sheet(archive)
            last = 0  # the last row the fast path gave; the expat reader goes on after it
            fast = _fast_rows(fileobj, sheet_name) if _is_plain(archive, sheet_path) else None
            if fast is not None:
                try:
                    for number, values in fast:
                        yield number, values
                        last = number
                    return
                except _NotPlain:
                    pass
            for number, values in _sheet_rows(archive):
                if number > last:
                    yield number, values
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, IndexError, expat.ExpatError) as exc:
        raise WorkbookError(f"{type(exc).__name__}: {exc}") from exc


# --- the calamine path -----------------------------------------------------------------------------------

_ROW = rb"(?:[1-9]\d{0,4}|1\d{5}|20\d{4})"  # 1 to 209,999: TITLES_IMPORT_MAX_ROWS data rows and room for blanks
# At a "<": what makes a sheet not plain (see the module docstring). Columns A to L and rows up to 209,999 bound
# calamine's dense block to 2.5 M cells (about 85 MB) whatever the file says.
_NOT_PLAIN = re.compile(
    rb"<(?:!"  # DOCTYPE, ENTITY (refused by the expat reader), a comment or CDATA
    rb"|[\w.\-]+:"  # a prefixed element: the byte scan only knows unprefixed names
    rb"|f[\s>/]"  # a formula
    rb"|v>(?:-|\d{7}|[^<]*?[^0-9.Ee+\-<])"  # a stored value that is negative, ≥ 1,000,000 or not plain digits
    rb"|c(?=[\s>/])(?!\sr=\"[A-L]" + _ROW + rb"\"(?:\ss=\"\d{1,5}\")?(?:\st=\"(?:s|n|b|inlineStr)\")?\s*/?>)"
    rb"|row(?=[\s>/])(?!\sr=\"" + _ROW + rb"\"[\s/>])"
    rb")"
)
# Excel's escape of a character in text (_x000D_): calamine decodes it (even to NUL, which PostgreSQL refuses in
# text), the expat reader keeps it as typed. Text never holds a "<", so a chunk cut before one splits none.
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_SCAN_BYTES = 1024 * 1024
_OTHER_PARTS = ("xl/sharedStrings.xml", "xl/styles.xml")  # also read by calamine: no DOCTYPE/comment/escape there
# calamine reserves room for <sst uniqueCount="..."> strings up front: 4,000,000,000 in a 300-byte part aborts the
# process (96 GB asked). A string takes at least 8 bytes of the part ("<si></si>"), so a true count is below that.
_ROOT_TAG = re.compile(rb"<(?![?!])[^>]*>")  # the first element's start tag, after the XML declaration
_UNIQUE_COUNT = re.compile(rb"uniqueCount\s*=\s*([\"'])(.*?)\1", re.S)
_LAST_DATE_SERIAL = 2958466  # 01/01/10000: a date-styled number from here on is an InvalidCell for the expat reader


class _NotPlain(Exception):
    """The fast path met what only the expat reader returns faithfully."""


def _is_plain(archive: zipfile.ZipFile, sheet_path: str) -> bool:
    """Whether the sheet may be read by calamine: one pass over its XML, in chunks cut before a "<" (a match
    never spans a "<", so none is missed at a cut)."""
    for name in _OTHER_PARTS:
        data = _read(archive, name)
        if data is not None and (b"<!" in data or _ESCAPE.search(data)):
            return False
    shared = _read(archive, "xl/sharedStrings.xml")
    if shared is not None and not _unique_count_is_true(shared):
        return False
    carry = b""
    with archive.open(sheet_path) as sheet:
        while True:
            chunk = sheet.read(_SCAN_BYTES)
            data = carry + chunk
            cut = data.rfind(b"<") if chunk else len(data)
            if cut <= 0:
                cut = len(data)
            if _NOT_PLAIN.search(data, 0, cut) or _ESCAPE.search(data, 0, cut):
                return False
            carry = data[cut:]
            if not chunk:
                return True


def _unique_count_is_true(data: bytes) -> bool:
    """Whether the shared strings' root tag claims no more strings than its part can hold."""
    root = _ROOT_TAG.search(data)
    if root is None:
        return False
    counts = [value for _quote, value in _UNIQUE_COUNT.findall(root.group())]
    if b"uniqueCount" in root.group() and not counts:
        return False
    return all(value.isdigit() and int(value) <= len(data) // 8 for value in counts)


def _fast_rows(fileobj, sheet_name: str | None) -> Iterator[tuple[int, list]] | None:
    """The rows as the expat reader gives them, read by calamine; None when calamine cannot read the file (the
    expat reader then says why). Raises _NotPlain while iterating at a value it cannot give faithfully."""
    fileobj.seek(0)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(fileobj.read()))
        if not workbook.sheet_names or workbook.sheet_names[0] != sheet_name:
            return None
        sheet = workbook.get_sheet_by_index(0)
    except Exception:  # noqa: BLE001 - any refusal is the expat reader's to word
        return None
    finally:
        fileobj.seek(0)
    return _calamine_values(sheet.iter_rows(), sheet.start[1] if sheet.start else 0)


def _calamine_values(rows, first_column: int) -> Iterator[tuple[int, list]]:
    """calamine's rows (from row 1; columns from the first used one) as the expat reader's: "" is None, a date is
    a datetime at midnight, trailing empty cells dropped, empty rows skipped."""
    lead: list = [None] * first_column
    date, dt, time_, last_serial = datetime.date, datetime.datetime, datetime.time, _LAST_DATE_SERIAL
    for number, raw in enumerate(rows, start=1):
        values = lead.copy()
        for value in raw:
            kind = type(value)
            if kind is str:
                values.append(value or None)
            elif kind is float or kind is int:
                if not 0 <= value < last_serial:  # NaN, infinity, a serial past 9999: the expat reader's InvalidCell
                    raise _NotPlain
                values.append(value)
            elif kind is date:
                values.append(dt(value.year, value.month, value.day))
            elif kind is dt or kind is bool or kind is time_:
                values.append(value)
            else:  # a duration ([h]:mm), or a type this code does not know
                raise _NotPlain
        while values and values[-1] is None:
            values.pop()
        if values:
            yield number, values


def _sheet_rows(archive: zipfile.ZipFile) -> Iterator[tuple[int, list]]:
    sheet_path, date1904 = _first_sheet_path(archive)
    reader = _SheetReader(_shared_strings(archive), _date_styles(archive),
                          CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.chars
    with archive.open(sheet_path) as sheet:
        while chunk := sheet.read(CHUNK_BYTES):
            parser.Parse(chunk, False)
            yield from reader.rows
            reader.rows.clear()
    parser.Parse(b"", True)
    yield from reader.rows
