"""units_held: the units a user holds a role on directly, from the same membership rows as scoping."""

import datetime

from django.utils import timezone

from tests import factories as f
from units.models import Membership, Succession, Unit
from units.roles import Role
from units.selectors import units_held


def names(qs) -> list[str]:
    return list(qs.values_list("name", flat=True))


def test_units_held_lists_direct_memberships_in_path_order_not_their_subtrees(tree):
    user = f.member(tree["c2"], Role.OFFICER)
    Membership.objects.create(user=user, unit=tree["p2"], role=Role.OFFICER)
    Membership.objects.create(user=user, unit=tree["c1"], role=Role.VIEWER)

    # c2 lies under p1, created before p2: by path it comes first.
    assert names(units_held(user, [Role.OFFICER])) == ["Phường Đông Hà", "Tỉnh Bên Cạnh"]
    assert set(names(units_held(user))) == {"Xã Hòa Bình", "Phường Đông Hà", "Tỉnh Bên Cạnh"}
    assert list(units_held(user)) == sorted(units_held(user), key=lambda u: u.path)
    assert names(units_held(user, [Role.REVIEWER])) == []


def test_an_administrator_holds_every_role_on_its_unit(tree):
    user = f.member(tree["c1"], Role.ADMIN)

    assert names(units_held(user, [Role.OFFICER])) == ["Xã Hòa Bình"]


def test_units_no_longer_valid_and_lineage_are_not_held(tree):
    user = f.member(tree["c1"], Role.OFFICER)
    old = f.commune(tree["p1"], name="Xã Cũ", valid_to=timezone.localdate() - datetime.timedelta(days=1))
    Membership.objects.create(user=user, unit=old, role=Role.OFFICER)
    Succession.objects.create(predecessor=tree["c2"], successor=tree["c1"], kind="merge", date=timezone.localdate())

    assert names(units_held(user, [Role.OFFICER])) == ["Xã Hòa Bình"]


def test_inactive_anonymous_and_unit_less_superusers_hold_nothing(tree, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    inactive = f.member(tree["c1"], Role.OFFICER, is_active=False)
    superuser = f.UserFactory(is_superuser=True, is_staff=True)

    assert names(units_held(inactive)) == []
    assert names(units_held(AnonymousUser())) == []
    assert names(units_held(superuser)) == []


def test_a_unit_with_an_empty_path_is_never_held(tree):
    user = f.member(tree["c1"], Role.OFFICER)
    Unit.objects.filter(pk=tree["c1"].pk).update(path="")
    # Two units with an empty path would otherwise both match path__in=[""].
    Unit.objects.filter(pk=tree["c2"].pk).update(path="")

    assert names(units_held(user)) == []


def test_units_held_follows_a_revocation_through_the_cached_scope(tree, django_capture_on_commit_callbacks):
    user = f.member(tree["c1"], Role.OFFICER)
    assert names(units_held(user)) == ["Xã Hòa Bình"]

    with django_capture_on_commit_callbacks(execute=True):  # the scope cache is dropped at commit
        Membership.objects.filter(user=user).delete()
    fresh = type(user).objects.get(pk=user.pk)  # a new request

    assert names(units_held(fresh)) == []
