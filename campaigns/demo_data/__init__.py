"""The five seed documents as structured plans, in their real places (and a draft for Hà Tĩnh).

Section bodies are JSON files beside this module, converted once from ../shared/seeds and read from
here at run time, so the project runs without ../shared. Text is kept as printed (typos included);
only scanning artefacts were removed (an incoming-mail stamp inside seed 002, page breaks inside
sentences).

Numbers and days the seeds leave blank ("Số: /KH-TĐHHT", "ngày tháng 8 năm 2024") are given plausible
demo values, marked DEMO below: the real numbers are unknown.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

from units.models import Kind

HERE = Path(__file__).resolve().parent


def sections(name: str) -> dict[str, str]:
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


# Each plan: where it hangs (province by source_key, then the organisation that issues it), its header,
# signature, recipients, parent (a key of this list, or a text reference), and targets.
PLANS = [
    {
        "key": "binhduong_province_plan",
        "province": "old:tinhbinhduong",
        "organisation": ("Ủy ban nhân dân tỉnh Bình Dương", Kind.PEOPLES_COMMITTEE),
        "kind": "plan",
        "number": "151/KH-UBND",
        "issuing_body": "Ủy ban nhân dân tỉnh Bình Dương",
        "place": "Bình Dương",
        "issued_on": datetime.date(2024, 1, 15),
        "title": "Triển khai thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập "
                 "suốt đời giai đoạn 2023-2030” trên địa bàn tỉnh Bình Dương",
        "parent_reference": "Quyết định số 1315/QĐ-TTg ngày 09/11/2023 của Thủ tướng Chính phủ",
        "recipients": "Bộ GDĐT;\nTT.Tỉnh ủy, TT.HĐND tỉnh;\nCT, PCT.UBND tỉnh;\nUB. MTTQ VN tỉnh;\n"
                      "Ban Tuyên giáo Tỉnh ủy;\nCác sở, ban, ngành⁽¹⁹⁾, đoàn thể⁽⁶⁾ tỉnh;\n"
                      "UBND các huyện, thị xã, thành phố;\nLĐVP, Dg, TH, HCTC;\nLưu: VT.",
        "signer_collective": "Ủy ban nhân dân",
        "signer_capacity": "KT.",
        "signer_principal": "Chủ tịch",
        "signer_title": "Phó Chủ tịch",
        "signer_name": "Nguyễn Lộc Hà",
    },
    {
        "key": "binhduong_association_letter",
        "province": "old:tinhbinhduong",
        "organisation": ("Hội Khuyến học tỉnh Bình Dương", Kind.ASSOCIATION),
        "kind": "letter",
        "number": "09/CV-HKH",  # as printed, although NĐ 30/2020 gives a letter no type symbol
        "issuing_body": "Hội Khuyến học tỉnh Bình Dương",
        "place": "Bình Dương",
        "issued_on": datetime.date(2024, 2, 2),
        "title": "Triển khai kế hoạch thực hiện phong trào \"Cả nước thi đua xây dựng xã hội học tập\".",
        "addressees": "Hội Khuyến học các Huyện, Thị, Thành phố;\nChi hội Khuyến học các trường THPT – trực thuộc.",
        "parent": "binhduong_province_plan",
        "recipients": "Như trên;\nLưu HKH.",
        "signer_collective": "Ban Thường vụ Tỉnh hội",
        "signer_name": "Trương Thị Phương",
        # Seed 002: "phấn đấu đến năm 2025 cần đạt" — the province's targets, set through this letter.
        "targets": [
            ("households_learning_family", 2025, Decimal("70")),
            ("hamlets_learning_community", 2025, Decimal("65")),
            ("units_learning_unit", 2025, Decimal("80")),
            ("workers_learning_citizen", 2025, Decimal("40")),
            ("officials_learning_citizen", 2025, Decimal("60")),
            ("learning_centres_using_it", 2025, Decimal("70")),
            ("communes_learning_community", 2025, Decimal("90")),
            ("districts_learning_district", 2025, Decimal("25")),
        ],
    },
    {
        "key": "hatinh_university_plan",
        "province": "both:tinhhatinh",
        "organisation": ("Trường Đại học Hà Tĩnh", Kind.UNIVERSITY),
        "kind": "plan",
        "number": "85/KH-TĐHHT",  # DEMO: the seed prints "Số: /KH-TĐHHT"
        "issuing_body": "Trường Đại học Hà Tĩnh",
        "place": "Hà Tĩnh",
        "issued_on": datetime.date(2024, 8, 15),  # DEMO: the seed prints "ngày tháng 8 năm 2024"
        "title": "Triển khai phong trào thi đua “Xây dựng xã hội học tập, đẩy mạnh học tập suốt đời giai đoạn "
                 "2023 - 2030”",
        "parent_reference": "Kế hoạch số 808/KH-BGDĐT ngày 03/7/2024 của Bộ Giáo dục và Đào tạo",
        "recipients": "Các đơn vị trực thuộc;\nWebsite Trường Đại học Hà Tĩnh;\nLưu: VT, TCHC.",
        "signer_title": "Hiệu trưởng",
        "signer_name": "Đoàn Hoài Sơn",
    },
    {
        "key": "bacgiang_science_plan",
        "province": "old:tinhbacgiang",
        "organisation": ("Sở Khoa học và Công nghệ tỉnh Bắc Giang", Kind.DEPARTMENT),
        "kind": "plan",
        "number": "25/KH-KHCN",  # DEMO: the seed prints "Số: /KH-KHCN"
        "parent_body": "Ủy ban nhân dân tỉnh Bắc Giang",
        "issuing_body": "Sở Khoa học và Công nghệ",
        "place": "Bắc Giang",
        "issued_on": datetime.date(2024, 3, 20),  # DEMO: the seed prints "ngày tháng 3 năm 2024"
        "title": "Triển khai phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời giai "
                 "đoạn 2024 - 2030” của Sở KH&CN",
        "parent_reference": "Kế hoạch số 20/KH-UBND ngày 08/3/2024 của UBND tỉnh Bắc Giang",
        "recipients": "Sở GD&ĐT;\nLãnh đạo Sở;\nCác phòng, đơn vị thuộc Sở;\nLưu: VT, VP.",
        "signer_capacity": "KT.",
        "signer_principal": "Giám đốc",
        "signer_title": "Phó Giám đốc",
        "signer_name": "Triệu Ngọc Trung",
    },
    {
        "key": "dongnai_inspectorate_plan",
        "province": "old:tinhdongnai",
        "organisation": ("Thanh tra tỉnh Đồng Nai", Kind.AGENCY),
        "kind": "plan",
        "number": "12/KH-TT",  # DEMO: the seed prints "Số: /KH-TT"
        "parent_body": "Ủy ban nhân dân tỉnh Đồng Nai",
        "issuing_body": "Thanh tra tỉnh",
        "place": "Đồng Nai",
        "issued_on": datetime.date(2024, 4, 10),  # DEMO: the seed prints "ngày tháng 4 năm 2024"
        "title": "Triển khai thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt "
                 "đời giai đoạn 2024-2030”",
        "parent_reference": "Kế hoạch số 63/KH-UBND ngày 28/02/2024 của UBND tỉnh Đồng Nai",
        "recipients": "UBND tỉnh (báo cáo);\nSở Giáo dục và Đào tạo;\nSở Nội vụ;\nBLĐ Thanh tra tỉnh;\n"
                      "Văn phòng, các Phòng Nghiệp vụ (thực hiện);\nTrang TTĐT Thanh tra tỉnh;\nLưu: VT, VP ( TĐKT).",
        "signer_capacity": "KT.",
        "signer_principal": "Chánh Thanh tra",
        "signer_title": "Phó Chánh Thanh tra",
        "signer_name": "Phạm Ngọc Hà",
    },
    {
        # Seed 004 is a press summary (Báo Trà Vinh) of the criteria of the province's plan
        # 21/KH-UBND of 18/3/2024; only the criteria are known, and not who signed.
        "key": "travinh_province_criteria",
        "province": "old:tinhtravinh",
        "organisation": ("Ủy ban nhân dân tỉnh Trà Vinh", Kind.PEOPLES_COMMITTEE),
        "kind": "plan",
        "number": "21/KH-UBND",
        "issuing_body": "Ủy ban nhân dân tỉnh Trà Vinh",
        "place": "Trà Vinh",
        "issued_on": datetime.date(2024, 3, 18),
        "title": "Tổ chức thực hiện phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời "
                 "giai đoạn 2023 - 2030”",
        "parent_reference": "Quyết định số 1315/QĐ-TTg ngày 09/11/2023 của Thủ tướng Chính phủ",
        "signer_collective": "Ủy ban nhân dân",
        "signer_title": "Chủ tịch",  # DEMO: the usual form; the signer is not in the source
    },
]

# The Hà Tĩnh draft the demo users edit: synthetic text in the shape of the seeds.
HATINH_DRAFT = {
    "key": "hatinh_province_draft",
    "kind": "plan",
    "place": "Hà Tĩnh",
    "title": "Triển khai Phong trào “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời” "
             "trên địa bàn tỉnh Hà Tĩnh năm 2026",
    "introduction": "Thực hiện Quyết định số 1315/QĐ-TTg ngày 09/11/2023 của Thủ tướng Chính phủ, Ủy ban nhân "
                    "dân tỉnh xây dựng Kế hoạch triển khai Phong trào năm 2026 (giai đoạn 2) như sau:",
    "purposes": "Duy trì và nâng cao kết quả xây dựng các mô hình học tập sau sơ kết giai đoạn 2023 - 2025.\n"
                "Gắn Phong trào với tổ chức chính quyền địa phương hai cấp từ ngày 01/7/2025.",
    "contents": "Tiếp tục xây dựng Gia đình học tập, Dòng họ học tập, Cộng đồng học tập cấp thôn và cấp xã.\n"
                "Đẩy mạnh mô hình Công dân học tập trong cán bộ, công chức, viên chức và người lao động.",
    "organisation": "Sở Giáo dục và Đào tạo chủ trì, theo dõi, tổng hợp; Ủy ban nhân dân các xã, phường gửi "
                    "báo cáo trước ngày 20 tháng 11 năm 2026.",
    "recipients": "Bộ GDĐT;\nTT. Tỉnh ủy, TT. HĐND tỉnh;\nUBND các xã, phường;\nLưu: VT.",
    "signer_collective": "Ủy ban nhân dân",
    "signer_capacity": "KT.",
    "signer_principal": "Chủ tịch",
    "signer_title": "Phó Chủ tịch",
    "targets": [
        ("households_learning_family", 2026, Decimal("72")),
        ("hamlets_learning_community", 2026, Decimal("67")),
    ],
}

# National targets (QĐ 387/QĐ-TTg: families, clans, communities, units; QĐ 677/QĐ-TTg: learning citizens
# among workers and officials), scoped on the root unit "Việt Nam". QĐ 677/QĐ-TTg, section I.2.b, by 2030:
# 60 % of working-age people in learning families, clans and communities recognised "Công dân học tập"
# (workers_learning_citizen; the demo had 70 %), and 80 % of officials, civil servants and employees in
# learning units (officials_learning_citizen). load_demo writes these over existing rows, so a re-run
# corrects a database loaded with an earlier value.
NATIONAL_TARGETS = [
    ("households_learning_family", 2025, Decimal("70")),
    ("clans_learning_clan", 2025, Decimal("65")),
    ("hamlets_learning_community", 2025, Decimal("65")),
    ("units_learning_unit", 2025, Decimal("80")),
    ("workers_learning_citizen", 2025, Decimal("40")),
    ("officials_learning_citizen", 2025, Decimal("60")),
    ("workers_learning_citizen", 2030, Decimal("60")),
    ("officials_learning_citizen", 2030, Decimal("80")),
]
