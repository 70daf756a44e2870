"""Statistics read from the streaming replica (docs/scaling.md, Step 2) beside the same read on the primary.

    DATABASE_URL=postgres://.../xhht_bench_x .venv/bin/python benchmarks/bench_replica.py   (cwd: benchmarks/)

Needs a replica of the primary (scripts/pg_replica.sh start): DATABASE_REPLICA_URL, else the DATABASE_URL with
port 5433. Without one the section says so and the script exits 0 (BENCH_QUICK=1 on a machine without a replica
still passes). The read is `GET /api/v1/stats/?level=commune` of one province, nothing cached, through the whole
Django stack in this process (no HTTP server): once with the router sending its reads to the replica, once with
the read-your-own-writes cookie that keeps the same client on the primary, interleaved. A check first proves that
each mode really reads where it says. Also measured: how long a commit on the primary takes to be replayed.
"""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlparse

from common import QUICK, fmt_s, median, table

PRIMARY_URL = os.environ.get("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/xhht_bench")
REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL") or urlparse(PRIMARY_URL)._replace(
    netloc=urlparse(PRIMARY_URL).netloc.rsplit(":", 1)[0] + ":5433").geturl()
RUNS = 10 if QUICK else 60
# A reachable replica still catching up: the new benchmark database not replayed yet, or the standby not open yet.
TRANSIENT = ("does not exist", "not yet accepting connections", "starting up")
DELAY_SAMPLES = 10 if QUICK else 50
TITLE = "## Statistics read from the streaming replica\n"
COMMAND = ("Command: `scripts/pg_replica.sh start`, then `DATABASE_URL=... .venv/bin/python bench_replica.py` "
           "(cwd benchmarks/; DATABASE_REPLICA_URL if the replica is not on port 5433).")


def _skip(reason: str) -> None:
    print(f"{TITLE}\nSkipped: {reason}. Start one with `scripts/pg_replica.sh start` and run this section again.\n")
    print(COMMAND)
    sys.exit(0)


def _probe_replica() -> None:
    """Skip unless REPLICA_URL is a standby of this very primary and already holds the benchmark database."""
    import psycopg2

    replica = urlparse(REPLICA_URL)
    where = f"{replica.hostname}:{replica.port}"
    try:
        primary = psycopg2.connect(PRIMARY_URL, connect_timeout=3)
        with primary.cursor() as cur:
            cur.execute("SELECT system_identifier FROM pg_control_system()")
            system = cur.fetchone()[0]
        primary.close()
    except psycopg2.OperationalError as exc:
        sys.exit(f"bench_replica: the primary does not answer: {exc}")
    deadline = time.monotonic() + 120
    while True:  # the benchmark database was created a moment ago: its CREATE DATABASE may still be replaying
        try:
            conn = psycopg2.connect(REPLICA_URL, connect_timeout=3)
            break
        except psycopg2.OperationalError as exc:
            if not any(s in str(exc) for s in TRANSIENT) or time.monotonic() > deadline:
                _skip(f"no streaming replica answers at {where} ({str(exc).strip().splitlines()[0]})")
            time.sleep(0.2)
    with conn.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system())")
        in_recovery, replica_system = cur.fetchone()
    conn.close()
    if not in_recovery or replica_system != system:
        _skip(f"the server at {where} is not a streaming replica of this primary")


