"""Every layout of Nghị định 30/2020/NĐ-CP the portal prints, rendered for real and read back with poppler
the way a văn thư reads it: the header lines exactly, number, place and date, tên loại and trích yếu, the
authority line and the căn cứ of decisions, articles up to the execution article, nơi nhận punctuation,
the signature with its capacity and name, the minutes' attendance, counts and two signatures, the
certificate's landscape design — and, on every page of every kind, no glyph inside the margins."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from core.documents import render_pdf
from core.documents.renderer import build_html, issuer_font_size, punctuated, wrap_body_name
from core.documents.types import Certificate, Layout, Minutes, SignatureBlock
from tests.documents import layout_samples as samples
from tests.documents.helpers import pdfinfo, pdftotext, squash, write

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Line:
    page: int
    top: float
    left: float
    right: float
    text: str
    bold: bool
    italic: bool


def read_lines(path: Path) -> list[Line]:
    """Text runs as poppler sees them (pdftohtml -xml at 72 dpi: positions in points), with bold/italic."""
    out = subprocess.run(["pdftohtml", "-xml", "-i", "-zoom", "1", "-stdout", str(path)],
                         check=True, capture_output=True, text=True).stdout
    lines = []
    for page in ET.fromstring(out.encode()).iter("page"):
        for node in page.iter("text"):
            text = "".join(node.itertext()).strip()
            if not text:
                continue
            left, width = float(node.get("left")), float(node.get("width"))
            lines.append(Line(int(page.get("number")), float(node.get("top")), left, left + width, text,
                              node.find(".//b") is not None, node.find(".//i") is not None))
    return lines


def rows(lines: list[Line], *, page: int = 1, left_of: float | None = None, right_of: float | None = None,
         above: float | None = None) -> list[str]:
    """The runs of a region joined into printed lines (same top, left to right), top to bottom."""
    picked = [ln for ln in lines if ln.page == page
              and (left_of is None or ln.right <= left_of) and (right_of is None or ln.left >= right_of)
              and (above is None or ln.top < above)]
    by_top: dict[int, list[Line]] = {}
    for ln in picked:
        by_top.setdefault(round(ln.top), []).append(ln)
    return [" ".join(ln.text for ln in sorted(group, key=lambda x: x.left)) for _, group in sorted(by_top.items())]


def words(path: Path) -> list[tuple[int, float, float, list[tuple[float, float, float, float, str]]]]:
    """Each page's size and the boxes of its words from `pdftotext -bbox` (glyph positions, in points)."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    pages = []
    for number, page in enumerate(root.iter("page"), 1):
        boxes = [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
                 for w in page.iter("word")]
        pages.append((number, float(page.get("width")), float(page.get("height")), boxes))
    return pages


