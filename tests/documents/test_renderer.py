"""The state format of Nghị định 30/2020/NĐ-CP, checked on the real PDF with poppler's tools."""

import datetime

import pytest

from core.documents import (
    Annex,
    AnnexTable,
    SignatureBlock,
    StateDocument,
    document_fingerprint,
    render_pdf,
    vietnamese_date,
)
from tests.documents.helpers import pdffonts, pdfinfo, pdftotext, pdftotext_region, squash, write

PARAGRAPH = (
    "<p>Phát huy sức mạnh của cả hệ thống chính trị trong việc tuyên truyền, nâng cao nhận thức của các tầng lớp "
    "nhân dân về vai trò, ý nghĩa của khuyến học, khuyến tài, học tập suốt đời, xây dựng xã hội học tập.</p>"
)


def binh_duong_plan(**overrides) -> StateDocument:
    fields = {
        "issuing_body": "Ủy ban nhân dân tỉnh Bình Dương",
        "number": "151/KH-UBND",
        "place": "Bình Dương",
        "date": datetime.date(2024, 1, 15),
        "type_label": "KẾ HOẠCH",
        "title": "Triển khai thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập "
                 "suốt đời giai đoạn 2023-2030” trên địa bàn tỉnh Bình Dương",
        "body_html": "<h3>I. MỤC ĐÍCH, YÊU CẦU</h3>" + PARAGRAPH * 3,
        "recipients": ("Bộ GDĐT;", "Lưu: VT."),
        "signature": SignatureBlock(("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "Phó Chủ tịch", "Nguyễn Lộc Hà"),
    }
    fields.update(overrides)
    return StateDocument(**fields)


@pytest.fixture(scope="module")
def one_page_pdf(tmp_path_factory):
    return write(tmp_path_factory.mktemp("pdf"), render_pdf(binh_duong_plan()).data)


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory):
    rendered = render_pdf(binh_duong_plan(body_html=PARAGRAPH * 60))
    assert rendered.page_count >= 3
    return write(tmp_path_factory.mktemp("pdf"), rendered.data), rendered.page_count


def test_header_has_national_name_motto_issuer_number_and_place_date(one_page_pdf):
    text = pdftotext(one_page_pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    # The issuing body, in capitals, alone in the top-left column (A4 is 595 pt wide, the left margin
    # 30 mm ≈ 85 pt, the issuer column 40% of the text width).
    left_column = squash(pdftotext_region(one_page_pdf, page=1, x=0, y=0, width=270, height=130))
    assert left_column.startswith("ỦY BAN NHÂN DÂN TỈNH BÌNH DƯƠNG Số: 151/KH-UBND")
    assert "Số: 151/KH-UBND" in text
    assert "Bình Dương, ngày 15 tháng 01 năm 2024" in text
    assert "KẾ HOẠCH" in text


def test_header_puts_issuer_left_and_national_name_right_on_the_same_lines(one_page_pdf):
    lines = pdftotext(one_page_pdf).splitlines()
    national = next(line for line in lines if "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line)
    assert national.index("ỦY BAN NHÂN DÂN") < national.index("CỘNG HÒA")
    number_line = next(line for line in lines if "Số: 151/KH-UBND" in line)
    assert "Bình Dương, ngày 15 tháng 01 năm 2024" in number_line  # place-date right of the number


def test_recipients_bottom_left_and_signature_block_bottom_right(one_page_pdf):
    lines = pdftotext(one_page_pdf).splitlines()
    closing = next(line for line in lines if "Nơi nhận:" in line)
    assert closing.index("Nơi nhận:") < closing.index("TM. ỦY BAN NHÂN DÂN")
    text = "\n".join(lines)
    assert "KT. CHỦ TỊCH" in text
    assert "PHÓ CHỦ TỊCH" in text
    assert "Nguyễn Lộc Hà" in text
    assert "- Bộ GDĐT;" in text


def test_page_is_a4_portrait(one_page_pdf):
    info = pdfinfo(one_page_pdf)
    assert info["Page size"] == "595.276 x 841.89 pts (A4)"
    assert info["Pages"] == "1"


def test_tinos_is_embedded_in_all_four_styles(one_page_pdf):
    fonts = pdffonts(one_page_pdf)
    used = [line for line in fonts.splitlines() if "Tinos" in line]
    assert used and all(" yes " in line for line in used)  # emb column
    assert any("Tinos-Bold" in line for line in used)
    assert any("Tinos-Italic" in line for line in used)  # the place-date line


def test_page_numbers_appear_from_page_two_only(long_pdf):
    path, pages = long_pdf
    first = [line.strip() for line in pdftotext(path, first=1, last=1).splitlines() if line.strip()]
    assert not any(line.isdigit() for line in first)
    for page in range(2, pages + 1):
        top = next(line.strip() for line in pdftotext(path, first=page, last=page).splitlines() if line.strip())
        assert top == str(page)


def test_letter_has_subject_and_addressees_and_no_type_label(tmp_path):
    letter = binh_duong_plan(type_label="", number="09/CV-HKH", subject="Triển khai kế hoạch thực hiện phong trào",
                             addressees=("Hội Khuyến học các huyện;", "Chi hội Khuyến học các trường THPT."))
    text = squash(pdftotext(write(tmp_path, render_pdf(letter).data)))
    assert "V/v Triển khai kế hoạch thực hiện phong trào" in text
    assert "Kính gửi: - Hội Khuyến học các huyện;" in text
    assert "KẾ HOẠCH" not in text


def test_annex_starts_on_a_new_page_after_the_signature(tmp_path):
    doc = binh_duong_plan(annexes=(Annex("Danh sách đơn vị", "<table><tr><td>Xã Một</td></tr></table>"),))
    rendered = render_pdf(doc)
    path = write(tmp_path, rendered.data)
    assert rendered.page_count == 2
    assert "PHỤ LỤC" in pdftotext(path, first=2, last=2)
    assert "PHỤ LỤC" not in pdftotext(path, first=1, last=1)


def test_draft_without_date_leaves_blanks_and_says_draft(tmp_path):
    text = pdftotext(write(tmp_path, render_pdf(binh_duong_plan(date=None, watermark="DỰ THẢO")).data))
    assert "DỰ THẢO" in text
    assert "Bình Dương, ngày" in text and "2024" not in text


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2024, 1, 15), "ngày 15 tháng 01 năm 2024"),
        (datetime.date(2024, 2, 2), "ngày 02 tháng 02 năm 2024"),
        (datetime.date(2024, 8, 5), "ngày 05 tháng 8 năm 2024"),
        (datetime.date(2024, 12, 20), "ngày 20 tháng 12 năm 2024"),
    ],
)
def test_dates_pad_days_below_ten_and_months_one_and_two(day, expected):
    assert vietnamese_date(day) == expected


