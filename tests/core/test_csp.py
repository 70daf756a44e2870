"""A Content-Security-Policy header on every response: pages, the API, error pages; and no template left with an
inline script or event handler that the policy would block (docs/adr/0012-content-security-policy.md)."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import path

from config.urls import API_DOCS_CSP
from tests import factories as f
from units.roles import Role

ROOT = Path(__file__).resolve().parents[2]
DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {getattr(response, 'url', '')}"
    return {name: value for name, _, value in (part.strip().partition(" ") for part in header.split(";"))}


def assert_portal_policy(response):
    found = policy(response)
    for name, value in DIRECTIVES.items():
        assert found.get(name) == value, (name, found)
    # Nothing in the portal's own policy re-opens what default-src closes.
    assert not any("unsafe" in v or "*" in v.split() for v in found.values()), found


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]


@pytest.mark.django_db
def test_pages_carry_the_policy(client, tree):
    assert_portal_policy(client.get("/accounts/login/"))
    client.force_login(f.member(tree["c1"], Role.OFFICER))
    for url in ["/", "/units/", "/reports/", "/titles/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_portal_policy(response)


@pytest.mark.django_db
def test_the_api_carries_the_policy(api_client, tree):
    response = api_client.get("/api/v1/units/")
    assert response.status_code in (401, 403)
    assert_portal_policy(response)
    api_client.force_authenticate(f.member(tree["c1"], Role.OFFICER))
    response = api_client.get("/api/v1/units/")
    assert response.status_code == 200
    assert_portal_policy(response)


@pytest.mark.django_db
def test_error_pages_carry_the_policy(client, tree, settings):
    client.force_login(f.member(tree["c1"], Role.OFFICER))
    assert_portal_policy(client.get("/khong-co-trang-nay/"))  # 404
    assert client.get("/khong-co-trang-nay/").status_code == 404


@pytest.mark.django_db
def test_refusals_carry_the_policy(client, api_client, tree, settings):
    client.force_login(f.member(tree["c1"], Role.VIEWER))
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin login
    assert_portal_policy(client.get("/admin/"))
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        locked = api_client.post("/api/v1/auth/token/", {"username": "ai.do", "password": "sai"})
    assert locked.status_code == 429
    assert_portal_policy(locked)


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_server_error_carries_the_policy(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_portal_policy(response)


@pytest.mark.django_db
def test_swagger_ui_policy_adds_only_its_inline_style_and_data_images(client, tree):
    client.force_login(f.member(tree["p1"], Role.VIEWER))
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    found = policy(page)
    assert found["default-src"] == "'self'" and found["frame-ancestors"] == "'none'"
    assert "script-src" not in found  # its start-up script is a file too (?script=), served from this site
    assert "unsafe-inline" not in found["style-src"]
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_the_swagger_style_hash_matches_the_installed_template():
    """drf-spectacular is pinned; if an upgrade changes its inline <style>, this says which hash to put in."""
    html = render_to_string("drf_spectacular/swagger_ui.html", {"script_url": "x"})
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in styles}
    assert hashes and hashes <= set(API_DOCS_CSP["style-src"]), hashes


# Templates WeasyPrint turns into PDFs on the server (state documents, their bodies and annexes): no browser
# applies a policy to them, and inline styles are how their layout is drawn.
PDF_ONLY = re.compile(r"/templates/(?:[^/]+/)?documents/|pdf[^/]*\.html$")


def templates() -> list[Path]:
    found = []
    for folder in ["templates", "core", "units", "campaigns", "titles", "reports", "awards"]:
        found += [p for p in (ROOT / folder).rglob("*.html") if not PDF_ONLY.search(p.as_posix())]
    return found


def test_no_template_has_an_inline_script_handler_or_style_attribute():
    """Chromium refuses them under this policy: the page would silently lose that behaviour (PDF_ONLY left out)."""
    offenders = []
    for template in templates():
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template.relative_to(ROOT)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template.relative_to(ROOT)}: inline event handler")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            offenders.append(f"{template.relative_to(ROOT)}: inline style")
        if "javascript:" in text:
            offenders.append(f"{template.relative_to(ROOT)}: javascript: URL")
    assert offenders == []


def test_csp_middleware_wraps_everything_that_can_answer():
    from django.conf import settings

    middleware = settings.MIDDLEWARE
    assert middleware.index("csp.middleware.CSPMiddleware") < middleware.index("axes.middleware.AxesMiddleware")
    assert middleware.index("csp.middleware.CSPMiddleware") < middleware.index(
        "whitenoise.middleware.WhiteNoiseMiddleware")

