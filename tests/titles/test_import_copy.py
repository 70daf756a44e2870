"""The write of an imported list: COPY on PostgreSQL writes exactly what the multi-row INSERT path writes, a bad
row anywhere refuses the whole file with its row number and leaves nothing, a failure inside the COPY rolls
everything back, and two imports of the same list never double a row."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, connections

from tests import factories as f
from titles import imports, services
from titles.models import EvaluationList, ImportJob, ListEntry
from units.models import Citizen, Household

from . import helpers
from .conftest import LAST_YEAR

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

DAY = datetime.date(LAST_YEAR, 11, 20)
HOUSEHOLD_COLUMNS = imports.HouseholdImporter.columns()
CITIZEN_COLUMNS = imports.CitizenImporter.columns()


def open_list(tree, slug, officer) -> EvaluationList:
    from titles.models import TitleType

    return services.evaluation_list_open(commune=tree["c1"], title_type=TitleType.objects.get(slug=slug),
                                         year=LAST_YEAR, by=officer)


def imported(evaluation_list, officer, rows, columns, create_job, confirm_job) -> ImportJob:
    job = create_job(evaluation_list, officer, helpers.workbook_bytes(rows, columns))
    assert job.status == ImportJob.Status.VALIDATED, job.errors
    return confirm_job(job, officer)


def household_rows(start: int, count: int, *, head="Nguyễn Văn", address="Số") -> list:
    """Text that COPY's format must escape (tab, newline, backslash), empty cells, both results."""
    return [["Thôn Một", f"HB-{i:05d}", f"{head} {i}", "" if i % 5 == 0 else f"{address} {i}\\ngõ\t{i}",
             DAY, "Đạt" if i % 3 else "Không đạt", "" if i % 4 else "Ghi chú\r\ndòng hai \\ hết"]
            for i in range(start, start + count)]


def household_snapshot(evaluation_list) -> dict:
    households = sorted(Household.objects.values_list("unit_id", "code", "head_name", "address"))
    entries = sorted(ListEntry.objects.filter(evaluation_list=evaluation_list).values_list(
        "hamlet_id", "household__code", "household__head_name", "clan_id", "citizen_id", "passed", "review_date",
        "note"))
    return {"households": households, "entries": entries,
            "history": Household.history.count()}  # imports write no per-row history, on either path


def clear() -> None:
    """Back to no registry at all; deleting through the ORM records history rows, which go too."""
    ListEntry.objects.all().delete()
    Citizen.objects.all().delete()
    Household.objects.all().delete()
    Citizen.history.all().delete()
    Household.history.all().delete()


@on_postgresql
def test_copy_writes_exactly_what_the_insert_path_writes(tree, catalogue, officer, create_job, confirm_job,
                                                         monkeypatch):
    """New households, then a second file that refreshes 30 of them (head and address), replaces their list
    rows and adds 20: compared row by row, ids aside (each path draws its own from the sequence)."""
    evaluation_list = open_list(tree, "gia-dinh-hoc-tap", officer)
    snapshots = {}
    for use_copy in (False, True):
        monkeypatch.setattr(imports, "USE_COPY", use_copy)
        clear()
        first = imported(evaluation_list, officer, household_rows(0, 50), HOUSEHOLD_COLUMNS, create_job,
                         confirm_job)
        second = imported(evaluation_list, officer,
                          household_rows(20, 50, head="Trần Thị", address="Ngõ"), HOUSEHOLD_COLUMNS, create_job,
                          confirm_job)
        assert (first.status, first.new_rows, second.status, second.new_rows, second.updated_rows) == (
            ImportJob.Status.DONE, 50, ImportJob.Status.DONE, 20, 30)
        snapshots[use_copy] = household_snapshot(evaluation_list)
    assert snapshots[True] == snapshots[False]
    written = snapshots[True]
    assert len(written["households"]) == 70 and len(written["entries"]) == 70 and written["history"] == 0
    refreshed = Household.objects.get(code="HB-00021")
    assert (refreshed.head_name, refreshed.address) == ("Trần Thị 21", "Ngõ 21\\ngõ\t21")
    # XML stores a line end as one "\n" (the reader gives what the sheet holds); COPY escaped the rest.
    assert ListEntry.objects.get(household__code="HB-00004").note == "Ghi chú\ndòng hai \\ hết"


@on_postgresql
def test_copy_writes_citizens_with_their_households_as_the_insert_path_does(tree, catalogue, officer, create_job,
                                                                            confirm_job, monkeypatch):
    households = open_list(tree, "gia-dinh-hoc-tap", officer)
    citizens = open_list(tree, "cong-dan-hoc-tap", officer)
    rows = [["Thôn Một", f"Công Dân {i}", 1950 + i if i % 3 else None, f"HB-{i % 4:05d}" if i % 2 else "",
             "" if i % 5 else f"Trường {i}", DAY, "Đạt", ""] for i in range(24)]
    refreshed = [row[:4] + [f"Nơi mới {i}"] + row[5:] for i, row in enumerate(rows[:10])]
    snapshots = {}
    for use_copy in (False, True):
        monkeypatch.setattr(imports, "USE_COPY", use_copy)
        clear()
        imported(households, officer, household_rows(0, 4), HOUSEHOLD_COLUMNS, create_job, confirm_job)
        imported(citizens, officer, rows, CITIZEN_COLUMNS, create_job, confirm_job)
        job = imported(citizens, officer, refreshed, CITIZEN_COLUMNS, create_job, confirm_job)
        assert (job.status, job.new_rows, job.updated_rows) == (ImportJob.Status.DONE, 0, 10)
        snapshots[use_copy] = (
            sorted(Citizen.objects.values_list("unit_id", "full_name", "birth_year", "household__code", "workplace")),
            sorted(ListEntry.objects.filter(evaluation_list=citizens).values_list(
                "hamlet_id", "citizen__full_name", "passed", "review_date", "note")),
            Citizen.history.count(),
        )
    assert snapshots[True] == snapshots[False]
    assert len(snapshots[True][0]) == 24 and snapshots[True][2] == 0
    assert Citizen.objects.get(full_name="Công Dân 5").workplace == "Nơi mới 5"


