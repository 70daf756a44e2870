"""The 2025 interim review (sơ kết giai đoạn 2023 - 2025) and the 2030 final review (tổng kết giai đoạn 2023 - 2030)
as report forms (issue 14, item 3), loaded by migration 0003 and kept for tests' flushes (tests/conftest.py).

What each level reviews comes from the seeds' plans: the results against the built-in indicators at the period's
end, and what the plans ask every level to do at a review and the ten indicators do not count — "biểu dương, khen
thưởng các điển hình tiên tiến, phát huy và chia sẻ các sáng kiến, kinh nghiệm hay, nhân rộng các mô hình, cách làm
sáng tạo" (every plan, section I), and the commendations of the review by form ("Khen thưởng sơ kết giai đoạn
2023 - 2025 / tổng kết giai đoạn 2023 - 2030: Bằng khen của Thủ tướng Chính phủ; Bằng khen cấp bộ, ban, ngành,
tỉnh, đoàn thể Trung ương; Giấy khen", for "tập thể, hộ gia đình và cá nhân" in the Bình Dương plan). Those become
data elements defined as data (integer, stored as ReportValue), two with a breakdown.

The narrative sections are the parts of a state review report: results, limitations, causes, lessons, proposals.
Idempotent like definitions.seed: rows are found by code and left as an administrator may have corrected them; a
form that exists is not touched (a change to a published version is a new version, made in the portal).
"""

from __future__ import annotations

from definitions.seed import ALL_REPORTED, BUILTIN, COMMUNE, ORGANISATION, ORGANISATION_KINDS

MOVEMENT = "“Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời”"

# Breakdowns of the review's own figures.
CATEGORIES = {
    "award_form": ("Hình thức khen thưởng", [
        ("pm_certificate", "Bằng khen của Thủ tướng Chính phủ"),
        ("ministry_province_certificate", "Bằng khen cấp bộ, ban, ngành, tỉnh, đoàn thể Trung ương"),
        ("merit_certificate", "Giấy khen"),
    ]),
    "example_kind": ("Loại điển hình", [
        ("collective", "Tập thể"),
        ("household", "Hộ gia đình"),
        ("individual", "Cá nhân"),
    ]),
}

# code: (name, short name, unit of measure, category code or "")
ELEMENTS = {
    "review_learning_models": ("Số mô hình học tập, cách làm hay, sáng tạo được xây dựng trong giai đoạn",
                               "Mô hình, cách làm hay", "mô hình", ""),
    "review_models_replicated": ("Trong đó: số mô hình, cách làm hay được nhân rộng",
                                 "Mô hình được nhân rộng", "mô hình", ""),
    "review_initiatives": ("Số sáng kiến, kinh nghiệm hay được phổ biến, chia sẻ",
                           "Sáng kiến, kinh nghiệm hay", "sáng kiến", ""),
    "review_typical_examples": ("Số điển hình tiên tiến được phát hiện, biểu dương", "Điển hình tiên tiến",
                                "điển hình", "example_kind"),
    "review_collectives_commended": ("Số tập thể được khen thưởng trong đợt sơ kết, tổng kết Phong trào",
                                     "Tập thể được khen thưởng", "tập thể", "award_form"),
    "review_households_commended": ("Số hộ gia đình được khen thưởng trong đợt sơ kết, tổng kết Phong trào",
                                    "Hộ gia đình được khen thưởng", "hộ", "award_form"),
    "review_individuals_commended": ("Số cá nhân được khen thưởng trong đợt sơ kết, tổng kết Phong trào",
                                     "Cá nhân được khen thưởng", "người", "award_form"),
}
# Households are commended where they live: a commune's and a province's review, not an agency's.
TERRITORY_ELEMENTS = list(ELEMENTS)
ORGANISATION_ELEMENTS = [code for code in ELEMENTS if code != "review_households_commended"]

NARRATIVE = [
    ("results", "Kết quả đạt được",
     "Kết quả nổi bật trong công tác lãnh đạo, chỉ đạo, tuyên truyền và tổ chức thực hiện Phong trào; "
     "kết quả thực hiện các chỉ tiêu; các mô hình, cách làm hay, điển hình tiên tiến."),
    ("limitations", "Hạn chế, tồn tại", ""),
    ("causes", "Nguyên nhân", "Nguyên nhân khách quan và chủ quan của những hạn chế, tồn tại."),
    ("lessons", "Bài học kinh nghiệm", ""),
    ("proposals", "Đề xuất, kiến nghị", "Đề xuất, kiến nghị với cấp trên; phương hướng cho giai đoạn tiếp theo."),
]

# period kind: (first and last year of the period, the year the review is made, version title)
PERIODS = {
    "interim_review": (2023, 2025, 2025,
                       f"Sơ kết 03 năm thực hiện Phong trào thi đua {MOVEMENT} giai đoạn 2023 - 2025"),
    "final_review": (2023, 2030, 2030,
                     f"Tổng kết 08 năm thực hiện Phong trào thi đua {MOVEMENT} giai đoạn 2023 - 2030"),
}
PERIOD_NAMES = {"interim_review": "sơ kết giai đoạn 2023 - 2025", "final_review": "tổng kết giai đoạn 2023 - 2030"}

