"""Cached answers of the statistics endpoints (/api/v1/stats/ and /stats/trend/).

They read stored rollups, which change only when `stats_rebuild` writes them. An answer is therefore a function
of what the caller may read (units.selectors.scope_signature), the request's scheme, host and query string, and the
rollup generation, which `stats_rebuild` bumps. Same scope + same query = the same JSON, so dashboards polling
every second cost one cache read instead of six queries and a serializer (docs/benchmarks.md, "Load").

Only successful answers are cached: a refusal (bad parameter, unit outside the scope) is recomputed each time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from core.cache import Generation, digest
from units.selectors import scope_signature

from . import conf

ROLLUP_GENERATION = Generation("reports:rollup")


def rollups_changed() -> None:
    """Call inside the transaction that rewrites rollups.

    Bumped now and again at commit: an answer cached while the transaction ran (the old rows, under the token
    drawn now) is dropped at commit, and code that never commits (a test's transaction) still sees fresh answers.
    """
    ROLLUP_GENERATION.bump()
    transaction.on_commit(ROLLUP_GENERATION.bump)


def cached_answer(request, kind: str, compute: Callable[[], object]) -> object:
    seconds = conf.stats_cache_seconds()
    if not seconds:
        return compute()
    request_part = digest(scope_signature(request.user), request.scheme, request.get_host(), request.get_full_path())
    key = f"reports:stats:{ROLLUP_GENERATION.current()}:{kind}:{request_part}"
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, seconds)
    return data
