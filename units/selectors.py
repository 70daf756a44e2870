"""Reads of units, and the one scoping selector every page and endpoint starts from.

A membership on a unit reaches its whole subtree. `scope_filter` turns a user's memberships into one
WHERE clause of path prefixes, so any model that points at a unit is scoped the same way.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.cache import Generation, digest
from core.errors import PermissionDenied
from core.text import search_key  # noqa: F401 - re-exported for views

from .models import Membership, Succession, Unit
from .roles import Role


def today() -> datetime.date:
    return timezone.localdate()


# Bumped whenever a membership, a succession or a unit changes (units/signals.py, the tree loader): a user's
# scope is then read again from the database on their next request.
SCOPE_GENERATION = Generation("units:scope")


def mark_scope_changed(connection: Any) -> None:
    """A membership or succession changed inside the connection's open transaction (units.signals): from now
    until it ends, that transaction reads scopes under a private generation of its own, so it sees its own
    change while other requests keep the committed scopes (the shared generation is bumped at commit)."""
    connection.scope_private = (_outermost_atomic(connection), uuid.uuid4().hex)


def _outermost_atomic(connection: Any) -> int | None:
    # The outermost Atomic identifies the transaction: a later one on the same (persistent) connection has
    # another, so a mark left by a rolled-back transaction expires with it.
    return id(connection.atomic_blocks[0]) if connection.atomic_blocks else None


def _private_generation() -> str:
    """The open transaction's private scope generation, or "" when it changed no membership or succession."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return ""
    owner, token = getattr(connection, "scope_private", (None, ""))
    return token if owner == _outermost_atomic(connection) else ""


def _scope_rows(user) -> list[tuple[str | None, str]]:
    """(role, path) of every membership of the user, plus (None, path) of their units' predecessors.

    Every scoped request needs them, so they are cached between requests (SCOPE_CACHE_SECONDS) under the scope
    generation, and on the user object for the rest of the request.
    """
    private = _private_generation()
    memo = getattr(user, "_scope_paths_cache", None)
    if memo is not None and memo[0] == private:
        return memo[1]
    seconds = getattr(settings, "SCOPE_CACHE_SECONDS", 300)
    key = f"units:scope:{SCOPE_GENERATION.current()}:{private}:{user.pk}" if seconds else None
    rows = cache.get(key) if key else None
    if rows is None:
        rows = list(Membership.objects.filter(user=user).values_list("role", "unit__path"))
        # Reading also reaches the units the user's units were formed from in the 2025 reform: a new
        # commune's officer reads its predecessors' history (2023–2024 reports, titles) but acts on none.
        lineage = Succession.objects.filter(successor__memberships__user=user).values_list(
            "predecessor__path", flat=True
        )
        rows.extend((None, path) for path in lineage)
        if key:
            cache.set(key, rows, seconds)
    user._scope_paths_cache = (private, rows)
    return rows


def _membership_paths(user, roles: Iterable[str] | None) -> list[str] | None:
    """Path prefixes the user reaches with any of `roles`; None means everything (a superuser)."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    rows = _scope_rows(user)
    wanted = set(roles) if roles is not None else None
    if wanted is not None:
        wanted.add(Role.ADMIN)  # a unit's administrator may do anything in its subtree
    # An empty path is a unit nobody placed in the tree (a write that bypassed the services): as a prefix it
    # would match every unit in the country, so it grants nothing.
    paths = sorted({path for role, path in rows
                    if path and (wanted is None or (role is not None and role in wanted))})
    # Drop paths inside another path: fewer OR terms, same rows.
    kept: list[str] = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def units_held(user, roles: Iterable[str] | None = None) -> QuerySet[Unit]:
    """Units on which the user holds one of `roles` directly (a membership on that very unit, not on an
    ancestor), valid today, ordered by path: what "start a report / nominate / draw up a plan for" offers.

    Built from the same cached membership rows as `scope_filter`, so there is one notion of membership. As
    there, an administrator's membership counts for every role. Only memberships count: a superuser holds no
    unit unless given one (pages that let a superuser act everywhere say so themselves). None = any role.
    """
    if not user or not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    wanted = set(roles) if roles is not None else None
    if wanted is not None:
        wanted.add(Role.ADMIN)
    # Lineage rows (role None) give reading only, never holding; an empty path names no unit (see below).
    paths = {path for role, path in _scope_rows(user)
             if role is not None and path and (wanted is None or role in wanted)}
    if not paths:
        return Unit.objects.none()
    return units_valid_on(Unit.objects.filter(path__in=paths), today()).order_by("path")


def scope_signature(user) -> str:
    """Names what the user may read: two users with the same signature see the same rows (cache keys)."""
    paths = _membership_paths(user, None)
    return "all" if paths is None else digest(*paths) if paths else "none"


def scope_filter(user, *, roles: Iterable[str] | None = None, unit_field: str = "unit") -> Q:
    """A Q that keeps rows whose `unit_field` lies in a subtree the user reaches with `roles`."""
    paths = _membership_paths(user, roles)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    prefix = "path" if unit_field in ("", None) else f"{unit_field}__path"
    q = Q()
    for p in paths:
        q |= Q(**{f"{prefix}__startswith": p})
    return q


def scope_queryset(qs: QuerySet, user, *, roles: Iterable[str] | None = None, unit_field: str = "unit"):
    return qs.filter(scope_filter(user, roles=roles, unit_field=unit_field))


def visible_units(user, *, roles: Iterable[str] | None = None) -> QuerySet[Unit]:
    return scope_queryset(Unit.objects.select_related("parent"), user, roles=roles, unit_field="")


def can_act_on(user, unit: Unit, roles: Iterable[str]) -> bool:
    paths = _membership_paths(user, roles)
    if paths is None:
        return True
    return any(unit.path.startswith(p) for p in paths)


def require_role(user, unit: Unit, roles: Iterable[str], *, action: str | None = None) -> None:
    """Raise PermissionDenied, in Vietnamese, unless the user holds one of `roles` over `unit`."""
    if not can_act_on(user, unit, roles):
        raise PermissionDenied(
            action
            or _("Bạn không có quyền thực hiện thao tác này đối với đơn vị “%(unit)s”.") % {"unit": unit.name},
            code="permission_denied",
        )


def scope_roots(user) -> QuerySet[Unit]:
    """The top units the user reaches: where the unit browser starts."""
    paths = _membership_paths(user, None)
    if paths is None:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=paths)


def valid_on(day: datetime.date, prefix: str = "") -> Q:
    """A Q over units valid on `day`; `prefix` reaches a related unit ("parent__")."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day}))


