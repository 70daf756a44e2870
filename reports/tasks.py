"""Celery tasks of the reports app: each takes ids, calls one service, and may run twice harmlessly."""

from celery import shared_task

from . import aggregation, reminders


@shared_task(name="reports.tasks.refresh_dirty_stats")
def refresh_dirty_stats(year: int) -> int:
    """Debounced after acceptances: recompute the ancestors of newly accepted reports."""
    return aggregation.stats_refresh_dirty(year=year)


@shared_task(name="reports.tasks.rebuild_stats")
def rebuild_stats(year: int) -> int:
    return aggregation.stats_rebuild(year=year)


@shared_task(name="reports.tasks.rebuild_stats_nightly")
def rebuild_stats_nightly() -> dict[int, int]:
    return aggregation.stats_rebuild_recent()


@shared_task(name="reports.tasks.send_report_reminders")
def send_report_reminders() -> int:
    """Daily: digests to officers of units that have not submitted and to reviewers with reports waiting."""
    return reminders.reminders_send()
