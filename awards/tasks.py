"""Document rendering in the background, through the register (issue 12): each task takes ids, records the
act in the register if it predates it, and renders the register's Document — idempotent, cached by content
hash (a retried or repeated task renders nothing again). The per-object file columns are no longer written."""

from celery import shared_task

from core.documents.models import DocumentKind
from core.errors import DomainError


def _render(kind: str, model, pk: int) -> str:
    from core.documents import services as register

    from . import documents

    subject = model.objects.filter(pk=pk).first()
    if subject is None:
        return "missing"
    try:
        document = documents.document_record(kind=kind, subject=subject, by=None)
    except DomainError:  # nothing to print (a session that voted on nothing): the task has nothing to do
        return "skipped"
    return register.document_render(document_id=document.pk)


@shared_task
def render_nomination_document(nomination_id: int, part: str) -> str:
    from .models import Nomination

    kind = DocumentKind.SUBMISSION if part == "cover" else DocumentKind.ACHIEVEMENT_REPORT
    return _render(kind, Nomination, nomination_id)


@shared_task
def render_session_minutes(session_id: int) -> str:
    from .models import ReviewSession

    return _render(DocumentKind.MINUTES, ReviewSession, session_id)


@shared_task
def render_decision(decision_id: int) -> str:
    from .models import Decision

    return _render(DocumentKind.AWARD_DECISION, Decision, decision_id)


@shared_task
def render_certificate(award_id: int) -> str:
    from .models import Award

    return _render(DocumentKind.CERTIFICATE, Award, award_id)