def test_fingerprint_changes_with_content_only():
    assert document_fingerprint(binh_duong_plan()) == document_fingerprint(binh_duong_plan())
    assert document_fingerprint(binh_duong_plan()) != document_fingerprint(binh_duong_plan(number="152/KH-UBND"))


def test_text_fields_are_escaped_not_interpreted(tmp_path):
    doc = binh_duong_plan(title="<b>in đậm?</b> & <script>x</script>")
    text = squash(pdftotext(write(tmp_path, render_pdf(doc).data)))
    assert "<b>in đậm?</b> & <script>x</script>" in text


def test_a_long_annex_table_is_laid_out_in_parts_with_continuous_page_numbers(tmp_path, monkeypatch):
    from core.documents import renderer

    monkeypatch.setattr(renderer, "ROWS_PER_PART", 40)  # parts of ~1 page instead of ~27
    rows = tuple((str(i), f"Xã số {i}", f"{i % 100}%") for i in range(1, 131))
    doc = binh_duong_plan(annexes=(Annex("Danh sách", table=AnnexTable(("STT", "Đơn vị", "Tỷ lệ"), rows)),))
    rendered = render_pdf(doc)
    path = write(tmp_path, rendered.data)

    info = pdfinfo(path)
    assert int(info["Pages"]) == rendered.page_count >= 5  # the plan, then 4 parts of 40, 40, 40, 10 rows
    assert info["Page size"] == "595.276 x 841.89 pts (A4)"
    for page in range(2, rendered.page_count + 1):
        top = next(line.strip() for line in pdftotext(path, first=page, last=page).splitlines() if line.strip())
        assert top == str(page)
    text = pdftotext(path)
    assert text.count("PHỤ LỤC") == 1
    assert all(f"Xã số {i} " in text for i in range(1, 131))
    assert text.count("Đơn vị") == rendered.page_count - 1  # the header row repeats on every annex page
