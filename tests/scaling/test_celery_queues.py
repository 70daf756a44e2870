"""Queues by kind of work: every route names a real task, and each kind lands on its own queue."""

from celery.app.routes import MapRoute

from config.celery_app import app
from config.celery_queues import QUEUES, TASK_ROUTES


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
    assert route("titles.tasks.run_import_job") == {"queue": "imports"}
    assert route("reports.tasks.refresh_dirty_stats") == {"queue": "stats"}
    assert route("reports.tasks.rebuild_stats_nightly") == {"queue": "stats"}
    assert route("reports.tasks.send_report_reminders") == {"queue": "mail"}
    assert route("units.tasks.verify_unit_paths") is None  # stays on the default queue


def test_routed_queues_are_all_declared():
    assert {target["queue"] for target in TASK_ROUTES.values()} <= set(QUEUES)


def test_routing_is_off_by_default(settings):
    assert settings.CELERY_TASK_ROUTES == {}
