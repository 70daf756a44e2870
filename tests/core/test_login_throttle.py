"""Login throttling per IP across usernames, per username across IPs, and per username at one IP; the client's
address read behind a reverse proxy (core/login_throttle.py). Test limits (config/settings/test.py): 3 for a
username at one IP, 6 for one IP, 8 for one username."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from core.login_throttle import client_ip
from tests import factories as f
from tests.conftest import PASSWORD
from units.roles import Role

LOCKED_PAGE = "Tài khoản tạm thời bị khóa"
LOCKED_API = "Bạn đã nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 30 phút hoặc liên hệ quản trị đơn vị."
ATTACKER = "198.51.100.7"
OFFICE = "203.0.113.20"


@pytest.fixture
def officer(tree):
    return f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh")


def login(client, username, password, ip, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def spray(client, ip, count, **extra):
    """`count` failures from one address, each on another username (none of them exists)."""
    for i in range(count):
        response = login(client, f"doan.mo.{i}", "sai-mat-khau", ip, **extra)
        assert response.status_code in (200, 429)


def test_failures_on_different_usernames_from_one_ip_lock_that_ip(officer, client, api_client):
    assert settings.AXES_IP_FAILURE_LIMIT == 6 and settings.AXES_FAILURE_LIMIT == 3
    spray(client, ATTACKER, settings.AXES_IP_FAILURE_LIMIT)

    # Even a real officer with the right password is refused from that address, in Vietnamese ...
    response = login(client, "canbo.hoabinh", PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert LOCKED_PAGE in response.content.decode()
    assert not signed_in(client)
    # ... and the API answers JSON, with no token made.
    response = api_client.post("/api/v1/auth/token/", {"username": "canbo.hoabinh", "password": PASSWORD},
                               REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED_API, "code": "locked_out"}
    assert not Token.objects.exists()

    # The lock is the address's, not the officer's: from the office they sign in.
    assert login(client, "canbo.hoabinh", PASSWORD, OFFICE).status_code == 302
    assert signed_in(client)


def test_fewer_failures_than_the_ip_limit_do_not_lock_the_ip(officer, client):
    spray(client, OFFICE, settings.AXES_IP_FAILURE_LIMIT - 1)
    assert login(client, "canbo.hoabinh", PASSWORD, OFFICE).status_code == 302
    assert signed_in(client)


def test_a_successful_login_does_not_clear_the_ip_count(tree, client):
    """Otherwise an attacker with one valid account of their own could spray forever, signing in between."""
    own = f.member(tree["c2"], Role.VIEWER, username="tai.khoan.that")
    spray(client, ATTACKER, settings.AXES_IP_FAILURE_LIMIT - 1)
    assert login(client, own.username, PASSWORD, ATTACKER).status_code == 302
    client.logout()

    spray(client, ATTACKER, 1)
    response = login(client, own.username, PASSWORD, ATTACKER)
    assert response.status_code == 429 and not signed_in(client)


def test_failures_on_one_username_from_many_ips_lock_that_username(officer, tree, client):
    other = f.member(tree["c2"], Role.OFFICER, username="canbo.dongha")
    for i in range(settings.AXES_USERNAME_FAILURE_LIMIT):
        login(client, "canbo.hoabinh", "sai-mat-khau", f"192.0.2.{i + 1}")

    response = login(client, "canbo.hoabinh", PASSWORD, "192.0.2.200")
    assert response.status_code == 429 and not signed_in(client)
    assert login(client, other.username, PASSWORD, "192.0.2.200").status_code == 302  # the address is not locked


def test_one_username_at_one_ip_locks_at_the_lower_limit(officer, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "canbo.hoabinh", "sai-mat-khau", OFFICE)
    assert login(client, "canbo.hoabinh", PASSWORD, OFFICE).status_code == 429
    assert not signed_in(client)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == ("canbo.hoabinh", OFFICE)


# --- the client's address behind the proxy ---

PROXY = "10.0.0.2"


def test_behind_one_proxy_each_client_is_throttled_on_its_own_address(officer, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker forges the left part of X-Forwarded-For each time; the proxy appends the real address.
    for i in range(settings.AXES_IP_FAILURE_LIMIT):
        login(client, f"doan.mo.{i}", "sai", PROXY, HTTP_X_FORWARDED_FOR=f"172.16.0.{i}, {ATTACKER}")
    assert login(client, "canbo.hoabinh", PASSWORD, PROXY,
                 HTTP_X_FORWARDED_FOR=f"172.16.9.9, {ATTACKER}").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}

    # Another client through the same proxy is not locked with it.
    assert login(client, "canbo.hoabinh", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=OFFICE).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "1.2.3.4", "203.0.113.9"),             # no proxy: the header is the client's word
        (1, PROXY, "1.2.3.4, 203.0.113.9", "203.0.113.9"),        # the address the proxy appended
        (2, PROXY, "1.2.3.4, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "203.0.113.9", "", "203.0.113.9"),                    # reached the app directly
        (2, PROXY, "203.0.113.9", PROXY),                         # fewer hops than proxies: not trusted
        (1, PROXY, "khong-phai-ip", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
