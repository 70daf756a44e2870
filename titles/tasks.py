"""Background work of titles: each task takes ids and calls one service."""

from celery import shared_task

from . import services


@shared_task(name="titles.tasks.run_import_job")
def run_import_job(job_id: int) -> str:
    """Dry run or write of an uploaded workbook; safe to run twice (see services.import_job_run)."""
    return services.import_job_run(job_id=job_id).status
