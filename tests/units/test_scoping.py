"""Nobody sees or changes what lies outside their unit subtree and role; every refusal changes nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import User
from tests import factories as f
from units.models import Unit
from units.roles import Role

NOT_FOUND = "Không tìm thấy trang"  # the 404 page, the same for a unit outside the scope and a missing one
NEW_CONTACT = {"email": "moi@example.test", "phone": "0911111111"}
NEW_HAMLET = {"name": "Thôn Mới", "kind": "thon", "code": "", "email": "", "phone": ""}


def contact_of(unit: Unit) -> tuple[str, str, int]:
    unit = Unit.objects.get(pk=unit.pk)
    return unit.email, unit.phone, unit.history.count()


def result_ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def officer(tree, client):
    user = f.member(tree["c1"], Role.OFFICER)
    client.force_login(user)
    return user


# --- Pages ---


def test_commune_officer_cannot_open_another_communes_page(tree, client, officer):
    response = client.get(f"/units/{tree['c2'].pk}/")

    # 404, the answer for a unit that does not exist: a 403 would confirm it does (issue 11, point 6).
    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()


def test_commune_officer_opens_own_commune_and_what_lies_below(tree, client, officer):
    for unit in ("c1", "h1", "s1"):
        assert client.get(f"/units/{tree[unit].pk}/").status_code == 200, unit


def test_commune_officer_edits_own_communes_contact(tree, client, officer):
    response = client.post(f"/units/{tree['c1'].pk}/contact/", NEW_CONTACT)

    assert response.status_code == 302
    assert contact_of(tree["c1"])[:2] == ("moi@example.test", "0911111111")


def test_commune_officer_cannot_edit_another_communes_contact(tree, client, officer):
    before = contact_of(tree["c2"])

    response = client.post(f"/units/{tree['c2'].pk}/contact/", NEW_CONTACT)

    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()
    assert contact_of(tree["c2"]) == before


def test_commune_officer_cannot_add_a_child_to_another_commune(tree, client, officer):
    units_before = Unit.objects.count()

    response = client.post(f"/units/{tree['c2'].pk}/children/new/", NEW_HAMLET)

    assert response.status_code == 404
    assert NOT_FOUND in response.content.decode()
    assert Unit.objects.count() == units_before
    assert not Unit.objects.filter(name="Thôn Mới").exists()


def test_commune_officer_cannot_add_a_child_to_a_commune_of_another_province(tree, client, officer):
    units_before = Unit.objects.count()

    response = client.post(f"/units/{tree['c3'].pk}/children/new/", NEW_HAMLET)

    assert response.status_code == 404
    assert Unit.objects.count() == units_before


def test_viewer_sees_own_commune_without_edit_forms(tree, client):
    client.force_login(f.member(tree["c1"], Role.VIEWER))

    response = client.get(f"/units/{tree['c1'].pk}/")

    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert f"/units/{tree['c1'].pk}/contact/" not in response.content.decode()


def test_viewer_cannot_edit_contact_of_a_unit_in_scope(tree, client):
    client.force_login(f.member(tree["c1"], Role.VIEWER))
    before = contact_of(tree["c1"])

    response = client.post(f"/units/{tree['c1'].pk}/contact/", NEW_CONTACT)

    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này đối với đơn vị “Xã Hòa Bình”." in response.content.decode()
    assert contact_of(tree["c1"]) == before


def test_viewer_cannot_add_a_child_to_a_unit_in_scope(tree, client):
    client.force_login(f.member(tree["c1"], Role.VIEWER))
    units_before = Unit.objects.count()

    response = client.post(f"/units/{tree['c1'].pk}/children/new/", NEW_HAMLET)

    assert response.status_code == 403
    assert Unit.objects.count() == units_before


def test_province_membership_reaches_its_communes_and_hamlets(tree, client):
    client.force_login(f.member(tree["p1"], Role.REVIEWER))

    for unit in ("p1", "c1", "c2", "h1", "h2", "s2"):
        assert client.get(f"/units/{tree[unit].pk}/").status_code == 200, unit
    for unit in ("p2", "c3"):
        assert client.get(f"/units/{tree[unit].pk}/").status_code == 404, unit


def test_superuser_opens_every_unit(tree, client):
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True))

    for unit in tree.values():
        assert client.get(f"/units/{unit.pk}/").status_code == 200, unit.name


@pytest.mark.parametrize("url", ["/", "/units/", "/units/{pk}/"])
def test_anonymous_user_is_sent_to_login(tree, client, url):
    url = url.format(pk=tree["c1"].pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_post_changes_nothing(tree, client):
    before, units_before = contact_of(tree["c1"]), Unit.objects.count()

    client.post(f"/units/{tree['c1'].pk}/contact/", NEW_CONTACT)
    client.post(f"/units/{tree['c1'].pk}/children/new/", NEW_HAMLET)

    assert contact_of(tree["c1"]) == before
    assert Unit.objects.count() == units_before


# --- API ---


@pytest.mark.parametrize("suffix", ["", "children/", "lineage/"])
def test_api_hides_another_communes_unit_as_not_found(tree, api_client, suffix):
    api_client.force_authenticate(f.member(tree["c1"], Role.OFFICER))

    response = api_client.get(f"/api/v1/units/{tree['c2'].pk}/{suffix}")

    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy đơn vị hoặc bạn không có quyền xem."


@pytest.mark.parametrize("suffix", ["", "children/", "lineage/"])
def test_api_serves_own_communes_unit(tree, api_client, suffix):
    api_client.force_authenticate(f.member(tree["c1"], Role.VIEWER))

    assert api_client.get(f"/api/v1/units/{tree['c1'].pk}/{suffix}").status_code == 200


def test_api_list_holds_exactly_the_officers_subtree(tree, api_client):
    api_client.force_authenticate(f.member(tree["c1"], Role.OFFICER))

    response = api_client.get("/api/v1/units/")

    assert response.status_code == 200
    assert result_ids(response) == {tree["c1"].pk, tree["h1"].pk, tree["s1"].pk}


def test_api_list_of_a_province_member_holds_the_provinces_subtree(tree, api_client):
    api_client.force_authenticate(f.member(tree["p1"], Role.VIEWER))

    response = api_client.get("/api/v1/units/")

    assert result_ids(response) == {tree[k].pk for k in ("p1", "c1", "c2", "h1", "h2", "s1", "s2")}


def test_api_list_of_two_memberships_is_their_union(tree, api_client):
    user = f.member(tree["c1"], Role.OFFICER)
    f.MembershipFactory(user=user, unit=tree["c3"], role=Role.VIEWER)
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/units/")

    assert result_ids(response) == {tree[k].pk for k in ("c1", "h1", "s1", "c3")}


def test_api_list_of_a_superuser_holds_every_unit(tree, api_client):
    api_client.force_authenticate(f.UserFactory(is_superuser=True))

    response = api_client.get("/api/v1/units/")

    assert result_ids(response) == {u.pk for u in tree.values()}


def test_api_list_of_a_user_without_membership_is_empty(tree, api_client):
    api_client.force_authenticate(f.UserFactory())

    response = api_client.get("/api/v1/units/")

    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("url", ["/api/v1/units/", "/api/v1/units/{pk}/", "/api/v1/me/"])
def test_anonymous_api_call_gets_401(tree, api_client, url):
    response = api_client.get(url.format(pk=tree["c1"].pk))

    assert response.status_code == 401
    assert response.json()["detail"]


def test_api_list_query_count_does_not_grow_with_units(db, api_client, django_assert_max_num_queries):
    province = f.province(name="Tỉnh Đếm Truy Vấn")
    user = f.member(province, Role.VIEWER)

    def list_units() -> int:
        # A fresh user object per request, as in production (no per-object cache carried over).
        api_client.force_authenticate(User.objects.get(pk=user.pk))
        return api_client.get("/api/v1/units/", {"page_size": 200}).json()["count"]

    for _ in range(5):
        f.hamlet(f.commune(province))
    with CaptureQueriesContext(connection) as with_five:
        assert list_units() == 11

    for _ in range(45):
        f.hamlet(f.commune(province))
    with django_assert_max_num_queries(len(with_five)):
        assert list_units() == 101


@pytest.mark.django_db
def test_new_commune_officer_reads_predecessors_but_cannot_edit_them(client, tree):
    """After the 2025 reform a commune's officer needs its predecessors' history, read-only."""
    from units.models import Succession

    old = f.commune(tree["p2"], name="Xã Cũ Trước Sáp Nhập", code="88001")
    Succession.objects.create(predecessor=old, successor=tree["c1"], kind="merge",
                              date=datetime.date(2025, 7, 1))
    officer = f.member(tree["c1"], "officer")
    client.force_login(officer)

    assert client.get(f"/units/{old.pk}/").status_code == 200
    response = client.post(f"/units/{old.pk}/contact/", {"email": "x@example.test", "phone": "1"})
    assert response.status_code == 403
    old.refresh_from_db()
    assert old.email == "" and old.phone == ""
    # Another commune of that old province stays out of reach (404, as for a unit that does not exist).
    assert client.get(f"/units/{tree['c3'].pk}/").status_code == 404
