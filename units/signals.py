"""Cached scopes (units.selectors) are dropped whenever what they are computed from changes.

Membership and succession rows decide what a user reaches. Unit rows are left out: a unit's path is fixed when
it is created, a new unit changes nobody's memberships, and deleting one deletes its memberships (signalled).
Bulk writes send no signals: the tree loader and the path repair bump the generation themselves.

The bump waits for the commit. Bumped at save time, a request running between the save and the commit would
still read the old rows (say, a revoked membership) and cache them under the new generation, where they would
stay for SCOPE_CACHE_SECONDS. Outside a transaction on_commit runs at once.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Membership, Succession
from .selectors import SCOPE_GENERATION


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="units_scope_membership")
@receiver([post_save, post_delete], sender=Succession, dispatch_uid="units_scope_succession")
def _forget_scopes(**kwargs: Any) -> None:
    transaction.on_commit(SCOPE_GENERATION.bump)
