"""Cached scopes (units.selectors) are dropped whenever what they are computed from changes.

Membership and succession rows decide what a user reaches. Unit rows are left out: a unit's path is fixed when
it is created, a new unit changes nobody's memberships, and deleting one deletes its memberships (signalled).
Bulk writes send no signals: the tree loader bumps the generation itself when it is done.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Membership, Succession
from .selectors import SCOPE_GENERATION


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="units_scope_membership")
@receiver([post_save, post_delete], sender=Succession, dispatch_uid="units_scope_succession")
def _forget_scopes(**kwargs) -> None:
    SCOPE_GENERATION.bump()
