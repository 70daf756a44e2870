"""Excel lists: template, dry run with Vietnamese row errors, all-or-nothing write, file safety."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from core.errors import DomainError
from tests import factories as f
from titles import imports, services
from titles.models import EvaluationList, ImportJob, ListEntry, Recognition
from units.models import Household
from units.roles import Role

from . import helpers
from .conftest import LAST_YEAR
from .helpers import upload

pytestmark = pytest.mark.django_db

COLUMNS = list(imports.HouseholdImporter.columns())


def workbook_bytes(rows, columns=COLUMNS) -> bytes:
    return helpers.workbook_bytes(rows, columns)


@pytest.fixture
def household_list(tree, catalogue):
    officer = f.member(tree["c1"], Role.OFFICER)
    evaluation_list = services.evaluation_list_open(commune=tree["c1"], title_type=catalogue["gia-dinh-hoc-tap"],
                                                    year=LAST_YEAR, by=officer)
    return evaluation_list, officer


def good_rows():
    day = datetime.date(LAST_YEAR, 11, 20)
    return [
        ["Thôn Một", "HB-001", "Nguyễn Văn An", "Số 1", day, "Đạt", ""],
        ["thon mot", "HB-002", "Trần Thị Bình", "Số 2", f"21/11/{LAST_YEAR}", "Không đạt", "Chưa đủ điểm"],
        ["Thôn Một", "HB-003", "Lê Văn Cường", "", day, "đạt", "-Tích cực"],
    ]


def test_good_workbook_is_checked_then_every_row_written(household_list, create_job, confirm_job):
    evaluation_list, officer = household_list
    job = create_job(evaluation_list, officer, workbook_bytes(good_rows()))
    assert (job.status, job.total_rows, job.error_count, job.new_rows) == (ImportJob.Status.VALIDATED, 3, 0, 3)
    assert len(job.preview) == 3
    assert not ListEntry.objects.exists() and not Household.objects.exists()

    job = confirm_job(job, officer)
    assert job.status == ImportJob.Status.DONE
    assert ListEntry.objects.filter(evaluation_list=evaluation_list).count() == 3
    assert ListEntry.objects.filter(passed=True).count() == 2
    assert set(Household.objects.values_list("code", flat=True)) == {"HB-001", "HB-002", "HB-003"}
    assert ListEntry.objects.get(household__code="HB-002").review_date == datetime.date(LAST_YEAR, 11, 21)


def test_reimporting_the_same_workbook_updates_rows_instead_of_duplicating(household_list, create_job,
                                                                          confirm_job):
    evaluation_list, officer = household_list
    for _ in range(2):
        job = confirm_job(create_job(evaluation_list, officer, workbook_bytes(good_rows())), officer)
    assert (job.status, job.new_rows, job.updated_rows) == (ImportJob.Status.DONE, 0, 3)
    assert ListEntry.objects.count() == 3 and Household.objects.count() == 3


def test_broken_workbook_reports_each_bad_row_in_vietnamese_and_writes_nothing(household_list, create_job):
    evaluation_list, officer = household_list
    day = datetime.date(LAST_YEAR, 11, 20)
    rows = [
        ["Thôn Một", "HB-001", "Nguyễn Văn An", "", day, "Đạt", ""],            # row 2: fine
        ["Thôn Một", "HB-002", "Trần Thị Bình", "", "31/02/2024", "Đạt", ""],   # row 3: bad date
        ["Thôn Một", "HB-001", "Nguyễn Văn An", "", day, "Đạt", ""],            # row 4: duplicate of row 2
        ["Thôn Không Có", "HB-004", "Lê Văn Cường", "", day, "Đạt", ""],        # row 5: unknown hamlet
        ["Thôn Một", "HB-005", "=HYPERLINK(\"http://x\")", "", day, "Đạt", ""],  # row 6: formula
        ["Thôn Một", "HB-006", "Phạm Văn Dũng", "", day, "Tốt", ""],            # row 7: bad result
        ["Thôn Một", "HB-007", "Hồ Thị Én", "", datetime.date(2020, 1, 1), "Đạt", ""],  # row 8: other year
    ]
    job = create_job(evaluation_list, officer, workbook_bytes(rows))
    assert job.status == ImportJob.Status.INVALID
    errors = {e["row"]: " ".join(e["errors"]) for e in job.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "“31/02/2024” không phải ngày hợp lệ" in errors[3]
    assert "trùng với dòng 2" in errors[4]
    assert "“Thôn Không Có” không có trong Xã Hòa Bình" in errors[5]
    assert "ô chứa công thức" in errors[6]
    assert "“Đạt” hoặc “Không đạt”" in errors[7]
    assert f"không thuộc năm {LAST_YEAR}" in errors[8]
    assert not ListEntry.objects.exists() and not Household.objects.exists()
    with pytest.raises(DomainError, match="đã kiểm tra không có lỗi"):
        services.import_job_confirm(job=job, by=officer)
    assert not ListEntry.objects.exists() and not Household.objects.exists()


def test_workbook_with_wrong_columns_is_refused_naming_the_missing_ones(household_list, create_job):
    evaluation_list, officer = household_list
    job = create_job(evaluation_list, officer, workbook_bytes([["Thôn Một", "HB-001"]], columns=["Thôn", "Mã"]))
    assert job.status == ImportJob.Status.INVALID
    assert "thiếu cột “Thôn/Tổ dân phố”" in job.message
    assert not ListEntry.objects.exists()


def test_workbook_declaring_entities_is_refused_as_unreadable(household_list, create_job):
    evaluation_list, officer = household_list
    job = create_job(evaluation_list, officer, helpers.with_doctype(workbook_bytes(good_rows())))
    assert job.status == ImportJob.Status.INVALID and "Không đọc được tệp Excel" in job.message
    assert not ListEntry.objects.exists() and not Household.objects.exists()


def zip_bomb_xlsx() -> bytes:
    """A valid-looking xlsx whose sheet unpacks from a few KB to 50 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_parsing_and_nothing_is_stored(household_list, monkeypatch):
    evaluation_list, officer = household_list

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the XML parser must not see this file")

    monkeypatch.setattr(imports.xlsx, "iter_rows", must_not_parse)
    with pytest.raises(DomainError, match="tỷ lệ nén bất thường") as refused:
        services.import_job_create(evaluation_list=evaluation_list, by=officer, upload=upload(zip_bomb_xlsx()))
    assert refused.value.code == "zip_bomb"
    assert not ImportJob.objects.exists()


