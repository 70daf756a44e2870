"""Uploaded files: one content check for every kind, storage names nobody can guess, one way to serve them.

Three kinds of upload live in MEDIA_ROOT: report attachments (reports), title evidence (titles) and award
dossier files (awards), beside the PDFs the portal renders. None of them is ever published by URL
(docs/adr/0010): each is served by a view of the app it belongs to, after that app's own scope check, through
`serve()` here, so that every download carries the same headers.

- `check_upload()` trusts neither the name nor the browser's type: the extension must be allowed, the size under
  the limit, the first bytes those of the kind the name claims, a PDF/PNG/JPEG must not carry HTML or script
  (a polyglot a browser could be talked into rendering), and a DOCX/XLSX must be a sane Office zip (its main
  part present, no macros, no password, no zip bomb) — inspected without unpacking anything.
- `PrivateStorage` (settings.STORAGES["default"]) stores every FileField under a random token and a safe
  extension only; the original name stays in the row for display and download.
- `serve()` streams a stored file as an attachment with a server-chosen type, `nosniff` and `no-store`.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import DomainError

CHUNK = 1024 * 1024
# Office zips: evidence is a letter or a table, not an archive. Limits of what is inspected (never unpacked).
MAX_ZIP_ENTRIES = 1000
RATIO_CHECK_MIN_BYTES = 1024 * 1024  # tiny parts compress absurdly well and are harmless
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_COMPRESSION_RATIO = 200
# What turns a PDF or an image into an HTML page when something sniffs it, or a PDF into a program: refused
# anywhere in the file (compared in lower case). A scan or a printed letter never contains them.
ACTIVE_MARKERS = (b"<script", b"<html", b"<!doctype html", b"<iframe", b"<body", b"<svg", b"<object", b"<embed")
PDF_ACTIVE_MARKERS = (b"/javascript", b"/launch")
_OVERLAP = max(len(m) for m in ACTIVE_MARKERS + PDF_ACTIVE_MARKERS)


@dataclasses.dataclass(frozen=True)
class FileKind:
    ext: str  # the one extension files of this kind are stored under
    label: str  # how users name it
    content_type: str  # what the portal answers with, whatever the uploader's browser said
    signatures: tuple[bytes, ...]
    main_part: str = ""  # Office formats: the part the zip must hold
    markup_scan: bool = False  # PDF and images: refuse HTML/script smuggled inside


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("pdf", "PDF", "application/pdf", (b"%PDF-",), markup_scan=True),
    "png": FileKind("png", "PNG", "image/png", (b"\x89PNG\r\n\x1a\n",), markup_scan=True),
    "jpg": FileKind("jpg", "JPG", "image/jpeg", (b"\xff\xd8\xff",), markup_scan=True),
    "docx": FileKind("docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     (b"PK\x03\x04",), main_part="word/document.xml"),
    "xlsx": FileKind("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     (b"PK\x03\x04",), main_part="xl/workbook.xml"),
}
ALIASES = {"jpeg": "jpg"}
# Extensions a stored name may keep (anything else is stored without one): the upload kinds and what the
# portal itself writes (rendered PDFs, exports, imported workbooks).
SAFE_EXTENSIONS = frozenset({*KINDS, "jpeg", "csv", "json", "txt", "zip"})
OCTET_STREAM = "application/octet-stream"


def extension_of(name: str) -> str:
    """The lower-case extension of a file name without its dot ("jpeg" read as "jpg"); "" if none."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    ext = base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""
    return ALIASES.get(ext, ext)


def kind_of(name: str) -> FileKind | None:
    return KINDS.get(extension_of(name))


def display_name(name: str | None, *, limit: int = 200) -> str:
    """The uploader's file name as it may be shown and sent back: no folders, no control characters, NFC."""
    base = unicodedata.normalize("NFC", posixpath.basename((name or "").replace("\\", "/")))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > limit:
        stem, dot, ext = base.rpartition(".")
        base = f"{stem[:limit - len(ext) - 1]}.{ext}" if dot and len(ext) <= 10 else base[:limit]
    return base or "tep"