def main() -> None:
    _probe_replica()
    os.environ["DATABASE_REPLICA_URL"] = REPLICA_URL
    os.environ["REPORTS_STATS_CACHE_SECONDS"] = "0"  # every read goes to the database: that is what is compared

    # bench_load sets Django up (with the replica now configured) and prepares the same statistics data.
    from bench_load import STATS_INDICATOR, _account, stats_fixture
    from django.conf import settings
    from django.core import signing
    from django.db import connection, connections
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from config.db_router import REPLICA, STICKY_COOKIE, STICKY_SALT
    from reports.models import StatRollup
    from units.models import Level, Unit
    from units.roles import Role

    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("bench_replica runs on a PostgreSQL benchmark database (its name contains 'bench').")
    assert "config.db_router.ReplicaReadsMiddleware" in settings.MIDDLEWARE and REPLICA in settings.DATABASES
    # The province and year with the most commune rollups (bench_load's 2025 province or bench_reports' synthetic
    # one); bench_load's own seeding when the database has none.
    top = (StatRollup.objects.filter(indicator=STATS_INDICATOR, unit__level=Level.COMMUNE)
           .values("unit__parent_id", "year").annotate(n=Count("id")).order_by("-n", "-year").first())
    if top is None:
        from bench_load import STATS_YEAR

        province, tokens = stats_fixture()
        year = STATS_YEAR
    else:
        province, year = Unit.objects.get(pk=top["unit__parent_id"]), top["year"]
        tokens = [_account("bench.stats.000", province, Role.VIEWER)[1]]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics travel to the replica with the WAL
    wait_for_replay(connection, connections[REPLICA])

    path = f"/api/v1/stats/?indicator={STATS_INDICATOR}&unit={province.pk}&year={year}&level=commune"
    client = Client(HTTP_AUTHORIZATION=f"Token {tokens[0]}", HTTP_HOST="127.0.0.1")
    signer = signing.get_cookie_signer(salt=STICKY_COOKIE + STICKY_SALT)

    def read(on_primary: bool) -> None:
        if on_primary:  # the cookie a client gets from its own write: its reads stay on the primary
            client.cookies[STICKY_COOKIE] = signer.sign("1")
        else:
            client.cookies.pop(STICKY_COOKIE, None)
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"bench_replica: {path} answered {response.status_code}: {response.content[:300]!r}")

    for on_primary in (False, True):  # warm-up first: connections open, plans and the caller's scope cached
        for _ in range(3):
            read(on_primary)
    # Where each mode reads: every statement of the replica mode on the replica, none of the primary mode's.
    statements = {}
    for on_primary in (False, True):
        with CaptureQueriesContext(connection) as on_default, CaptureQueriesContext(connections[REPLICA]) as on_rep:
            read(on_primary)
        statements[on_primary] = (len(on_default), len(on_rep))
    if statements[False][1] == 0 or statements[True][1] != 0:
        raise SystemExit(f"bench_replica: the router did not read where expected (primary, replica): {statements}")

    samples: dict[bool, list[float]] = {False: [], True: []}
    load_before = os.getloadavg()[0]
    for i in range(RUNS):  # interleaved, the order alternating, so drift on the machine hits both alike
        for on_primary in ((False, True) if i % 2 == 0 else (True, False)):
            started = time.perf_counter()
            read(on_primary)
            samples[on_primary].append(time.perf_counter() - started)
    on_replica, on_primary_ = median(samples[False]), median(samples[True])
    delays = replay_delays(connection, connections[REPLICA])
    load_after = os.getloadavg()[0]

    print(TITLE)
    print(f"Database: PostgreSQL, primary and streaming replica (scripts/pg_replica.sh) on this machine. Request: "
          f"`GET /api/v1/stats/?level=commune` of {province.name}, year {year}, nothing cached "
          f"(REPORTS_STATS_CACHE_SECONDS=0), through every middleware and DRF in one process, token authentication. "
          f"Median of {RUNS} reads each, interleaved. Statements per request: {statements[False][1]} on the replica "
          f"(and {statements[False][0]} on the primary) with the replica in use; {statements[True][0]} on the primary "
          f"and none on the replica with the read-your-own-writes cookie. Load average {load_before:.1f} before, "
          f"{load_after:.1f} after ({os.cpu_count()} cores).\n")
    print(table(["read", "median", "same read on the primary", "ratio"], [[
        "statistics read with the replica in use", fmt_s(on_replica), fmt_s(on_primary_),
        f"{on_replica / on_primary_:.2f}×"]]))
    print(f"\nReplication delay, a committed row on the primary until the replica has replayed it "
          f"({DELAY_SAMPLES} commits, polled every 0.5 ms): median {fmt_s(median(delays))}, "
          f"max {fmt_s(max(delays))}. A ratio near 1 is the point: the replica takes the statistics reads off the "
          f"primary without making them slower; on one machine it cannot make them faster (same CPU, same disk).\n")
    print(COMMAND)


def _lsn(conn, sql: str) -> str:
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def wait_for_replay(primary, replica, timeout: float = 60.0) -> float:
    """Seconds until the replica has replayed the primary's current WAL position."""
    target = _lsn(primary, "SELECT pg_current_wal_lsn()::text")
    started = time.perf_counter()
    while True:
        with replica.cursor() as cur:
            cur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cur.fetchone()[0]:
                return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"bench_replica: the replica did not replay up to {target} within {timeout:.0f} s")
        time.sleep(0.0005)


def replay_delays(primary, replica) -> list[float]:
    with primary.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_replica_probe (id bigserial PRIMARY KEY, at timestamptz)")
    delays = []
    for _ in range(DELAY_SAMPLES):
        with primary.cursor() as cur:  # autocommit outside a transaction: the insert is committed here
            cur.execute("INSERT INTO bench_replica_probe (at) VALUES (now())")
        delays.append(wait_for_replay(primary, replica))
    with primary.cursor() as cur:
        cur.execute("DROP TABLE bench_replica_probe")
    return delays


if __name__ == "__main__":
    main()