def test_file_over_the_size_limit_or_not_a_zip_is_refused(household_list, settings):
    evaluation_list, officer = household_list
    with pytest.raises(DomainError, match="không phải là bảng tính Excel"):
        services.import_job_create(evaluation_list=evaluation_list, by=officer, upload=upload(b"%PDF-1.7 not excel"))
    settings.TITLES_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError, match="vượt quá"):
        services.import_job_create(evaluation_list=evaluation_list, by=officer,
                                   upload=upload(workbook_bytes(good_rows())))
    assert not ImportJob.objects.exists()


def test_rows_over_the_limit_are_refused(household_list, settings, create_job):
    evaluation_list, officer = household_list
    settings.TITLES_IMPORT_MAX_ROWS = 2
    job = create_job(evaluation_list, officer, workbook_bytes(good_rows()))
    assert job.status == ImportJob.Status.INVALID and "quá 2 dòng" in job.message


def test_officer_of_another_commune_cannot_import(household_list, tree):
    evaluation_list, _officer = household_list
    stranger = f.member(tree["c2"], Role.OFFICER)
    with pytest.raises(DomainError) as refused:
        services.import_job_create(evaluation_list=evaluation_list, by=stranger,
                                   upload=upload(workbook_bytes(good_rows())))
    assert refused.value.status == 403
    assert not ImportJob.objects.exists()


def test_export_escapes_values_that_look_like_formulas(household_list, create_job, confirm_job):
    evaluation_list, officer = household_list
    rows = good_rows()
    rows[0][6] = "+84 912 345 678"
    confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows)), officer)
    sheet = openpyxl.load_workbook(io.BytesIO(imports.export_list(evaluation_list))).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "'+84 912 345 678" in values and "'-Tích cực" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)


def test_template_has_the_columns_of_the_import(household_list, client):
    evaluation_list, officer = household_list
    client.force_login(officer)
    response = client.get(reverse("titles:list_template", args=[evaluation_list.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == COLUMNS


def test_commune_approver_recognises_the_passed_households_with_one_decision(household_list, tree, create_job,
                                                                            confirm_job):
    evaluation_list, officer = household_list
    confirm_job(create_job(evaluation_list, officer, workbook_bytes(good_rows())), officer)
    approver = f.member(tree["c1"], Role.APPROVER)
    decision = services.evaluation_list_recognise(
        evaluation_list=evaluation_list, by=approver, decision_date=datetime.date.today(), signer="Hoàng Văn Chủ Tịch")
    assert Recognition.objects.filter(decision=decision).count() == 2
    assert set(Recognition.objects.values_list("household__code", flat=True)) == {"HB-001", "HB-003"}
    assert EvaluationList.objects.get(pk=evaluation_list.pk).status == EvaluationList.Status.RECOGNISED


def test_commune_officer_cannot_recognise_the_list(household_list, create_job, confirm_job):
    evaluation_list, officer = household_list
    confirm_job(create_job(evaluation_list, officer, workbook_bytes(good_rows())), officer)
    with pytest.raises(DomainError) as refused:
        services.evaluation_list_recognise(evaluation_list=evaluation_list, by=officer,
                                           decision_date=datetime.date.today(), signer="X")
    assert refused.value.status == 403
    assert not Recognition.objects.exists()
    assert EvaluationList.objects.get(pk=evaluation_list.pk).status == EvaluationList.Status.OPEN
