"""The replica router sends only the marked statistics reads to the replica, and is inert without one."""

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction
from django.test import RequestFactory

from config.db_router import REPLICA, ReplicaReadsMiddleware, ReplicaRouter
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


def _database_used_by(method: str, path: str, model=StatRollup) -> str | None:
    """Run the middleware around a view that asks the router where it would read `model`."""
    seen = {}

    def view(request):
        seen["db"] = ReplicaRouter().db_for_read(model)
        return "response"

    ReplicaReadsMiddleware(view)(getattr(RequestFactory(), method.lower())(path))
    return seen["db"]


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
    assert REPLICA not in settings.DATABASES
    with pytest.raises(MiddlewareNotUsed):
        ReplicaReadsMiddleware(lambda request: None)


def test_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "reports") is False
    assert router.allow_migrate("default", "reports") is True
