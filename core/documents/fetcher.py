"""The only way WeasyPrint may load anything: files under the project's static directories.

A document body comes from users. Whatever slipped through sanitising (or a future template bug),
the renderer must not become a way to reach the network (http, https, ftp: server-side request
forgery), read the server's files (file: outside static) or inline arbitrary payloads (data:).
A refused URL is logged and recorded; WeasyPrint then renders the document without the resource.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """WeasyPrint catches it, logs a warning and goes on without the resource."""


def static_roots() -> tuple[Path, ...]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return tuple(r.resolve() for r in roots)


def static_file_uri(relative: str) -> str:
    """The file: URI of a file in the project's static directories (what templates give WeasyPrint)."""
    for root in static_roots():
        candidate = root / relative
        if candidate.is_file():
            return candidate.as_uri()
    raise FileNotFoundError(relative)


class StaticOnlyURLFetcher(URLFetcher):
    """Serves file: URLs that resolve inside a static root; refuses everything else, never opening a socket."""

    def __init__(self, roots: tuple[Path, ...] | None = None) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=False)
        self.roots = roots if roots is not None else static_roots()
        self.refused: list[str] = []
        self.served: list[str] = []

    def _refuse(self, url: str, reason: str):
        self.refused.append(url)
        logger.warning("Document renderer refused %s (%s)", url[:200], reason)
        return RefusedURL(f"{reason}: {url[:200]}")

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise self._refuse(url, f"scheme {parts.scheme or '(none)'} is not allowed")
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, "remote file host")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise self._refuse(url, "outside the static directories")
        if not path.is_file():
            raise self._refuse(url, "no such static file")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.served.append(url)
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})
