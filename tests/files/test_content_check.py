"""The one content check every upload goes through (core/files.py): the name is never trusted."""

import pytest

from core import files
from core.errors import DomainError

from . import payloads as p

ALL = ["pdf", "docx", "xlsx", "jpg", "png"]
MB = 1024 * 1024


def check(name, data, *, allowed=ALL, max_bytes=10 * MB):
    return files.check_upload(p.upload(name, data), allowed=allowed, max_bytes=max_bytes, label="Tệp đính kèm")


@pytest.mark.parametrize(("name", "data", "kind", "content_type"), [
    ("bien-ban.pdf", p.PDF, "pdf", "application/pdf"),
    ("anh.png", p.png(), "png", "image/png"),
    ("anh.JPEG", p.jpeg(), "jpg", "image/jpeg"),
    ("bao-cao.docx", p.docx(), "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("so-lieu.xlsx", p.xlsx(), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_real_files_of_each_kind_pass_with_the_servers_type(name, data, kind, content_type):
    checked = check(name, data)
    assert (checked.ext, checked.content_type) == (kind, content_type)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("trang.pdf", p.HTML, "Tệp đính kèm “trang.pdf”: nội dung không đúng định dạng PDF."),
    ("polyglot.pdf", p.POLYGLOT_PDF,
     "Tệp đính kèm “polyglot.pdf”: tệp PDF có chứa mã HTML hoặc mã lệnh, không được nhận."),
    ("lenh.pdf", p.PDF_WITH_JAVASCRIPT,
     "Tệp đính kèm “lenh.pdf”: tệp PDF có chứa mã HTML hoặc mã lệnh, không được nhận."),
    ("anh.png", p.png_with_script(),
     "Tệp đính kèm “anh.png”: tệp PNG có chứa mã HTML hoặc mã lệnh, không được nhận."),
    ("anh-that.pdf", p.png(), "Tệp đính kèm “anh-that.pdf”: tên tệp là PDF nhưng nội dung là PNG."),
    ("bang.xlsx", p.docx(), "Tệp đính kèm “bang.xlsx”: không phải tệp XLSX hợp lệ."),
    ("van-ban.docx", b"PK\x03\x04 not really a zip", "Tệp đính kèm “van-ban.docx”: không phải tệp DOCX hợp lệ."),
    ("macro.docx", p.docx(extra={"word/vbaProject.bin": b"\0" * 10}),
     "Tệp đính kèm “macro.docx”: tệp chứa macro; hãy lưu lại không macro."),
    ("khoa.docx", p.docx(encrypt_flag=True),
     "Tệp đính kèm “khoa.docx”: tệp được đặt mật khẩu; hãy lưu lại không mật khẩu."),
    ("bom.docx", p.zip_bomb(),
     "Tệp đính kèm “bom.docx”: tệp sau khi giải nén quá lớn hoặc có tỷ lệ nén bất thường."),
    ("rong.pdf", b"", "Tệp đính kèm “rong.pdf”: tệp rỗng."),
    ("trang.html", p.HTML, "Tệp đính kèm “trang.html”: chỉ nhận các định dạng PDF, DOCX, XLSX, JPG, PNG."),
    ("khong-duoi", p.PDF, "Tệp đính kèm “khong-duoi”: chỉ nhận các định dạng PDF, DOCX, XLSX, JPG, PNG."),
])
def test_disguised_or_active_content_is_refused_naming_the_field_and_the_file(name, data, message):
    with pytest.raises(DomainError) as refused:
        check(name, data)
    assert (refused.value.message, refused.value.field) == (message, "file")


def test_a_type_outside_the_callers_list_is_refused_even_if_the_content_is_real():
    with pytest.raises(DomainError, match="chỉ nhận các định dạng PDF, PNG"):
        check("so-lieu.xlsx", p.xlsx(), allowed=["pdf", "png"])


def test_a_file_over_the_limit_is_refused_before_its_content_is_read():
    with pytest.raises(DomainError) as refused:
        check("lon.pdf", p.PDF + b"x" * 2048, max_bytes=1024)
    assert refused.value.message == "Tệp đính kèm “lon.pdf” vượt quá giới hạn 1,0\xa0KB."
    assert refused.value.code == "file_too_large"


def test_markup_split_across_two_read_chunks_is_still_found(monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 16)
    data = b"%PDF-1.4\n" + b"x" * 11 + b"<scr" + b"ipt>alert(1)</script>"
    with pytest.raises(DomainError, match="mã HTML"):
        check("chia-doi.pdf", data)


def test_the_upload_is_left_at_its_start_for_the_storage():
    upload = p.upload("bien-ban.pdf", p.PDF)
    files.check_upload(upload, allowed=ALL, max_bytes=MB, label="Tệp")
    assert upload.read() == p.PDF


def test_names_sent_back_are_stripped_of_folders_and_control_characters():
    assert files.display_name("C:\\Users\\a\\Báo cáo.pdf") == "Báo cáo.pdf"
    assert files.display_name("../../etc/passwd\r\nX-Evil: 1.pdf") == "passwdX-Evil: 1.pdf"
    assert files.display_name("evil\u202egpj.pdf") == "evilgpj.pdf"  # no right-to-left override spoofing
    assert files.display_name("") == "tep"


def test_content_disposition_is_an_attachment_with_an_rfc5987_name():
    header = files.content_disposition("Biên bản họp \"đặc biệt\".pdf")
    assert header == ("attachment; filename=\"Bien ban hop _dac biet_.pdf\"; "
                      "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%8Dp%20%22%C4%91%E1%BA%B7c%20bi%E1%BB%87t%22.pdf")


def test_stored_names_are_random_tokens_keeping_only_a_safe_extension():
    storage = files.PrivateStorage()
    first = storage.generate_filename("reports/attachments/2026/bao-cao-xa-hoa-binh.pdf")
    second = storage.generate_filename("reports/attachments/2026/bao-cao-xa-hoa-binh.pdf")
    assert first.startswith("reports/attachments/2026/") and first.endswith(".pdf") and first != second
    assert "hoa-binh" not in first and len(first.rsplit("/", 1)[1]) == 32 + len(".pdf")
    assert "." not in storage.generate_filename("x/trang.html").rsplit("/", 1)[1]
    assert storage.generate_filename("x/anh.PNG").endswith(".png")
