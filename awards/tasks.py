"""Document rendering in the background: each task takes ids, calls one function, and is idempotent
(a file once rendered is kept, so a retried task does nothing)."""

from celery import shared_task

from . import documents


@shared_task
def render_nomination_document(nomination_id: int, part: str) -> None:
    documents.nomination_render(nomination_id=nomination_id, part=part)


@shared_task
def render_session_minutes(session_id: int) -> None:
    documents.session_render_minutes(session_id=session_id)


@shared_task
def render_decision(decision_id: int) -> None:
    documents.decision_render(decision_id=decision_id)


@shared_task
def render_certificate(award_id: int) -> None:
    documents.award_render_certificate(award_id=award_id)
