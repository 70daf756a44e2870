"""State documents (kế hoạch, báo cáo, quyết định, biên bản, giấy chứng nhận) rendered as PDF in the
format of Nghị định 30/2020/NĐ-CP. Apps build a StateDocument; `render_pdf` does the rest."""

from .renderer import RenderedPDF, document_fingerprint, place_and_date, render_html, render_pdf, vietnamese_date
from .types import Annex, AnnexTable, CapacityMark, SignatureBlock, StateDocument

__all__ = [
    "Annex", "AnnexTable", "CapacityMark", "RenderedPDF", "SignatureBlock", "StateDocument",
    "document_fingerprint", "place_and_date", "render_html", "render_pdf", "vietnamese_date",
]