def test_a_bad_row_in_the_middle_of_10000_refuses_the_whole_file_naming_it(tree, catalogue, officer, create_job):
    evaluation_list = open_list(tree, "gia-dinh-hoc-tap", officer)
    rows = household_rows(0, 10_000)
    rows[4_999][4] = f"31/02/{LAST_YEAR}"  # Excel row 5,001: the header is row 1

    job = create_job(evaluation_list, officer, helpers.workbook_bytes(rows, HOUSEHOLD_COLUMNS))

    assert (job.status, job.total_rows, job.error_count) == (ImportJob.Status.INVALID, 10_000, 1)
    assert job.errors == [{"row": 5_001, "errors": [
        f"Ngày bình xét: “31/02/{LAST_YEAR}” không phải ngày hợp lệ (dd/mm/yyyy)."]}]
    assert not ListEntry.objects.exists() and not Household.objects.exists()


def test_a_row_that_turned_bad_after_the_dry_run_refuses_the_write_and_leaves_nothing(tree, catalogue, officer,
                                                                                     create_job, confirm_job):
    """The write re-checks every row: a hamlet closed between the dry run and the confirmation makes its one row
    (Excel row 5,001 of 10,000) an error, and not one of the other 9,999 rows is written."""
    evaluation_list = open_list(tree, "gia-dinh-hoc-tap", officer)
    closing = f.hamlet(tree["c1"], name="Thôn Sắp Nhập", code="")
    rows = household_rows(0, 10_000)
    rows[4_999][0] = "Thôn Sắp Nhập"
    job = create_job(evaluation_list, officer, helpers.workbook_bytes(rows, HOUSEHOLD_COLUMNS))
    assert job.status == ImportJob.Status.VALIDATED
    type(closing).objects.filter(pk=closing.pk).update(valid_to=datetime.date(LAST_YEAR - 1, 12, 31))

    job = confirm_job(job, officer)

    assert (job.status, job.error_count) == (ImportJob.Status.INVALID, 1)
    assert job.errors == [{"row": 5_001, "errors": ["Thôn/Tổ dân phố: “Thôn Sắp Nhập” không có trong Xã Hòa Bình."]}]
    assert not ListEntry.objects.exists() and not Household.objects.exists()


@on_postgresql
def test_a_failure_inside_the_copy_rolls_back_the_households_already_copied(tree, catalogue, officer, create_job,
                                                                           confirm_job, monkeypatch):
    evaluation_list = open_list(tree, "gia-dinh-hoc-tap", officer)
    job = create_job(evaluation_list, officer, helpers.workbook_bytes(household_rows(0, 300), HOUSEHOLD_COLUMNS))
    real_copy = imports.copy_rows

    def copy_then_fail(model, columns, rows):
        if model is ListEntry:  # the households went in just before
            assert Household.objects.count() == 300
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_copy(model, columns, rows)

    monkeypatch.setattr(imports, "copy_rows", copy_then_fail)
    job = confirm_job(job, officer)

    assert job.status == ImportJob.Status.INVALID
    assert job.message == ("Sổ đăng ký đã thay đổi trong khi ghi nên không dòng nào được ghi; hãy tải tệp lên lại "
                           "để kiểm tra.")
    assert not Household.objects.exists() and not ListEntry.objects.exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_list_at_once_never_double_a_row(tree, catalogue, officer, create_job):
    """Both files name the same 2,000 households. The write locks the list row: the second waits for the first
    to commit, then finds the households and replaces their list rows instead of adding them again."""
    evaluation_list = open_list(tree, "gia-dinh-hoc-tap", officer)
    content = helpers.workbook_bytes(household_rows(0, 2_000), HOUSEHOLD_COLUMNS)
    jobs = [create_job(evaluation_list, officer, content) for _ in range(2)]
    assert [job.status for job in jobs] == [ImportJob.Status.VALIDATED] * 2
    # Both confirmed; the workers then run at the same moment (here two threads, each its own connection).
    ImportJob.objects.filter(pk__in=[job.pk for job in jobs]).update(commit_requested=True,
                                                                     status=ImportJob.Status.IMPORTING)
    start, failures = threading.Barrier(2), []

    def work(job_id):
        try:
            start.wait()
            services.import_job_run(job_id=job_id)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(job.pk,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not failures
    done = sorted((job.status, job.new_rows, job.updated_rows)
                  for job in ImportJob.objects.filter(pk__in=[job.pk for job in jobs]))
    assert done == [(ImportJob.Status.DONE, 0, 2_000), (ImportJob.Status.DONE, 2_000, 0)]
    assert Household.objects.count() == 2_000
    assert ListEntry.objects.filter(evaluation_list=evaluation_list).count() == 2_000
