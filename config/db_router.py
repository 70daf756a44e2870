"""Reads of the statistics pages and endpoints from a PostgreSQL streaming replica (docs/scaling.md).

Off unless DATABASE_REPLICA_URL defines the "replica" database. Then GET and HEAD requests whose path starts
with one of settings.DATABASE_REPLICA_PATHS (the stats and completeness endpoints and pages) read from the
replica: they show stored rollups and counts that a debounced or nightly job rebuilds, so a replica a second
behind the primary is indistinguishable there. Everything else — every write, every read inside a
transaction, every other path — stays on "default", so nobody reads older data than they just wrote.
The flag lives in a context variable: each gunicorn thread (and each asyncio task) sees only its own request.
"""

from __future__ import annotations

import contextvars

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_replica_reads = contextvars.ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Sends reads to the replica while a request marked by ReplicaReadsMiddleware runs; nothing else."""

    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or not replica_configured():
            return None  # the next router, then "default"
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # a read inside a transaction must see the transaction's own writes
        return REPLICA

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows: objects read from either may be related

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a physical replica follows the primary's schema by itself


class ReplicaReadsMiddleware:
    """Marks GET/HEAD requests to the replica paths; removes itself when no replica is configured."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.prefixes = tuple(settings.DATABASE_REPLICA_PATHS)

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefixes):
            return self.get_response(request)
        marker = _replica_reads.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(marker)