def units_valid_on(qs: QuerySet[Unit], day: datetime.date) -> QuerySet[Unit]:
    return qs.filter(valid_on(day))


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    if not unit.path:  # never the whole country for a unit with no place in the tree (see _membership_paths)
        return Unit.objects.filter(pk=unit.pk)
    return Unit.objects.filter(path__startswith=unit.path)


def unit_ancestors(unit: Unit) -> list[Unit]:
    ids = [int(seg) for seg in unit.path.strip("/").split("/") if seg][:-1]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_lineage(unit: Unit) -> dict[str, list[Succession]]:
    return {
        "predecessors": list(
            Succession.objects.filter(successor=unit).select_related("predecessor").order_by("predecessor__name")
        ),
        "successors": list(
            Succession.objects.filter(predecessor=unit).select_related("successor").order_by("successor__name")
        ),
    }


def unit_members(unit: Unit) -> QuerySet[Membership]:
    return Membership.objects.filter(unit=unit).select_related("user").order_by("role", "user__username")


def reform_date() -> datetime.date:
    return settings.ADMIN_REFORM_DATE


# --- Role management (the unit administrator's page) ------------------------------------------------------


def administers(user, unit: Unit) -> bool:
    """Whether the user may manage roles on `unit`: the administrator role on it or above (or a superuser)."""
    return bool(unit.path) and can_act_on(user, unit, [Role.ADMIN])


def may_manage_admin_role(user, unit: Unit) -> bool:
    """Whether the user may grant or revoke the administrator role itself on `unit`: only from strictly above
    (units.services._require_role_admin holds the rule; this lets pages offer only what will be accepted)."""
    paths = _membership_paths(user, [Role.ADMIN])
    if paths is None:
        return True
    return any(unit.path.startswith(p) and unit.path != p for p in paths)


def managed_memberships(user, unit: Unit, *, query: str = "", role: str = "") -> QuerySet[Membership]:
    """Memberships within `unit`'s subtree that the user administers, nearest units first."""
    if not unit.path:
        return Membership.objects.none()
    qs = scope_queryset(Membership.objects.filter(unit__path__startswith=unit.path), user, roles=[Role.ADMIN])
    if role in Role.values:
        qs = qs.filter(role=role)
    if query:
        qs = qs.filter(Q(user__username__icontains=query) | Q(user__full_name__icontains=query)
                       | Q(user__email__icontains=query))
    return qs.select_related("user", "unit").order_by("unit__path", "role", "user__username")


def membership_history(user, unit: Unit) -> QuerySet:
    """Grants and revocations within `unit`'s subtree (who, what, when, why), newest first."""
    if not unit.path:
        return Membership.history.none()
    qs = Membership.history.filter(unit__path__startswith=unit.path)
    return scope_queryset(qs, user, roles=[Role.ADMIN]).select_related(
        "history_user", "user", "unit").order_by("-history_date", "-history_id")
