"""Background rendering of the register's documents. The task takes an id and calls one service."""

from celery import shared_task

from . import services


@shared_task(name="documents.tasks.render_document")
def render_document(document_id: int) -> str:
    """Render the document's PDF if its stored file is not of the current content (idempotent)."""
    return services.document_render(document_id=document_id)
