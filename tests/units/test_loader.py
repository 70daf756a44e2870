"""The real loader: the whole country of both eras, from the installed `vietnamadminunits` data.

Loading the country takes seconds, so this module loads it once, inside a transaction that is rolled
back when the module ends: every test here sees it, no other module does, and a reused test database
never keeps it. Each test runs in a savepoint inside that transaction (pytest-django's `db`).
"""

import datetime
import hashlib
import io
import json
import sqlite3

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from tests import factories as f
from units.admin_data import package_data_dir
from units.loader import load_admin_units
from units.models import Level, Succession, Unit
from units.selectors import units_valid_on
from units.services import unit_paths_repair

pytestmark = pytest.mark.django_db

LAST_OLD_DAY = datetime.date(2025, 6, 30)
REFORM_DAY = datetime.date(2025, 7, 1)
PROJECT_APPS = ("core", "units", "campaigns", "titles", "reports", "awards")


@pytest.fixture(scope="module")
def country(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            result = load_admin_units()
        except BaseException:
            outer.__exit__(None, None, None)
            raise
    try:
        yield result
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def superuser_api(db, country, api_client):
    api_client.force_authenticate(f.UserFactory(is_superuser=True, is_staff=True))
    return api_client


def package_counts() -> dict[str, tuple[int, int, int]]:
    """Provinces, districts and communes of each era, counted by the package's own database."""
    db = sqlite3.connect(f"file:{package_data_dir() / 'dataset.db'}?mode=ro", uri=True)
    try:
        legacy = db.execute(
            "SELECT COUNT(DISTINCT provinceKey), COUNT(DISTINCT provinceKey || '/' || districtKey), "
            "COUNT(DISTINCT CASE WHEN wardKey <> '' THEN provinceKey || '/' || districtKey || '/' || wardKey END) "
            "FROM admin_units_legacy"
        ).fetchone()
        current = db.execute(
            "SELECT COUNT(DISTINCT provinceKey), 0, COUNT(DISTINCT provinceKey || '/' || wardKey) FROM admin_units"
        ).fetchone()
    finally:
        db.close()
    return {"legacy": tuple(legacy), "current": tuple(current)}


def tree_counts(day: datetime.date) -> tuple[int, int, int]:
    valid = units_valid_on(Unit.objects.all(), day)
    return tuple(valid.filter(level=level).count() for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))


def tree_checksum() -> str:
    digest = hashlib.sha256()
    for row in Unit.objects.order_by("id").values_list("id", "path", "name", "valid_to"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def project_row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps, history tables included (those migrated so far)."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model.objects.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model._meta.db_table in tables
    }


def by_key(source_key: str) -> Unit:
    return Unit.objects.get(source_key=source_key)


def test_each_era_has_as_many_units_as_the_package_data(country):
    expected = package_counts()
    assert expected == {"legacy": (63, 696, 10035), "current": (34, 0, 3321)}
    assert tree_counts(LAST_OLD_DAY) == expected["legacy"]
    assert tree_counts(REFORM_DAY) == expected["current"]
    assert Unit.objects.filter(level=Level.NATION).count() == 1


def test_loaded_paths_match_the_parent_chain(country):
    assert unit_paths_repair() == 0
    nation = Unit.objects.get(level=Level.NATION)
    assert not Unit.objects.exclude(path__startswith=nation.path).exists()


def test_second_load_changes_nothing(country):
    units, successions, checksum = Unit.objects.count(), Succession.objects.count(), tree_checksum()

    result = load_admin_units()

    assert result.changed is False
    assert (Unit.objects.count(), Succession.objects.count(), tree_checksum()) == (units, successions, checksum)


