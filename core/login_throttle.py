"""Login throttling (django-axes) with a limit of its own for each thing an attacker can vary.

Axes compares one number, AXES_FAILURE_LIMIT, with the failures of each lockout parameter group. The portal
needs three limits, because the groups differ in who shares them:

- a username at one IP (AXES_FAILURE_LIMIT, 5): someone guessing one officer's password;
- one IP across usernames (AXES_IP_FAILURE_LIMIT, 20): password spraying from one machine. Higher, since a
  provincial office reaches the portal through one NAT address and its officers' typos add up there;
- one username across IPs (AXES_USERNAME_FAILURE_LIMIT, 30): guessing one account from many machines. Highest,
  since anyone can spend failures on someone else's username and lock that officer out for the cool-off.

`ThrottleHandler.get_failures` turns the three counts into one score on AXES_FAILURE_LIMIT's scale that reaches
the limit exactly when one group reaches its own. A successful login clears only that user's failures at that
IP: axes would otherwise clear every group it matches, and anyone with one valid account could wipe their IP's
count between guesses.

Behind a reverse proxy every request comes from the proxy's address; `client_ip` reads the address the
trusted proxies recorded in X-Forwarded-For (settings.TRUSTED_PROXY_COUNT, env DJANGO_TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

# The setting that holds each lockout group's limit (groups as in settings.AXES_LOCKOUT_PARAMETERS).
LIMIT_SETTINGS = {
    ("ip_address", "username"): "AXES_FAILURE_LIMIT",
    ("ip_address",): "AXES_IP_FAILURE_LIMIT",
    ("username",): "AXES_USERNAME_FAILURE_LIMIT",
}


def limits() -> list[int]:
    """The limit of each group, in the order of AXES_LOCKOUT_PARAMETERS (axes gives one queryset per group)."""
    groups = ([group] if isinstance(group, str) else group for group in settings.AXES_LOCKOUT_PARAMETERS)
    return [int(getattr(settings, LIMIT_SETTINGS[tuple(sorted(group))])) for group in groups]


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with N trusted proxies in front of the app, the N-th address from
    the right of X-Forwarded-For (each proxy appends the address it received the request from, so entries to
    the left of it were written by the client and prove nothing)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # not through all the proxies (a direct connection): the socket's address is the truth
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class ThrottleHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes ships no type information
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        limit = settings.AXES_FAILURE_LIMIT
        score = 0
        for attempts, own_limit in zip(self.get_user_attempts(request, credentials), limits(), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            # At its own limit a group scores the common limit; below it, never more than one short of it.
            score = max(score, limit if failures >= own_limit else min(failures, limit - 1))
        return score

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None)  # set by AxesMiddleware on every request
        deleted, _ = AccessAttempt.objects.filter(username=username, ip_address=ip_address).delete()
        return int(deleted)
