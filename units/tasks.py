from celery import shared_task

from . import services


@shared_task(name="units.tasks.verify_unit_paths")
def verify_unit_paths() -> int:
    """Nightly: the materialised paths must match the parent chain; repairs and counts drift."""
    return services.unit_paths_repair()
