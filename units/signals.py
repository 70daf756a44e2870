"""Cached scopes (units.selectors) are dropped whenever what they are computed from changes.

Membership and succession rows decide what a user reaches. Unit rows are left out: a unit's path is fixed when
it is created, a new unit changes nobody's memberships, and deleting one deletes its memberships (signalled).
Bulk writes send no signals: the tree loader and the path repair bump the generation themselves.

The bump waits for the commit. Bumped at save time, a request running between the save and the commit would
still read the old rows (say, a revoked membership) and cache them under the new generation, where they would
stay for SCOPE_CACHE_SECONDS. Outside a transaction on_commit runs at once.

Until that commit, the transaction that made the change must see it (a demo step or a service that grants a role
and then acts with it): the change gives the transaction a private scope generation (units.selectors.
mark_scope_changed), under which it reads and caches its own scopes, invisible to other requests.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Membership, Succession
from .selectors import SCOPE_GENERATION, mark_scope_changed


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="units_scope_membership")
@receiver([post_save, post_delete], sender=Succession, dispatch_uid="units_scope_succession")
def _forget_scopes(**kwargs: Any) -> None:
    connection = transaction.get_connection(kwargs.get("using"))
    if connection.in_atomic_block:
        mark_scope_changed(connection)
    transaction.on_commit(SCOPE_GENERATION.bump, using=kwargs.get("using"))
