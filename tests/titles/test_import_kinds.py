"""The one import pipeline for every yearly list: citizens, clans and hamlets beside households.

Each kind gets its template, a dry run with Vietnamese row errors, an all-or-nothing write, and the same
checks (duplicates within the year, unknown hamlets or households, formulas refused, exports escaped).
"""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from tests import factories as f
from titles import imports, selectors, services
from titles.models import EvaluationList, ImportJob, ListEntry, Recognition, SubjectKind
from units import services as unit_services
from units.models import Citizen, Clan, Household
from units.roles import Role

from .conftest import LAST_YEAR
from .helpers import workbook_bytes

pytestmark = pytest.mark.django_db

DAY = datetime.date(LAST_YEAR, 11, 20)
LIST_TITLES = {
    "gia-dinh-hoc-tap": imports.HouseholdImporter, "cong-dan-hoc-tap": imports.CitizenImporter,
    "dong-ho-hoc-tap": imports.ClanImporter, "cong-dong-hoc-tap-thon": imports.HamletImporter,
}


@pytest.fixture
def open_list(tree, catalogue, officer):
    def open_(slug: str) -> EvaluationList:
        return services.evaluation_list_open(commune=tree["c1"], title_type=catalogue[slug], year=LAST_YEAR,
                                             by=officer)
    return open_


def nothing_written() -> bool:
    return not (ListEntry.objects.exists() or Citizen.objects.exists() or Clan.objects.exists()
                or Household.objects.exists())


def row_errors(job: ImportJob) -> dict[int, str]:
    return {e["row"]: " ".join(e["errors"]) for e in job.errors}


@pytest.mark.parametrize("slug", list(LIST_TITLES))
def test_each_list_template_has_the_columns_its_import_reads(client, open_list, officer, slug):
    evaluation_list = open_list(slug)
    client.force_login(officer)
    response = client.get(reverse("titles:list_template", args=[evaluation_list.pk]))
    header = [c.value for c in next(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows())]
    assert header == list(LIST_TITLES[slug].columns())


def test_lists_are_offered_for_the_four_list_titles_only(catalogue):
    offered = set(selectors.title_types().filter(imports.list_title_filter()).values_list("slug", flat=True))
    assert offered == set(LIST_TITLES)


def test_citizen_list_is_written_with_households_linked_by_code(tree, open_list, officer, create_job, confirm_job):
    household = Household.objects.create(unit=tree["h1"], code="HB-001", head_name="Nguyễn Văn An")
    evaluation_list = open_list("cong-dan-hoc-tap")
    rows = [
        ["Thôn Một", "Nguyễn Văn An", 1970, "HB-001", "Hợp tác xã Hòa Bình", DAY, "Đạt", ""],
        ["Thôn Một", "Trần Thị Bình", "1985", "", "", f"21/11/{LAST_YEAR}", "Không đạt", ""],
    ]
    job = create_job(evaluation_list, officer, workbook_bytes(rows, imports.CitizenImporter.columns()))
    assert (job.status, job.new_rows, job.error_count) == (ImportJob.Status.VALIDATED, 2, 0)
    assert not Citizen.objects.exists()

    job = confirm_job(job, officer)
    assert job.status == ImportJob.Status.DONE
    an = Citizen.objects.get(full_name="Nguyễn Văn An")
    assert (an.birth_year, an.household, an.workplace, an.unit) == (1970, household, "Hợp tác xã Hòa Bình", tree["h1"])
    assert Citizen.objects.get(full_name="Trần Thị Bình").household is None
    assert set(evaluation_list.entries.values_list("citizen__full_name", "passed")) == {
        ("Nguyễn Văn An", True), ("Trần Thị Bình", False)}


def test_reimported_citizens_are_matched_not_duplicated(tree, open_list, officer, create_job, confirm_job):
    evaluation_list = open_list("cong-dan-hoc-tap")
    columns = imports.CitizenImporter.columns()
    rows = [["Thôn Một", "Nguyễn Văn An", 1970, "", "", DAY, "Không đạt", ""]]
    confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows, columns)), officer)
    rows = [["thon mot", "NGUYỄN VĂN AN", 1970, "", "Trạm y tế xã", DAY, "Đạt", "Bổ sung"]]
    job = confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows, columns)), officer)
    assert (job.status, job.new_rows, job.updated_rows) == (ImportJob.Status.DONE, 0, 1)
    citizen = Citizen.objects.get()
    assert citizen.workplace == "Trạm y tế xã"  # a non-empty cell refreshes the registry
    assert list(evaluation_list.entries.values_list("citizen", "passed", "note")) == [(citizen.pk, True, "Bổ sung")]


