"""Data value sets (issue 14, item 5): export a subtree's yearly values as CSV/xlsx, import them back with a dry
run, row errors in Vietnamese and all-or-nothing, under the same workflow rules as the form."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from definitions.models import (
    Category,
    DataElement,
    FormField,
    FormSection,
    ReportForm,
    ReportFormVersion,
    ValueType,
    VersionStatus,
)
from reports import exchange, services
from reports.models import Report, ReportFigure, ReportingRound, ReportStatus, ReportTransition, ReportValue
from tests import factories as f
from units.roles import Role

from .conftest import BASE_FIGURES, YEAR, today

COLUMNS = list(exchange.COLUMNS)
ELEMENTS = {  # built-in indicator → (recognised element, total element), definitions/seed.py
    "households_learning_family": ("households_recognised", "households_total"),
    "clans_learning_clan": ("clans_recognised", "clans_total"),
    "hamlets_learning_community": ("hamlets_recognised", "hamlets_total"),
    "communes_learning_community": ("communes_recognised", "communes_total"),
    "citizens_learning_citizen": ("citizens_recognised", "citizens_total"),
    "workers_learning_citizen": ("workers_recognised", "workers_total"),
    "learning_centres_using_it": ("centres_using_it", "centres_total"),
}


# --- helpers -------------------------------------------------------------------------------------------------


def csv_upload(rows, *, header=COLUMNS, name="so-lieu.csv", bom=True, delimiter=","):
    lines = [delimiter.join(header)] + [delimiter.join("" if c is None else str(c) for c in r) for r in rows]
    text = ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_upload(rows, *, header=COLUMNS, name="so-lieu.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(list(r))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def row(code, element, value, *, option="", period=YEAR, name=""):
    return [code, name, element, option, period, value]


def figure_rows(code, figures, *, period=YEAR):
    rows = []
    for indicator, pair in figures.items():
        recognised, total = ELEMENTS[indicator]
        rows += [row(code, total, pair["denominator"], period=period),
                 row(code, recognised, pair["numerator"], period=period)]
    return rows


def snapshot():
    """Everything an import could write."""
    return (
        list(Report.objects.order_by("pk").values_list("pk", "unit_id", "status", "version", "form_version_id")),
        list(ReportFigure.objects.order_by("pk").values_list("report_id", "indicator", "numerator", "denominator")),
        list(ReportValue.objects.order_by("pk").values_list("report_id", "data_element_id", "option_id", "value")),
        ReportTransition.objects.count(),
    )


def post_import(client, upload, *, dry_run):
    return client.post("/api/v1/data-values/import/", {"file": upload, "dry_run": "true" if dry_run else "false"},
                       format="multipart")


def logged_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def refused(client, upload, message, *, row=None, column=None):
    """A real run is refused with `message` on the row and column named, and nothing is written."""
    before = snapshot()
    response = post_import(client, upload, dry_run=False)
    assert response.status_code == 400, response.content
    body = response.json()
    assert "không dòng nào được ghi" in body["detail"] or body["errors"][0]["column"] == "file"
    matching = [e for e in body["errors"] if message in e["message"]]
    assert matching, body["errors"]
    if row is not None:
        assert matching[0]["row"] == row
        assert matching[0]["message"].startswith(f"Dòng {row}")
    if column is not None:
        assert matching[0]["column"] == column
    assert snapshot() == before
    return body


@pytest.fixture
def draft(tree, rounds, people):
    """Xã Hòa Bình's draft for YEAR with the base figures."""
    report = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])
    report = services.report_update(report=report, by=people["officer1"], version=report.version,
                                    figures=BASE_FIGURES)
    return report


@pytest.fixture
def officer(api_client, people):
    return logged_in(api_client, people["officer1"])


