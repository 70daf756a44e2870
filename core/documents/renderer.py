"""Render a StateDocument to PDF in the layout of Nghị định 30/2020/NĐ-CP, with WeasyPrint.

Synchronous and self-contained (no database): callers run it in a Celery task. The HTML comes from
one template; the stylesheet and fonts are the project's own static files, loaded through
StaticOnlyURLFetcher so that nothing else is ever fetched.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import logging
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

# WeasyPrint logs every parsing and layout step at INFO (a 200-page annex would flood the worker's
# log); it does so from import time on, hence before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

import segno  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from .fetcher import StaticOnlyURLFetcher, static_file_uri, static_roots  # noqa: E402
from .sanitize import sanitize_html  # noqa: E402
from .types import Layout, StateDocument  # noqa: E402

logger = logging.getLogger(__name__)

TEMPLATE = "documents/state_document.html"
STYLESHEET = "documents/state_document.css"
CERTIFICATE_TEMPLATE = "documents/certificate.html"
# Every file the layouts are made of (templates, their parts, stylesheets): a change to any of them
# changes every fingerprint, so no stored PDF outlives the layout it was made with.
LAYOUT_DIR = Path(__file__).resolve().parent.parent / "templates" / "documents"
FONT_FILES = {
    ("normal", "normal"): "fonts/Tinos-Regular.ttf",
    ("bold", "normal"): "fonts/Tinos-Bold.ttf",
    ("normal", "italic"): "fonts/Tinos-Italic.ttf",
    ("bold", "italic"): "fonts/Tinos-BoldItalic.ttf",
}
# Bump when the layout changes in a way the template/stylesheet hash would not show.
RENDERER_VERSION = "2"
# Rows of an annex table laid out together (~27 pages of one-line rows): bounds the memory of a render.
ROWS_PER_PART = 1000
PDFUNITE = shutil.which("pdfunite")


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    page_count: int
    refused_urls: tuple[str, ...]


def vietnamese_date(day: datetime.date | None) -> str:
    """'ngày 15 tháng 01 năm 2024': days below 10 and months 1, 2 take a leading zero (NĐ 30/2020,
    Phụ lục I); a missing date leaves blanks for the pen, as paper drafts do."""
    if day is None:
        return "ngày     tháng     năm     "
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_and_date(place: str, day: datetime.date | None) -> str:
    return f"{place}, {vietnamese_date(day)}" if place else vietnamese_date(day).capitalize()


# --- The issuing body's lines (NĐ 30/2020, Phụ lục I, ô 2) ------------------------------------------------

# Where the decree wraps a body's name: before the territory it governs ("ỦY BAN NHÂN DÂN" / "TỈNH HÀ TĨNH").
# "XÃ HỘI" (society: "BẢO HIỂM XÃ HỘI") is a word, not a commune.
_TERRITORY = re.compile(r"\s(?=(?:TỈNH|THÀNH PHỐ|ĐẶC KHU|THỊ XÃ|THỊ TRẤN|HUYỆN|QUẬN|PHƯỜNG|XÃ(?! HỘI))\s)")


def wrap_body_name(name: str) -> tuple[str, ...]:
    """A body's name in capitals on the lines the decree gives it, when no IssuingBody spells them out:
    "Ủy ban nhân dân tỉnh Hà Tĩnh" → ("ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH"); a name with no territory
    stays one line. Never a break inside the name of the territory ("TỈNH HÀ / TĨNH")."""
    caps = " ".join(unicodedata.normalize("NFC", name or "").upper().split())
    if not caps:
        return ()
    match = _TERRITORY.search(caps)
    # An abbreviated body ("UBND TỈNH HÀ TĨNH", the managing body's usual line) stays on one line.
    if match is None or " " not in caps[:match.start()]:
        return (caps,)
    return (caps[:match.start()], caps[match.end():])


ISSUER_COLUMN_MM = 73.0  # td.issuer in state_document.css (74 mm) less a millimetre of air
ISSUER_FONT_PT = 12.5
ISSUER_MIN_FONT_PT = 11.0


@lru_cache(maxsize=2)
def _advances(path: str) -> tuple[dict[int, int], int]:
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

    font = TTFont(next(root / path for root in static_roots() if (root / path).is_file()), lazy=True)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    return {code: hmtx[glyph][0] for code, glyph in cmap.items()}, font["head"].unitsPerEm


def text_width_mm(text: str, size_pt: float, *, bold: bool) -> float:
    """Width of one line of Tinos at `size_pt`, from the font's advances (kerning ignored: a bound)."""
    advances, units = _advances(FONT_FILES[("bold" if bold else "normal", "normal")])
    fallback = advances.get(ord("M"), units)
    total = sum(advances.get(ord(ch), fallback) for ch in unicodedata.normalize("NFC", text))
    return total / units * size_pt / 72 * 25.4


