"""The definitions the portal was born with, as data (loaded by migration 0002 and kept for tests' flushes).

The ten built-in indicators of the public API (../shared/API.md) each get their two data elements (recognised,
total) bound to ReportFigure; the yearly forms are the ones the rounds used before forms were data (commune,
organisation, district and province summaries), with the one rule the code used to enforce: the recognised
count cannot exceed the total. Categories for the breakdowns the provinces ask for (sex, ethnic group, area).
Idempotent: rows are found by code and left as an administrator may have corrected them.
"""

from __future__ import annotations

# indicator slug: (recognised element, total element, recognised label, total label, unit of measure, computed)
BUILTIN = {
    "households_learning_family": ("households_recognised", "households_total",
                                   "Số hộ gia đình đạt danh hiệu Gia đình học tập", "Tổng số hộ gia đình", "hộ", False),
    "clans_learning_clan": ("clans_recognised", "clans_total",
                            "Số dòng họ đạt danh hiệu Dòng họ học tập", "Tổng số dòng họ", "dòng họ", False),
    "hamlets_learning_community": ("hamlets_recognised", "hamlets_total",
                                   "Số thôn, tổ dân phố đạt danh hiệu Cộng đồng học tập",
                                   "Tổng số thôn, tổ dân phố", "thôn", False),
    "communes_learning_community": ("communes_recognised", "communes_total",
                                    "Số xã, phường đạt danh hiệu Cộng đồng học tập cấp xã", "Tổng số xã, phường",
                                    "xã", False),
    "units_learning_unit": ("units_recognised", "units_total",
                            "Số cơ quan, đơn vị, trường học đạt danh hiệu Đơn vị học tập",
                            "Tổng số cơ quan, đơn vị, trường học", "đơn vị", False),
    "citizens_learning_citizen": ("citizens_recognised", "citizens_total",
                                  "Số công dân đạt danh hiệu Công dân học tập", "Tổng số công dân", "người", False),
    "workers_learning_citizen": ("workers_recognised", "workers_total",
                                 "Số người lao động trong Gia đình học tập, Cộng đồng học tập đạt Công dân học tập",
                                 "Tổng số người lao động trong Gia đình học tập, Cộng đồng học tập", "người", False),
    "officials_learning_citizen": ("officials_recognised", "officials_total",
                                   "Số cán bộ, công chức, viên chức trong Đơn vị học tập đạt Công dân học tập",
                                   "Tổng số cán bộ, công chức, viên chức trong Đơn vị học tập", "người", False),
    "learning_centres_using_it": ("centres_using_it", "centres_total",
                                  "Số trung tâm học tập cộng đồng ứng dụng công nghệ thông tin",
                                  "Tổng số trung tâm học tập cộng đồng", "trung tâm", False),
    "reports_on_time": ("reports_on_time", "reports_expected", "Số báo cáo gửi đúng hạn",
                        "Số báo cáo phải gửi", "báo cáo", True),
    "districts_learning_district": ("districts_recognised", "districts_total",
                                    "Số huyện đạt mô hình Huyện học tập", "Tổng số huyện", "huyện", True),
}

CATEGORIES = {
    "sex": ("Giới tính", [("male", "Nam"), ("female", "Nữ")]),
    "ethnicity": ("Dân tộc", [("kinh", "Kinh"), ("minority", "Dân tộc thiểu số")]),
    "area": ("Địa bàn", [("disadvantaged", "Vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn"),
                         ("other", "Địa bàn khác")]),
}

COMMUNE = ["households_learning_family", "clans_learning_clan", "hamlets_learning_community",
           "communes_learning_community", "citizens_learning_citizen", "workers_learning_citizen",
           "learning_centres_using_it"]
ORGANISATION = ["units_learning_unit", "officials_learning_citizen"]
ALL_REPORTED = [slug for slug, spec in BUILTIN.items() if not spec[5]]
ORGANISATION_KINDS = ["department", "agency", "school", "university", "enterprise", "association"]

NARRATIVE = [("results", "Kết quả đạt được"), ("limitations", "Hạn chế, tồn tại"),
             ("proposals", "Đề xuất, kiến nghị")]