@pytest.fixture
def learners(db):
    """An element defined as data, with the sex breakdown, on a second version of the commune form for YEAR."""
    element = DataElement.objects.create(code="learners", name="Số người tham gia học tập",
                                         category=Category.objects.get(code="sex"))
    DataElement.objects.create(code="study_hours", name="Số giờ học bình quân", value_type=ValueType.NUMBER)
    form = ReportForm.objects.get(code="yearly_commune")
    version = ReportFormVersion.objects.create(form=form, number=2, title="Kết quả xây dựng xã hội học tập năm",
                                               status=VersionStatus.PUBLISHED, first_year=YEAR)
    section = FormSection.objects.create(version=version, order=1, code="figures", title="Số liệu")
    order = 0
    for code in ["households_total", "households_recognised", "learners", "study_hours"]:
        order += 1
        FormField.objects.create(section=section, order=order, data_element=DataElement.objects.get(code=code),
                                 required=False)
    return element


# --- export --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_lists_a_units_values_keyed_by_codes(officer, draft):
    response = officer.get(f"/api/v1/data-values/?unit={draft.unit_id}&year={YEAR}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 14
    assert {"unit_code": "99001", "unit_name": "Xã Hòa Bình", "data_element": "households_recognised",
            "option": None, "period": str(YEAR), "value": "70"} in body["results"]
    assert {"unit_code": "99001", "unit_name": "Xã Hòa Bình", "data_element": "households_total",
            "option": None, "period": str(YEAR), "value": "100"} in body["results"]


@pytest.mark.django_db
def test_export_csv_is_utf8_with_bom_and_comma(officer, draft):
    response = officer.get(f"/api/v1/data-values/?unit={draft.unit_id}&year={YEAR}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffunit_code,unit_name,data_element,option,period,value\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["99001", "Xã Hòa Bình", "clans_recognised", "", str(YEAR), "5"] in rows
    assert len(rows) == 15


@pytest.mark.django_db
def test_export_xlsx_keeps_codes_as_text_and_numbers_as_numbers(officer, draft):
    response = officer.get(f"/api/v1/data-values/?unit={draft.unit_id}&year={YEAR}&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(COLUMNS)
    assert ("99001", "Xã Hòa Bình", "households_recognised", None, YEAR, 70) in rows


@pytest.mark.django_db
def test_export_outside_the_scope_is_a_404_in_json_whatever_the_format(officer, tree, draft):
    for fmt in ("", "&format=csv", "&format=xlsx"):
        response = officer.get(f"/api/v1/data-values/?unit={tree['c2'].pk}&year={YEAR}{fmt}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"] == "Không tìm thấy đơn vị hoặc bạn không có quyền xem."


@pytest.mark.django_db
def test_export_needs_unit_and_year(officer, draft):
    response = officer.get(f"/api/v1/data-values/?unit={draft.unit_id}&format=xlsx")
    assert response.status_code == 400
    assert response.json()["detail"] == "Thiếu tham số “year”."


@pytest.mark.django_db
def test_export_of_a_province_reads_a_fixed_number_of_queries(api_client, tree, rounds, people, draft):
    client = logged_in(api_client, people["reviewer"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/data-values/?unit={tree['p1'].pk}&year={YEAR}&format=csv").status_code == 200
        return len(queries)

    count()  # the caller's scope is read once, then cached
    one = count()
    second = services.report_create(unit=tree["c2"], year=YEAR, by=people["officer2"])
    services.report_update(report=second, by=people["officer2"], version=second.version, figures=BASE_FIGURES)
    assert count() == one


# --- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_round_trip_changes_nothing(officer, draft):
    exported = officer.get(f"/api/v1/data-values/?unit={draft.unit_id}&year={YEAR}&format=csv").content
    before = snapshot()
    response = post_import(officer, SimpleUploadedFile("xa.csv", exported), dry_run=False)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["created"], body["updated"], body["unchanged"]) == (14, 0, 0, 14)
    assert body["written"] is True
    assert snapshot() == before  # not even the report's version moved: nothing to write


@pytest.mark.django_db
def test_xlsx_round_trip_of_a_province_with_accepted_and_submitted_reports_changes_nothing(
        api_client, tree, rounds, people, draft):
    services.report_submit(report=draft, by=people["officer1"])
    services.report_accept(report=draft, by=people["reviewer"])
    second = services.report_create(unit=tree["c2"], year=YEAR, by=people["officer2"])
    second = services.report_update(report=second, by=people["officer2"], version=second.version,
                                    figures=BASE_FIGURES)
    services.report_submit(report=second, by=people["officer2"])
    client = logged_in(api_client, people["reviewer"])
    exported = client.get(f"/api/v1/data-values/?unit={tree['p1'].pk}&year={YEAR}&format=xlsx").content
    before = snapshot()
    response = post_import(client, SimpleUploadedFile("tinh.xlsx", exported), dry_run=False)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rows"], body["created"], body["updated"], body["unchanged"]) == (28, 0, 0, 28)
    assert [u["unit"]["code"] for u in body["units"]] == ["99001", "99002"]
    assert snapshot() == before


@pytest.mark.django_db
def test_values_with_a_breakdown_round_trip(officer, tree, rounds, learners):
    upload = csv_upload([row("99001", "households_total", 100), row("99001", "households_recognised", 60),
                         row("99001", "learners", 120, option="male"), row("99001", "learners", 135, option="female"),
                         row("99001", "study_hours", "12.5")])
    response = post_import(officer, upload, dry_run=False)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reports_created"] == 1 and body["units"][0]["new_report"] is True
    report = Report.objects.get(unit=tree["c1"], year=YEAR)
    assert report.form_version.number == 2
    assert {(v.data_element.code, v.option.code if v.option else None, v.value)
            for v in report.values.select_related("data_element", "option")} == {
        ("learners", "male", 120), ("learners", "female", 135), ("study_hours", None, 12.5)}
    assert report.figures.get(indicator="households_learning_family").numerator == 60

    exported = officer.get(f"/api/v1/data-values/?unit={tree['c1'].pk}&year={YEAR}&format=csv").content.decode()
    assert f"99001,Xã Hòa Bình,learners,female,{YEAR},135" in exported
    assert f"99001,Xã Hòa Bình,study_hours,,{YEAR},12.5" in exported
    before = snapshot()
    again = post_import(officer, SimpleUploadedFile("x.csv", exported.encode()), dry_run=False).json()
    assert (again["created"], again["updated"]) == (0, 0)
    assert snapshot() == before


# --- dry run and real run ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_counts_what_would_change_and_writes_nothing(officer, draft):
    rows = figure_rows("99001", BASE_FIGURES)
    rows[1][5] = 80  # households recognised: 70 → 80
    before = snapshot()
    response = post_import(officer, csv_upload(rows), dry_run=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["written"] is False
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 1, 13)
    assert body["units"] == [{"unit": {"id": draft.unit_id, "code": "99001", "name": "Xã Hòa Bình",
                                       "level": "commune"}, "period": str(YEAR), "report": draft.pk,
                              "new_report": False, "created": 0, "updated": 1, "unchanged": 13}]
    assert snapshot() == before


@pytest.mark.django_db
def test_dry_run_is_the_default(officer, draft):
    before = snapshot()
    response = officer.post("/api/v1/data-values/import/",
                            {"file": csv_upload([row("99001", "households_recognised", 71)])}, format="multipart")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert snapshot() == before


@pytest.mark.django_db
def test_real_run_writes_through_the_service_and_keeps_the_other_part_of_a_figure(officer, draft):
    response = post_import(officer, csv_upload([row("99001", "households_recognised", 80)]), dry_run=False)
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 1
    figure = ReportFigure.objects.get(report=draft, indicator="households_learning_family")
    assert (figure.numerator, figure.denominator) == (80, 100)
    draft.refresh_from_db()
    assert draft.version == 3  # created, updated by the fixture, then by the import: one service call


@pytest.mark.django_db
def test_import_opens_the_missing_report_with_the_service(officer, tree, rounds, people):
    response = post_import(officer, csv_upload(figure_rows("99001", BASE_FIGURES)), dry_run=False)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reports_created"] == 1
    report = Report.objects.get(unit=tree["c1"], year=YEAR)
    assert body["units"][0]["report"] == report.pk
    assert report.status == ReportStatus.DRAFT and report.created_by == people["officer1"]
    assert {f.indicator: {"numerator": f.numerator, "denominator": f.denominator}
            for f in report.figures.all()} == BASE_FIGURES
    assert list(report.transitions.values_list("to_status", flat=True)) == [ReportStatus.DRAFT]


@pytest.mark.django_db
def test_xlsx_made_by_hand_with_numeric_codes_and_extra_columns_is_read(officer, draft):
    upload = xlsx_upload([[99001, "Hòa Bình", "households_recognised", None, YEAR, 75, "ghi chú"]],
                         header=[*COLUMNS, "comment"])
    response = post_import(officer, upload, dry_run=False)
    assert response.status_code == 200, response.content
    assert ReportFigure.objects.get(report=draft, indicator="households_learning_family").numerator == 75


@pytest.mark.django_db
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_csv_with_or_without_bom(officer, draft, bom):
    response = post_import(officer, csv_upload([row("99001", "clans_recognised", 6)], bom=bom), dry_run=False)
    assert response.status_code == 200, response.content
    assert ReportFigure.objects.get(report=draft, indicator="clans_learning_clan").numerator == 6


@pytest.mark.django_db
def test_semicolon_csv_from_a_vietnamese_excel_reads_decimal_commas(officer, tree, rounds, learners):
    upload = csv_upload([row("99001", "study_hours", "7,25")], delimiter=";")
    response = post_import(officer, upload, dry_run=False)
    assert response.status_code == 200, response.content
    assert ReportValue.objects.get(data_element__code="study_hours").value == pytest.approx(7.25)


@pytest.mark.django_db
def test_codes_are_resolved_among_units_valid_at_the_end_of_the_period(api_client, tree, rounds, people):
    """Codes are reused across eras: 2024 names the old commune, YEAR the new one with the same code."""
    old = f.commune(tree["p1"], name="Xã Cũ", code="99777", valid_to=datetime.date(2025, 6, 30))
    new = f.commune(tree["p1"], name="Xã Mới", code="99777", valid_from=datetime.date(2025, 7, 1))
    client = logged_in(api_client, f.member(tree["p1"], Role.OFFICER, username="tinh.canbo"))
    before = snapshot()
    body = post_import(client, csv_upload([row("99777", "households_total", 10, period=2024)]), dry_run=True).json()
    assert body["errors"][0]["message"] == (
        "Dòng 2, cột period: Xã Cũ, năm 2024: Đơn vị “Xã Cũ” không thuộc đợt báo cáo nào của năm 2024.")
    body = post_import(client, csv_upload([row("99777", "households_total", 10)]), dry_run=False).json()
    assert body["units"][0]["unit"]["id"] == new.pk
    assert Report.objects.get(unit=new, year=YEAR).figures.get(indicator="households_learning_family").denominator == 10
    assert not Report.objects.filter(unit=old).exists()
    assert len(snapshot()[0]) == len(before[0]) + 1


@pytest.mark.django_db
def test_a_unit_without_code_is_exchanged_by_its_id(api_client, tree, rounds, people):
    school = tree["s1"]
    report = services.report_create(unit=school, year=YEAR, by=people["school_officer"])
    services.report_update(report=report, by=people["school_officer"], version=report.version,
                           figures={"units_learning_unit": {"numerator": 1, "denominator": 1}})
    client = logged_in(api_client, people["school_officer"])
    rows = client.get(f"/api/v1/data-values/?unit={school.pk}&year={YEAR}").json()["results"]
    assert {r["unit_code"] for r in rows} == {f"id:{school.pk}"}
    upload = csv_upload([row(f"id:{school.pk}", "units_total", 3), row(f"id:{school.pk}", "units_recognised", 2)])
    assert post_import(client, upload, dry_run=False).status_code == 200
    figure = ReportFigure.objects.get(report=report, indicator="units_learning_unit")
    assert (figure.numerator, figure.denominator) == (2, 3)


# --- refusals: every one names the row and column, and nothing changes ------------------------------------------


UNKNOWN_UNIT = "đơn vị mã “{code}” không có hoặc không thuộc phạm vi của bạn (đơn vị có hiệu lực ngày 31/12/{year})."


@pytest.mark.django_db
def test_unknown_unit_code_refuses_the_whole_file(officer, draft):
    upload = csv_upload([row("99001", "households_recognised", 80), row("12345", "households_total", 1)])
    body = refused(officer, upload, UNKNOWN_UNIT.format(code="12345", year=YEAR), row=3, column="unit_code")
    assert body["error_count"] == 1


@pytest.mark.django_db
def test_a_unit_outside_the_scope_gets_the_same_answer_as_an_unknown_code(officer, tree, draft):
    upload = csv_upload([row("99003", "households_total", 1)])  # Xã Tây Sơn exists, in the other province
    refused(officer, upload, UNKNOWN_UNIT.format(code="99003", year=YEAR), row=2, column="unit_code")


@pytest.mark.django_db
def test_unknown_and_computed_elements_are_refused(officer, draft):
    upload = csv_upload([row("99001", "khong_co", 1), row("99001", "reports_on_time", 1)])
    refused(officer, upload, "không có phần tử dữ liệu mã “khong_co”", row=2, column="data_element")
    refused(officer, csv_upload([row("99001", "reports_on_time", 1)]), "“reports_on_time” do hệ thống tính",
            row=2, column="data_element")


@pytest.mark.django_db
def test_options_must_match_the_elements_breakdown(officer, draft, learners):
    refused(officer, csv_upload([row("99001", "learners", 5, option="other")]),
            "“other” không thuộc phân tổ “Giới tính” (male, female)", row=2, column="option")
    refused(officer, csv_upload([row("99001", "learners", 5)]),
            "phần tử “learners” được nhập theo phân tổ “Giới tính”: ghi một trong male, female", row=2, column="option")
    refused(officer, csv_upload([row("99001", "households_total", 5, option="male")]),
            "phần tử “households_total” không có phân tổ; để trống cột option.", row=2, column="option")


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "message"), [
    ("-5", "giá trị không được âm (“-5”)."),
    ("abc", "“abc” không phải là số"),
    ("1 234", "“1 234” không phải là số"),
    ("12.5", "phần tử “households_total” nhận số nguyên không âm (“12.5”)."),
    ("", "cần nhập giá trị."),
])
def test_values_must_be_non_negative_numbers_of_the_elements_type(officer, draft, value, message):
    refused(officer, csv_upload([row("99001", "households_total", value)]), message, row=2, column="value")


@pytest.mark.django_db
def test_a_formula_in_a_workbook_is_refused(officer, draft):
    refused(officer, xlsx_upload([["99001", "", "households_total", None, YEAR, "=100+1"]]),
            "là công thức; hãy nhập giá trị số.", row=2, column="value")


@pytest.mark.django_db
def test_bad_period_is_refused(officer, draft):
    refused(officer, csv_upload([row("99001", "households_total", 1, period="2025Q1")]),
            "kỳ “2025Q1” không hợp lệ; ghi năm, ví dụ 2025.", row=2, column="period")


@pytest.mark.django_db
def test_duplicate_rows_are_refused(officer, draft):
    upload = csv_upload([row("99001", "households_total", 100), row("99001", "clans_total", 8),
                         row("99001", "households_total", 101)])
    refused(officer, upload, "trùng với dòng 2 (cùng đơn vị, phần tử dữ liệu, nhóm phân tổ và kỳ).", row=4,
            column="data_element")


@pytest.mark.django_db
def test_recognised_above_total_is_refused(officer, draft):
    refused(officer, csv_upload([row("99001", "households_recognised", 101)]),
            "số đạt danh hiệu (101) không được lớn hơn tổng số (100) của “Xã Hòa Bình”.", row=2, column="value")


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["submitted", "accepted"])
def test_a_sent_or_accepted_report_is_not_overwritten(officer, people, draft, state):
    services.report_submit(report=draft, by=people["officer1"])
    if state == "accepted":
        services.report_accept(report=draft, by=people["reviewer"])
    label = "Đã gửi" if state == "submitted" else "Đã tiếp nhận"
    upload = csv_upload([row("99001", "households_total", 100), row("99001", "households_recognised", 71)])
    refused(officer, upload, f"báo cáo năm {YEAR} của “Xã Hòa Bình” đang ở trạng thái “{label}”: không ghi đè số liệu.",
            row=3, column="value")


@pytest.mark.django_db
def test_after_the_deadline_the_services_refuse(officer, draft):
    ReportingRound.objects.filter(pk=draft.round_id).update(deadline=today())
    refused(officer, csv_upload([row("99001", "households_recognised", 71)]),
            "Đã quá hạn gửi báo cáo (trước ngày", row=2)


@pytest.mark.django_db
def test_an_officer_of_another_unit_cannot_write_through_a_file(api_client, tree, rounds, people):
    client = logged_in(api_client, people["reviewer"])  # sees the province, is no officer of the commune
    refused(client, csv_upload([row("99001", "households_total", 100)]),
            "Chỉ cán bộ của đơn vị “Xã Hòa Bình” được lập và gửi báo cáo này.", row=2, column="unit_code")


@pytest.mark.django_db
def test_an_error_in_one_unit_rolls_back_the_writes_of_the_others(api_client, tree, rounds, people, draft):
    client = logged_in(api_client, f.member(tree["p1"], Role.OFFICER, username="tinh.canbo"))
    upload = csv_upload([row("99001", "households_recognised", 71),  # fine, written first...
                         row("99002", "households_total", 5), row("99002", "households_recognised", 6)])
    body = refused(client, upload, "số đạt danh hiệu (6) không được lớn hơn tổng số (5) của “Phường Đông Hà”.",
                   row=4, column="value")
    assert body["error_count"] == 1
    assert not Report.objects.filter(unit=tree["c2"]).exists()  # ...and the new report rolled back with it


@pytest.mark.django_db
def test_elements_not_on_the_reports_form_are_refused_each(officer, draft, learners):
    upload = csv_upload([row("99001", "units_total", 3), row("99001", "learners", 4, option="male")])
    message = f"phần tử “units_total” không có trong biểu mẫu báo cáo năm {YEAR} của “Xã Hòa Bình”."
    body = refused(officer, upload, message, row=2, column="data_element")
    assert body["error_count"] == 2  # the draft was opened on version 1, which has no "learners" either
    assert body["errors"][1]["message"].startswith("Dòng 3, cột data_element: phần tử “learners” không có")


@pytest.mark.django_db
def test_a_report_changed_since_the_preview_is_a_conflict(tree, rounds, people, draft):
    preview = exchange.import_file(csv_upload([row("99001", "households_recognised", 80)]), user=people["officer1"],
                                   dry_run=True)
    assert preview.ok and preview.versions == {f"{tree['c1'].pk}:{YEAR}": draft.version}
    services.report_update(report=draft, by=people["officer1"], version=draft.version,
                           figures={"clans_learning_clan": {"numerator": 6, "denominator": 8}})
    before = snapshot()
    result = exchange.import_file(csv_upload([row("99001", "households_recognised", 80)]), user=people["officer1"],
                                  dry_run=False, expected_versions=preview.versions)
    assert not result.ok
    assert "báo cáo đã thay đổi từ lúc kiểm tra thử" in result.errors[0].message
    assert snapshot() == before


# --- refusals of the file as a whole -------------------------------------------------------------------------


def _file_refused(client, upload, message):
    before = snapshot()
    response = post_import(client, upload, dry_run=False)
    assert response.status_code == 400, response.content
    body = response.json()
    assert message in body["detail"], body
    assert body["errors"] == [{"row": None, "column": "file", "message": body["detail"]}]
    assert snapshot() == before


@pytest.mark.django_db
def test_bad_files_are_refused_whole(officer, draft, settings):
    _file_refused(officer, SimpleUploadedFile("so-lieu.txt", b"unit_code\n"), "chỉ nhận tệp CSV (.csv) hoặc Excel")
    _file_refused(officer, SimpleUploadedFile("so-lieu.xlsx", b"unit_code,value\n1,2\n"),
                  "nội dung không đúng định dạng XLSX")
    _file_refused(officer, SimpleUploadedFile("so-lieu.csv", ",".join(COLUMNS).encode() + b"\n99001,Ho\xe0 B\xecnh"),
                  "Tệp CSV phải được lưu với bảng mã UTF-8")
    _file_refused(officer, SimpleUploadedFile("so-lieu.csv", b""), "tệp rỗng")
    _file_refused(officer, csv_upload([row("99001", "households_total", 1)], header=["unit_code", "value"]),
                  "thiếu cột data_element, option, period")
    _file_refused(officer, csv_upload([]), "Tệp không có dòng số liệu nào.")
    _file_refused(officer, SimpleUploadedFile("so-lieu.csv", b'unit_code,"data_element\n'), "Tệp CSV sai định dạng")
    settings.REPORTS_EXCHANGE_MAX_ROWS = 2
    _file_refused(officer, csv_upload([row("99001", "households_total", n) for n in range(3)]),
                  "Tệp có quá 2 dòng số liệu")
    settings.REPORTS_EXCHANGE_MAX_BYTES = 100
    _file_refused(officer, csv_upload([row("99001", "households_total", n) for n in range(2)]), "vượt quá giới hạn")


@pytest.mark.django_db
def test_import_without_a_file_or_with_a_bad_flag_is_a_400(officer, draft):
    response = officer.post("/api/v1/data-values/import/", {"dry_run": "false"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["Cần chọn tệp số liệu (.csv hoặc .xlsx)."]}
    response = officer.post("/api/v1/data-values/import/", {"file": csv_upload([]), "dry_run": "maybe"},
                            format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"dry_run": ["Giá trị phải là true hoặc false."]}


# --- the page ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_preview_then_confirm_writes(client, people, draft):
    client.force_login(people["officer1"])
    page = client.get(reverse("reports:exchange"))
    assert page.status_code == 200
    assert "Trao đổi số liệu" in page.content.decode()
    before = snapshot()
    preview = client.post(reverse("reports:exchange"),
                          {"file": csv_upload([row("99001", "households_recognised", 82)])})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Kết quả kiểm tra thử" in html and 'id="count-updated">1<' in html
    assert snapshot() == before
    token = preview.context["token"]
    done = client.post(reverse("reports:exchange_confirm"), {"token": token}, follow=True)
    assert "Đã ghi số liệu của tệp “so-lieu.csv”: thêm 0, sửa 1, giữ nguyên 0 giá trị" in done.content.decode()
    assert ReportFigure.objects.get(report=draft, indicator="households_learning_family").numerator == 82
    again = client.post(reverse("reports:exchange_confirm"), {"token": token}, follow=True)
    assert "Không còn tệp chờ xác nhận" in again.content.decode()


@pytest.mark.django_db
def test_page_shows_row_errors_and_offers_no_confirmation(client, people, draft):
    client.force_login(people["officer1"])
    before = snapshot()
    response = client.post(reverse("reports:exchange"), {"file": csv_upload([row("99003", "households_total", 1)])})
    html = response.content.decode()
    assert "Dòng 2, cột unit_code: đơn vị mã “99003” không có hoặc không thuộc phạm vi của bạn" in html
    assert "token" not in response.context
    assert 'action="/reports/exchange/confirm/"' not in html
    assert snapshot() == before


@pytest.mark.django_db
def test_page_refuses_a_bad_file_on_the_field(client, people, draft):
    client.force_login(people["officer1"])
    response = client.post(reverse("reports:exchange"), {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")})
    assert response.status_code == 200
    assert "chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx)" in response.content.decode()


@pytest.mark.django_db
def test_page_downloads_are_scoped(client, tree, people, draft):
    client.force_login(people["officer1"])
    response = client.get(reverse("reports:exchange_export_xlsx") + f"?unit={tree['c1'].pk}&year={YEAR}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert client.get(reverse("reports:exchange_export_csv") + f"?unit={tree['c2'].pk}&year={YEAR}").status_code == 404


@pytest.mark.django_db
def test_page_needs_login(client):
    response = client.get(reverse("reports:exchange"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_decimals_and_size_are_bounded(officer, draft, learners):
    refused(officer, csv_upload([row("99001", "study_hours", "1.23456")]), "tối đa 4 chữ số thập phân.", row=2,
            column="value")
    refused(officer, csv_upload([row("99001", "households_total", "3000000000")]),
            "giá trị quá lớn (tối đa 2.000.000.000).", row=2, column="value")