def test_bad_citizen_rows_are_each_reported_and_nothing_is_written(tree, open_list, officer, create_job):
    Household.objects.create(unit=tree["h2"], code="HB-002", head_name="Hộ của phường khác")
    evaluation_list = open_list("cong-dan-hoc-tap")
    rows = [
        ["Thôn Một", "Lê Văn Cường", 1990, "", "", DAY, "Đạt", ""],        # row 2: fine
        ["Thôn Một", "Lê Văn Cường", 1990, "", "", DAY, "Đạt", ""],        # row 3: same person again
        ["Thôn Một", "Phạm Thị Dung", 1890, "", "", DAY, "Đạt", ""],       # row 4: birth year
        ["Thôn Một", "Hồ Văn Em", 1980, "HB-002", "", DAY, "Đạt", ""],     # row 5: another commune's household
        ["Thôn Một", "", 1980, "", "", DAY, "Đạt", ""],                    # row 6: no name
        ["99999", "Võ Thị Gấm", 1980, "", "", DAY, "Đạt", ""],             # row 7: unknown hamlet code
    ]
    job = create_job(evaluation_list, officer, workbook_bytes(rows, imports.CitizenImporter.columns()))
    errors = row_errors(job)
    assert job.status == ImportJob.Status.INVALID and set(errors) == {3, 4, 5, 6, 7}
    assert "trùng với dòng 2" in errors[3]
    assert "Năm sinh: “1890” không hợp lệ" in errors[4]
    assert "hộ “HB-002” chưa có trong sổ hộ gia đình của thôn" in errors[5]
    assert "Họ và tên: cần nhập" in errors[6]
    assert "“99999” không có trong Xã Hòa Bình" in errors[7]
    assert not Citizen.objects.exists() and not ListEntry.objects.exists()


def test_clans_are_matched_ignoring_case_and_accents_and_counted_once(tree, open_list, officer, create_job,
                                                                      confirm_job):
    nguyen = Clan.objects.create(unit=tree["h1"], name="Họ Nguyễn")
    evaluation_list = open_list("dong-ho-hoc-tap")
    columns = imports.ClanImporter.columns()
    rows = [["Thôn Một", "họ nguyễn", DAY, "Đạt", ""], ["Thôn Một", "Họ Lê", DAY, "Đạt", ""],
            ["Thôn Một", "HỌ LÊ", DAY, "Không đạt", ""]]
    job = create_job(evaluation_list, officer, workbook_bytes(rows, columns))
    assert job.status == ImportJob.Status.INVALID
    assert "Tên dòng họ: “HỌ LÊ” trùng với dòng 3" in row_errors(job)[4]
    assert Clan.objects.count() == 1 and not ListEntry.objects.exists()

    job = confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows[:2], columns)), officer)
    assert (job.status, job.new_rows) == (ImportJob.Status.DONE, 2)
    assert set(Clan.objects.values_list("name", flat=True)) == {"Họ Nguyễn", "Họ Lê"}
    assert evaluation_list.entries.filter(clan=nguyen).count() == 1


def test_hamlet_list_has_one_row_per_hamlet_and_is_recognised_as_a_community(tree, open_list, officer, create_job,
                                                                             confirm_job):
    second = f.hamlet(tree["c1"], name="Thôn Hai", code="TH2")
    evaluation_list = open_list("cong-dong-hoc-tap-thon")
    columns = imports.HamletImporter.columns()
    rows = [["Thôn Một", DAY, "Đạt", ""], ["TH2", DAY, "Không đạt", ""], ["thôn một", DAY, "Đạt", ""],
            ["Tổ dân phố Hai", DAY, "Đạt", ""]]
    job = create_job(evaluation_list, officer, workbook_bytes(rows, columns))
    errors = row_errors(job)
    assert set(errors) == {4, 5}
    assert "trùng với dòng 2" in errors[4]
    assert "“Tổ dân phố Hai” không có trong Xã Hòa Bình" in errors[5]  # a hamlet of another commune

    job = confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows[:2], columns)), officer)
    assert job.status == ImportJob.Status.DONE
    assert set(evaluation_list.entries.values_list("hamlet", "passed")) == {(tree["h1"].pk, True), (second.pk, False)}
    job = confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows[:1], columns)), officer)
    assert (job.new_rows, job.updated_rows, evaluation_list.entries.count()) == (0, 1, 2)

    approver = f.member(tree["c1"], Role.APPROVER)
    services.evaluation_list_recognise(evaluation_list=evaluation_list, by=approver,
                                       decision_date=datetime.date.today(), signer="Chủ tịch UBND xã")
    recognition = Recognition.objects.get()
    assert (recognition.subject_kind, recognition.unit) == (SubjectKind.UNIT, tree["h1"])


