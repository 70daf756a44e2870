"""The units part of the public REST contract (API.md): filters, pagination, CSV, item shape, lineage."""

import csv
import datetime
import io

import pytest

from tests import factories as f
from units.models import Kind, Level, Succession, Unit, path_segment
from units.roles import Role

ITEM_FIELDS = ["id", "code", "name", "level", "kind", "parent", "valid_from", "valid_to"]
LAST_OLD_DAY = datetime.date(2025, 6, 30)
REFORM_DAY = datetime.date(2025, 7, 1)


@pytest.fixture
def superuser_api(api_client):
    api_client.force_authenticate(f.UserFactory(is_superuser=True, is_staff=True))
    return api_client


@pytest.fixture
def eras(tree):
    """A commune that ended with the old era, merged into tree's c1 (partly) on the reform day."""
    old = f.commune(tree["p1"], name="Xã Cũ Đã Sáp Nhập", code="99009", valid_to=LAST_OLD_DAY)
    new = f.commune(tree["p1"], name="Xã Mới Sau Sắp Xếp", code="99010", valid_from=REFORM_DAY)
    Succession.objects.create(
        predecessor=old, successor=tree["c1"], kind=Succession.Kind.SPLIT, date=REFORM_DAY, partial=True, primary=True
    )
    Succession.objects.create(
        predecessor=old, successor=new, kind=Succession.Kind.SPLIT, date=REFORM_DAY, partial=True, primary=False
    )
    return {"old": old, "new": new}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def pks(tree, *names) -> set[int]:
    return {tree[n].pk for n in names}


# --- Filters ---


def test_filter_by_level(tree, superuser_api):
    assert ids(superuser_api.get("/api/v1/units/", {"level": "commune"})) == pks(tree, "c1", "c2", "c3")
    assert ids(superuser_api.get("/api/v1/units/", {"level": "hamlet"})) == pks(tree, "h1", "h2")


def test_filter_by_kind(tree, superuser_api):
    assert ids(superuser_api.get("/api/v1/units/", {"kind": "school"})) == pks(tree, "s1", "s2")


def test_filter_by_parent(tree, superuser_api):
    assert ids(superuser_api.get("/api/v1/units/", {"parent": tree["c1"].pk})) == pks(tree, "h1", "s1")


def test_filter_by_code(tree, superuser_api):
    assert ids(superuser_api.get("/api/v1/units/", {"code": "99002"})) == pks(tree, "c2")


def test_name_search_ignores_diacritics(tree, superuser_api):
    ha_tinh = f.province(name="Tỉnh Hà Tĩnh", code="42")

    assert ids(superuser_api.get("/api/v1/units/", {"q": "ha tinh"})) == {ha_tinh.pk}
    assert ids(superuser_api.get("/api/v1/units/", {"q": "dong ha"})) == pks(tree, "c2", "s2")
    assert ids(superuser_api.get("/api/v1/units/", {"q": "ĐÔNG HÀ"})) == pks(tree, "c2", "s2")


def test_name_search_stays_within_scope(tree, api_client):
    api_client.force_authenticate(f.member(tree["c1"], Role.OFFICER))

    assert ids(api_client.get("/api/v1/units/", {"q": "dong ha"})) == set()
    assert ids(api_client.get("/api/v1/units/", {"q": "hoa binh"})) == pks(tree, "c1", "s1")


def test_list_shows_the_current_tree_by_default(tree, eras, superuser_api):
    communes = ids(superuser_api.get("/api/v1/units/", {"level": "commune"}))

    assert eras["old"].pk not in communes
    assert eras["new"].pk in communes


def test_list_on_a_past_day_shows_the_tree_of_that_day(tree, eras, superuser_api):
    communes = ids(superuser_api.get("/api/v1/units/", {"level": "commune", "valid_on": "2025-06-30"}))

    assert eras["old"].pk in communes
    assert eras["new"].pk not in communes
    assert pks(tree, "c1", "c2", "c3") <= communes


def test_ended_unit_is_still_served_by_id(eras, superuser_api):
    response = superuser_api.get(f"/api/v1/units/{eras['old'].pk}/")

    assert response.status_code == 200
    assert response.json()["valid_to"] == "2025-06-30"