def issuer_rule_mm(lines: tuple[str, ...], size_pt: float) -> float:
    """The rule under the issuing body: 1/3 to 1/2 of its line (Phụ lục I, ô 2) — 40 % of the longest."""
    widths = [text_width_mm(line, size_pt, bold=True) for line in lines] or [40.0]
    return round(0.4 * max(widths), 1)


TEXT_WIDTH_MM = 210 - 31 - 16  # A4 less the margins of state_document.css
TITLE_MARGINS_MM = 16  # p.title's side margins (8 mm each)


def title_rule_mm(title: str) -> float:
    """The rule under the trích yếu: 1/3 to 1/2 of its line (Phụ lục I) — 40 % of the longest line."""
    longest = min(text_width_mm(title, 14, bold=True), TEXT_WIDTH_MM - TITLE_MARGINS_MM)
    return round(0.4 * max(longest, 30.0), 1)


def issuer_font_size(lines: tuple[str, ...], parent_lines: tuple[str, ...] = ()) -> float:
    """12.5 pt (the decree: 12–13 pt) unless a line would not fit the column on one line, then smaller by
    half points down to 11 pt: "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG" stays one line as in real acts."""
    size = ISSUER_FONT_PT
    while size > ISSUER_MIN_FONT_PT and (
        any(text_width_mm(line, size, bold=True) > ISSUER_COLUMN_MM for line in lines)
        or any(text_width_mm(line, size, bold=False) > ISSUER_COLUMN_MM for line in parent_lines)
    ):
        size -= 0.5
    return size


# --- Lists the decree punctuates -------------------------------------------------------------------------


def punctuated(lines, *, between: str = ";", last: str = ".") -> tuple[str, ...]:
    """Each line but the last ends with `between`, the last with `last`, whatever the data brought:
    nơi nhận ("- Như Điều 3;" … "- Lưu: VT, TĐKT.") and căn cứ ("Căn cứ …;" … "Theo đề nghị của ….")."""
    cleaned = [re.sub(r"[\s;,.]+$", "", str(line).strip()) for line in lines]
    cleaned = [line for line in cleaned if line]
    return tuple(f"{line}{last if i == len(cleaned) - 1 else between}" for i, line in enumerate(cleaned))


_BLOCK_START = re.compile(r"^\s*<(p|ul|ol|table|h3|h4|blockquote)\b", re.I)
_TAGS = re.compile(r"<[^>]+>")


def _article_views(articles) -> list[dict]:
    """Each article sanitised and starting with a paragraph (the layout numbers it "Điều N." by a CSS
    counter), unless the builder wrote its own "Điều N." (kept as written)."""
    views = []
    for article in articles:
        html = sanitize_html(article)
        numbered = _TAGS.sub("", html).lstrip().startswith("Điều ")
        # Inline text is put in a paragraph by the template: the number goes before its first line.
        views.append({"html": html, "numbered": numbered, "inline": not _BLOCK_START.match(html)})
    return views


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (segno is pure Python; WeasyPrint draws inline SVG itself, so the
    renderer still fetches nothing)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@lru_cache(maxsize=1)
def layout_fingerprint() -> str:
    """Hash of what shapes every document besides its content: templates, stylesheets, fonts' names."""
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for path in sorted(LAYOUT_DIR.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(sorted(FONT_FILES.values())).encode())
    return digest.hexdigest()


