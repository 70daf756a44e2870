"""Render a StateDocument to PDF in the layout of Nghị định 30/2020/NĐ-CP, with WeasyPrint.

Synchronous and self-contained (no database): callers run it in a Celery task. The HTML comes from
one template; the stylesheet and fonts are the project's own static files, loaded through
StaticOnlyURLFetcher so that nothing else is ever fetched.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

# WeasyPrint logs every parsing and layout step at INFO (a 200-page annex would flood the worker's
# log); it does so from import time on, hence before the import.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from django.template.loader import get_template, render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from .fetcher import StaticOnlyURLFetcher, static_file_uri, static_roots  # noqa: E402
from .sanitize import sanitize_html  # noqa: E402
from .types import StateDocument  # noqa: E402

logger = logging.getLogger(__name__)

TEMPLATE = "documents/state_document.html"
STYLESHEET = "documents/state_document.css"
FONT_FILES = {
    ("normal", "normal"): "fonts/Tinos-Regular.ttf",
    ("bold", "normal"): "fonts/Tinos-Bold.ttf",
    ("normal", "italic"): "fonts/Tinos-Italic.ttf",
    ("bold", "italic"): "fonts/Tinos-BoldItalic.ttf",
}
# Bump when the layout changes in a way the template/stylesheet hash would not show.
RENDERER_VERSION = "1"
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


@lru_cache(maxsize=1)
def layout_fingerprint() -> str:
    """Hash of what shapes every document besides its content: template, stylesheet, fonts' names."""
    digest = hashlib.sha256(RENDERER_VERSION.encode())
    for name in (TEMPLATE, STYLESHEET):
        digest.update(get_template(name).template.source.encode())
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
        {"title": a.title, "body_html": sanitize_html(a.body_html), "table": a.table,
         "label": _annex_label(i, len(annexes))}
        for i, a in enumerate(annexes, 1)
    ]


def _context(document: StateDocument, **extra) -> dict:
    return {
        "doc": document,
        "issuing_body_caps": document.issuing_body.upper(),
        "parent_body_caps": document.parent_body.upper(),
        "place_date": place_and_date(document.place, document.date),
        "font_faces": _font_faces(),
        "stylesheet": STYLESHEET,
        **extra,
    }


def build_html(document: StateDocument) -> str:
    """The whole document as HTML; every text field is escaped, bodies are sanitised again here."""
    with translation.override("vi"):
        return render_to_string(TEMPLATE, _context(
            document, body_html=sanitize_html(document.body_html), annexes=_annex_views(document.annexes)
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
