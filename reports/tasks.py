"""Celery tasks of the reports app: each takes ids, calls one service, and may run twice harmlessly."""

from celery import chord, shared_task

from . import aggregation, reminders


@shared_task(name="reports.tasks.refresh_dirty_stats")
def refresh_dirty_stats(year: int) -> int:
    """Debounced after acceptances: recompute the ancestors of newly accepted reports."""
    return aggregation.stats_refresh_dirty(year=year)


@shared_task(name="reports.tasks.rebuild_stats")
def rebuild_stats(year: int) -> int:
    return aggregation.stats_rebuild(year=year)


@shared_task(name="reports.tasks.rebuild_stats_province")
def rebuild_stats_province(year: int, province_id: int) -> int:
    """One province of the parallel rebuild (idempotent: delete + insert of its subtree's rows)."""
    return aggregation.stats_rebuild_province(year=year, province_id=province_id)


@shared_task(name="reports.tasks.rebuild_stats_national")
def rebuild_stats_national(year: int) -> int:
    """The parallel rebuild's last step, after every province: the nation and what needs the whole year."""
    return aggregation.stats_rebuild_national(year=year)


@shared_task(name="reports.tasks.rebuild_stats_parallel")
def rebuild_stats_parallel(year: int) -> int:
    """The year's full rebuild as a chord: one task per province of the year's tree, side by side on the stats
    workers, then the national step once all of them succeeded. Returns how many province tasks were queued.
    Eager Celery (no REDIS_URL) runs the chord in-process, province after province. If a province fails the
    national step does not run: the year keeps the previous national rows until the next rebuild (which redoes
    every province: each task is a delete + insert of its own rows)."""
    provinces = [p.pk for p in aggregation.year_provinces(year)]
    chord([rebuild_stats_province.si(year, pk) for pk in provinces])(rebuild_stats_national.si(year))
    return len(provinces)


@shared_task(name="reports.tasks.rebuild_stats_nightly")
def rebuild_stats_nightly() -> list[int]:
    """Queues one full rebuild (rebuild_stats) per recent year (aggregation.recent_years); returns the years.

    One task per year, so each has the stats queue's time limit to itself: on the 5,000,000-household slice
    (docs/benchmarks.md, "The whole country") a year's full rebuild took 68–84 s, about 7.6 minutes for the
    country's 27 M households, and two years in one task would pass the 600 s soft limit. Not the per-province
    form (rebuild_stats_parallel): at a million households per province its per-row probes cost 3.2× the full
    rebuild's gathered sets, and two province processes on two cores finished later than one full rebuild."""
    years = aggregation.recent_years()
    for year in years:
        rebuild_stats.delay(year)
    return years


@shared_task(name="reports.tasks.send_report_reminders")
def send_report_reminders() -> int:
    """Daily: digests to officers of units that have not submitted and to reviewers with reports waiting."""
    return reminders.reminders_send()