def document_fingerprint(document: StateDocument) -> str:
    """A content hash of the inputs: equal fingerprints render equal PDFs, so a stored file is reused."""
    payload = json.dumps(asdict(document), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{layout_fingerprint()}\n{payload}".encode()).hexdigest()


def _font_faces() -> list[dict]:
    return [
        {"weight": weight, "style": style, "uri": static_file_uri(path)}
        for (weight, style), path in FONT_FILES.items()
    ]


def _annex_label(index: int, count: int) -> str:
    return f"PHỤ LỤC {index}" if count > 1 else "PHỤ LỤC"


def _annex_views(annexes) -> list[dict]:
    return [
        {"title": a.title, "title_lines": [line.strip() for line in a.title.splitlines() if line.strip()],
         "body_html": sanitize_html(a.body_html), "table": a.table,
         "label": _annex_label(i, len(annexes))}
        for i, a in enumerate(annexes, 1)
    ]


def _context(document: StateDocument, **extra) -> dict:
    issuer_lines = tuple(document.issuer_lines) or wrap_body_name(document.issuing_body)
    parent_lines = tuple(document.parent_issuer_lines) or wrap_body_name(document.parent_body)
    font_pt = issuer_font_size(issuer_lines, parent_lines)
    return {
        "doc": document,
        "issuer_lines": issuer_lines,
        "parent_lines": parent_lines,
        "issuer_font_pt": f"{font_pt:g}",
        "issuer_rule_mm": f"{issuer_rule_mm(issuer_lines, font_pt):g}",
        "title_rule_mm": f"{title_rule_mm(document.title):g}",
        "show_place_date": True,
        "place_date": place_and_date(document.place, document.date),
        "recipients": punctuated(document.recipients),
        "bases": punctuated((*document.legal_bases, *document.considering)),
        "font_faces": _font_faces(),
        "stylesheet": STYLESHEET,
        **extra,
    }


def build_html(document: StateDocument) -> str:
    """The whole document as HTML; every text field is escaped, bodies are sanitised again here."""
    with translation.override("vi"):
        if document.kind == Layout.CERTIFICATE and document.certificate is not None:
            cert = document.certificate
            return render_to_string(CERTIFICATE_TEMPLATE, _context(
                document, cert=cert, qr_svg=qr_svg(cert.verify_url) if cert.verify_url else "",
            ))
        return render_to_string(TEMPLATE, _context(
            document, body_html=sanitize_html(document.body_html), annexes=_annex_views(document.annexes),
            articles=_article_views(document.articles),
        ))


def build_part_html(document: StateDocument, *, annex: dict, rows, heading: bool, first_page_number: int) -> str:
    """One part of a long annex, as its own HTML document whose pages continue the numbering."""
    with translation.override("vi"):
        return render_to_string(TEMPLATE, _context(
            document, first_page_number=first_page_number,
            part={"annex": annex, "rows": rows, "heading": heading, "label": annex["label"]},
        ))


def render_html(html: str) -> RenderedPDF:
    """HTML to PDF through the static-only fetcher. Public for tests that feed hostile HTML directly."""
    fetcher = StaticOnlyURLFetcher(static_roots())
    font_config = FontConfiguration()
    rendered = HTML(string=html, base_url=static_roots()[0].as_uri() + "/", url_fetcher=fetcher).render(
        font_config=font_config
    )
    data = rendered.write_pdf()
    if fetcher.refused:
        logger.warning("Rendered a document without %d refused resource(s)", len(fetcher.refused))
    return RenderedPDF(data=data, page_count=len(rendered.pages), refused_urls=tuple(fetcher.refused))


def _needs_parts(document: StateDocument) -> bool:
    return any(a.table is not None and len(a.table.rows) > ROWS_PER_PART for a in document.annexes)


def _unite(pieces: list[bytes]) -> bytes:
    """Concatenate PDFs with poppler's pdfunite (installed beside WeasyPrint, see the Dockerfile)."""
    with tempfile.TemporaryDirectory(prefix="xhht-pdf-") as tmp:
        names = []
        for index, data in enumerate(pieces):
            name = Path(tmp) / f"part-{index:04d}.pdf"
            name.write_bytes(data)
            names.append(str(name))
        out = Path(tmp) / "document.pdf"
        subprocess.run([PDFUNITE, *names, str(out)], check=True, capture_output=True, timeout=300)  # noqa: S603
        return out.read_bytes()


def render_pdf(document: StateDocument) -> RenderedPDF:
    """The document as PDF. A long annex table is laid out in parts of ROWS_PER_PART rows, one part at a
    time, then the parts are joined: memory stays that of one part whatever the length, and time grows
    linearly (one huge table costs WeasyPrint more than linear time and ~3 MB per page). Each part
    starts on a new page, so the last page of a part may not be full."""
    if not _needs_parts(document) or PDFUNITE is None:
        if _needs_parts(document):
            logger.warning("pdfunite not found: rendering a long annex in one piece (slow, memory-hungry)")
        return render_html(build_html(document))
    main = replace(document, annexes=())
    rendered = render_html(build_html(main))
    pieces, pages, refused = [rendered.data], rendered.page_count, list(rendered.refused_urls)
    for annex in _annex_views(document.annexes):
        rows = annex["table"].rows if annex["table"] is not None else ()
        chunks = [rows[i:i + ROWS_PER_PART] for i in range(0, len(rows), ROWS_PER_PART)] or [()]
        for number, chunk in enumerate(chunks):
            html = build_part_html(main, annex=annex, rows=chunk, heading=number == 0, first_page_number=pages + 1)
            part = render_html(html)
            pieces.append(part.data)
            pages += part.page_count
            refused += part.refused_urls
    return RenderedPDF(data=_unite(pieces), page_count=pages, refused_urls=tuple(refused))
