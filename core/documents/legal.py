"""The 'Căn cứ …' lines a document cites, from LegalBasis rows an administrator keeps up to date."""

from __future__ import annotations

import datetime

from .models import LegalBasis


def legal_bases(*tags: str, on: datetime.date) -> list[str]:
    """The texts of the active bases tagged with any of `tags` and in force on `on`, in their order.

    The table is small (tens of rows) and JSON containment is not portable to SQLite: filtered here."""
    wanted = set(tags)
    rows = LegalBasis.objects.filter(active=True).order_by("order", "slug")
    return [b.text for b in rows if b.applies_on(on) and (not wanted or wanted.intersection(b.tags or ()))]
