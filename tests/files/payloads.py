"""Files a hostile or careless uploader sends, and real ones of each kind, built in memory."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/me/')</script></body></html>"
# Starts as a PDF (so a first-bytes check passes) and carries a page a sniffing browser would run.
POLYGLOT_PDF = b"%PDF-1.4\n%<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
PDF_WITH_JAVASCRIPT = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()


def png_with_script() -> bytes:
    """A valid PNG with an HTML page appended after IEND: image viewers show it, sniffers may run it."""
    return png() + b"<svg onload=alert(1)><script>alert(2)</script>"


def office(main_part: str, *, extra: dict[str, bytes] | None = None, encrypt_flag: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr(main_part, b'<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    data = bytearray(out.getvalue())
    if encrypt_flag:  # set the "encrypted" bit of the first local header and its central directory entry
        data[6] |= 0x1
        central = data.rfind(b"PK\x01\x02", 0, len(data))
        first_central = data.find(b"PK\x01\x02")
        for offset in {first_central, central}:
            data[offset + 8] |= 0x1
    return bytes(data)


def docx(**kw) -> bytes:
    return office("word/document.xml", **kw)


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A DOCX whose one part unpacks from about 20 KB to 20 MB (ratio ~1000)."""
    return docx(extra={"word/media/bomb.bin": b"\0" * (20 * 1024 * 1024)})


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """The browser's type is whatever the uploader says: the portal must not believe it."""
    return SimpleUploadedFile(name, data, content_type=content_type)