# code: (name, level, kinds, is_summary, title, indicators, first_year, last_year)
YEARLY_FORMS = {
    "yearly_commune": ("Báo cáo hằng năm của xã, phường, đặc khu", "commune", [], False,
                       "Kết quả xây dựng xã hội học tập năm", COMMUNE, 2023, None),
    "yearly_organisation": ("Báo cáo hằng năm của cơ quan, đơn vị, trường học", "organisation", ORGANISATION_KINDS,
                            False, "Kết quả xây dựng Đơn vị học tập năm", ORGANISATION, 2023, None),
    "yearly_district_summary": ("Báo cáo tổng hợp hằng năm của cấp huyện", "district", [], True,
                                "Kết quả xây dựng xã hội học tập năm", ALL_REPORTED, 2023, 2024),
    "yearly_province_summary": ("Báo cáo tổng hợp hằng năm của tỉnh, thành phố", "province", [], True,
                                "Kết quả xây dựng xã hội học tập năm", ALL_REPORTED, 2023, None),
}


def load(apps, schema_editor) -> None:
    Category = apps.get_model("definitions", "Category")
    CategoryOption = apps.get_model("definitions", "CategoryOption")
    DataElement = apps.get_model("definitions", "DataElement")
    IndicatorDefinition = apps.get_model("definitions", "IndicatorDefinition")
    ReportForm = apps.get_model("definitions", "ReportForm")
    ReportFormVersion = apps.get_model("definitions", "ReportFormVersion")
    FormSection = apps.get_model("definitions", "FormSection")
    FormField = apps.get_model("definitions", "FormField")
    ValidationRule = apps.get_model("definitions", "ValidationRule")

    for code, (name, options) in CATEGORIES.items():
        category, _created = Category.objects.get_or_create(code=code, defaults={"name": name})
        for order, (option_code, option_name) in enumerate(options):
            CategoryOption.objects.get_or_create(category=category, code=option_code,
                                                 defaults={"name": option_name, "order": order})

    elements = {}
    for slug, (recognised, total, recognised_name, total_name, unit, computed) in BUILTIN.items():
        for code, name, part in ((recognised, recognised_name, "numerator"), (total, total_name, "denominator")):
            elements[code], _created = DataElement.objects.get_or_create(code=code, defaults={
                "name": name, "unit_of_measure": unit, "figure_indicator": slug, "figure_part": part,
                "computed": computed})
    from campaigns.indicators import Indicator  # labels only: the enum is the API's list of built-in slugs

    for slug, (recognised, total, recognised_name, total_name, _unit, _computed) in BUILTIN.items():
        IndicatorDefinition.objects.get_or_create(slug=slug, defaults={
            "name": str(Indicator(slug).label), "numerator": "#{" + recognised + "}",
            "denominator": "#{" + total + "}", "numerator_label": recognised_name, "denominator_label": total_name,
            "builtin": True, "is_active": slug != "districts_learning_district"})

    for code, (name, level, kinds, summary, title, indicators, first, last) in YEARLY_FORMS.items():
        form, created = ReportForm.objects.get_or_create(code=code, defaults={
            "name": name, "period_kind": "yearly", "level": level, "kinds": kinds, "is_summary": summary})
        if not created:
            continue
        version = ReportFormVersion.objects.create(form=form, number=1, title=title, status="published",
                                                   first_year=first, last_year=last,
                                                   notes="Biểu mẫu đang dùng khi biểu mẫu trở thành dữ liệu.")
        figures = FormSection.objects.create(version=version, order=1, code="figures", kind="figures",
                                             title="Kết quả thực hiện các chỉ tiêu")
        order = 0
        for slug in indicators:
            recognised, total = BUILTIN[slug][0], BUILTIN[slug][1]
            for element in (total, recognised):
                order += 1
                FormField.objects.create(section=figures, order=order, data_element=elements[element])
            ValidationRule.objects.create(
                version=version, code=f"{slug}_recognised_le_total", order=order,
                left="#{" + recognised + "}", operator="<=", right="#{" + total + "}", severity="blocking",
                message=f"{str(Indicator(slug).label)}: Số đạt danh hiệu không được lớn hơn tổng số.")
        narrative = FormSection.objects.create(version=version, order=2, code="narrative", kind="narrative",
                                               title="Đánh giá chung")
        for n, (narrative_code, label) in enumerate(NARRATIVE, start=1):
            FormField.objects.create(section=narrative, order=n, narrative_code=narrative_code, label=label,
                                     required=False)
