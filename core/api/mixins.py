"""What every API viewset shares: the scoped object lookup with a Vietnamese 404.

DomainErrors need nothing here: the one exception handler (core.api.exceptions) answers them as 400/403/409.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound

from core.params import lookup_id


class ScopedObjectMixin:
    """`get_object` from the viewset's scoped `get_queryset()`, by the numeric id in the URL.

    Out of scope, absent and malformed (`/reports/abc/`, a 30-digit id) are one answer, a 404 with
    `not_found_message`: the database is never asked about an id it cannot hold (that was a 500), and a
    foreign object is indistinguishable from a missing one. Filters are not applied to the lookup, as for
    every detail endpoint here: `?year=` narrows lists, not the object an id names.
    """

    not_found_message: Any = None  # gettext_lazy(...) in the viewset

    def get_object(self) -> Any:
        view: Any = self  # mixed into a GenericAPIView, which has these attributes
        lookup = view.lookup_url_kwarg or view.lookup_field
        value = view.kwargs[lookup]
        if view.lookup_field == "pk":
            value = lookup_id(value)
        obj = view.get_queryset().filter(**{view.lookup_field: value}).first() if value is not None else None
        if obj is None:
            # A class attribute is a lazy translation: made a str here, in the request's language. Without one,
            # DRF's own "Not found." (translated by the catalogue).
            raise NotFound(str(self.not_found_message)) if self.not_found_message else NotFound()
        view.check_object_permissions(view.request, obj)
        return obj
