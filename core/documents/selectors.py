"""Reads of the register, scoped through units.selectors on the issuing body's unit."""

from __future__ import annotations

from django.db.models import QuerySet

from units.selectors import scope_filter

from . import builders
from .models import Document


def documents_visible_to(user) -> QuerySet[Document]:
    """Documents whose issuer's unit lies in the user's subtrees, plus those a kind's registered readers
    grant (the subject's reading rights); drafts are included (their subject's pages show them)."""
    q = scope_filter(user, unit_field="issuer__unit")
    extra = builders.reader_filters(user)
    # An empty Q means "everything" (a superuser): OR-ing it would narrow it down to `extra`.
    if extra is not None and q:
        q |= extra
    return Document.objects.select_related("issuer", "issuer__unit").filter(q)
