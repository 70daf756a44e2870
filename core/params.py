"""The one parser for numbers that come from a request: query strings, forms, JSON bodies and URL ids.

`str.isdigit()` accepts '²' and '①', and `int()` accepts ' 12', '1_000' and Arabic-Indic digits; a value a
database cannot hold (a 30-digit id) overflows SQLite and PostgreSQL. Every one of those used to end in a
500. Here a number is ASCII digits only, bounded, and anything else is one `BadParameter`: a DomainError, so
the API handler answers it as a JSON 400 and the page middleware (core.middleware) as a 400 page, both
naming the field in Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.utils.translation import gettext as _

from core.errors import DomainError

# Ids live in 64-bit integer columns on both databases; anything longer is not an id of ours.
MAX_ID = 2**63 - 1
# Calendar years the portal can speak of (the campaign is 2023–2030; history and plans reach around it).
# Outside this, a year is a typo or a probe (year 0 and 10000 cannot even be made into a date).
MIN_YEAR, MAX_YEAR = 1900, 2100

_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


class BadParameter(DomainError):
    """A request value that is not what the field takes: always a 400 naming the field."""

    status = 400

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field, code="bad_parameter")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_int(value: Any, *, field: str, minimum: int | None = None, maximum: int | None = None,
              required: bool = False, default: int | None = None) -> int | None:
    """`value` as an int within [minimum, maximum]; `default` when blank (or BadParameter if `required`)."""
    if _is_blank(value):
        if required:
            raise BadParameter(_("Thiếu tham số “%(field)s”.") % {"field": field}, field=field)
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise BadParameter(_("Tham số “%(field)s” phải là số nguyên.") % {"field": field}, field=field)
    too_small = minimum is not None and number < minimum
    too_large = maximum is not None and number > maximum
    if too_small or too_large:
        if minimum is not None and maximum is not None:
            message = _("Tham số “%(field)s” phải nằm trong khoảng từ %(min)s đến %(max)s.")
        elif minimum is not None:
            message = _("Tham số “%(field)s” không được nhỏ hơn %(min)s.")
        else:
            message = _("Tham số “%(field)s” không được lớn hơn %(max)s.")
        raise BadParameter(message % {"field": field, "min": minimum, "max": maximum}, field=field)
    return number


def get_int(params: Mapping[str, Any], name: str, *, field: str | None = None, **bounds: Any) -> int | None:
    """`params[name]` (request.GET, request.POST, request.data) through parse_int; absent means blank."""
    return parse_int(params.get(name), field=field or name, **bounds)


def get_id(params: Mapping[str, Any], name: str, **options: Any) -> int | None:
    """An object id from a query or form: a positive integer that fits the id columns."""
    return get_int(params, name, minimum=1, maximum=MAX_ID, **options)


def get_year(params: Mapping[str, Any], name: str = "year", **options: Any) -> int | None:
    return get_int(params, name, minimum=MIN_YEAR, maximum=MAX_YEAR, **options)


def parse_ids(values: Iterable[Any], *, field: str) -> list[int]:
    """A list of ids (checkboxes, `?n=1&n=2`): every one must be an id, or the whole request is refused."""
    # required=True: parse_int returns an int or raises, never None.
    return [cast(int, parse_int(v, field=field, minimum=1, maximum=MAX_ID, required=True)) for v in values]


def lookup_id(value: Any) -> int | None:
    """The id in a URL (`/api/v1/reports/<pk>/`): the int, or None when it cannot name any object, so the
    caller answers the same 404 as for an id that does not exist."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


# NUL cannot be stored in a PostgreSQL text value (the query fails), and a lone surrogate cannot be encoded
# to UTF-8 (the template or the database driver fails): neither is ever meaningful input.
_UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def has_unsafe_characters(text: str) -> bool:
    return bool(_UNSAFE_CHARACTERS.search(text))


def unsafe_parameter(*sources: Mapping[str, Any]) -> str | None:
    """The first field name among `sources` (QueryDicts) whose name or any value holds NUL or a surrogate."""
    for source in sources:
        lists = source.lists() if hasattr(source, "lists") else ((k, [v]) for k, v in source.items())
        for key, values in lists:
            if has_unsafe_characters(str(key)) or any(isinstance(v, str) and has_unsafe_characters(v)
                                                      for v in values):
                return str(key)
    return None
