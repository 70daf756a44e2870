"""Signing in: API tokens, /me, the lockout after repeated failures, the account pages, the API docs."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tests import factories as f
from tests.conftest import PASSWORD
from units.roles import Role

LOCKED_OUT = "Tài khoản tạm thời bị khóa"
WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


@pytest.fixture
def officer(tree):
    user = f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh")
    f.MembershipFactory(user=user, unit=tree["p1"], role=Role.VIEWER)
    return user


def login_form(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


# --- API token and /me ---


def test_token_from_username_and_password_authenticates_api_calls(officer, api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "canbo.hoabinh", "password": PASSWORD})

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=officer).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").json()["username"] == "canbo.hoabinh"


def test_second_token_request_returns_the_same_token(officer, api_client):
    credentials = {"username": "canbo.hoabinh", "password": PASSWORD}

    first = api_client.post("/api/v1/auth/token/", credentials).json()["token"]
    second = api_client.post("/api/v1/auth/token/", credentials).json()["token"]

    assert first == second
    assert Token.objects.filter(user=officer).count() == 1


def test_wrong_password_gets_400_in_vietnamese_and_no_token(officer, api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "canbo.hoabinh", "password": "sai-mat-khau"})

    assert response.status_code == 400
    assert response.json() == {"detail": WRONG_CREDENTIALS}
    assert not Token.objects.exists()


def test_missing_password_names_the_field(officer, api_client):
    response = api_client.post("/api/v1/auth/token/", {"username": "canbo.hoabinh"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Cần nhập tên đăng nhập và mật khẩu.", "errors": {"password": ["Trường này là bắt buộc."]}
    }
    assert not Token.objects.exists()


def test_invalid_token_gets_401(officer, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token khong-phai-token")

    assert api_client.get("/api/v1/me/").status_code == 401


def test_me_lists_memberships_with_unit_and_role(tree, officer, api_client):
    api_client.force_authenticate(officer)

    body = api_client.get("/api/v1/me/").json()

    assert body["username"] == "canbo.hoabinh"
    assert body["is_superuser"] is False
    assert sorted(body["memberships"], key=lambda m: m["unit"]["id"]) == sorted([
        {"unit": {"id": tree["c1"].pk, "code": "99001", "name": "Xã Hòa Bình", "level": "commune"}, "role": "officer"},
        {"unit": {"id": tree["p1"].pk, "code": "91", "name": "Tỉnh Thử Nghiệm", "level": "province"},
         "role": "viewer"},
    ], key=lambda m: m["unit"]["id"])


# --- Lockout (django-axes: per username and IP together) ---


def fail_until_locked(client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login_form(client, username, "sai-mat-khau")


def test_failed_login_shows_a_vietnamese_error(officer, client):
    response = login_form(client, "canbo.hoabinh", "sai-mat-khau")

    assert response.status_code == 200
    assert "mật khẩu" in response.content.decode()
    assert not is_signed_in(client)


def test_after_too_many_failures_even_the_right_password_is_refused(officer, client):
    assert settings.AXES_FAILURE_LIMIT == 3
    fail_until_locked(client, "canbo.hoabinh")

    response = login_form(client, "canbo.hoabinh", PASSWORD)

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "Vui lòng thử lại sau 30 phút" in response.content.decode()
    assert not is_signed_in(client)


def test_locked_out_user_cannot_get_an_api_token_either(officer, client, api_client):
    fail_until_locked(client, "canbo.hoabinh")

    response = api_client.post("/api/v1/auth/token/", {"username": "canbo.hoabinh", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json() == {
        "detail": "Bạn đã nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 30 phút hoặc liên hệ quản trị đơn vị.",
        "code": "locked_out",
    }
    assert not Token.objects.exists()


def test_api_token_failures_count_towards_the_lockout(officer, client, api_client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post("/api/v1/auth/token/", {"username": "canbo.hoabinh", "password": "sai-mat-khau"})

    response = login_form(client, "canbo.hoabinh", PASSWORD)

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert not is_signed_in(client)


def test_lockout_of_one_username_leaves_other_users_able_to_sign_in(tree, officer, client):
    f.member(tree["c2"], Role.OFFICER, username="canbo.dongha")
    fail_until_locked(client, "canbo.hoabinh")

    response = login_form(client, "canbo.dongha", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)
    assert AccessAttempt.objects.filter(username="canbo.hoabinh").exists()


def test_fewer_failures_than_the_limit_do_not_lock(officer, client):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login_form(client, "canbo.hoabinh", "sai-mat-khau")

    response = login_form(client, "canbo.hoabinh", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


# --- Account pages ---


def test_login_page_signs_in_and_lands_on_the_vietnamese_home_page(officer, client):
    page = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập" in page and "Tên đăng nhập" in page and "Mật khẩu" in page

    response = login_form(client, "canbo.hoabinh", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"

    home = client.get("/").content.decode()
    assert "Xin chào" in home
    assert "Cán bộ đơn vị" in home and "Xã Hòa Bình" in home


def test_logout_signs_out_and_returns_to_login(officer, client):
    client.force_login(officer)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not is_signed_in(client)


def test_password_change_page_changes_the_password(officer, client):
    client.force_login(officer)
    page = client.get("/accounts/password/").content.decode()
    assert "Đổi mật khẩu" in page and "Mật khẩu cũ" in page

    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "Hoc-tap-suot-doi-2030", "new_password2": "Hoc-tap-suot-doi-2030",
    })

    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert "Đã đổi mật khẩu" in client.get("/accounts/password/done/").content.decode()
    officer.refresh_from_db()
    assert officer.check_password("Hoc-tap-suot-doi-2030")


def test_password_change_with_wrong_old_password_changes_nothing(officer, client):
    client.force_login(officer)

    response = client.post("/accounts/password/", {
        "old_password": "sai-mat-khau",
        "new_password1": "Hoc-tap-suot-doi-2030",
        "new_password2": "Hoc-tap-suot-doi-2030",
    })

    assert response.status_code == 200
    assert "Mật khẩu cũ không chính xác" in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


# --- Schema and docs ---


def test_schema_is_an_openapi_3_document(db, client):
    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/units/" in schema["paths"]
    assert "/api/v1/units/{id}/lineage/" in schema["paths"]


def test_api_docs_are_served_without_a_cdn(db, client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "cdn" not in html.lower()
    for asset in re.findall(r"""(?:src|href)="/static/([^"]+)\"""", html):
        assert finders.find(asset), asset


def test_schema_generates_without_warnings_or_errors(db, tmp_path):
    # drf-spectacular counts warnings per process; the command fails if there is any.
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").read_text(encoding="utf-8").startswith("openapi: 3")
