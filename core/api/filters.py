"""Number filters for the API's query strings, through the same bounds as core.params.

django-filter's NumberFilter parses with a DecimalField: `?year=1e300` passes it and then overflows the
database driver, `?unit=1.5` filters an integer column by a fraction, and `?year=10000` on a date lookup
cannot build the date: each was a 500. These take whole numbers within the bounds of what they name, and
anything else is the usual 400 with the field's Vietnamese message.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.params import MAX_ID, MAX_YEAR, MIN_YEAR


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def IdFilter(**kwargs: Any) -> IntegerFilter:  # noqa: N802 - used like the filter classes it stands for
    return IntegerFilter(min_value=1, max_value=MAX_ID, **kwargs)


def YearFilter(**kwargs: Any) -> IntegerFilter:  # noqa: N802
    return IntegerFilter(min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)
