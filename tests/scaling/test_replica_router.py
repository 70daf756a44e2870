"""The replica router sends only the marked statistics reads to the replica, and is inert without one; a client
that just wrote keeps reading from the primary for a few seconds (read-your-own-writes).

These need no running replica; tests/scaling/test_replica_streaming.py exercises the real one."""

import time

import pytest
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from config.db_router import REPLICA, STICKY_COOKIE, STICKY_SALT, ReplicaReadsMiddleware, ReplicaRouter
from reports.models import Report, StatRollup

# The alias is only declared, never connected to: the router decides from the settings alone.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
REPLICA_DB = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "TEST": {"MIRROR": "default"}}


@pytest.fixture
def with_replica(settings):
    """A settings-level replica alias: the router only looks at whether one is configured."""
    settings.DATABASES = {**settings.DATABASES, REPLICA: REPLICA_DB}
    settings.DATABASE_REPLICA_PATHS = ["/api/v1/stats/", "/api/v1/completeness/"]
    return settings


def _database_used_by(method: str, path: str, model=StatRollup, cookies=None) -> str | None:
    """Run the middleware around a view that asks the router where it would read `model`."""
    seen = {}

    def view(request):
        seen["db"] = ReplicaRouter().db_for_read(model)
        return HttpResponse("response")

    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies or {})
    ReplicaReadsMiddleware(view)(request)
    return seen["db"]


def _write(method: str = "PATCH", path: str = "/api/v1/reports/1/", status: int = 200) -> HttpResponse:
    """A writing request through the middleware; returns its response (with the cookie, if any)."""
    request = getattr(RequestFactory(), method.lower())(path)
    return ReplicaReadsMiddleware(lambda request: HttpResponse(status=status))(request)


def _cookie_signed(seconds_ago: int) -> str:
    """The sticky cookie as the middleware would have signed it `seconds_ago` (a client's cookie from then)."""
    signer = signing.get_cookie_signer(salt=STICKY_COOKIE + STICKY_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - seconds_ago)  # type: ignore[method-assign]
    return signer.sign("1")


def test_stats_get_reads_from_replica_when_one_is_configured(with_replica):
    assert _database_used_by("GET", "/api/v1/stats/?unit=1&year=2025") == REPLICA
    assert _database_used_by("HEAD", "/api/v1/completeness/?unit=1&year=2025", model=Report) == REPLICA


def test_writes_and_other_paths_stay_on_the_primary(with_replica):
    assert _database_used_by("POST", "/api/v1/stats/") is None
    assert _database_used_by("GET", "/api/v1/reports/1/", model=Report) is None
    assert ReplicaRouter().db_for_write(Report) is None


def test_marker_is_cleared_after_the_request(with_replica):
    _database_used_by("GET", "/api/v1/stats/")
    assert ReplicaRouter().db_for_read(StatRollup) is None


@pytest.mark.django_db(transaction=True)
def test_read_inside_a_transaction_stays_on_the_primary(with_replica):
    def view(request):
        with transaction.atomic():
            return ReplicaRouter().db_for_read(Report)

    assert ReplicaReadsMiddleware(view)(RequestFactory().get("/api/v1/stats/")) is None


def test_middleware_removes_itself_without_a_replica(settings):
    # The PostgreSQL pass of CI configures one (DATABASE_REPLICA_URL): take it away for this test.
    settings.DATABASES = {alias: db for alias, db in settings.DATABASES.items() if alias != REPLICA}
    with pytest.raises(MiddlewareNotUsed):
        ReplicaReadsMiddleware(lambda request: None)


def test_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "reports") is False
    assert router.allow_migrate("default", "reports") is True


# --- read-your-own-writes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_marks_the_client_for_the_sticky_window(with_replica, method):
    response = _write(method)
    cookie = response.cookies[STICKY_COOKIE]
    assert cookie["max-age"] == 5 and cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    # The cookie it set keeps that client's next statistics read on the primary.
    assert _database_used_by("GET", "/api/v1/stats/", cookies={STICKY_COOKIE: cookie.value}) is None


def test_a_refused_write_marks_the_client_too(with_replica):
    assert STICKY_COOKIE in _write(status=409).cookies


def test_reads_do_not_mark_the_client(with_replica):
    def view(request):
        return HttpResponse("ok")

    for method in ("get", "head", "options"):
        response = ReplicaReadsMiddleware(view)(getattr(RequestFactory(), method)("/reports/1/"))
        assert STICKY_COOKIE not in response.cookies


def test_after_the_sticky_window_the_client_reads_the_replica_again(with_replica):
    assert _database_used_by("GET", "/api/v1/stats/", cookies={STICKY_COOKIE: _cookie_signed(2)}) is None
    assert _database_used_by("GET", "/api/v1/stats/", cookies={STICKY_COOKIE: _cookie_signed(6)}) == REPLICA


def test_a_forged_cookie_does_not_keep_anyone_on_the_primary(with_replica):
    assert _database_used_by("GET", "/api/v1/stats/", cookies={STICKY_COOKIE: "1"}) == REPLICA
    unsalted = signing.get_cookie_signer(salt=STICKY_COOKIE).sign("1")  # signed, but for another purpose
    assert _database_used_by("GET", "/api/v1/stats/", cookies={STICKY_COOKIE: unsalted}) == REPLICA


def test_sticky_window_zero_turns_read_your_own_writes_off(with_replica):
    with_replica.DATABASE_REPLICA_STICKY_SECONDS = 0
    assert STICKY_COOKIE not in _write().cookies
    assert _database_used_by("GET", "/api/v1/stats/", cookies={STICKY_COOKIE: _cookie_signed(0)}) == REPLICA


def test_a_replica_alias_naming_the_primary_itself_reads_through_default(with_replica):
    """The test settings' mirror (config/settings/test.py), or DATABASE_REPLICA_URL = DATABASE_URL: one connection."""
    with_replica.DATABASES = {**with_replica.DATABASES, REPLICA: {**with_replica.DATABASES["default"]}}
    assert _database_used_by("GET", "/api/v1/stats/") is None