def test_write_checks_again_and_writes_nothing_when_the_registry_changed_since_the_dry_run(
        tree, open_list, officer, create_job, confirm_job):
    household = Household.objects.create(unit=tree["h1"], code="HB-001", head_name="Nguyễn Văn An")
    evaluation_list = open_list("cong-dan-hoc-tap")
    rows = [["Thôn Một", "Nguyễn Văn An", 1970, "HB-001", "", DAY, "Đạt", ""],
            ["Thôn Một", "Nguyễn Thị Hoa", 1972, "", "", DAY, "Đạt", ""]]
    job = create_job(evaluation_list, officer, workbook_bytes(rows, imports.CitizenImporter.columns()))
    assert job.status == ImportJob.Status.VALIDATED
    unit_services.household_update(household=household, code="HB-009", head_name="Nguyễn Văn An", by=officer)

    job = confirm_job(job, officer)
    assert job.status == ImportJob.Status.INVALID
    assert "hộ “HB-001” chưa có trong sổ" in row_errors(job)[2]
    assert not Citizen.objects.exists() and not ListEntry.objects.exists()


def test_a_failure_half_way_through_the_write_leaves_nothing_behind(tree, open_list, officer, create_job,
                                                                    confirm_job, monkeypatch):
    evaluation_list = open_list("gia-dinh-hoc-tap")
    rows = [["Thôn Một", f"HB-{i:03d}", f"Chủ hộ {i}", "", DAY, "Đạt", ""] for i in range(5)]
    job = create_job(evaluation_list, officer, workbook_bytes(rows, imports.HouseholdImporter.columns()))

    def crash(self, rows, progress):
        assert Household.objects.count() == 5  # the registry rows are in, inside the transaction
        raise RuntimeError("worker killed")

    monkeypatch.setattr(imports.ListImporter, "_write_entries", crash)
    with pytest.raises(RuntimeError):
        confirm_job(job, officer)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED
    assert nothing_written()


def test_citizen_export_escapes_cells_that_look_like_formulas(tree, open_list, officer, create_job, confirm_job):
    evaluation_list = open_list("cong-dan-hoc-tap")
    rows = [["Thôn Một", "Nguyễn Văn An", 1970, "", "-Công ty A", DAY, "Đạt", "@ghi chú"]]
    confirm_job(create_job(evaluation_list, officer, workbook_bytes(rows, imports.CitizenImporter.columns())), officer)
    sheet = openpyxl.load_workbook(io.BytesIO(imports.export_list(evaluation_list))).active
    exported = [[c.value for c in row] for row in sheet.iter_rows()]
    assert exported[0] == list(imports.CitizenImporter.columns())
    assert exported[1] == ["Thôn Một", "Nguyễn Văn An", "1970", None, "'-Công ty A", DAY.strftime("%d/%m/%Y"), "Đạt",
                           "'@ghi chú"]


def test_checking_and_writing_take_the_same_number_of_queries_for_5_or_300_rows(
        tree, open_list, django_assert_max_num_queries):
    """No query per row: lookups are loaded once and rows are written in batches."""
    evaluation_list = open_list("gia-dinh-hoc-tap")
    importer = imports.HouseholdImporter(evaluation_list)
    for n in (5, 300):
        ListEntry.objects.all().delete()
        Household.objects.all().delete()
        rows = [["Thôn Một", f"HB-{i:04d}", f"Chủ hộ {i}", "", DAY, "Đạt", ""] for i in range(n)]
        content = io.BytesIO(workbook_bytes(rows, imports.HouseholdImporter.columns()))
        with django_assert_max_num_queries(8):
            checked = importer.check(content)
            importer.write(checked.rows)
        assert ListEntry.objects.count() == n


def test_import_page_previews_the_rows_under_the_lists_own_columns(client, tree, open_list, officer, create_job):
    evaluation_list = open_list("dong-ho-hoc-tap")
    job = create_job(evaluation_list, officer,
                     workbook_bytes([["Thôn Một", "Họ Phan", DAY, "Đạt", ""]], imports.ClanImporter.columns()))
    client.force_login(officer)
    page = client.get(reverse("titles:import", args=[job.pk])).content.decode()
    assert "<th>Tên dòng họ</th>" in page and "Họ Phan" in page and "Ghi toàn bộ dữ liệu" in page
    status = client.get(reverse("titles:import_status", args=[job.pk])).json()
    assert (status["status"], status["total_rows"], status["new_rows"]) == ("validated", 1, 1)
    client.force_login(f.member(tree["c2"], Role.OFFICER))
    assert client.get(reverse("titles:import", args=[job.pk])).status_code == 404