# --- the content check -------------------------------------------------------------------------------------


def _chunks(upload: File[bytes]) -> Iterator[bytes]:
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        yield chunk


def _detect(head: bytes) -> FileKind | None:
    for kind in KINDS.values():
        if head.startswith(kind.signatures) and not kind.main_part:
            return kind
    return None


def _has_active_content(upload: File[bytes], kind: FileKind) -> bool:
    markers = ACTIVE_MARKERS + (PDF_ACTIVE_MARKERS if kind.ext == "pdf" else ())
    tail = b""
    for chunk in _chunks(upload):
        window = (tail + chunk).lower()
        if any(marker in window for marker in markers):
            return True
        tail = window[-_OVERLAP:]
    return False


def _office_problem(upload: File[bytes], kind: FileKind) -> str | None:
    """Why this DOCX/XLSX is refused (a message), or None. Reads the zip's directory only."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return _("không phải tệp %(kind)s hợp lệ") % {"kind": kind.label}
    finally:
        upload.seek(0)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or kind.main_part not in names or len(infos) > MAX_ZIP_ENTRIES:
        return _("không phải tệp %(kind)s hợp lệ") % {"kind": kind.label}
    if any(info.flag_bits & 0x1 for info in infos):
        return _("tệp được đặt mật khẩu; hãy lưu lại không mật khẩu")
    if any(posixpath.basename(name).lower() == "vbaproject.bin" for name in names):
        return _("tệp chứa macro; hãy lưu lại không macro")
    max_unpacked = getattr(settings, "UPLOAD_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
    max_ratio = getattr(settings, "UPLOAD_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO)
    too_dense = any(info.file_size > RATIO_CHECK_MIN_BYTES and info.file_size / max(info.compress_size, 1) > max_ratio
                    for info in infos)
    if too_dense or sum(info.file_size for info in infos) > max_unpacked:
        return _("tệp sau khi giải nén quá lớn hoặc có tỷ lệ nén bất thường")
    return None


def check_upload(upload: File[bytes], *, allowed: Iterable[str], max_bytes: int, label: str, field: str = "file"
                 ) -> FileKind:
    """The kind of an uploaded file, or DomainError naming the field (`label`) and the file.

    `allowed` lists extensions ("pdf", "jpg"...; "jpeg" counts as "jpg"). Reads the file (in chunks) and leaves
    it at its start; writes nothing.
    """
    name = display_name(getattr(upload, "name", "") or "")
    allowed = [ALIASES.get(e.lower().lstrip("."), e.lower().lstrip(".")) for e in allowed]
    ext = extension_of(name)
    kind = KINDS.get(ext) if ext in allowed else None
    if kind is None:
        raise DomainError(_("%(label)s “%(name)s”: chỉ nhận các định dạng %(types)s.") % {
            "label": label, "name": name, "types": ", ".join(KINDS[e].label for e in dict.fromkeys(allowed)
                                                             if e in KINDS)}, field=field, code="file_type")
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > max_bytes:
        raise DomainError(_("%(label)s “%(name)s” vượt quá giới hạn %(limit)s.") % {
            "label": label, "name": name, "limit": filesizeformat(max_bytes)}, field=field, code="file_too_large")
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if not head:
        raise DomainError(_("%(label)s “%(name)s”: tệp rỗng.") % {"label": label, "name": name}, field=field,
                          code="file_empty")
    png_ok = kind.ext != "png" or head[12:16] == b"IHDR"
    if not head.startswith(kind.signatures) or not png_ok:
        actual = _detect(head)
        if actual is not None and actual is not kind:
            message = _("%(label)s “%(name)s”: tên tệp là %(kind)s nhưng nội dung là %(actual)s.") % {
                "label": label, "name": name, "kind": kind.label, "actual": actual.label}
        else:
            message = _("%(label)s “%(name)s”: nội dung không đúng định dạng %(kind)s.") % {
                "label": label, "name": name, "kind": kind.label}
        raise DomainError(message, field=field, code="file_type")
    if kind.markup_scan and _has_active_content(upload, kind):
        upload.seek(0)
        raise DomainError(_("%(label)s “%(name)s”: tệp %(kind)s có chứa mã HTML hoặc mã lệnh, không được nhận.") % {
            "label": label, "name": name, "kind": kind.label}, field=field, code="file_active_content")
    if kind.main_part:
        problem = _office_problem(upload, kind)
        if problem:
            raise DomainError(_("%(label)s “%(name)s”: %(problem)s.") % {
                "label": label, "name": name, "problem": problem}, field=field, code="file_type")
    upload.seek(0)
    return kind


# --- storage -----------------------------------------------------------------------------------------------


def random_name(name: str) -> str:
    """`name`'s folder, a random token, and the extension only if it is a known safe one."""
    dirname, base = posixpath.split(name.replace("\\", "/"))
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    suffix = f".{ext}" if ext in SAFE_EXTENSIONS else ""
    return posixpath.join(dirname, secrets.token_urlsafe(24) + suffix)


