"""Where a page sends the user back to after a POST: only ever a URL of this site.

A `next` field comes from the client, so it is an open redirect unless checked: a link to
`/reports/extensions/` with `next=https://phishing.example/` would otherwise carry the portal's credibility to
another site. Every view that honours `next` goes through `safe_next_url`; Django's own login, logout and
set_language views already check theirs the same way.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request: HttpRequest, fallback: str, *, field: str = "next") -> str:
    """The `next` URL the request carries (POST first, then the query string) if it stays on this host, over
    HTTPS when the request came over HTTPS; otherwise `fallback`, a URL the view built itself."""
    candidate = request.POST.get(field) or request.GET.get(field) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
