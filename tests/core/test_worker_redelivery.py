"""A worker killed in the middle of a task: its message stays unacknowledged in Redis (acks_late), is made visible
again once the visibility timeout has passed, and another worker runs the task (docs/adr/0009-celery-redelivery.md).

Through real worker processes, on PostgreSQL and Redis (the CI run's second pass; skipped in the embedded run,
as tests/core/test_worker.py is). The task is held in the middle by a row lock the test takes; the worker is
killed with SIGKILL, as the OOM killer would. Waiting out the 12-minute visibility timeout has no place in a test:
the sweep a worker makes every 30 s is made here at once, with a zero timeout (the timing itself is checked in
tests/core/test_celery_redelivery.py).
"""

import os
import signal
import subprocess
import time

import pytest
from django.db import connection, transaction

from config.celery_app import app as celery_app
from config.celery_queues import QUEUES
from tests import factories as f
from tests.core.test_worker import CELERY, ROOT, database_url
from units.models import Unit
from units.tasks import verify_unit_paths

pytestmark = pytest.mark.worker


def start_worker(log_path):
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0",
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    with log_path.open("w") as output:
        return subprocess.Popen(  # noqa: S603 - a fixed command line of our own tools
            [str(CELERY), "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", ",".join(QUEUES),
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def waiting_on_a_lock() -> list[int]:
    """Backends of other sessions of this database blocked on a lock (the worker's UPDATE)."""
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity answers from a snapshot taken at its first read: drop it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
        return [row[0] for row in cursor.fetchall()]


def unacked_count() -> int:
    with celery_app.connection() as conn:
        channel = conn.default_channel
        return int(channel.client.hlen(channel.unacked_key))


@pytest.fixture
def services_or_skip(transactional_db):
    if os.environ.get("XHHT_REQUIRE_WORKER_TESTS") and (
        not os.environ.get("REDIS_URL") or connection.vendor != "postgresql"
    ):
        pytest.fail("XHHT_REQUIRE_WORKER_TESTS is set but REDIS_URL or PostgreSQL is missing")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a Redis broker: set REDIS_URL (the embedded run executes tasks eagerly)")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (a worker process cannot share the in-memory SQLite)")
    was_eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    yield
    celery_app.conf.task_always_eager = was_eager


def test_a_task_whose_worker_is_killed_is_run_by_another_worker(services_or_skip, tmp_path):
    province = f.province(name="Tỉnh Thử Giao Lại")
    commune = f.commune(province, name="Xã Thử Giao Lại")
    good_path = commune.path
    Unit.objects.filter(pk=commune.pk).update(path="99999999/")
    unacked_before = unacked_count()

    first = start_worker(tmp_path / "first.log")
    second = None
    try:
        with transaction.atomic():
            Unit.objects.select_for_update().get(pk=commune.pk)  # the repair's UPDATE of this row will wait
            result = verify_unit_paths.delay()
            deadline = time.monotonic() + 60
            while not waiting_on_a_lock():
                assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
                time.sleep(0.2)
            # The worker dies mid-task (as under the OOM killer); its database session goes with it.
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            with connection.cursor() as cursor:
                for pid in waiting_on_a_lock():
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

        commune.refresh_from_db()
        assert commune.path == "99999999/"  # nothing was repaired by the killed worker
        # acks_late: the message was not acknowledged when the task started, so it is still held in Redis.
        assert unacked_count() == unacked_before + 1

        # What a worker's periodic sweep does once the visibility timeout has passed: back into the queue.
        with celery_app.connection(transport_options={"visibility_timeout": 0}) as conn:
            conn.default_channel.qos.restore_visible(num=100, interval=1)
        second = start_worker(tmp_path / "second.log")
        try:
            repaired = result.get(timeout=60)
        except Exception as exc:  # show what the second worker said
            pytest.fail(f"not redelivered ({exc!r}); second worker:\n{(tmp_path / 'second.log').read_text()}",
                        pytrace=False)
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert repaired == 1
    commune.refresh_from_db()
    assert commune.path == good_path
    assert f"[{result.id}] received" in (tmp_path / "second.log").read_text()