def plain(path: Path) -> str:
    """The text in reading order (blocks, not columns side by side), whitespace collapsed."""
    return squash(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layouts")
    rendered = {}
    for name, make in samples.ALL.items():
        result = render_pdf(make())
        assert not result.refused_urls
        rendered[name] = write(folder, result.data, f"{name}.pdf")
    return rendered


# --- Margins: measured on the glyphs of every page of every kind -----------------------------------------


@pytest.mark.parametrize("kind", sorted(samples.ALL))
def test_no_glyph_inside_the_decree_margins_on_any_page(pdfs, kind):
    pages = words(pdfs[kind])
    assert pages
    for number, width, height, boxes in pages:
        assert boxes, f"{kind} page {number} is empty"
        leftmost = min(b[0] for b in boxes)
        rightmost = max(b[2] for b in boxes)
        assert leftmost >= 30 * MM, f"{kind} p.{number}: a glyph {leftmost / MM:.1f} mm from the left edge"
        gap = (width - rightmost) / MM
        assert gap >= 15, f"{kind} p.{number}: a glyph {gap:.1f} mm from the right edge"
        # The page number sits in the top margin, as the decree places it; everything else inside 20 mm.
        body = [b for b in boxes if not (b[4].isdigit() and b[1] < 20 * MM)]
        assert min(b[1] for b in body) >= 20 * MM - 1
        assert height - max(b[3] for b in body) >= 20 * MM


def test_long_documents_keep_the_margins_on_later_pages(tmp_path):
    """Justified paragraphs, tables and the page number over several pages."""
    long_report = samples.report(body_html="<h3>I. KẾT QUẢ</h3>" + samples.PARAGRAPH * 40 + (
        "<table><thead><tr><th>Chỉ tiêu</th><th>Kết quả</th></tr></thead><tbody>"
        + "<tr><td>Tỷ lệ người lớn được công nhận Công dân học tập</td><td>61,5%</td></tr>" * 30
        + "</tbody></table>"))
    pages = words(write(tmp_path, render_pdf(long_report).data))
    assert len(pages) >= 3
    for number, width, _height, boxes in pages:
        assert min(b[0] for b in boxes) >= 30 * MM, number
        assert width - max(b[2] for b in boxes) >= 15 * MM, number


# --- The header: the issuing body as the decree wraps it --------------------------------------------------

ISSUER_RIGHT = (31 + 74) * MM  # the issuer column ends where the quốc hiệu column begins


@pytest.mark.parametrize(("kind", "expected"), [
    ("decision", ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH", "Số: 05/QĐ-UBND"]),
    ("submission", ["ỦY BAN NHÂN DÂN", "PHƯỜNG THÀNH SEN", "Số: 03/TTr-UBND"]),
    ("report", ["UBND TỈNH HÀ TĨNH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Số: 07/BC-SGDĐT"]),
    ("minutes", ["UBND TỈNH HÀ TĨNH", "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG", "Số: 02/BB-HĐTĐKT"]),
    # No lines given: the name is wrapped by rule before its territory, never "…TỈNH HÀ / TĨNH".
    ("plan", ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH", "Số: 151/KH-UBND"]),
])
def test_issuer_lines_number_and_national_header_exactly(pdfs, kind, expected):
    lines = read_lines(pdfs[kind])
    title_top = next(ln.top for ln in lines if ln.page == 1 and ln.text == samples.ALL[kind]().type_label)

    assert rows(lines, left_of=ISSUER_RIGHT, above=title_top) == expected
    right = rows(lines, right_of=ISSUER_RIGHT - 2 * MM, above=title_top)
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    document = samples.ALL[kind]()
    assert len(right) == 3 and right[2].startswith(f"{document.place}, ngày ")
    # The managing body in regular type, the issuing body in bold (Phụ lục I, ô 2).
    header = [ln for ln in lines if ln.page == 1 and ln.right <= ISSUER_RIGHT and ln.top < title_top]
    parents = set(document.parent_issuer_lines)
    assert all(ln.bold != (ln.text in parents) for ln in header if not ln.text.startswith("Số:"))


@pytest.mark.parametrize(("name", "lines"), [
    ("Ủy ban nhân dân tỉnh Hà Tĩnh", ("ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH")),
    ("Ủy ban nhân dân phường Thành Sen", ("ỦY BAN NHÂN DÂN", "PHƯỜNG THÀNH SEN")),
    ("Ủy ban nhân dân thị xã Kỳ Anh", ("ỦY BAN NHÂN DÂN", "THỊ XÃ KỲ ANH")),
    ("Ủy ban nhân dân thành phố Hà Nội", ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI")),
    ("Ủy ban nhân dân đặc khu Phú Quốc", ("ỦY BAN NHÂN DÂN", "ĐẶC KHU PHÚ QUỐC")),
    ("Bảo hiểm xã hội tỉnh Hà Tĩnh", ("BẢO HIỂM XÃ HỘI", "TỈNH HÀ TĨNH")),
    ("Trường Đại học Hà Tĩnh", ("TRƯỜNG ĐẠI HỌC HÀ TĨNH",)),
    ("UBND tỉnh Hà Tĩnh", ("UBND TỈNH HÀ TĨNH",)),
    ("", ()),
])
def test_a_body_name_is_wrapped_before_its_territory(name, lines):
    assert wrap_body_name(name) == lines


def test_a_long_issuer_line_is_set_smaller_rather_than_broken():
    assert issuer_font_size(("ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH")) == 12.5
    assert 11 <= issuer_font_size(("HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",)) < 12.5


def test_a_draft_without_number_or_date_keeps_the_lines_and_blanks(tmp_path):
    path = write(tmp_path, render_pdf(samples.decision(number="      /QĐ-UBND", date=None)).data)
    text = pdftotext(path)
    # The blanks kept for the number and the date written by hand (HTML would collapse them).
    assert re.search(r"Số:\s{3,}/QĐ-UBND", text)
    assert re.search(r"Hà Tĩnh, ngày\s{3,}tháng\s{3,}năm", text)


# --- Decisions ------------------------------------------------------------------------------------------


def test_decision_authority_line_before_the_can_cu_in_italics_then_articles_in_order(pdfs):
    lines = read_lines(pdfs["decision"])
    texts = [ln.text for ln in lines]
    body = squash(" ".join(texts))

    authority = texts.index("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH")
    first_basis = next(i for i, t in enumerate(texts) if t.startswith("Căn cứ"))
    decides = texts.index("QUYẾT ĐỊNH:")
    title = texts.index("Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh")
    assert texts.index("QUYẾT ĐỊNH") < title < authority
    assert authority < first_basis < decides
    assert lines[authority].bold and lines[decides].bold
    # Every line between the authority and "QUYẾT ĐỊNH:" is a căn cứ/đề nghị line, in italics, one per line.
    bases = lines[authority + 1:decides]
    assert bases and all(ln.italic for ln in bases)
    starts = [ln.text for ln in bases if ln.text.startswith(("Căn cứ", "Xét đề nghị"))]
    assert len(starts) == 4
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" in body
    assert "Luật Thi đua, khen thưởng; Xét đề nghị" in body  # each căn cứ ends with ";"
    assert "ngày 02 tháng 01 năm 2026. QUYẾT ĐỊNH:" in body  # the last line with "."

    articles = [ln for ln in lines if re.fullmatch(r"Điều \d+\.", ln.text)]
    assert [a.text for a in articles] == ["Điều 1.", "Điều 2.", "Điều 3."]
    assert all(a.bold for a in articles) and articles[0].top > lines[decides].top
    assert body.index("Điều 3.") < body.index("chịu trách nhiệm thi hành Quyết định này.") < body.index("Nơi nhận:")


def test_decision_recipients_and_signature(pdfs):
    lines = read_lines(pdfs["decision"])
    label = next(ln for ln in lines if ln.text == "Nơi nhận:")
    assert label.bold and label.italic
    assert rows(lines, left_of=100 * MM + 31 * MM)[-3:] == ["- Như Điều 3;", "- Chủ tịch, các PCT UBND tỉnh;",
                                                            "- Lưu: VT, TĐKT."]
    signature = rows([ln for ln in lines if ln.top >= label.top], right_of=label.left + 70 * MM)
    assert signature == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Thị Minh Hà"]
    # Room for the signature and seal between the title and the name.
    title, name = (next(ln for ln in lines if ln.text == t) for t in ("PHÓ CHỦ TỊCH", "Trần Thị Minh Hà"))
    assert name.top - title.top >= 25 * MM


def test_articles_that_carry_their_own_number_are_not_numbered_twice(tmp_path):
    document = samples.decision(articles=("<p><strong>Điều 1.</strong> Tặng Bằng khen.</p>",
                                          "<p>Điều 2. Quyết định này có hiệu lực kể từ ngày ký.</p>"))
    text = squash(pdftotext(write(tmp_path, render_pdf(document).data)))
    assert text.count("Điều 1.") == 1 and text.count("Điều 2.") == 1
    assert "Điều 1. Điều 1." not in text


def test_articles_and_bases_are_escaped_or_sanitised():
    html = build_html(samples.decision(
        legal_bases=("Căn cứ <script>alert(1)</script>;",),
        articles=("Tặng <img src='http://evil.test/x.png'> cho <b>A</b>.",),
    ))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "evil.test" not in html and "<b>A</b>" in html


def test_decree_punctuation_of_lists():
    assert punctuated(["Như Điều 3", "Bộ GDĐT;", "Lưu: VT, TĐKT"]) == ("Như Điều 3;", "Bộ GDĐT;", "Lưu: VT, TĐKT.")
    assert punctuated(["Lưu: VT."]) == ("Lưu: VT.",)
    assert punctuated(["  ", "Như trên,"]) == ("Như trên.",)


# --- Tờ trình and báo cáo --------------------------------------------------------------------------------


def test_submission_is_the_proposing_body_addressed_to_the_deciding_authority(pdfs):
    lines = read_lines(pdfs["submission"])
    text = squash(" ".join(ln.text for ln in lines))
    assert "TỜ TRÌNH Về việc đề nghị tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" in text
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Hà Tĩnh" in text
    assert "Thành Sen, ngày 02 tháng 12 năm 2025" in text
    assert "- Như trên; - Lưu: VT." in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH Lê Văn Sơn" in text


def test_report_is_issued_and_signed_by_the_reporting_body(pdfs):
    text = plain(pdfs["report"])
    assert "Số: 07/BC-SGDĐT" in text
    assert "- Bộ Giáo dục và Đào tạo (để báo cáo); - UBND tỉnh (để báo cáo); - Lưu: VT, GDTX." in text
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text and "Nguyễn Thị Lan" in text


# --- Minutes --------------------------------------------------------------------------------------------


def test_minutes_record_time_place_chair_secretary_attendance_recusals_counts_conclusions(pdfs):
    text = plain(pdfs["minutes"])
    assert "BIÊN BẢN Họp xét đề nghị khen thưởng" in text
    assert ("Vào lúc 08 giờ 00 phút, ngày 03 tháng 01 năm 2026, tại Phòng họp số 1, Ủy ban nhân dân tỉnh Hà Tĩnh."
            in text)
    assert "Chủ trì: Ông Võ Trọng Hải, Chủ tịch Hội đồng." in text
    assert "Thư ký: Bà Phan Thị Thu, Thư ký Hội đồng." in text
    assert "Thành viên có mặt (9/10):" in text and "Ông Nguyễn Văn Thành viên 9, Ủy viên." in text
    assert "Thành viên vắng mặt (1/10): 1. Bà Lê Thị Vắng, Ủy viên (có lý do)." in text
    assert "Thành viên không tham gia biểu quyết: Ông Nguyễn Văn Thành viên 3 (lý do: người thân)." in text
    assert "Thành viên không tham gia biểu quyết: không có." in text
    assert "tỷ lệ yêu cầu: từ 90% trở lên tổng số thành viên Hội đồng." in text
    counts = [r for page in (1, 2) for r in rows(read_lines(pdfs["minutes"]), page=page) if r.startswith("10 ")]
    assert counts == ["10 9 9 0 0 Thông qua", "10 9 5 3 1 Không thông qua"]
    assert "III. KẾT LUẬN Hội đồng thống nhất trình" in text
    assert "- Thường trực Hội đồng; - Lưu: VT, TĐKT." in text


def test_minutes_are_signed_by_the_secretary_and_the_chair_side_by_side(pdfs):
    lines = read_lines(pdfs["minutes"])
    last = max(ln.page for ln in lines)
    secretary = next(ln for ln in lines if ln.text == "THƯ KÝ")
    chair = next(ln for ln in lines if ln.text == "CHỦ TỊCH HỘI ĐỒNG")
    names = {ln.text: ln for ln in lines if ln.text in ("Phan Thị Thu", "Võ Trọng Hải")}
    assert secretary.page == chair.page == last and abs(secretary.top - chair.top) < 1
    assert secretary.right < chair.left  # the secretary on the left, the chair on the right
    assert set(names) == {"Phan Thị Thu", "Võ Trọng Hải"}
    assert abs(names["Phan Thị Thu"].top - names["Võ Trọng Hải"].top) < 1
    assert names["Phan Thị Thu"].top - secretary.top >= 20 * MM
    assert names["Phan Thị Thu"].left < chair.left <= names["Võ Trọng Hải"].right


def test_minutes_print_user_text_literally(tmp_path):
    document = samples.minutes()
    document = replace(document, minutes=replace(document.minutes, location="<b>Hội trường</b> & phòng 2"))
    text = squash(pdftotext(write(tmp_path, render_pdf(document).data)))
    assert "tại <b>Hội trường</b> & phòng 2." in text


# --- Certificates ---------------------------------------------------------------------------------------


def test_certificate_is_one_landscape_page_in_its_own_design(pdfs):
    info = pdfinfo(pdfs["certificate"])
    assert info["Pages"] == "1"
    width, height = (float(v) for v in re.match(r"([\d.]+) x ([\d.]+)", info["Page size"]).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape

    lines = read_lines(pdfs["certificate"])
    texts = [ln.text for ln in lines]
    order = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
             "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", "TẶNG", "BẰNG KHEN", "Hộ gia đình ông Nguyễn Văn Học"]
    assert [texts.index(t) for t in order] == sorted(texts.index(t) for t in order)
    form = lines[texts.index("BẰNG KHEN")]
    assert form.right - form.left > 60 * MM  # the form's name in large type
    text = squash(" ".join(texts))
    assert "Số sổ vàng: 03" in text
    assert "Quyết định số 05/QĐ-UBND ngày 05/01/2026" in text
    assert "Hà Tĩnh, ngày 05 tháng 01 năm 2026" in text
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text and "Trần Thị Minh Hà" in text
    assert "Quét mã để kiểm tra tính xác thực" in text and "Ab3dEf7hJk9mNp2qRs4tUv6w" in text
    # Not an administrative letter: no number line, no recipients.
    assert "Số: 05/QĐ-UBND" not in text and "Nơi nhận" not in text


def test_certificate_carries_the_qr_code_of_its_verification_address():
    html = build_html(samples.certificate())
    assert html.count("<svg") == 1 and "<path" in html
    no_qr = samples.certificate()
    no_qr = replace(no_qr, certificate=replace(no_qr.certificate, verify_url=""))
    assert "<svg" not in build_html(no_qr)


def test_certificate_text_is_escaped():
    document = samples.certificate()
    document = replace(document, certificate=replace(document.certificate, recipient="<script>x</script>Ông A"))
    html = build_html(document)
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;Ông A" in html


def test_giay_khen_of_a_head_of_agency(tmp_path):
    document = samples.certificate(
        issuing_body="Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh",
        signature=SignatureBlock((), "Giám đốc", "Nguyễn Văn Giám"),
        certificate=Certificate(authority_lines=("Giám đốc Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh",),
                                form_title="Giấy khen", recipient="Trường Tiểu học Thành Sen",
                                achievement="Đã có thành tích xuất sắc trong phong trào năm 2025.",
                                register_number="Số: 12/GK"),
    )
    path = write(tmp_path, render_pdf(document).data)
    text = squash(pdftotext(path))
    assert "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH HÀ TĨNH TẶNG GIẤY KHEN Trường Tiểu học Thành Sen" in text
    assert "Số: 12/GK" in text and "GIÁM ĐỐC Nguyễn Văn Giám" in text
    assert pdfinfo(path)["Pages"] == "1"


# --- What did not change ---------------------------------------------------------------------------------


def test_every_layout_is_known_and_the_default_is_the_plan():
    assert samples.plan().kind == Layout.PLAN
    assert {d().kind for d in samples.ALL.values()} <= set(Layout.ALL)
    assert Minutes(opened="", location="", chair="", secretary="").items == ()


def test_signature_block_from_the_document_capacity():
    assert SignatureBlock.for_capacity(capacity="KT.", principal="Chủ tịch", collective="Ủy ban nhân dân",
                                       signer_title="Phó Chủ tịch", signer_name="A").authority_lines == (
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")
    assert SignatureBlock.for_capacity(capacity="TM.", principal="Ủy ban nhân dân").authority_lines == (
        "TM. ỦY BAN NHÂN DÂN",)
    assert SignatureBlock.for_capacity(capacity="KT.", principal="Giám đốc").authority_lines == ("KT. GIÁM ĐỐC",)
    assert SignatureBlock.for_capacity(signer_title="Giám đốc").authority_lines == ()


def test_a_long_recipient_and_a_three_line_signature_still_fit_one_landscape_page(tmp_path):
    document = samples.certificate(
        signature=SignatureBlock(("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "Phó Chủ tịch", "Trần Thị Minh Hà"))
    document = replace(document, certificate=replace(
        document.certificate,
        recipient="Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên Kỳ Anh, phường Kỳ Anh, tỉnh Hà Tĩnh",
        achievement=document.certificate.achievement * 2))
    path = write(tmp_path, render_pdf(document).data)
    assert pdfinfo(path)["Pages"] == "1"
    assert "Trần Thị Minh Hà" in plain(path)
    for _number, width, _height, boxes in words(path):
        assert min(b[0] for b in boxes) >= 30 * MM and width - max(b[2] for b in boxes) >= 15 * MM


def test_the_fingerprint_covers_every_part_of_the_layouts(tmp_path, monkeypatch):
    """A stored PDF is reused while its fingerprint matches: a change to any template part or stylesheet
    (the minutes' part, the certificate's CSS) must change it, not only the main template's."""
    import shutil

    from core.documents import renderer

    copy = tmp_path / "documents"
    shutil.copytree(renderer.LAYOUT_DIR, copy)
    monkeypatch.setattr(renderer, "LAYOUT_DIR", copy)
    before = renderer.layout_fingerprint.__wrapped__()
    for name in ("_minutes.html", "certificate.css"):
        (copy / name).write_text((copy / name).read_text() + "\n")
        after = renderer.layout_fingerprint.__wrapped__()
        assert after != before
        before = after
