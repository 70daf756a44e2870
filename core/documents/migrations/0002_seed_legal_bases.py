"""The 'Căn cứ …' lines the portal's acts cite, as of 2026. An administrator keeps them current (admin,
/documents/legal/); rows that could not be checked against a source carry "(cần kiểm chứng)" in `note`
rather than an invented detail (docs/adr/0011-document-register-and-legal-data.md). Rows checked later are
written here as checked (a fresh database) and corrected by 0004 in a database seeded before."""

import datetime

from django.db import migrations

UNVERIFIED = "(cần kiểm chứng)"

BASES = [
    # slug, text, tags, valid_from, valid_to, order, note
    ("luat-tccqdp-2015",
     "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung một số điều "
     "của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 năm 2019;",
     ["award_decision", "title_decision", "people_committee"], None, datetime.date(2025, 6, 30), 10,
     f"Thay bằng Luật Tổ chức chính quyền địa phương 2025 từ 01/07/2025. {UNVERIFIED}"),
    ("luat-tccqdp-2025",
     "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
     ["award_decision", "title_decision", "people_committee"], datetime.date(2025, 7, 1), None, 10,
     f"Ngày 16/6/2025 đối chiếu qua các văn bản năm 2025–2026 dẫn căn cứ này. Số hiệu 72/2025/QH15: {UNVERIFIED}"),
    ("luat-tdkt-2022",
     "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
     ["award_decision", "awards", "title_decision"], datetime.date(2024, 1, 1), None, 20,
     "Luật số 06/2022/QH15, hiệu lực 01/01/2024."),
    ("nd-98-2023",
     "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành "
     "một số điều của Luật Thi đua, khen thưởng;",
     ["award_decision", "awards"], datetime.date(2024, 1, 1), datetime.date(2025, 6, 30), 30,
     "Hết hiệu lực từ 01/07/2025 (Điều 59 Nghị định 152/2025/NĐ-CP); ngày và trích yếu đã đối chiếu."),
    ("nd-152-2025",
     "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ;",
     ["award_decision", "awards"], datetime.date(2025, 7, 1), None, 30,
     "Ban hành 14/6/2025, hiệu lực 01/07/2025 (Điều 59), thay Nghị định 98/2023/NĐ-CP và 28/2024/NĐ-CP "
     f"(đối chiếu nguồn thứ cấp công khai). Trích yếu đầy đủ: {UNVERIFIED}"),
    ("nd-30-2020",
     "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
     ["documents"], datetime.date(2020, 3, 5), None, 40,
     "Thể thức và kỹ thuật trình bày văn bản; thường không viện dẫn trong quyết định. Ngày đã đối chiếu."),
    ("qd-1315-2023",
     "Căn cứ Quyết định số 1315/QĐ-TTg ngày 09 tháng 11 năm 2023 của Thủ tướng Chính phủ ban hành Kế hoạch "
     "triển khai Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời giai đoạn "
     "2023 - 2030”;",
     ["award_decision", "plan", "title_decision", "movement"], datetime.date(2023, 11, 9), None, 50,
     "Đối chiếu: tin Báo Thái Nguyên 13/11/2023 về Quyết định số 1315/QĐ-TTg."),
    ("qd-677-2022",
     "Căn cứ Quyết định số 677/QĐ-TTg ngày 03 tháng 6 năm 2022 của Thủ tướng Chính phủ phê duyệt Đề án "
     "“Đẩy mạnh các hoạt động học tập suốt đời trong gia đình, dòng họ, cộng đồng đến năm 2030”;",
     ["title_decision", "title:citizen"], datetime.date(2022, 6, 3), None, 60, UNVERIFIED),
    ("qd-448-khvn-2015",
     "Căn cứ Quyết định số 448/QĐ-KHVN ngày 01 tháng 12 năm 2015 của Trung ương Hội Khuyến học Việt Nam;",
     ["title_decision", "title:family", "title:clan", "title:hamlet"], datetime.date(2015, 12, 1), None, 70,
     f"Tiêu chí Gia đình, Dòng họ, Cộng đồng học tập cấp thôn. {UNVERIFIED}"),
    ("tt-25-2023-bgddt",
     "Căn cứ Thông tư số 25/2023/TT-BGDĐT ngày 28 tháng 12 năm 2023 của Bộ trưởng Bộ Giáo dục và Đào tạo;",
     ["title_decision", "title:community"], datetime.date(2023, 12, 28), None, 80,
     f"Đánh giá, xếp hạng Cộng đồng học tập cấp xã, huyện, tỉnh; bổ sung trích yếu. {UNVERIFIED}"),
    ("tt-24-2023-bgddt",
     "Căn cứ Thông tư số 24/2023/TT-BGDĐT ngày 28 tháng 12 năm 2023 của Bộ trưởng Bộ Giáo dục và Đào tạo;",
     ["title_decision", "title:unit"], datetime.date(2023, 12, 28), None, 80,
     f"Đánh giá, công nhận Đơn vị học tập; bổ sung trích yếu. {UNVERIFIED}"),
]


def seed(apps, schema_editor):
    LegalBasis = apps.get_model("documents", "LegalBasis")
    for slug, text, tags, valid_from, valid_to, order, note in BASES:
        LegalBasis.objects.update_or_create(slug=slug, defaults={
            "text": text, "tags": tags, "valid_from": valid_from, "valid_to": valid_to, "order": order,
            "note": note, "active": True,
        })


def unseed(apps, schema_editor):
    apps.get_model("documents", "LegalBasis").objects.filter(slug__in=[b[0] for b in BASES]).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_register")]

    operations = [migrations.RunPython(seed, unseed)]
