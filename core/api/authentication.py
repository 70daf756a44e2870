"""API token authentication whose token → user lookup is cached in the shared cache.

Every API request authenticates, and on deadline day that is hundreds of requests a second: DRF's
TokenAuthentication reads the token and its user from the database each time (one query, and a model built from
it). Here the token with its user is kept in the shared cache (Redis in production) under the token's digest, never
the key itself.

Invalidation is by generation (core/cache.py), bumped when a token is deleted (revoked) and when a user is saved
or deleted (deactivated, made superuser, renamed…), now and again at commit, like the rollup generation. An entry
stores the generation it was read under and is used only while that generation is still current: a request
that read the database just before a revocation committed may store what it read, but under the old generation,
so it is never used. The generation and the entry come back in one cache round trip (get_many).

Writes that bypass model signals (QuerySet.update/delete on users or tokens) are not seen until the entry expires
(API_TOKEN_CACHE_SECONDS, five minutes by default); the portal's own code deactivates and revokes through
save()/delete(), and the admin does too. 0 turns the cache off.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core.cache import Generation, digest

TOKEN_GENERATION = Generation("auth:tokens")


def token_cache_seconds() -> int:
    return int(getattr(settings, "API_TOKEN_CACHE_SECONDS", 300))


def token_cache_key(key: str) -> str:
    return f"auth:token:{digest(key)}"


def tokens_changed() -> None:
    """A token was revoked or a user changed: every cached token → user entry stops being used, now (this
    transaction's own later requests, and tests) and again at commit (entries stored meanwhile from the old rows)."""
    TOKEN_GENERATION.bump()
    transaction.on_commit(TOKEN_GENERATION.bump)


class CachedTokenAuthentication(TokenAuthentication):
    """TokenAuthentication with the token and its user read from the shared cache (see the module's docstring).

    Answers exactly as DRF's: "Invalid token." for an unknown or revoked key, "User inactive or deleted." for an
    inactive user (checked on every request, on the cached user as on a fresh one)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        seconds = token_cache_seconds()
        token = self._cached(key) if seconds else None
        if token is None:
            generation = TOKEN_GENERATION.current() if seconds else ""
            token = Token.objects.select_related("user").filter(key=key).first()
            if token is None:
                raise exceptions.AuthenticationFailed(_("Invalid token."))
            if seconds:
                cache.set(token_cache_key(key), (generation, token), seconds)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

    @staticmethod
    def _cached(key: str) -> Token | None:
        entry_key = token_cache_key(key)
        found = cache.get_many([TOKEN_GENERATION.key, entry_key])
        generation, entry = found.get(TOKEN_GENERATION.key), found.get(entry_key)
        if generation is None or entry is None or entry[0] != generation:
            return None
        token: Token = entry[1]
        return token


# --- invalidation (connected in core.apps.CoreConfig.ready, so every process that writes sees them) ----------------


@receiver(post_delete, sender=Token, dispatch_uid="core.api.authentication.token_deleted")
def _token_deleted(sender: Any, **kwargs: Any) -> None:
    tokens_changed()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.api.authentication.user_saved")
def _user_saved(sender: Any, update_fields: Any = None, created: bool = False, **kwargs: Any) -> None:
    # A new user has no token yet; a login only stamps last_login (which no API answer depends on): neither
    # drops everyone's entries.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    tokens_changed()


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.api.authentication.user_deleted")
def _user_deleted(sender: Any, **kwargs: Any) -> None:
    tokens_changed()

