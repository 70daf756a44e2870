"""The other side of tests/scaling/test_queue_isolation.py, and the local way to run the queues' workers.

- One worker for both kinds (`-Q documents,stats -c 1`, as a single small worker would be) makes the rollup
  wait behind the long render: what the queues per kind avoid.
- `make workers` (`python -m config.celery_queues run`) starts a worker per queue of config/celery_queues.py,
  each consuming its own queue, and stops them all on SIGTERM.

CI's PostgreSQL + Redis pass; skipped in the embedded run, as tests/core/test_worker.py is.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import transaction

from campaigns import services as plans
from campaigns.models import Campaign, PdfStatus
from campaigns.tasks import render_plan_pdf
from config.celery_app import app as celery_app
from config.celery_queues import KINDS, TASK_ROUTES
from core.documents.models import Document
from reports.models import StatRollup
from reports.tasks import rebuild_stats
from tests import factories as f
from tests.campaigns.conftest import plan_fields
from tests.core.test_worker import ROOT, database_url
from tests.core.test_worker_redelivery import services_or_skip, waiting_on_a_lock  # noqa: F401 - the fixture
from tests.scaling.test_queue_isolation import YEAR, start_worker, wait_until  # noqa: F401 - the fixture

pytestmark = pytest.mark.worker


def queued(queue: str) -> int:
    """Messages waiting in a queue's Redis list (not taken by any worker)."""
    with celery_app.connection() as conn:
        return int(conn.default_channel.client.llen(queue))


def test_one_worker_for_both_kinds_makes_the_rollup_wait_behind_the_render(services_or_skip,  # noqa: F811
                                                                          start_worker):  # noqa: F811
    assert settings.CELERY_TASK_ROUTES == TASK_ROUTES
    province = f.province(name="Tỉnh Thử Một Worker", code="94")
    f.commune(province, name="Xã Thử Một Worker")
    officer = f.member(province)
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    plan = plans.plan_create(unit=province, campaign=campaign, by=officer, fields=plan_fields())
    with transaction.atomic():
        document = plans.plan_record(plan)
    stats_waiting = queued("stats")

    log = start_worker("documents,stats")
    with transaction.atomic():
        Document.objects.select_for_update().get(pk=document.pk)
        render = render_plan_pdf.delay(plan.pk)
        wait_until(waiting_on_a_lock, "the worker never started the render", [log])
        rollup = rebuild_stats.delay(YEAR)
        # The worker is alive and answering after the rollup was queued (its main process serves control
        # messages while its one pool process renders), yet the rollup is not taken: prefetch 1, -c 1.
        replies = celery_app.control.ping(timeout=5)
        assert len(replies) == 1, replies
        assert queued("stats") == stats_waiting + 1
        assert not StatRollup.objects.filter(year=YEAR).exists()
        assert rollup.state == render.state == "PENDING"
    try:
        assert render.get(timeout=180, disable_sync_subtasks=False) == PdfStatus.READY
        assert rollup.get(timeout=120, disable_sync_subtasks=False) > 0
    except Exception as exc:
        pytest.fail(f"the worker did not finish both ({exc!r}); its log:\n{log.read_text()}", pytrace=False)
    # One after the other: the rollup was taken only once the render had finished.
    text = log.read_text()
    assert text.index(f"[{render.id}] succeeded") < text.index(f"[{rollup.id}] received")


def test_make_workers_starts_a_worker_per_queue_and_stops_them_all(services_or_skip, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "0",
           "CELERY_ROUTE_BY_KIND": "1", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    expected = {queue.worker: [queue.name] for queue in KINDS}
    log = tmp_path / "workers.log"
    with log.open("w") as output:
        supervisor = subprocess.Popen(  # noqa: S603 - what `make workers` runs, with quieter workers
            [sys.executable, "-m", "config.celery_queues", "run", "--without-gossip", "--without-mingle",
             "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        consumed: dict[str, list[str]] = {}
        deadline = time.monotonic() + 120
        while consumed != expected:
            assert supervisor.poll() is None, f"make workers exited: {supervisor.returncode}\n{log.read_text()}"
            assert time.monotonic() < deadline, f"consuming {consumed}, not {expected}\n{log.read_text()}"
            answers = celery_app.control.inspect(timeout=2).active_queues() or {}
            consumed = {node.split("@")[0]: sorted(q["name"] for q in queues) for node, queues in answers.items()}
        # Each worker runs the table's pool size.
        stats = celery_app.control.inspect(timeout=2).stats() or {}
        pools = {node.split("@")[0]: answer["pool"]["max-concurrency"] for node, answer in stats.items()}
        assert pools == {queue.worker: queue.concurrency for queue in KINDS}

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=90) == 0, log.read_text()  # only once every worker has exited
    finally:
        if supervisor.poll() is None:  # it hung: stop its workers (each in its own session) and itself
            children = subprocess.run(["pgrep", "-P", str(supervisor.pid)],  # noqa: S603, S607
                                      capture_output=True, text=True).stdout.split()
            for pid in children:
                os.killpg(int(pid), signal.SIGKILL)
            supervisor.kill()
            supervisor.wait()
