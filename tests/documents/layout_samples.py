"""One StateDocument of every layout, as the builders make them: what tests/documents/test_layouts*.py
render and read back. Names and numbers are the demo's (Hà Tĩnh after the 2025 reform)."""

from __future__ import annotations

import datetime

from core.documents.types import (
    Certificate,
    Layout,
    Minutes,
    MinutesItem,
    SignatureBlock,
    StateDocument,
    Tally,
)

UBND_TINH = ("ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH")
DEPUTY_CHAIR = SignatureBlock(("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), "Phó Chủ tịch", "Trần Thị Minh Hà")
PARAGRAPH = (
    "<p>Phát huy sức mạnh của cả hệ thống chính trị trong việc tuyên truyền, nâng cao nhận thức của các tầng lớp "
    "nhân dân về vai trò, ý nghĩa của khuyến học, khuyến tài, học tập suốt đời, xây dựng xã hội học tập.</p>"
)
BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
    "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ quy định chi tiết một số điều của "
    "Luật Thi đua, khen thưởng;",
)
EXECUTION = (
    "Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ, Thủ trưởng các cơ quan, đơn vị có liên quan và "
    "các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này."
)


def decision(**overrides) -> StateDocument:
    fields = {
        "kind": Layout.DECISION,
        "issuing_body": "Ủy ban nhân dân tỉnh Hà Tĩnh",
        "issuer_lines": UBND_TINH,
        "number": "05/QĐ-UBND",
        "place": "Hà Tĩnh",
        "date": datetime.date(2026, 1, 5),
        "type_label": "QUYẾT ĐỊNH",
        "title": "Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        "body_html": "",
        "authority_line": "Chủ tịch Ủy ban nhân dân tỉnh Hà Tĩnh",
        "legal_bases": BASES,
        "considering": ("Xét đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 12/TTr-SNV ngày 02 tháng 01 năm 2026",),
        "articles": (
            "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh cho Hộ gia đình ông Nguyễn Văn Học, phường Thành Sen, "
            "đã có thành tích xuất sắc trong phong trào thi đua “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh "
            "học tập suốt đời” năm 2025.",
            "Quyết định này có hiệu lực kể từ ngày ký.",
            EXECUTION,
        ),
        "recipients": ("Như Điều 3", "Chủ tịch, các PCT UBND tỉnh", "Lưu: VT, TĐKT"),
        "signature": SignatureBlock(("KT. CHỦ TỊCH",), "Phó Chủ tịch", "Trần Thị Minh Hà"),
    }
    fields.update(overrides)
    return StateDocument(**fields)


def submission(**overrides) -> StateDocument:
    fields = {
        "kind": Layout.SUBMISSION,
        "issuing_body": "Ủy ban nhân dân phường Thành Sen",
        "issuer_lines": ("ỦY BAN NHÂN DÂN", "PHƯỜNG THÀNH SEN"),
        "number": "03/TTr-UBND",
        "place": "Thành Sen",
        "date": datetime.date(2025, 12, 2),
        "type_label": "TỜ TRÌNH",
        "title": "Về việc đề nghị tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        "addressees": ("Chủ tịch Ủy ban nhân dân tỉnh Hà Tĩnh",),
        "body_html": PARAGRAPH * 2,
        "recipients": ("Như trên", "Lưu: VT"),
        "signature": SignatureBlock(("TM. ỦY BAN NHÂN DÂN",), "Chủ tịch", "Lê Văn Sơn"),
    }
    fields.update(overrides)
    return StateDocument(**fields)


def report(**overrides) -> StateDocument:
    fields = {
        "kind": Layout.REPORT,
        "issuing_body": "Sở Giáo dục và Đào tạo",
        "parent_issuer_lines": ("UBND TỈNH HÀ TĨNH",),
        "issuer_lines": ("SỞ GIÁO DỤC VÀ ĐÀO TẠO",),
        "number": "07/BC-SGDĐT",
        "place": "Hà Tĩnh",
        "date": datetime.date(2025, 12, 15),
        "type_label": "BÁO CÁO",
        "title": "Kết quả thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời” "
                 "năm 2025",
        "body_html": "<h3>I. KẾT QUẢ ĐẠT ĐƯỢC</h3>" + PARAGRAPH * 8,
        "recipients": ("Bộ Giáo dục và Đào tạo (để báo cáo)", "UBND tỉnh (để báo cáo)", "Lưu: VT, GDTX"),
        "signature": SignatureBlock(("KT. GIÁM ĐỐC",), "Phó Giám đốc", "Nguyễn Thị Lan"),
    }
    fields.update(overrides)
    return StateDocument(**fields)


def plan(**overrides) -> StateDocument:
    fields = {
        "kind": Layout.PLAN,
        "issuing_body": "Ủy ban nhân dân tỉnh Hà Tĩnh",
        "number": "151/KH-UBND",
        "place": "Hà Tĩnh",
        "date": datetime.date(2024, 1, 15),
        "type_label": "KẾ HOẠCH",
        "title": "Triển khai thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt "
                 "đời giai đoạn 2023-2030” trên địa bàn tỉnh",
        "body_html": "<h3>I. MỤC ĐÍCH, YÊU CẦU</h3>" + PARAGRAPH * 12,
        "recipients": ("Bộ GDĐT;", "Lưu: VT."),
        "signature": DEPUTY_CHAIR,
    }
    fields.update(overrides)
    return StateDocument(**fields)


def minutes(**overrides) -> StateDocument:
    tally = Tally(eligible=10, cast=9, yes=9, no=0, abstain=0,
                  threshold="từ 90% trở lên tổng số thành viên Hội đồng", outcome="Thông qua")
    fields = {
        "kind": Layout.MINUTES,
        "issuing_body": "Hội đồng Thi đua - Khen thưởng tỉnh Hà Tĩnh",
        "parent_issuer_lines": ("UBND TỈNH HÀ TĨNH",),
        "issuer_lines": ("HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",),
        "number": "02/BB-HĐTĐKT",
        "place": "Hà Tĩnh",
        "date": datetime.date(2026, 1, 3),
        "type_label": "BIÊN BẢN",
        "title": "Họp xét đề nghị khen thưởng phong trào xây dựng xã hội học tập năm 2025",
        "body_html": "",
        "minutes": Minutes(
            opened="Vào lúc 08 giờ 00 phút, ngày 03 tháng 01 năm 2026",
            location="Phòng họp số 1, Ủy ban nhân dân tỉnh Hà Tĩnh",
            chair="Ông Võ Trọng Hải, Chủ tịch Hội đồng",
            secretary="Bà Phan Thị Thu, Thư ký Hội đồng",
            present=tuple(f"Ông Nguyễn Văn Thành viên {n}, Ủy viên" for n in range(1, 10)),
            absent=("Bà Lê Thị Vắng, Ủy viên (có lý do)",),
            members_total=10,
            agenda="Hội đồng họp xét đề nghị khen thưởng theo Tờ trình số 03/TTr-UBND ngày 02/12/2025.",
            items=(
                MinutesItem(title="Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh cho Hộ gia đình ông Nguyễn Văn Học",
                            recusals=("Ông Nguyễn Văn Thành viên 3 (lý do: người thân)",), tally=tally),
                MinutesItem(title="Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh cho Dòng họ Phan", tally=Tally(
                    eligible=10, cast=9, yes=5, no=3, abstain=1,
                    threshold="từ 90% trở lên tổng số thành viên Hội đồng", outcome="Không thông qua")),
            ),
            conclusions=("Hội đồng thống nhất trình Chủ tịch Ủy ban nhân dân tỉnh tặng Bằng khen cho Hộ gia đình "
                         "ông Nguyễn Văn Học.",),
            closed="Cuộc họp kết thúc vào lúc 10 giờ 30 phút cùng ngày.",
            chair_signature=SignatureBlock((), "Chủ tịch Hội đồng", "Võ Trọng Hải"),
            secretary_signature=SignatureBlock((), "Thư ký", "Phan Thị Thu"),
        ),
        "recipients": ("Thường trực Hội đồng", "Lưu: VT, TĐKT"),
    }
    fields.update(overrides)
    return StateDocument(**fields)


def certificate(**overrides) -> StateDocument:
    fields = {
        "kind": Layout.CERTIFICATE,
        "issuing_body": "Ủy ban nhân dân tỉnh Hà Tĩnh",
        "number": "05/QĐ-UBND",
        "place": "Hà Tĩnh",
        "date": datetime.date(2026, 1, 5),
        "type_label": "BẰNG KHEN",
        "title": "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        "body_html": "",
        "signature": SignatureBlock(("KT. CHỦ TỊCH",), "Phó Chủ tịch", "Trần Thị Minh Hà"),
        "certificate": Certificate(
            authority_lines=("Chủ tịch Ủy ban nhân dân tỉnh Hà Tĩnh",),
            form_title="Bằng khen",
            recipient="Hộ gia đình ông Nguyễn Văn Học",
            recipient_detail="Tổ dân phố 5, phường Thành Sen, tỉnh Hà Tĩnh",
            achievement="Đã có thành tích xuất sắc trong phong trào thi đua “Cả nước thi đua xây dựng xã hội học tập, "
                        "đẩy mạnh học tập suốt đời” năm 2025.",
            decision_ref="Quyết định số 05/QĐ-UBND ngày 05/01/2026",
            register_number="Số sổ vàng: 03",
            verify_url="https://xhht.hatinh.gov.vn/verify/Ab3dEf7hJk9mNp2qRs4tUv6w/",
            verify_code="Ab3dEf7hJk9mNp2qRs4tUv6w",
        ),
    }
    fields.update(overrides)
    return StateDocument(**fields)


ALL = {"decision": decision, "submission": submission, "report": report, "plan": plan, "minutes": minutes,
       "certificate": certificate}
