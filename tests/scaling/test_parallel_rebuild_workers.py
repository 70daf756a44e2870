"""The parallel rebuild through real workers (reports.tasks.rebuild_stats_parallel): a chord of one task per
province on the stats queue, then the national step, on a stats worker of two processes.

No timing: the test itself holds the advisory lock of one province (as a rebuild of that province under way
would), so that province's task waits inside its transaction while the other province's task, in the worker's
second process, commits its rows; the national step has not run (it waits for the whole chord). Then the lock
goes, the chord completes, and the table is the full rebuild's, row for row.

CI's PostgreSQL + Redis pass; skipped in the embedded run, as tests/core/test_worker.py is.
"""

import os
import signal
import subprocess

import pytest
from django.conf import settings
from django.db import connection

from reports import aggregation
from reports.models import StatRollup
from reports.tasks import rebuild_stats_parallel
from tests import factories as f
from tests.core.test_worker import CELERY, ROOT, database_url
from tests.core.test_worker_redelivery import services_or_skip  # noqa: F401 - the fixture
from tests.scaling.test_queue_isolation import wait_until
from units.models import Household, Kind, Level

pytestmark = pytest.mark.worker

YEAR = 2026


def _rows():
    return sorted(StatRollup.objects.filter(year=YEAR).values_list(
        "unit_id", "indicator", "numerator", "denominator", "percentage", "target", "on_track"), key=repr)


def _in(province):
    return StatRollup.objects.filter(year=YEAR, unit__path__startswith=province.path)


@pytest.fixture
def stats_worker(tmp_path):
    log = tmp_path / "worker-stats.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0",
           "CELERY_ROUTE_BY_KIND": "1", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    with log.open("w") as output:  # a file, not a pipe: a full pipe would stall the worker
        process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own tools
            [str(CELERY), "-A", "config", "worker", "-Q", "stats", "-c", "2", "-n", "stats-parallel-test@%h",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    yield log
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_provinces_run_side_by_side_on_two_worker_processes_then_the_national_step(services_or_skip,  # noqa: F811
                                                                                   stats_worker):
    assert settings.CELERY_TASK_ROUTES["reports.tasks.rebuild_stats*"] == {"queue": "stats"}
    nation = f.UnitFactory(level=Level.NATION, kind=Kind.NATION, name="Việt Nam", code="VN")
    first = f.province(parent=nation, name="Tỉnh Thử Song Song Một", code="96")
    second = f.province(parent=nation, name="Tỉnh Thử Song Song Hai", code="97")
    for province in (first, second):
        hamlet = f.hamlet(f.commune(province))
        Household.objects.bulk_create([Household(unit=hamlet, code=f"{province.code}-{i}", head_name=f"Chủ hộ {i}")
                                       for i in range(4)])
    aggregation.stats_rebuild(year=YEAR)
    full = _rows()
    assert _in(first).exists() and _in(second).exists()
    StatRollup.objects.filter(year=YEAR).delete()

    with connection.cursor() as cursor:  # autocommit: a session lock, held until released below
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [aggregation._LOCK_SPACE + YEAR, first.pk])
    try:
        queued = rebuild_stats_parallel.delay(YEAR)
        assert queued.get(timeout=60, disable_sync_subtasks=False) == 2
        wait_until(lambda: _in(second).exists(), "the second province never committed while the first waited",
                   [stats_worker])
        assert not _in(first).exists()
        assert not StatRollup.objects.filter(year=YEAR, unit=nation).exists()  # the national step waits
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [aggregation._LOCK_SPACE + YEAR, first.pk])
    wait_until(lambda: StatRollup.objects.filter(year=YEAR, unit=nation).exists(),
               "the national step never ran after the provinces", [stats_worker])
    assert _rows() == full
