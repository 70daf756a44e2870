"""Rich text that users type becomes a small, safe subset of HTML (no scripts, styles, images, frames).

Officers mostly paste plain text from a word processor; text without tags becomes paragraphs, one per
line. Anything with tags goes through nh3 (the Ammonia sanitiser) with a short whitelist.
"""

from __future__ import annotations

import re
from html import unescape

import nh3
from django.utils.html import escape

from core.text import nfc

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "ul", "ol", "li", "blockquote",
     "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "a"}
)
ALLOWED_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "a": {"href"}}
# Links are printed, never fetched; only ordinary web and mail addresses are kept.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_BLOCK_TAG = re.compile(r"<\s*(p|ul|ol|table|h3|h4|blockquote)\b", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text or ""))


def sanitize_html(html: str) -> str:
    """The whitelist subset of `html`; idempotent, so it is safe to apply again before rendering."""
    cleaned = nh3.clean(
        html or "",
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned.strip()


def plain_text_to_html(text: str) -> str:
    """One paragraph per non-empty line, escaped."""
    lines = [line.strip() for line in (text or "").splitlines()]
    return "".join(f"<p>{escape(line)}</p>" for line in lines if line)


def rich_text(value: str) -> str:
    """What is stored for a rich-text field: NFC text, sanitised HTML, plain text turned into paragraphs."""
    value = nfc(value)
    if not value:
        return ""
    if looks_like_html(value):
        if _BLOCK_TAG.search(value):
            return sanitize_html(value)
        # Inline tags only ("... <b>70%</b> ..."): the lines are still the paragraphs.
        return "".join(f"<p>{sanitize_html(line)}</p>" for line in value.splitlines() if line.strip())
    return plain_text_to_html(value)


_PLAIN_PARAGRAPHS = re.compile(r"(?:<p>[^<]*</p>)+")


def text_for_editing(html: str) -> str:
    """What a textarea shows: plain lines when the stored HTML is only plain paragraphs (what plain
    typing produced), the HTML itself otherwise, so that saving the form again loses nothing."""
    if html and _PLAIN_PARAGRAPHS.fullmatch(html):
        return "\n".join(unescape(p) for p in re.findall(r"<p>([^<]*)</p>", html))
    return html or ""
