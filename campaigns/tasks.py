"""Background work of plans. Each task takes ids and calls exactly one service."""

from celery import shared_task

from . import services


@shared_task(name="campaigns.tasks.render_plan_pdf")
def render_plan_pdf(plan_id: int) -> str:
    """Render the plan's PDF if its stored file is not of the current content (idempotent)."""
    return services.plan_pdf_render(plan_id=plan_id)
