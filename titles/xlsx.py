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
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import posixpath
import zipfile
from collections.abc import Iterator
from typing import ClassVar
from xml.parsers import expat

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
    data = _read(archive, WORKBOOK)
    if data is None:
        raise WorkbookError("no workbook part")
    found: dict = {"rid": None, "date1904": False}

    def start(tag, attrs):
        if tag == "sheet" and found["rid"] is None:
            found["rid"] = next((v for k, v in attrs.items() if _local(k) == "id"), None)
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
    return path, found["date1904"]


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
    """(Excel row number, [cell values from column A]) of the first sheet, skipping rows absent from it.

    Raises WorkbookError for a package that is not a readable workbook.
    """
    try:
        with zipfile.ZipFile(fileobj) as archive:
            yield from _sheet_rows(archive)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, IndexError, expat.ExpatError) as exc:
        raise WorkbookError(f"{type(exc).__name__}: {exc}") from exc


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