@pytest.mark.parametrize("params", [{"valid_on": "30/13/2025"}, {"level": "village"}, {"parent": "abc"}])
def test_bad_filter_value_gets_400_in_vietnamese(tree, superuser_api, params):
    response = superuser_api.get("/api/v1/units/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Dữ liệu không hợp lệ."
    assert set(body["errors"]) == set(params)


# --- Pagination, item shape, CSV ---


def test_list_is_paginated_with_count_next_previous_results(tree, superuser_api):
    first = superuser_api.get("/api/v1/units/", {"page_size": 4}).json()
    second = superuser_api.get("/api/v1/units/", {"page_size": 4, "page": 2}).json()

    assert list(first) == ["count", "next", "previous", "results"]
    assert first["count"] == len(tree)
    assert len(first["results"]) == 4 and first["previous"] is None and "page=2" in first["next"]
    assert second["previous"] is not None
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_page_size_is_capped_at_1000(db, superuser_api):
    province = f.province(name="Tỉnh Nhiều Thôn")
    Unit.objects.bulk_create(
        Unit(name=f"Thôn {i}", search_name=f"thon {i}", level=Level.HAMLET, kind=Kind.HAMLET, parent=province,
             path=province.path + path_segment(10_000_000 + i), depth=1)
        for i in range(1005)
    )

    body = superuser_api.get("/api/v1/units/", {"page_size": 5000}).json()

    assert body["count"] == 1006
    assert len(body["results"]) == 1000
    assert body["next"] is not None


def test_item_has_exactly_the_contract_fields(tree, superuser_api):
    item = superuser_api.get(f"/api/v1/units/{tree['c1'].pk}/").json()

    assert list(item) == ITEM_FIELDS
    assert item == {
        "id": tree["c1"].pk, "code": "99001", "name": "Xã Hòa Bình", "level": "commune", "kind": "xa",
        "parent": tree["p1"].pk, "valid_from": None, "valid_to": None,
    }
    listed = superuser_api.get("/api/v1/units/", {"code": "99001"}).json()["results"]
    assert listed == [item]


def test_csv_export_has_a_header_and_escapes_formula_looking_names(tree, superuser_api):
    f.hamlet(tree["c1"], name="=HYPERLINK(\"http://evil.example\")", code="")

    response = superuser_api.get("/api/v1/units/", {"format": "csv", "parent": tree["c1"].pk})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ITEM_FIELDS
    names = {row[2] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil.example\")" in names
    assert "Thôn Một" in names
    assert not any(name.startswith("=") for name in names)


# --- Children and lineage ---


def test_children_lists_the_direct_children_paginated(tree, superuser_api):
    response = superuser_api.get(f"/api/v1/units/{tree['c1'].pk}/children/")

    assert list(response.json()) == ["count", "next", "previous", "results"]
    assert ids(response) == pks(tree, "h1", "s1")


def test_children_of_a_province_follow_valid_on(tree, eras, superuser_api):
    url = f"/api/v1/units/{tree['p1'].pk}/children/"

    assert eras["old"].pk not in ids(superuser_api.get(url))
    assert eras["old"].pk in ids(superuser_api.get(url, {"valid_on": "2025-06-30"}))


def test_lineage_has_the_contract_shape(tree, eras, superuser_api):
    body = superuser_api.get(f"/api/v1/units/{tree['c1'].pk}/lineage/").json()

    assert set(body) == {"predecessors", "successors"}
    assert body["successors"] == []
    [predecessor] = body["predecessors"]
    assert {"unit", "partial", "date"} <= set(predecessor)
    assert predecessor["unit"] == {
        "id": eras["old"].pk, "code": "99009", "name": "Xã Cũ Đã Sáp Nhập", "level": "commune",
    }
    assert predecessor["partial"] is True
    assert predecessor["date"] == "2025-07-01"


def test_lineage_of_a_split_unit_lists_every_successor(tree, eras, superuser_api):
    body = superuser_api.get(f"/api/v1/units/{eras['old'].pk}/lineage/").json()

    assert body["predecessors"] == []
    assert {(s["unit"]["id"], s["partial"], s["primary"]) for s in body["successors"]} == {
        (tree["c1"].pk, True, True), (eras["new"].pk, True, False),
    }


def test_empty_valid_on_means_today_like_an_absent_one(tree, eras, superuser_api):
    communes = ids(superuser_api.get("/api/v1/units/", {"level": "commune", "valid_on": ""}))

    assert eras["old"].pk not in communes
    assert eras["new"].pk in communes
