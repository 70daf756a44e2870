"""The cached scope is dropped when the write commits, not when it is saved; a unit with no path grants nothing."""

from django.core.cache import cache

from core.models import User
from tests import factories as f
from units import services
from units.models import Membership, Unit
from units.roles import Role
from units.selectors import SCOPE_GENERATION, _private_generation, can_act_on, visible_units


def fresh(user) -> User:
    """The user as the next request loads them (no scope kept on the object)."""
    return User.objects.get(pk=user.pk)


def test_the_scope_generation_is_bumped_at_commit_not_at_save(tree, django_capture_on_commit_callbacks):
    admin = f.member(tree["p1"], Role.ADMIN)
    newcomer = f.UserFactory()
    before = SCOPE_GENERATION.current()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.membership_grant(user=newcomer, unit=tree["c1"], role=Role.OFFICER, by=admin)
        assert SCOPE_GENERATION.current() == before  # saved, not yet committed: other requests see the old rows

    assert callbacks
    for callback in callbacks:
        callback()
    assert SCOPE_GENERATION.current() != before


def test_a_request_between_revocation_and_commit_cannot_recache_the_revoked_scope(
        tree, django_capture_on_commit_callbacks):
    officer = f.member(tree["c1"], Role.OFFICER)
    assert list(visible_units(fresh(officer)).values_list("name", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user=officer).delete()
        # Another request, before this transaction commits, still reads the membership and caches it under
        # whatever generation is current at that moment.
        # (Another request has no private generation: the shared key.)
        cache.set(f"units:scope:{SCOPE_GENERATION.current()}::{officer.pk}", [(Role.OFFICER, tree["c1"].path)], 300)

    assert not visible_units(fresh(officer)).exists()


def test_the_transaction_that_grants_a_role_acts_with_it_before_commit_and_no_one_else_sees_it(tree):
    # A demo step or a service grants a role and then acts with it in one transaction (load_demo's titles step
    # did, and was refused once the bump moved to the commit). Other requests keep the committed scope.
    admin = f.member(tree["p1"], Role.ADMIN)
    newcomer = f.UserFactory()
    assert not can_act_on(newcomer, tree["c1"], [Role.OFFICER])  # cached: "no role"
    private_before = _private_generation()

    services.membership_grant(user=newcomer, unit=tree["c1"], role=Role.OFFICER, by=admin)

    assert _private_generation() not in ("", private_before)  # a new private generation for this transaction
    assert can_act_on(newcomer, tree["c1"], [Role.OFFICER])  # this transaction sees its own grant at once
    assert can_act_on(fresh(newcomer), tree["c1"], [Role.OFFICER])
    # Nothing was written where other requests read (the shared generation, no private part) before the commit.
    assert cache.get(f"units:scope:{SCOPE_GENERATION.current()}::{newcomer.pk}") is None


def test_a_succession_change_is_dropped_at_commit(tree, django_capture_on_commit_callbacks):
    from units.models import Succession

    officer = f.member(tree["c1"], Role.OFFICER)
    before = SCOPE_GENERATION.current()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Succession.objects.create(predecessor=tree["c3"], successor=tree["c1"], kind="merge", date="2025-07-01")
        assert SCOPE_GENERATION.current() == before
    for callback in callbacks:
        callback()
    assert visible_units(fresh(officer)).filter(pk=tree["c3"].pk).exists()


def test_path_repair_drops_cached_scopes_at_commit(tree, django_capture_on_commit_callbacks):
    officer = f.member(tree["c1"], Role.OFFICER)
    Unit.objects.filter(pk=tree["c1"].pk).update(path="")
    assert not visible_units(fresh(officer)).exists()  # cached: a broken path reaches nothing
    before = SCOPE_GENERATION.current()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.unit_paths_repair() == 1
        assert SCOPE_GENERATION.current() == before
    for callback in callbacks:
        callback()

    assert SCOPE_GENERATION.current() != before
    assert set(visible_units(fresh(officer)).values_list("pk", flat=True)) == {
        tree["c1"].pk, tree["h1"].pk, tree["s1"].pk}


def test_a_repair_that_changes_nothing_keeps_the_cache(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.unit_paths_repair() == 0
    assert callbacks == []


def test_a_membership_on_a_unit_with_an_empty_path_grants_nothing(tree, api_client):
    officer = f.member(tree["c1"], Role.ADMIN)
    Unit.objects.filter(pk=tree["c1"].pk).update(path="")  # as a write around the services left it

    user = fresh(officer)
    assert not visible_units(user).exists()
    assert not can_act_on(user, tree["c3"], [Role.OFFICER])
    assert not can_act_on(user, Unit.objects.get(pk=tree["p2"].pk), None)
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/units/").json()["count"] == 0
    assert api_client.get(f"/api/v1/units/{tree['c3'].pk}/").status_code == 404
