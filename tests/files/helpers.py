"""Assertions shared by the download tests of every kind."""

import re


def page(response) -> str:
    """A page's body without its per-request CSRF tokens and its own address (the language form's `next`),
    so that two 404 answers can be compared."""
    body = response.content.decode().replace(response.wsgi_request.path, "<path>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def assert_served(response, *, content_type: str, disposition: str, content: bytes | None = None) -> None:
    """An attachment (never inline), the server's type, no sniffing, no shared or stored copy."""
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    # Stricter than the pages' policy, and not replaced by the CSP middleware: nothing in a file may run.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    body = b"".join(response.streaming_content)
    if content is not None:
        assert body == content
