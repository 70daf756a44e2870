"""API errors raised by Django REST framework and django-filter themselves come out in Vietnamese, as the public
contract promises, even when the client asks for English. Their own Vietnamese catalogues are nearly empty, so
the project's locale/vi/ catalogue translates their English msgids."""

import gettext as stdlib_gettext
import shutil
import subprocess
from pathlib import Path

import pytest
import rest_framework
from django.conf import settings
from django.utils import translation

from reports.models import Report
from tests import factories as f
from units.roles import Role

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
DRF_ENGLISH = Path(rest_framework.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.mo"
REQUIRED = "Trường này là bắt buộc."


def _catalogue(path: Path) -> dict:
    with open(path, "rb") as handle:
        return stdlib_gettext.GNUTranslations(handle)._catalog


@pytest.fixture
def officer(tree):
    return f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh")


@pytest.fixture
def signed_in(api_client, officer):
    api_client.force_authenticate(officer)
    return api_client


# --- authentication ---


@pytest.mark.django_db
def test_missing_credentials_are_refused_in_vietnamese_even_when_english_is_asked(api_client):
    response = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json() == {"detail": "Bạn chưa đăng nhập hoặc thiếu thông tin xác thực."}


@pytest.mark.django_db
def test_unknown_token_is_refused_in_vietnamese(api_client):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token khong-ton-tai", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json() == {"detail": "Mã xác thực (token) không hợp lệ."}


# --- not found, method, pagination ---


@pytest.mark.django_db
def test_unit_outside_any_scope_is_not_found_in_vietnamese(signed_in):
    response = signed_in.get("/api/v1/units/999999/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy đơn vị hoặc bạn không có quyền xem."}


@pytest.mark.django_db
def test_drf_default_not_found_is_vietnamese(signed_in):
    # Campaigns use DRF's own get_object (get_object_or_404, whose message is English and names the model);
    # core.api.exceptions turns it into DRF's "Not found.", translated by the project catalogue.
    response = signed_in.get("/api/v1/campaigns/999999/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}


@pytest.mark.django_db
def test_method_not_allowed_is_vietnamese(signed_in, tree):
    response = signed_in.delete("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 405
    assert response.json() == {"detail": "Phương thức “DELETE” không được phép."}


@pytest.mark.django_db
def test_page_beyond_the_last_is_invalid_in_vietnamese(signed_in):
    response = signed_in.get("/api/v1/units/?page=999", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "Trang không hợp lệ."}


# --- validation errors ---


@pytest.mark.django_db
def test_missing_fields_are_reported_per_field_in_vietnamese(signed_in):
    response = signed_in.post("/api/v1/reports/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Dữ liệu không hợp lệ."
    assert body["errors"] == {"unit": [REQUIRED], "year": [REQUIRED]}
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_wrong_types_and_ranges_are_reported_in_vietnamese_with_their_limits(signed_in):
    response = signed_in.post("/api/v1/reports/", {"unit": "abc", "year": 1999}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "unit": ["Giá trị phải là một số nguyên hợp lệ."],
        "year": ["Giá trị phải lớn hơn hoặc bằng 2000."],
    }
    assert not Report.objects.exists()


# --- the catalogue itself ---


def test_every_drf_message_has_a_vietnamese_translation():
    """A DRF upgrade that adds messages fails here: translate them in locale/vi/LC_MESSAGES/django.po."""
    ours = _catalogue(CATALOGUE / "django.mo")
    english = [msgid for msgid in _catalogue(DRF_ENGLISH) if msgid]

    untranslated = [msgid for msgid in english if not ours.get(msgid)]

    assert len(english) > 100
    assert untranslated == []


def test_django_filter_messages_are_vietnamese():
    with translation.override("vi"):
        assert translation.gettext("Multiple values may be separated by commas.") == (
            "Có thể nhập nhiều giá trị, cách nhau bằng dấu phẩy.")
        assert translation.gettext("%s (descending)") % "năm" == "năm (giảm dần)"


def test_vietnamese_catalogue_holds_only_english_msgids():
    """The project's own msgids are Vietnamese (ADR 0002); they must not appear here as identity entries."""
    vietnamese_letters = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
    # A plural entry is keyed (msgid, index) in a compiled catalogue.
    msgids = [msgid[0] if isinstance(msgid, tuple) else msgid for msgid in _catalogue(CATALOGUE / "django.mo") if msgid]

    assert [m for m in msgids if vietnamese_letters & set(m.lower())] == []


def test_compiled_vietnamese_catalogue_matches_the_po_file(tmp_path):
    """The .mo is committed: it must be the compilation of the .po next to it."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", fresh, CATALOGUE / "django.po"], check=True)  # noqa: S603

    assert _catalogue(CATALOGUE / "django.mo") == _catalogue(fresh)
