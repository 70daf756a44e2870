"""Write services of units: the tree's rules, code uniqueness per validity period, paths, history."""

import datetime

import pytest

from core.errors import DomainError, PermissionDenied
from tests import factories as f
from units import services
from units.models import Kind, Level, Unit, path_segment
from units.roles import Role
from units.tasks import verify_unit_paths

LAST_OLD_DAY = datetime.date(2025, 6, 30)
REFORM_DAY = datetime.date(2025, 7, 1)


@pytest.fixture
def admin(tree):
    return f.member(tree["p1"], Role.ADMIN)


def snapshot() -> list[tuple]:
    fields = ("id", "parent_id", "name", "code", "path", "valid_to", "email", "phone")
    return list(Unit.objects.order_by("id").values_list(*fields))


def test_hamlet_cannot_hang_under_a_province(tree, admin):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        services.unit_create(parent=tree["p1"], name="Thôn Lạc Chỗ", level=Level.HAMLET, kind=Kind.HAMLET, by=admin)

    assert refused.value.field == "parent"
    assert refused.value.message == (
        "Đơn vị cấp “Thôn/Ấp/Khu phố/Tổ dân phố” không thể trực thuộc đơn vị cấp “Tỉnh/Thành phố”."
    )
    assert snapshot() == before


def test_organisation_needs_an_organisation_kind(tree, admin):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        services.unit_create(parent=tree["c1"], name="Trường Lạ", level=Level.ORGANISATION, kind=Kind.HAMLET, by=admin)

    assert refused.value.field == "kind"
    assert snapshot() == before


def test_code_in_use_by_a_unit_valid_at_the_same_time_is_refused(tree, admin):
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        services.unit_create(parent=tree["p1"], name="Xã Trùng Mã", level=Level.COMMUNE, kind=Kind.COMMUNE,
                             code="99003", by=admin)

    assert refused.value.field == "code"
    assert refused.value.message == "Mã “99003” đã được dùng cho đơn vị “Xã Tây Sơn” trong cùng thời gian hiệu lực."
    assert snapshot() == before


def test_code_clash_with_overlapping_past_period_is_refused(tree, admin):
    f.commune(tree["p1"], name="Xã Cũ", code="99100", valid_to=LAST_OLD_DAY)
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        services.unit_create(parent=tree["p1"], name="Xã Chồng Lấn", level=Level.COMMUNE, kind=Kind.COMMUNE,
                             code="99100", valid_from=datetime.date(2025, 1, 1), by=admin)

    assert refused.value.field == "code"
    assert snapshot() == before


def test_code_may_be_reused_when_validity_periods_do_not_overlap(tree, admin):
    old = f.commune(tree["p1"], name="Xã Cũ", code="99100", valid_to=LAST_OLD_DAY)

    new = services.unit_create(parent=tree["p1"], name="Xã Mới", level=Level.COMMUNE, kind=Kind.COMMUNE,
                               code="99100", valid_from=REFORM_DAY, by=admin)

    assert set(Unit.objects.filter(level=Level.COMMUNE, code="99100")) == {old, new}


def test_created_children_paths_extend_their_parents(tree, admin):
    school = services.unit_create(parent=tree["c1"], name="Trường THCS Hòa Bình", level=Level.ORGANISATION,
                                  kind=Kind.SCHOOL, by=admin)
    club = services.unit_create(parent=school, name="Câu lạc bộ đọc sách", level=Level.ORGANISATION,
                                kind=Kind.ASSOCIATION, by=admin)

    for child, parent in ((school, tree["c1"]), (club, school)):
        child.refresh_from_db()
        assert child.path == parent.path + path_segment(child.pk)
        assert child.depth == parent.depth + 1
    assert set(Unit.objects.filter(path__startswith=tree["c1"].path)) >= {tree["c1"], tree["h1"], school, club}
    assert services.unit_paths_repair() == 0


