"""A task killed mid-run comes back within minutes (docs/adr/0009-celery-redelivery.md), and running a task
twice, as a redelivery does, leaves the same result."""

import datetime

import pytest
from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Concat

from config.celery_app import app
from config.celery_queues import DEFAULT_QUEUE, longest_time_limit, queue_of
from reports import conf as reports_conf
from reports.models import StatRollup
from reports.tasks import rebuild_stats
from tests import factories as f
from tests.titles.helpers import upload, workbook_bytes
from titles import imports, services
from titles.catalogue import load_catalogue
from titles.models import ImportJob, ListEntry, TitleType
from titles.tasks import run_import_job
from units.models import Household, Unit
from units.roles import Role
from units.tasks import verify_unit_paths

LAST_YEAR = datetime.date.today().year - 1


def test_messages_are_acknowledged_only_when_the_task_ends():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    # A task that failed or hit its time limit is acknowledged: it is not redelivered in a loop.
    assert conf.task_acks_on_failure_or_timeout is True


def test_a_killed_task_is_redelivered_within_minutes_not_after_an_hour():
    conf = app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    # Redis's default is 3600 s: a task killed mid-run came back after an hour.
    assert visibility <= 15 * 60
    # ... but never while a live worker may still be running it (it would run twice at once).
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility
    # The longest measured task (a 200-page annex, ~60 s at its goal) fits many times over.
    assert conf.task_soft_time_limit >= 5 * 60
    # Workers sweep for expired messages every interval × throttle seconds (kombu's default: 100 s).
    options = conf.broker_transport_options
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 60
    # A countdown longer than the visibility timeout would be redelivered early by Redis.
    assert reports_conf.stats_debounce_seconds() < visibility


def test_limits_are_set_once_in_settings_not_per_task():
    # Per kind of work, from the one table config/celery_queues.py (docs/scaling.md Step 5); the visibility
    # timeout follows the longest of them.
    longest = longest_time_limit(settings.CELERY_TASK_TIME_LIMIT)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == longest + 120
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        # No task overrides what settings say (Celery copies the settings and the kind's limits onto each task).
        kind = queue_of(name)
        routed = kind.name != DEFAULT_QUEUE
        assert task.time_limit == (kind.time_limit if routed else settings.CELERY_TASK_TIME_LIMIT), name
        assert task.soft_time_limit == (kind.soft_time_limit if routed else settings.CELERY_TASK_SOFT_TIME_LIMIT), name
        assert task.acks_late is True and task.reject_on_worker_lost is True, name


@pytest.mark.django_db
def test_unit_path_repair_run_twice_repairs_once():
    province = f.province(name="Tỉnh Chạy Hai Lần")
    commune = f.commune(province)
    right = Unit.objects.get(pk=commune.pk).path
    Unit.objects.filter(pk=commune.pk).update(path=Concat(F("path"), Value("9/")))

    assert verify_unit_paths.delay().get() == 1
    assert verify_unit_paths.delay().get() == 0
    assert Unit.objects.get(pk=commune.pk).path == right


def rollup_rows() -> list[tuple]:
    rows = StatRollup.objects.filter(year=LAST_YEAR).values_list("unit_id", "indicator", "numerator", "denominator")
    return sorted(rows)


@pytest.mark.django_db
def test_rollup_rebuilt_twice_gives_the_same_rows(tree):
    rebuild_stats.delay(LAST_YEAR).get()
    first = rollup_rows()
    rebuild_stats.delay(LAST_YEAR).get()
    assert rollup_rows() == first and first


@pytest.mark.django_db
def test_an_import_whose_worker_died_is_written_once_when_redelivered_twice(tree, django_capture_on_commit_callbacks):
    load_catalogue()
    officer = f.member(tree["c1"], Role.OFFICER)
    evaluation_list = services.evaluation_list_open(
        commune=tree["c1"], title_type=TitleType.objects.get(slug="gia-dinh-hoc-tap"), year=LAST_YEAR, by=officer)
    day = datetime.date(LAST_YEAR, 11, 20)
    rows = [["Thôn Một", f"HB-{i:03}", f"Nguyễn Văn {i}", "", day, "Đạt", ""] for i in range(1, 4)]
    content = workbook_bytes(rows, list(imports.HouseholdImporter.columns()))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_job_create(evaluation_list=evaluation_list, by=officer, upload=upload(content))
    # Confirmed, and the worker that took the write died before committing: the queued task never ran here.
    with django_capture_on_commit_callbacks(execute=False):
        services.import_job_confirm(job=ImportJob.objects.get(pk=job.pk), by=officer)
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING

    assert run_import_job.delay(job.pk).get() == ImportJob.Status.DONE  # the redelivered message
    assert run_import_job.delay(job.pk).get() == ImportJob.Status.DONE  # and once more: nothing new
    assert ListEntry.objects.filter(evaluation_list=evaluation_list).count() == 3
    assert Household.objects.count() == 3
