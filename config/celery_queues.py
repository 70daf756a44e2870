"""Celery queues by kind of work (docs/scaling.md), applied when CELERY_ROUTE_BY_KIND is on.

Each kind needs different workers: PDF rendering is CPU- and memory-heavy and slow; spreadsheet imports hold
large files and long transactions; the rollups are a few heavy SQL statements best run near the primary, one
at a time; reminder mail waits on SMTP. On one queue a burst of PDFs delays every rollup behind it.
Anything not listed (e.g. the nightly tree check) stays on Celery's default queue, "celery".
"""

TASK_ROUTES = {
    "campaigns.tasks.render_*": {"queue": "documents"},
    "awards.tasks.render_*": {"queue": "documents"},
    "documents.tasks.render_*": {"queue": "documents"},
    "titles.tasks.run_import_job": {"queue": "imports"},
    "reports.tasks.refresh_dirty_stats": {"queue": "stats"},
    "reports.tasks.rebuild_stats*": {"queue": "stats"},
    "reports.tasks.send_report_reminders": {"queue": "mail"},
}

QUEUES = ("celery", "stats", "documents", "imports", "mail")
