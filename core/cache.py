"""Generations: how cached answers learn that what they were built from has changed.

A generation is a random token kept in the shared cache (Redis in production). Cached values are stored under
keys that include the current token; bumping the generation writes a new token, so every older key becomes
unreachable at once and expires on its own. A random token rather than a counter: if the cache loses the key
(eviction, restart) a fresh token is drawn, and no older entry can ever be mistaken for a current one.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import cast

from django.core.cache import cache


class Generation:
    def __init__(self, name: str):
        self.key = f"generation:{name}"

    def current(self) -> str:
        token = cache.get(self.key)
        if token is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)  # add: concurrent first readers agree on one
            token = cache.get(self.key)
        return cast(str, token)

    def bump(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, timeout=None)


def digest(*parts: object) -> str:
    """A short fixed-length key part for arbitrary text (paths, query strings): cache keys have length limits."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