def test_child_of_an_ended_unit_ends_with_it(tree, admin):
    old = f.commune(tree["p1"], name="Xã Cũ", code="99100", valid_to=LAST_OLD_DAY)

    hamlet = services.unit_create(parent=old, name="Thôn Cũ", level=Level.HAMLET, kind=Kind.HAMLET, by=admin)

    assert hamlet.valid_to == LAST_OLD_DAY


def test_officer_cannot_create_under_a_unit_outside_scope(tree):
    officer = f.member(tree["c1"], Role.OFFICER)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.unit_create(parent=tree["c2"], name="Thôn Lạ", level=Level.HAMLET, kind=Kind.HAMLET, by=officer)

    assert snapshot() == before


def test_only_a_superuser_creates_a_root(tree, admin):
    before = snapshot()

    with pytest.raises(DomainError):
        services.unit_create(parent=None, name="Gốc Lạ", level=Level.NATION, kind=Kind.NATION, by=admin)

    assert snapshot() == before


def test_paths_repair_fixes_a_corrupted_path_and_then_finds_nothing(tree):
    good = tree["c1"].path
    Unit.objects.filter(pk=tree["c1"].pk).update(path="99999999/", depth=7)

    assert services.unit_paths_repair() == 1
    tree["c1"].refresh_from_db()
    assert (tree["c1"].path, tree["c1"].depth) == (good, 1)
    assert services.unit_paths_repair() == 0


def test_nightly_task_repairs_paths_through_the_service(tree):
    Unit.objects.filter(pk=tree["h1"].pk).update(path="")

    # apply() runs the task here whatever the broker: this run may have Redis and no worker.
    assert verify_unit_paths.apply().get() == 1
    assert verify_unit_paths.apply().get() == 0


def test_history_records_who_changed_a_units_contact(tree):
    officer = f.member(tree["c1"], Role.OFFICER)

    services.unit_update_contact(unit=tree["c1"], by=officer, email="xahoabinh@example.test", phone="0239 123 456")

    latest = tree["c1"].history.order_by("-history_id").first()
    assert latest.history_user == officer
    assert (latest.email, latest.phone) == ("xahoabinh@example.test", "0239 123 456")


def test_history_records_who_changed_a_contact_through_the_page(tree, client):
    officer = f.member(tree["c1"], Role.OFFICER)
    client.force_login(officer)

    client.post(f"/units/{tree['c1'].pk}/contact/", {"email": "xahoabinh@example.test", "phone": "0239"})

    assert tree["c1"].history.order_by("-history_id").first().history_user == officer
    page = client.get(f"/units/{tree['c1'].pk}/").content.decode()
    assert str(officer) in page


def test_contact_with_a_bad_email_is_refused_naming_the_field(tree):
    officer = f.member(tree["c1"], Role.OFFICER)
    before = snapshot(), tree["c1"].history.count()

    with pytest.raises(DomainError) as refused:
        services.unit_update_contact(unit=tree["c1"], by=officer, email="khong-phai-email", phone="")

    assert refused.value.field == "email"
    assert (snapshot(), tree["c1"].history.count()) == before


def test_stale_contact_edit_is_a_conflict(tree):
    officer = f.member(tree["c1"], Role.OFFICER)
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        services.unit_update_contact(unit=tree["c1"], by=officer, email="a@example.test", phone="",
                                     expected_name="Xã Tên Cũ")

    assert refused.value.status == 409
    assert snapshot() == before


def test_membership_grant_needs_the_admin_role(tree, admin):
    officer = f.member(tree["c1"], Role.OFFICER)
    newcomer = f.UserFactory()

    with pytest.raises(PermissionDenied):
        services.membership_grant(user=newcomer, unit=tree["c1"], role=Role.OFFICER, by=officer)
    assert not newcomer.memberships.exists()

    services.membership_grant(user=newcomer, unit=tree["c1"], role=Role.OFFICER, by=admin)
    services.membership_grant(user=newcomer, unit=tree["c1"], role=Role.OFFICER, by=admin)
    assert newcomer.memberships.count() == 1
