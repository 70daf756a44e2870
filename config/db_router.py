"""Reads of the statistics pages and endpoints from a PostgreSQL streaming replica (docs/scaling.md).

Off unless DATABASE_REPLICA_URL defines the "replica" database. Then GET and HEAD requests whose path starts
with one of settings.DATABASE_REPLICA_PATHS (the stats and completeness endpoints and pages) read from the
replica: they show stored rollups and counts that a debounced or nightly job rebuilds, so a replica a second
behind the primary is indistinguishable there. Everything else — every write, every read inside a
transaction, every other path — stays on "default".

Read-your-own-writes: a browser (or API client keeping cookies) that just wrote — any POST, PUT, PATCH or
DELETE, whatever its path and outcome — gets a signed, timestamped cookie; for DATABASE_REPLICA_STICKY_SECONDS
after it, its reads of the replica paths stay on the primary too. An officer who saves a report, or a reviewer
who accepts one, and opens the completeness page a second later sees their own change even while the replica
is behind. A client without the cookie (another user, or the same one later) reads the replica.
The flag lives in a context variable: each gunicorn thread (and each asyncio task) sees only its own request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
_replica_reads = contextvars.ContextVar("replica_reads", default=False)
# The cookie that keeps a client that just wrote on the primary; its value means nothing, the signature's
# timestamp is what counts (get_signed_cookie's max_age), and the salt keeps it from being any other signed value.
STICKY_COOKIE = "xhht_wrote"
STICKY_SALT = "config.db_router.sticky"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_is_the_primary() -> bool:
    """The alias names the primary's own server and database (the test settings' mirror; or a misconfiguration):
    then reads go through "default" itself — one connection, and one a test's database restrictions allow."""
    replica, default = settings.DATABASES[REPLICA], settings.DATABASES[DEFAULT_DB_ALIAS]
    return all(replica.get(key) == default.get(key) for key in ("ENGINE", "HOST", "PORT", "NAME"))


class ReplicaRouter:
    """Sends reads to the replica while a request marked by ReplicaReadsMiddleware runs; nothing else."""

    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or not replica_configured():
            return None  # the next router, then "default"
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # a read inside a transaction must see the transaction's own writes
        if _replica_is_the_primary():
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows: objects read from either may be related

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a physical replica follows the primary's schema by itself


class ReplicaReadsMiddleware:
    """Marks GET/HEAD requests to the replica paths, unless the client wrote in the last few seconds; marks
    every writing request's response with the cookie that says so. Removes itself when no replica is configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.prefixes = tuple(settings.DATABASE_REPLICA_PATHS)
        self.sticky_seconds = int(settings.DATABASE_REPLICA_STICKY_SECONDS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            if self.sticky_seconds > 0:
                # Set even on a refused write (400, 409): the client is about to reload what it edits.
                response.set_signed_cookie(
                    STICKY_COOKIE, "1", salt=STICKY_SALT, max_age=self.sticky_seconds, httponly=True,
                    samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, path="/")
            return response
        if (request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefixes)
                or self.wrote_recently(request)):
            return self.get_response(request)
        marker = _replica_reads.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(marker)

    def wrote_recently(self, request: HttpRequest) -> bool:
        """The client's last write is younger than the sticky window (a forged or stale cookie counts as none)."""
        if self.sticky_seconds <= 0:
            return False
        return request.get_signed_cookie(STICKY_COOKIE, default=None, salt=STICKY_SALT,
                                         max_age=self.sticky_seconds) is not None
