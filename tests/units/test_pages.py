"""The unit browser and unit pages: diacritic-insensitive search within scope, flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from units.models import Succession
from units.roles import Role


def listed_names(response) -> list[str]:
    assert response.status_code == 200
    return [unit.name for unit in response.context["page"]]


@pytest.fixture
def ha_tinh(tree):
    province = f.province(name="Tỉnh Hà Tĩnh", code="42")
    f.commune(province, name="Phường Thành Sen", code="18073")
    # A namesake outside the officer's province: search must not reach it.
    f.commune(tree["p2"], name="Xã Hòa Bình", code="99004")
    return province


def test_superuser_search_without_diacritics_finds_ha_tinh(ha_tinh, client):
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True))

    response = client.get("/units/", {"q": "ha tinh"})

    assert listed_names(response) == ["Tỉnh Hà Tĩnh"]
    assert "Tỉnh Hà Tĩnh" in response.content.decode()


def test_commune_officer_search_stays_in_their_subtree(tree, ha_tinh, client):
    client.force_login(f.member(tree["c1"], Role.OFFICER))

    assert listed_names(client.get("/units/", {"q": "ha tinh"})) == []
    assert sorted(listed_names(client.get("/units/", {"q": "hoa binh"}))) == ["Trường Tiểu học Hòa Bình", "Xã Hòa Bình"]
    assert [u.pk for u in client.get("/units/", {"q": "hoa binh"}).context["page"]].count(tree["c1"].pk) == 1


def test_search_can_be_narrowed_by_level(tree, client):
    client.force_login(f.member(tree["c1"], Role.OFFICER))

    assert listed_names(client.get("/units/", {"q": "hoa binh", "level": "commune"})) == ["Xã Hòa Bình"]


def test_browser_without_a_query_starts_at_the_users_units(tree, client):
    client.force_login(f.member(tree["c1"], Role.OFFICER))

    response = client.get("/units/")

    assert [u.pk for u in response.context["roots"]] == [tree["c1"].pk]
    assert "Cây đơn vị" in response.content.decode()


def test_search_on_a_past_day_finds_units_of_the_old_tree(tree, client):
    client.force_login(f.member(tree["p1"], Role.VIEWER))
    f.commune(tree["p1"], name="Xã Hòa Bình Cũ", code="99020", valid_to="2025-06-30")

    assert listed_names(client.get("/units/", {"q": "hoa binh cu"})) == []
    assert listed_names(client.get("/units/", {"q": "hoa binh cu", "valid_on": "30/06/2025"})) == ["Xã Hòa Bình Cũ"]


def test_unit_page_shows_children_and_lineage(tree, client):
    old = f.commune(tree["p1"], name="Xã Cũ Đã Sáp Nhập", code="99009", valid_to="2025-06-30")
    Succession.objects.create(predecessor=old, successor=tree["c1"], kind=Succession.Kind.MERGE, date="2025-07-01")
    client.force_login(f.member(tree["c1"], Role.OFFICER))

    page = client.get(f"/units/{tree['c1'].pk}/").content.decode()

    assert "Thôn Một" in page
    assert "Quá trình sắp xếp đơn vị hành chính" in page and "Xã Cũ Đã Sáp Nhập" in page
    assert "01/07/2025" in page


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_search_page_query_count_does_not_grow_with_results(db, client, django_assert_max_num_queries):
    province = f.province(name="Tỉnh Đếm")
    client.force_login(f.member(province, Role.VIEWER))
    for n in range(5):
        f.commune(province, name=f"Xã Tìm Thấy {n}")
    with_five = count_queries(client, "/units/", {"q": "tim thay"})

    for n in range(5, 50):
        f.commune(province, name=f"Xã Tìm Thấy {n}")
    with django_assert_max_num_queries(with_five):
        assert len(client.get("/units/", {"q": "tim thay"}).context["page"]) == 50


def test_unit_page_query_count_does_not_grow_with_children(db, client, django_assert_max_num_queries):
    province = f.province(name="Tỉnh Đếm")
    commune = f.commune(province, name="Xã Đếm")
    client.force_login(f.member(commune, Role.OFFICER))
    for _ in range(5):
        f.hamlet(commune)
    with_five = count_queries(client, f"/units/{commune.pk}/")

    for _ in range(45):
        f.hamlet(commune)
    with django_assert_max_num_queries(with_five):
        assert client.get(f"/units/{commune.pk}/").context["children_page"].paginator.count == 50


def test_home_page_query_count_does_not_grow_with_memberships(db, client, django_assert_max_num_queries):
    province = f.province(name="Tỉnh Đếm")
    user = f.member(province, Role.VIEWER)
    client.force_login(user)
    for _ in range(2):
        f.MembershipFactory(user=user, unit=f.commune(province), role=Role.OFFICER)
    with_few = count_queries(client, "/")

    for _ in range(10):
        f.MembershipFactory(user=user, unit=f.commune(province), role=Role.OFFICER)
    with django_assert_max_num_queries(with_few):
        assert "Xin chào" in client.get("/").content.decode()
