"""A task through a real Celery worker process, on PostgreSQL and Redis (the CI run's second pass).

The embedded run has no broker and runs tasks eagerly; there this test is skipped, saying why.
The worker is a separate process: it reaches the test database by name and the broker through
REDIS_URL, so what it proves is the real path: enqueue, pick up, run the service, store the result.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config.celery_app import app as celery_app
from config.celery_queues import QUEUES
from tests import factories as f
from units.models import Unit
from units.tasks import verify_unit_paths

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def database_url() -> str:
    """A URL for the test database (not the one in DATABASE_URL: pytest-django created its own)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, tmp_path):
    # CI's PostgreSQL pass sets XHHT_REQUIRE_WORKER_TESTS: there a missing service is a failure, not a skip.
    if os.environ.get("XHHT_REQUIRE_WORKER_TESTS") and (
        not os.environ.get("REDIS_URL") or connection.vendor != "postgresql"
    ):
        pytest.fail("XHHT_REQUIRE_WORKER_TESTS is set but REDIS_URL or PostgreSQL is missing")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs a Redis broker: set REDIS_URL (the embedded run executes tasks eagerly)")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (a worker process cannot share the in-memory SQLite)")

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    log = tmp_path / "worker.log"
    # Every queue: with a broker, tasks are routed by kind (config/celery_queues.py), and the tests that use this
    # fixture (a plan's render on "documents", the path check on "celery") need one worker for all of them.
    with log.open("w") as output:  # a file, not a pipe: a full pipe would stall the worker
        process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own tools
            [str(CELERY), "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", ",".join(QUEUES),
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    # Whatever the settings say for the rest of the suite, this test's tasks go through the broker.
    was_eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        yield log
    finally:
        celery_app.conf.task_always_eager = was_eager
        # Always stop it, before pytest-django drops the test database it is connected to.
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_worker_repairs_a_corrupted_unit_path(worker):
    province = f.province(name="Tỉnh Thử Worker")
    commune = f.commune(province, name="Xã Thử Worker")
    good_path = commune.path
    Unit.objects.filter(pk=commune.pk).update(path="99999999/")

    result = verify_unit_paths.delay()
    try:
        repaired = result.get(timeout=60)
    except Exception as exc:  # whatever it was, show what the worker said
        pytest.fail(f"the worker did not run the task ({exc!r}); its log:\n{worker.read_text()}", pytrace=False)

    assert repaired == 1
    commune.refresh_from_db()
    assert commune.path == good_path
