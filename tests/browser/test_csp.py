"""The Content-Security-Policy, in a real browser: the pages run under it without a single violation (an inline
script or handler left behind would be refused by Chromium and reported here), and Swagger UI still works."""

import datetime

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.conftest import PASSWORD
from tests.titles.helpers import upload, workbook_bytes
from titles import imports, services
from titles.catalogue import load_catalogue
from titles.models import ImportJob, TitleType
from units.roles import Role

pytestmark = pytest.mark.browser

LAST_YEAR = datetime.date.today().year - 1


def csp_violations(page) -> list[str]:
    """Every violation Chromium reports: the DOM event (init scripts are not subject to the page's policy) and
    the console error it prints."""
    found: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));"
    )
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text
            or m.text.startswith("CSP violation") else None)
    return found


def log_in(page, live_server, username):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live_server.url + "/")


@pytest.fixture
def running_import(transactional_db, tree, django_capture_on_commit_callbacks):
    """An officer of commune c1 and an import job still running (the page polls its status)."""
    load_catalogue()
    officer = f.member(tree["c1"], Role.OFFICER, username="canbo.csp")
    evaluation_list = services.evaluation_list_open(
        commune=tree["c1"], title_type=TitleType.objects.get(slug="gia-dinh-hoc-tap"), year=LAST_YEAR, by=officer)
    content = workbook_bytes([["Thôn Một", "HB-001", "Nguyễn Văn An", "", datetime.date(LAST_YEAR, 11, 20), "Đạt", ""]],
                             list(imports.HouseholdImporter.columns()))
    with django_capture_on_commit_callbacks(execute=False):  # the dry run is left "running"
        job = services.import_job_create(evaluation_list=evaluation_list, by=officer, upload=upload(content))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    return officer, job


def test_login_home_and_import_pages_run_without_a_csp_violation(live_server, running_import, page):
    officer, job = running_import
    violations = csp_violations(page)

    response = page.goto(live_server.url + "/accounts/login/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    log_in(page, live_server, officer.username)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The language switch used an inline onchange handler: now a listener from static/js/portal.js.
    with page.expect_navigation():
        page.get_by_label("Ngôn ngữ").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    # The import page's progress poller was an inline <script>: now titles/static/titles/import_progress.js.
    with page.expect_response(lambda r: f"/titles/imports/{job.pk}/status.json" in r.url) as polled:
        page.goto(f"{live_server.url}/titles/imports/{job.pk}/")
    assert polled.value.ok
    assert violations == []


def test_swagger_ui_works_under_its_policy(live_server, tree, page):
    user = f.member(tree["p1"], Role.VIEWER, username="xem.api")
    violations = csp_violations(page)
    log_in(page, live_server, user.username)

    page.goto(live_server.url + "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API v1")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations == []
