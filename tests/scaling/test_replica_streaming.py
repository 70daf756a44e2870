"""The real streaming replica (scripts/pg_replica.sh), in CI's PostgreSQL pass: rows committed on the primary
reach it, it refuses writes, and a client that just wrote reads its own write from the primary even while the
replica has stopped replaying.

The ordinary test run reads the "replica" alias from the primary (config/settings/test.py); these tests connect
to the server DATABASE_REPLICA_URL names, to the test database by name: physical replication copied it there
when pytest-django created it on the primary. They are transactional, so what they write is committed and
streamed. On SQLite, or without DATABASE_REPLICA_URL, they are skipped, saying why; with
XHHT_REQUIRE_WORKER_TESTS=1 (CI's PostgreSQL pass) a missing or unreachable replica fails them instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import environ
import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from rest_framework.test import APIClient

from config.db_router import REPLICA, STICKY_COOKIE
from reports import services
from tests import factories as f
from tests.reports.conftest import BASE_FIGURES, YEAR, make_round
from units.models import Level, Unit
from units.roles import Role

# The alias exists only when DATABASE_REPLICA_URL is set; the tests then skip or fail in the fixture, saying why.
DATABASES = ["default", REPLICA] if REPLICA in django_settings.DATABASES else ["default"]
pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases=DATABASES)]

# What a reachable replica answers while it catches up: the test database's CREATE DATABASE not replayed yet, or
# the standby not open for reads yet (after a restart, until it has a consistent snapshot of the primary).
TRANSIENT = ("does not exist", "not yet accepting connections", "starting up")
REPLAY_TIMEOUT = 30.0  # seconds; on one machine the replica replays within milliseconds
PAUSE_TIMEOUT = 10.0


def _unavailable(reason: str) -> None:
    # CI's PostgreSQL pass sets XHHT_REQUIRE_WORKER_TESTS: there a missing replica is a failure, not a skip.
    if os.environ.get("XHHT_REQUIRE_WORKER_TESTS"):
        pytest.fail(f"XHHT_REQUIRE_WORKER_TESTS is set but {reason}", pytrace=False)
    pytest.skip(reason)


def _replica_settings() -> dict:
    """The real replica's connection settings (not the alias's: the test settings point that at the primary)."""
    return environ.Env.db_url_config(os.environ["DATABASE_REPLICA_URL"])


@pytest.fixture
def replica() -> Iterator[psycopg2.extensions.connection]:
    """An autocommit connection to the test database on the real replica: each statement sees what is replayed."""
    if connection.vendor != "postgresql":
        _unavailable("the streaming replica needs PostgreSQL: set DATABASE_URL and DATABASE_REPLICA_URL "
                     "(scripts/pg_replica.sh start)")
    if not os.environ.get("DATABASE_REPLICA_URL"):
        _unavailable("DATABASE_REPLICA_URL is not set (start one with scripts/pg_replica.sh start)")
    real = _replica_settings()
    params = {"host": real["HOST"] or "127.0.0.1", "port": real["PORT"] or 5432, "user": real["USER"],
              "password": real["PASSWORD"] or None, "dbname": connection.settings_dict["NAME"], "connect_timeout": 3}
    deadline = time.monotonic() + REPLAY_TIMEOUT
    while True:  # the test database's CREATE DATABASE may still be replaying
        try:
            conn = psycopg2.connect(**params)
            break
        except psycopg2.OperationalError as exc:
            # Worth waiting for: a test database not replayed yet, a standby still starting; a refused connection not.
            if not any(s in str(exc) for s in TRANSIENT) or time.monotonic() > deadline:
                _unavailable(f"the replica at {params['host']}:{params['port']} is unreachable: {exc}".strip())
            time.sleep(0.2)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            if not cur.fetchone()[0]:
                pytest.fail(f"DATABASE_REPLICA_URL ({params['host']}:{params['port']}) is not a standby server",
                            pytrace=False)
        yield conn
    finally:
        conn.close()


def _replica_value(replica, sql: str, params=()) -> object:
    with replica.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return row[0] if row else None


def wait_for_replay(replica) -> None:
    """Until the replica has replayed everything the primary has written so far, at most REPLAY_TIMEOUT."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn()::text")
        target = cur.fetchone()[0]
    deadline = time.monotonic() + REPLAY_TIMEOUT
    while not _replica_value(replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        if time.monotonic() > deadline:
            replayed = _replica_value(replica, "SELECT pg_last_wal_replay_lsn()::text")
            pytest.fail(f"the replica replayed up to {replayed}, not {target}, within {REPLAY_TIMEOUT:.0f} s")
        time.sleep(0.02)


def test_a_row_committed_on_the_primary_appears_on_the_replica(replica):
    province = f.province(name="Tỉnh Thử Bản Sao")

    wait_for_replay(replica)

    assert _replica_value(replica, "SELECT name FROM units_unit WHERE id = %s", [province.pk]) == "Tỉnh Thử Bản Sao"


def test_the_replica_refuses_writes(replica):
    province = f.province(name="Tỉnh Chỉ Đọc")
    wait_for_replay(replica)

    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction) as refused:
        with replica.cursor() as cur:
            cur.execute("UPDATE units_unit SET name = 'Đã sửa trên bản sao' WHERE id = %s", [province.pk])
    assert "read-only transaction" in str(refused.value)

    # Nothing changed, on either side.
    assert _replica_value(replica, "SELECT name FROM units_unit WHERE id = %s", [province.pk]) == "Tỉnh Chỉ Đọc"
    assert Unit.objects.get(pk=province.pk).name == "Tỉnh Chỉ Đọc"


@pytest.fixture
def replica_alias(replica) -> Iterator[None]:
    """Points this thread's "replica" alias at the real replica for one test (the test client runs in this thread)."""
    alias = connections[REPLICA]
    saved = dict(alias.settings_dict)
    real = _replica_settings()
    alias.close()
    alias.settings_dict.update({key: real[key] for key in ("HOST", "PORT", "USER", "PASSWORD")})
    try:
        yield
    finally:
        alias.close()
        alias.settings_dict.clear()
        alias.settings_dict.update(saved)


@contextmanager
def replay_paused(replica) -> Iterator[None]:
    """The replica stops replaying WAL (it keeps receiving it) until the block ends, whatever happens in it."""
    with replica.cursor() as cur:
        cur.execute("SELECT pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + PAUSE_TIMEOUT
        while _replica_value(replica, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                pytest.fail(f"the replica did not pause its replay within {PAUSE_TIMEOUT:.0f} s")
            time.sleep(0.02)
        yield
    finally:
        with replica.cursor() as cur:
            cur.execute("SELECT pg_wal_replay_resume()")


def _accepted_in(client: APIClient, province: Unit, commune: Unit) -> int:
    response = client.get(f"/api/v1/completeness/?unit={province.pk}&year={YEAR}")
    assert response.status_code == 200, response.content
    return {row["unit"]["id"]: row for row in response.json()["results"]}[commune.pk]["accepted"]


def test_a_reviewer_reads_their_own_acceptance_while_the_replica_lags(replica, replica_alias, settings):
    """After their own write the reviewer's next completeness read goes to the primary; the replica, paused, still
    has the report unaccepted, which a client without the cookie sees: so the read did not go there."""
    settings.DATABASE_REPLICA_STICKY_SECONDS = 5
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    province = f.province(name="Tỉnh Thử Đọc Lại")
    commune = f.commune(province, name="Xã Thử Đọc Lại")
    make_round(campaign, province, Level.COMMUNE, indicators=list(BASE_FIGURES))
    officer = f.member(commune, Role.OFFICER, username="xa.doclai")
    reviewer = f.member(province, Role.REVIEWER, username="tinh.doclai")
    report = services.report_create(unit=commune, year=YEAR, by=officer)
    services.report_update(report=report, by=officer, version=1, figures=BASE_FIGURES)
    services.report_submit(report=report, by=officer)

    writer, other = APIClient(), APIClient()  # one browser that accepts, one that only reads
    writer.force_authenticate(reviewer)
    other.force_authenticate(reviewer)
    wait_for_replay(replica)
    assert _accepted_in(other, province, commune) == 0  # read from the replica, replayed: the submitted report

    with replay_paused(replica):
        accepted = writer.post(f"/api/v1/reports/{report.pk}/accept/")
        assert accepted.status_code == 200, accepted.content
        assert accepted.json()["status"] == "accepted"
        assert STICKY_COOKIE in writer.cookies

        # The writer reads its own write: from the primary.
        assert _accepted_in(writer, province, commune) == 1
        # Anyone else reads the replica, which has not replayed the acceptance: the read above did not go there.
        assert _accepted_in(other, province, commune) == 0

    wait_for_replay(replica)  # resumed: the replica catches up and everyone sees the acceptance
    assert _accepted_in(other, province, commune) == 1
