"""Every page that takes an id in its URL answers an id no database can hold with a 404, never a 500: Django's
`<int:pk>` converter accepts any number of digits, and SQLite and PostgreSQL refuse what does not fit 64 bits.
The routes are read from the URL configuration, so a new page is covered without being listed here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from tests import factories as f

HUGE = "9" * 25


def _routes(resolver=None, prefix=""):
    """(name, path) of every route with at least one int converter, each int filled with HUGE and every str
    with a plausible word."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        converters = getattr(pattern, "converters", {})
        route = prefix + str(pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern) and any(isinstance(c, IntConverter) for c in converters.values()):
            path = route
            for name, converter in converters.items():
                value = HUGE if isinstance(converter, IntConverter) else "households"
                path = path.replace(f"<{'int' if isinstance(converter, IntConverter) else 'slug'}:{name}>", value)
                path = path.replace(f"<str:{name}>", "cover")
            if "<" not in path:
                yield entry.name or route, "/" + path.lstrip("^").rstrip("$")


ROUTES = sorted(set(_routes()))


def test_the_routes_were_found():
    assert len(ROUTES) > 30


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_a_huge_id_in_a_page_url_is_a_404(client, name, path):
    # A superuser passes every role check, so each page reaches its lookup by id.
    client.force_login(f.UserFactory(username="to-lon", is_superuser=True, is_staff=True))
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code in (302, 400, 404, 405), (method.__name__, path, response.status_code)
        assert response.status_code != 302 or "/accounts/login/" not in response.get("Location", "")