class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT under names nobody can guess or enumerate (token_urlsafe(24): 192 bits).

    Every FileField goes through `generate_filename` (after its upload_to), so the models keep their upload_to
    and need no migration; names already stored stay valid, they are only looked up, never generated again.
    The folder (upload_to) is kept for whoever runs backups. MEDIA_URL is never routed (docs/adr/0010).
    """

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return random_name(super().generate_filename(filename))


# --- serving -----------------------------------------------------------------------------------------------


def _ascii_fallback(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"[^A-Za-z0-9._ -]+", "_", plain).strip(" ._")
    return plain or "tep"


def content_disposition(filename: str) -> str:
    """`attachment` with a quoted ASCII name for old clients and the exact name in RFC 5987 `filename*`."""
    return f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def serve(file: FieldFile, *, filename: str) -> FileResponse:
    """Stream a stored file as a download. The caller has already applied the scope check of the object the file
    belongs to (and answered 404 outside it); a row whose file is missing is a 404 too, never a 500.

    The type comes from the stored name's extension, which `check_upload` validated against the content and
    `PrivateStorage` kept; anything else goes out as application/octet-stream.
    """
    if not file:
        raise Http404(_("Không tìm thấy tệp hoặc bạn không có quyền xem."))
    stored = file.name or ""
    kind = kind_of(stored)
    try:
        handle = file.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404(_("Không tìm thấy tệp hoặc bạn không có quyền xem.")) from exc
    shown = display_name(filename or Path(stored).name)
    if kind is not None and extension_of(shown) != kind.ext:  # "anh.jpeg" counts as jpg
        shown = f"{shown}.{kind.ext}"
    response = FileResponse(handle, content_type=kind.content_type if kind else OCTET_STREAM)
    response["Content-Disposition"] = content_disposition(shown)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Even if a client ignored the disposition, nothing in the file may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- MEDIA_ROOT is never published -------------------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=False)
def check_media_not_published(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
                               ) -> list[checks.CheckMessage]:
    """Uploads must not sit where static files are served from (collectstatic, whitenoise)."""
    media = Path(settings.MEDIA_ROOT).resolve()
    published = [settings.STATIC_ROOT, *settings.STATICFILES_DIRS, getattr(settings, "WHITENOISE_ROOT", None)]
    errors: list[checks.CheckMessage] = []
    for folder in published:
        if not folder:
            continue
        folder = Path(folder[1] if isinstance(folder, tuple) else folder).resolve()
        if media == folder or folder in media.parents:
            errors.append(checks.Error(
                f"MEDIA_ROOT ({media}) overlaps {folder}, which is published as static files.",
                hint="Keep uploads outside STATIC_ROOT, STATICFILES_DIRS and WHITENOISE_ROOT (docs/adr/0010).",
                id="core.E009"))
    return errors
