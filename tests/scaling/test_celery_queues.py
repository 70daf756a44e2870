"""Queues by kind of work: every route names a real task, each kind lands on its own queue with its own limits,
the broker's visibility timeout outlasts every limit, and docker-compose.yml runs a worker for every queue as the
one table in config/celery_queues.py says."""

import os
import subprocess
import sys
from pathlib import Path

import yaml
from celery.app.routes import MapRoute

from config.celery_app import app
from config.celery_queues import BY_NAME, DEFAULT_QUEUE, KINDS, QUEUES, TASK_ROUTES, queue_of, worker_command

ROOT = Path(__file__).resolve().parents[2]


def _registered_task_names() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_route_pattern_matches_a_registered_task():
    names = _registered_task_names()
    route = MapRoute({pattern: target for pattern, target in TASK_ROUTES.items()})
    for pattern, target in TASK_ROUTES.items():
        matched = [name for name in names if route(name) == target]
        assert matched, f"route {pattern!r} matches no registered task"


def test_each_kind_of_work_lands_on_its_queue():
    route = MapRoute(TASK_ROUTES)
    assert route("campaigns.tasks.render_plan_pdf") == {"queue": "documents"}
    assert route("awards.tasks.render_certificate") == {"queue": "documents"}
    assert route("documents.tasks.render_document") == {"queue": "documents"}
    assert route("titles.tasks.run_import_job") == {"queue": "imports"}
    assert route("reports.tasks.refresh_dirty_stats") == {"queue": "stats"}
    assert route("reports.tasks.rebuild_stats_nightly") == {"queue": "stats"}
    assert route("reports.tasks.send_report_reminders") == {"queue": "mail"}
    assert route("units.tasks.verify_unit_paths") is None  # stays on the default queue


def test_the_table_and_celery_route_every_task_alike():
    """queue_of (time limits) and Celery's router (queues) read the same patterns the same way."""
    route = MapRoute(TASK_ROUTES)
    for name in _registered_task_names():
        assert (route(name) or {"queue": DEFAULT_QUEUE})["queue"] == queue_of(name).name, name


def test_routed_queues_are_all_declared():
    assert {target["queue"] for target in TASK_ROUTES.values()} <= set(QUEUES)
    assert DEFAULT_QUEUE in QUEUES
    assert len(set(QUEUES)) == len(QUEUES)


def test_every_queue_has_limits_a_worker_and_a_reason():
    for queue in KINDS:
        assert 0 < queue.soft_time_limit < queue.time_limit, queue.name
        assert queue.concurrency >= 1, queue.name
        assert queue.max_tasks_per_child is None or queue.max_tasks_per_child >= 1, queue.name
        assert queue.why, queue.name
    assert len({queue.worker for queue in KINDS}) == len(KINDS)


def test_every_task_runs_with_its_kinds_time_limits(settings):
    for name in _registered_task_names():
        task, queue = app.tasks[name], queue_of(name)
        if queue.name == DEFAULT_QUEUE:  # the app-wide limits, which CELERY_TASK_TIME_LIMIT_SECONDS may change
            assert (task.soft_time_limit, task.time_limit) == (
                settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT), name
        else:
            assert (task.soft_time_limit, task.time_limit) == (queue.soft_time_limit, queue.time_limit), name
    assert app.tasks["campaigns.tasks.render_plan_pdf"].time_limit == BY_NAME["documents"].time_limit
    assert app.tasks["reports.tasks.rebuild_stats"].soft_time_limit == BY_NAME["stats"].soft_time_limit


def test_the_visibility_timeout_outlasts_the_longest_hard_limit(settings):
    """A message still running when Redis hands it out again would run twice at once (ADR 0009)."""
    longest = max(settings.CELERY_TASK_TIME_LIMIT, *(queue.time_limit for queue in KINDS))
    assert longest == BY_NAME["stats"].time_limit  # the rollup grows with the country: the longest today
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == longest + 120
    # The stats refresh's countdown (a debounce) must stay below it too, or Redis hands it out early.
    from reports import conf

    assert conf.stats_debounce_seconds() < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def _settings_in_a_fresh_process(**env: str) -> str:
    """What config.settings.base decides from the environment, read the way a web or worker process starts."""
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_ROUTE_BY_KIND")}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(sorted({t['queue'] for t in settings.CELERY_TASK_ROUTES.values()}), "
            "settings.CELERY_TASK_ALWAYS_EAGER)")
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
    ).stdout.strip()


def test_routing_by_kind_is_on_with_a_broker_and_can_be_switched_off():
    # Settings only: nothing connects to this address.
    assert _settings_in_a_fresh_process() == "[] True"  # embedded: eager, queues would mean nothing
    assert _settings_in_a_fresh_process(REDIS_URL="redis://127.0.0.1:6399/9") == (
        "['documents', 'imports', 'mail', 'stats'] False")
    assert _settings_in_a_fresh_process(REDIS_URL="redis://127.0.0.1:6399/9", CELERY_ROUTE_BY_KIND="0") == (
        "[] False")


def test_compose_runs_a_worker_per_queue_as_the_table_says():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    workers = {name: service for name, service in services.items() if name.startswith("worker")}
    assert set(workers) == {f"worker-{queue.worker}" for queue in KINDS}
    consumed = []
    for queue in KINDS:
        command = workers[f"worker-{queue.worker}"]["command"]
        assert command == worker_command(queue), f"worker-{queue.worker}: {command}"
        consumed.append(command[command.index("-Q") + 1])
    assert sorted(consumed) == sorted(QUEUES)  # every queue is consumed, each by one service
    # Routing is on wherever tasks are enqueued (web, beat) as well as in the workers.
    for name in ("web", "beat", *workers):
        assert str(services[name]["environment"]["CELERY_ROUTE_BY_KIND"]) == "1", name
        assert services[name]["environment"]["REDIS_URL"], name


def test_make_worker_consumes_every_queue():
    printed = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "config.celery_queues", "queues"], cwd=ROOT, capture_output=True, text=True,
        check=True).stdout.strip()
    assert printed.split(",") == list(QUEUES)
    assert "-Q $$($(BIN)/python -m config.celery_queues queues)" in (ROOT / "Makefile").read_text()


def test_the_scaling_docs_show_the_tables_workers_and_limits():
    text = (ROOT / "docs" / "scaling.md").read_text()
    step5 = text[text.index("### Step 5"):text.index("## 4.")]
    rows = {line.split("|")[1].strip(" `"): line for line in step5.splitlines() if line.startswith("| `")}
    assert set(rows) == set(QUEUES)
    for queue in KINDS:
        args = f"-Q {queue.name} -c {queue.concurrency}"
        if queue.max_tasks_per_child:
            args += f" --max-tasks-per-child {queue.max_tasks_per_child}"
        assert f"`{args}`" in rows[queue.name], queue.name
        assert f"{queue.soft_time_limit} s / {queue.time_limit} s" in rows[queue.name], queue.name