# suffix: (name of the reporting units, level, kinds, is_summary, built-in indicators, own elements)
LEVELS = {
    "commune": ("của xã, phường, đặc khu", "commune", [], False, COMMUNE, TERRITORY_ELEMENTS),
    "organisation": ("của cơ quan, đơn vị, trường học", "organisation", ORGANISATION_KINDS, False, ORGANISATION,
                     ORGANISATION_ELEMENTS),
    "province": ("tổng hợp của tỉnh, thành phố", "province", [], True, ALL_REPORTED, TERRITORY_ELEMENTS),
}

# (code, left, operator, right, severity, message) over the review's own elements.
RULES = [
    ("models_replicated_le_built", "#{review_models_replicated}", "<=", "#{review_learning_models}", "blocking",
     "Số mô hình, cách làm hay được nhân rộng không được lớn hơn số mô hình, cách làm hay đã xây dựng."),
    ("commended_le_examples",
     "#{review_collectives_commended} + #{review_individuals_commended}", "<=", "#{review_typical_examples}",
     "warning",
     "Số tập thể, cá nhân được khen thưởng lớn hơn số điển hình tiên tiến được biểu dương: đề nghị kiểm tra lại."),
]


def form_codes() -> list[str]:
    return [f"{kind}_{suffix}" for kind in PERIODS for suffix in LEVELS]


def load(apps, schema_editor) -> None:
    Category = apps.get_model("definitions", "Category")
    CategoryOption = apps.get_model("definitions", "CategoryOption")
    DataElement = apps.get_model("definitions", "DataElement")
    ReportForm = apps.get_model("definitions", "ReportForm")
    ReportFormVersion = apps.get_model("definitions", "ReportFormVersion")
    FormSection = apps.get_model("definitions", "FormSection")
    FormField = apps.get_model("definitions", "FormField")
    ValidationRule = apps.get_model("definitions", "ValidationRule")

    categories = {}
    for code, (name, options) in CATEGORIES.items():
        categories[code], _created = Category.objects.get_or_create(code=code, defaults={"name": name})
        for order, (option_code, option_name) in enumerate(options):
            CategoryOption.objects.get_or_create(category=categories[code], code=option_code,
                                                 defaults={"name": option_name, "order": order})
    elements = {}
    for code, (name, short_name, unit, category) in ELEMENTS.items():
        elements[code], _created = DataElement.objects.get_or_create(code=code, defaults={
            "name": name, "short_name": short_name, "unit_of_measure": unit, "value_type": "integer",
            "aggregation": "sum", "category": categories[category] if category else None})
    # The built-in elements come from definitions.seed (migration 0002), which runs first.
    builtin = {code: DataElement.objects.get(code=code) for spec in BUILTIN.values() for code in spec[:2]}

    for period_kind, (period_from, period_to, year, title) in PERIODS.items():
        for suffix, (whose, level, kinds, summary, indicators, own) in LEVELS.items():
            code = f"{period_kind}_{suffix}"
            form, created = ReportForm.objects.get_or_create(code=code, defaults={
                "name": f"Báo cáo {PERIOD_NAMES[period_kind]} {whose}", "period_kind": period_kind,
                "level": level, "kinds": kinds, "is_summary": summary})
            if not created:
                continue
            version = ReportFormVersion.objects.create(
                form=form, number=1, title=title, status="published", first_year=year, last_year=year,
                period_from=period_from, period_to=period_to,
                notes="Biểu mẫu theo kế hoạch triển khai Phong trào thi đua của các bộ, ngành, địa phương.")
            _figures(FormSection, FormField, ValidationRule, version, indicators, builtin)
            review = FormSection.objects.create(
                version=version, order=2, code="emulation", kind="figures",
                title="Kết quả phong trào thi đua, khen thưởng trong giai đoạn",
                help_text="Nhập 0 nếu không có.")
            for order, element in enumerate(own, start=1):
                FormField.objects.create(section=review, order=order, data_element=elements[element])
            for order, (rule, left, operator, right, severity, message) in enumerate(RULES, start=100):
                ValidationRule.objects.create(version=version, code=rule, order=order, left=left, operator=operator,
                                              right=right, severity=severity, message=message)
            narrative = FormSection.objects.create(version=version, order=3, code="narrative", kind="narrative",
                                                   title="Đánh giá chung")
            for order, (narrative_code, label, help_text) in enumerate(NARRATIVE, start=1):
                FormField.objects.create(section=narrative, order=order, narrative_code=narrative_code, label=label,
                                         help_text=help_text, required=True)


def _figures(FormSection, FormField, ValidationRule, version, indicators: list[str], builtin: dict) -> None:
    """The built-in indicators at the period's end, with the yearly forms' rule: recognised <= total."""
    from campaigns.indicators import Indicator  # labels only, as in definitions.seed

    section = FormSection.objects.create(version=version, order=1, code="figures", kind="figures",
                                         title=f"Kết quả thực hiện các chỉ tiêu đến năm {version.period_to}")
    order = 0
    for slug in indicators:
        recognised, total = BUILTIN[slug][0], BUILTIN[slug][1]
        for element in (total, recognised):
            order += 1
            FormField.objects.create(section=section, order=order, data_element=builtin[element])
        ValidationRule.objects.create(
            version=version, code=f"{slug}_recognised_le_total", order=order, left="#{" + recognised + "}",
            operator="<=", right="#{" + total + "}", severity="blocking",
            message=f"{str(Indicator(slug).label)}: Số đạt danh hiệu không được lớn hơn tổng số.")
