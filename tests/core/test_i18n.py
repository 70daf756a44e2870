"""English as the second language: the selector switches pages to English, Vietnamese stays the default,
dates stay dd/mm/yyyy, state-document phrases stay Vietnamese, and the compiled catalogue matches the .po."""

import datetime
import gettext as stdlib_gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import formats, translation

from tests import factories as f
from tests.conftest import PASSWORD
from units.roles import Role

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
# Navigation text of base.html in both languages: a page in one language shows none of the other's.
VIETNAMESE_NAV = ("Trang chủ", "Đơn vị", "Đăng xuất", "Đổi mật khẩu")
ENGLISH_NAV = ("Home", "Units", "Log out", "Change password")


@pytest.fixture
def officer(tree):
    """Officer of a commune, viewer of its province (two communes under it)."""
    user = f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh")
    f.MembershipFactory(user=user, unit=tree["p1"], role=Role.VIEWER)
    return user


def choose_language(client, language: str, next_url: str = "/"):
    """What the selector in base.html does."""
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def sign_in(client, username: str):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the login form must accept the test user"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- the default ---


@pytest.mark.django_db
def test_login_page_is_vietnamese_without_a_language_cookie(client):
    html = page(client, "/accounts/login/")

    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html
    assert "Log in" not in html and "Username" not in html


def test_signed_in_user_without_a_cookie_sees_a_vietnamese_home_page(client, officer):
    sign_in(client, "canbo.hoabinh")

    html = page(client, "/")

    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert "Vai trò của bạn" in html and "Cán bộ đơn vị" in html
    assert all(text in html for text in VIETNAMESE_NAV)
    assert "Your roles" not in html


# --- switching to English ---


@pytest.mark.django_db
def test_language_selector_sets_the_cookie_and_returns_to_the_page(client):
    response = choose_language(client, "en", next_url="/accounts/login/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_login_page_in_english_after_choosing_english(client):
    choose_language(client, "en", next_url="/accounts/login/")

    html = page(client, "/accounts/login/")

    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert "Username" in html and "Password" in html
    assert "Tên đăng nhập" not in html
    # The selector itself names each language in that language.
    assert "Tiếng Việt" in html and "English" in html


def test_home_page_in_english_after_signing_in_with_english(client, officer):
    choose_language(client, "en", next_url="/accounts/login/")
    sign_in(client, "canbo.hoabinh")

    html = page(client, "/")

    assert '<html lang="en">' in html
    assert "Hello, " in html and "Your roles" in html and "Areas in your charge" in html
    assert "Unit officer" in html and "Viewer" in html  # role choices
    assert "Draw up and send the yearly report" in html  # the officer's task card (lazy text in core.views)
    assert all(text in html for text in ENGLISH_NAV)
    assert not any(f">{text}<" in html for text in VIETNAMESE_NAV)


def test_unit_browser_in_english_with_plural_forms(client, officer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(client, "canbo.hoabinh")

    tree_html = page(client, "/units/")
    one_result = page(client, "/units/?q=thon+mot")
    two_results = page(client, "/units/?q=hoa+binh")

    assert "<h1>Unit tree</h1>" in tree_html and "All levels" in tree_html
    assert "Province" in tree_html  # level choices (units.models.Level)
    assert "2 subordinate units" in tree_html  # the province has two communes
    assert "1 result</p>" in one_result
    assert "2 results</p>" in two_results
    assert "Cây đơn vị" not in tree_html and "kết quả" not in one_result


def test_switching_back_to_vietnamese(client, officer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(client, "canbo.hoabinh")

    choose_language(client, "vi")
    html = page(client, "/")

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    assert "Vai trò của bạn" in html and "Your roles" not in html


@pytest.mark.django_db
def test_javascript_catalogue_serves_english_strings(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    script = page(client, "/jsi18n/")

    assert "Autosaved at " in script


# --- dates ---


def test_dates_stay_day_month_year_in_english():
    day = datetime.date(2024, 1, 15)
    moment = datetime.datetime(2024, 1, 15, 8, 30)  # noqa: DTZ001 - a wall-clock value for the filter only

    template = Template("{{ day|date }} {{ day|date:'SHORT_DATE_FORMAT' }} {{ moment|date:'DATETIME_FORMAT' }}")

    with translation.override("en"):
        rendered = template.render(Context({"day": day, "moment": moment}))
        assert formats.date_format(day) == "15/01/2024"

    assert rendered == "15/01/2024 15/01/2024 15/01/2024 08:30"


def test_english_date_input_reads_day_first_not_month_first():
    with translation.override("en"):
        field = forms.DateField()
        assert field.clean("15/01/2024") == datetime.date(2024, 1, 15)
        assert field.clean("02/03/2024") == datetime.date(2024, 3, 2)
        with pytest.raises(ValidationError):
            field.clean("01/15/2024")  # Django's stock English format would read this as 15 January


@pytest.mark.django_db
def test_unit_browser_in_english_shows_the_reform_date_day_first(client, officer, settings):
    settings.ADMIN_REFORM_DATE = datetime.date(2025, 7, 1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(client, "canbo.hoabinh")

    html = page(client, "/units/")

    assert "From 01/07/2025, local government has two tiers" in html


# --- what must not turn English ---


@pytest.mark.parametrize("phrase", [
    "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
    "Lưu: VT.",
    "Bộ Giáo dục và Đào tạo (để báo cáo);",
    "Hộ gia đình ông/bà %(name)s",
])
def test_state_document_phrases_stay_vietnamese_in_english(phrase):
    with translation.override("en"):
        assert translation.gettext(phrase) == phrase


# --- the compiled catalogue ---


def _catalogue(mo_file: Path) -> dict:
    with mo_file.open("rb") as handle:
        return stdlib_gettext.GNUTranslations(handle)._catalog


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogue_matches_the_po_file(domain, tmp_path):
    """The .mo is kept in the repository (machines without gettext still get English): it must be the
    compilation of the .po next to it. Run `make messages` after editing translations."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    fresh = tmp_path / f"{domain}.mo"
    subprocess.run([msgfmt, "--check-format", "-o", fresh, CATALOGUE / f"{domain}.po"], check=True)  # noqa: S603

    assert _catalogue(CATALOGUE / f"{domain}.mo") == _catalogue(fresh)


@pytest.mark.django_db
def test_browser_language_alone_does_not_switch_pages_to_english(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_api_answers_in_vietnamese_even_when_english_is_asked(client):
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (401, 403)
    client.cookies["django_language"] = "en"
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    detail = response.json()["detail"]
    assert "credentials were not provided" not in detail
    assert any(ch in detail for ch in "ạảãáàâăđêôơư")