def converter_predecessor_keys(province_key: str, ward_key: str) -> set[str]:
    """The legacy communes the package's converter says a 2025 commune was formed from (whole or in part)."""
    converter = json.loads((package_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    whole = converter["DICT_PROVINCE_WARD_NO_DIVIDED"][province_key].get(ward_key, [])
    divided = [
        old_key
        for old_key, parts in converter["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {}).items()
        if any(part["newWardKey"] == ward_key for part in parts)
    ]
    return {f"old:{key}" for key in [*whole, *divided]}


def test_merged_2025_commune_lists_its_predecessors_through_the_api(superuser_api):
    ward = by_key("new:tinhhatinh_phuongtranphu")

    body = superuser_api.get(f"/api/v1/units/{ward.pk}/lineage/").json()

    expected_ids = {by_key(key).pk for key in converter_predecessor_keys("tinhhatinh", "phuongtranphu")}
    assert {p["unit"]["id"] for p in body["predecessors"]} == expected_ids
    assert sorted(p["unit"]["name"] for p in body["predecessors"]) == [
        "Phường Thạch Hạ", "Phường Thạch Trung", "Phường Đồng Môn", "Xã Hộ Độ",
    ]
    assert {(p["partial"], p["date"], p["kind"]) for p in body["predecessors"]} == {(False, "2025-07-01", "merge")}
    assert body["successors"] == []


def test_every_converter_predecessor_of_a_2025_commune_is_recorded(superuser_api):
    ward = by_key("new:tinhhatinh_phuonghahuytap")

    body = superuser_api.get(f"/api/v1/units/{ward.pk}/lineage/").json()

    expected_ids = {by_key(key).pk for key in converter_predecessor_keys("tinhhatinh", "phuonghahuytap")}
    assert {p["unit"]["id"] for p in body["predecessors"]} == expected_ids
    # Phường Đại Nài was divided: only part of it went into Phường Hà Huy Tập.
    assert {(p["unit"]["name"], p["partial"]) for p in body["predecessors"]} == {
        ("Xã Thạch Đài", False), ("Xã Tân Lâm Hương", False), ("Phường Đại Nài", True),
    }


def test_commune_formed_from_a_divided_legacy_commune_shows_it_as_partial(superuser_api):
    divided = by_key("old:thanhphocantho_huyenthoilai_xatanthanh")
    receiving = by_key("new:thanhphocantho_xatruongthanh")

    body = superuser_api.get(f"/api/v1/units/{receiving.pk}/lineage/").json()
    from_divided = [p for p in body["predecessors"] if p["unit"]["id"] == divided.pk]
    successors = superuser_api.get(f"/api/v1/units/{divided.pk}/lineage/").json()["successors"]

    assert len(from_divided) == 1 and from_divided[0]["partial"] is True
    # The divided commune went to two new communes; the package's default one keeps its figures.
    assert {(s["unit"]["name"], s["partial"], s["primary"]) for s in successors} == {
        ("Xã Trường Thành", True, True),
        ("Xã Tân Thạnh", True, False),
    }


def test_province_code_24_is_bac_giang_before_the_reform_and_bac_ninh_after(superuser_api):
    def names_on(day: str) -> list[str]:
        body = superuser_api.get("/api/v1/units/", {"level": "province", "code": "24", "valid_on": day}).json()
        return [row["name"] for row in body["results"]]

    assert names_on("2025-06-30") == ["Tỉnh Bắc Giang"]
    assert names_on("2025-07-01") == ["Tỉnh Bắc Ninh"]


def test_new_bac_ninh_was_formed_from_bac_giang_and_old_bac_ninh(superuser_api):
    new_bac_ninh = by_key("new:tinhbacninh")

    body = superuser_api.get(f"/api/v1/units/{new_bac_ninh.pk}/lineage/").json()

    assert new_bac_ninh.valid_from == REFORM_DAY and new_bac_ninh.valid_to is None
    assert {p["unit"]["id"] for p in body["predecessors"]} == {
        by_key("old:tinhbacgiang").pk, by_key("old:tinhbacninh").pk
    }
    assert {p["unit"]["name"] for p in body["predecessors"]} == {"Tỉnh Bắc Giang", "Tỉnh Bắc Ninh"}


def test_ha_tinh_is_one_unit_valid_in_both_eras(country):
    ha_tinh = by_key("both:tinhhatinh")

    assert Unit.objects.filter(level=Level.PROVINCE, name="Tỉnh Hà Tĩnh").count() == 1
    assert ha_tinh.is_valid_on(LAST_OLD_DAY) and ha_tinh.is_valid_on(REFORM_DAY)
    assert not Succession.objects.filter(successor=ha_tinh).exists()
    # Its districts end with the old era; its new communes hang directly under it.
    assert units_valid_on(ha_tinh.children.filter(level=Level.DISTRICT), LAST_OLD_DAY).exists()
    assert not units_valid_on(ha_tinh.children.filter(level=Level.DISTRICT), REFORM_DAY).exists()
    assert units_valid_on(ha_tinh.children.filter(level=Level.COMMUNE), REFORM_DAY).exists()


def test_load_demo_twice_changes_nothing(country):
    call_command("load_demo", "--force", stdout=io.StringIO())
    counts, checksum = project_row_counts(), tree_checksum()

    call_command("load_demo", "--force", stdout=io.StringIO())

    assert project_row_counts() == counts
    assert tree_checksum() == checksum
    assert counts["units.Membership"] > 0 and counts["units.Household"] > 0

