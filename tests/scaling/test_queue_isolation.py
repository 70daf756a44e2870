"""Queues by kind of work through real workers (docs/scaling.md Step 5): a long document render does not delay a
rollup, because each kind has its own queue and its own worker process.

CI's PostgreSQL + Redis pass (skipped in the embedded run, as tests/core/test_worker.py is). The render is the
portal's own task (campaigns.tasks.render_plan_pdf) made as long as the test needs, without any timing: the test
holds the plan document's row lock, so the render waits in the middle of its work, occupying the documents
worker's only process, as a 200-page annex would for a minute. Meanwhile a full rebuild of the year's statistics
(reports.tasks.rebuild_stats) must finish on the stats worker. Then the lock goes and the render completes.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from campaigns import services as plans
from campaigns.models import Campaign, PdfStatus
from campaigns.tasks import render_plan_pdf
from config.celery_queues import TASK_ROUTES
from core.documents.models import Document
from reports.models import StatRollup
from reports.tasks import rebuild_stats
from tests import factories as f
from tests.campaigns.conftest import plan_fields
from tests.core.test_worker import CELERY, ROOT, database_url
from tests.core.test_worker_redelivery import services_or_skip, waiting_on_a_lock  # noqa: F401 - the fixture

pytestmark = pytest.mark.worker

YEAR = 2026


def wait_until(condition: Callable[[], object], what: str, logs: list[Path], seconds: float = 90) -> None:
    """Polls until `condition` holds; a deadline only so that a broken worker fails the test instead of hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}; worker logs:\n" + "\n".join(f"--- {log.name}\n{log.read_text()}" for log in logs),
                        pytrace=False)
        time.sleep(0.2)


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[[str], Path]]:
    """Starts `celery worker -Q <queues> -c 1` (prefork, as deployed) as a process of its own; stops them all."""
    started: list[subprocess.Popen] = []
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0",
           "CELERY_ROUTE_BY_KIND": "1", "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}  # the worker stores the PDF where this test looks for it

    def start(queues: str) -> Path:
        log = tmp_path / f"worker-{queues.replace(',', '-')}.log"
        with log.open("w") as output:  # a file, not a pipe: a full pipe would stall the worker
            started.append(subprocess.Popen(  # noqa: S603 - a fixed command line of our own tools
                [str(CELERY), "-A", "config", "worker", "-Q", queues, "-c", "1", "-n", f"{queues}-test@%h",
                 "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool's child goes with it if it is killed
            ))
        return log

    yield start
    # Always stopped, before pytest-django drops the test database they are connected to.
    for process in started:
        if process.poll() is None:
            process.terminate()  # warm shutdown: the running task (if any) finishes
    for process in started:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_long_render_does_not_delay_a_rollup(services_or_skip, start_worker):  # noqa: F811
    assert settings.CELERY_TASK_ROUTES == TASK_ROUTES, "with REDIS_URL, tasks are routed by kind by default"
    province = f.province(name="Tỉnh Thử Hàng Đợi", code="95")
    f.commune(province, name="Xã Thử Hàng Đợi")
    officer = f.member(province)
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    plan = plans.plan_create(unit=province, campaign=campaign, by=officer, fields=plan_fields())
    with transaction.atomic():
        document = plans.plan_record(plan)  # the draft's document in the register: the row the render locks
    assert not StatRollup.objects.filter(year=YEAR).exists()

    documents_log = start_worker("documents")
    stats_log = start_worker("stats")
    logs = [documents_log, stats_log]
    with transaction.atomic():
        Document.objects.select_for_update().get(pk=document.pk)
        render = render_plan_pdf.delay(plan.pk)
        wait_until(waiting_on_a_lock, "the documents worker never started the render", logs)

        rollup = rebuild_stats.delay(YEAR)
        try:
            # Celery's process-wide "join will block" flag (meant for worker processes) can be left set by earlier
            # tests in this process (seen in the full CI run), and a plain get() then refuses; this process is no
            # worker, so waiting here for another process's result is safe.
            rows = rollup.get(timeout=120, disable_sync_subtasks=False)
        except Exception as exc:  # show what the workers said
            pytest.fail(f"the stats worker did not rebuild ({exc!r}); logs:\n{stats_log.read_text()}", pytrace=False)

        # The year's rollup is stored while the render is still in the middle of its work.
        assert rows > 0
        assert StatRollup.objects.filter(year=YEAR, unit=province).exists()
        assert render.state == "PENDING"
        assert waiting_on_a_lock(), "the render is still waiting in the documents worker"
    # The lock is released: the render goes on and stores the plan's PDF.
    try:
        outcome = render.get(timeout=180, disable_sync_subtasks=False)
    except Exception as exc:
        pytest.fail(f"the render did not finish ({exc!r}); logs:\n{documents_log.read_text()}", pytrace=False)
    assert outcome == PdfStatus.READY
    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.READY
    assert (Path(settings.MEDIA_ROOT) / document.pdf.name).is_file()
    # Each task went to its kind's queue and was run by that queue's worker only.
    assert f"[{render.id}] received" in documents_log.read_text()
    assert f"[{render.id}] received" not in stats_log.read_text()
    assert f"[{rollup.id}] received" in stats_log.read_text()
    assert f"[{rollup.id}] received" not in documents_log.read_text()
