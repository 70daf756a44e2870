"""Registries in the browser: a commune officer lists, adds and edits the households, clans and citizens
of the commune's hamlets; everyone else is refused, and a refusal changes nothing."""

import pytest
from django.urls import reverse

from core.errors import DomainError
from tests import factories as f
from units import services as unit_services
from units.models import Citizen, Clan, Household
from units.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(tree, officer):
    return unit_services.household_create(hamlet=tree["h1"], code="HB-001", head_name="Nguyễn Văn An",
                                          address="Số 1", by=officer)


def snapshot(model) -> list:
    return list(model.objects.order_by("pk").values())


def test_officer_adds_a_household_through_the_page_and_history_names_them(client, tree, officer):
    client.force_login(officer)
    response = client.post(reverse("titles:registry_new", args=["households"]), {
        "hamlet": tree["h1"].pk, "code": " HB-002 ", "head_name": "Trần Thị Bình", "address": ""})
    assert response.status_code == 302 and response.url == reverse("titles:registry", args=["households"])
    household = Household.objects.get()
    assert (household.unit, household.code, household.head_name) == (tree["h1"], "HB-002", "Trần Thị Bình")
    assert household.history.get().history_user == officer


def test_officer_edits_a_household_and_a_stale_form_is_refused_without_change(client, household, officer):
    client.force_login(officer)
    url = reverse("titles:registry_edit", args=["households", household.pk])
    page = client.get(url)
    version = page.context["version"]
    assert page.status_code == 200 and "Nguyễn Văn An" in page.content.decode()
    client.post(url, {"version": version, "code": "HB-001", "head_name": "Nguyễn Văn Anh", "address": "Số 1"})
    household.refresh_from_db()
    assert household.head_name == "Nguyễn Văn Anh"

    before = snapshot(Household)
    response = client.post(url, {"version": version, "code": "HB-001", "head_name": "Người khác", "address": ""},
                           follow=True)
    assert "đã được người khác sửa đổi" in response.content.decode()
    assert snapshot(Household) == before


def test_duplicate_household_code_in_the_hamlet_is_refused(tree, household, officer):
    before = snapshot(Household)
    with pytest.raises(DomainError, match="Mã hộ “HB-001” đã có trong Thôn Một") as refused:
        unit_services.household_create(hamlet=tree["h1"], code="HB-001", head_name="Ai đó", by=officer)
    assert refused.value.field == "code"
    assert snapshot(Household) == before


def test_officer_of_another_commune_can_neither_see_nor_change_the_registry(client, tree, household):
    stranger = f.member(tree["c2"], Role.OFFICER)
    before = snapshot(Household)
    client.force_login(stranger)
    url = reverse("titles:registry_edit", args=["households", household.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"code": "X", "head_name": "X"}).status_code == 404
    assert "HB-001" not in client.get(reverse("titles:registry", args=["households"])).content.decode()
    with pytest.raises(DomainError) as refused:
        unit_services.household_update(household=household, code="X", head_name="X", by=stranger)
    assert refused.value.status == 403
    with pytest.raises(DomainError) as refused:
        unit_services.household_create(hamlet=tree["h1"], code="HB-009", head_name="X", by=stranger)
    assert refused.value.status == 403
    assert snapshot(Household) == before


def test_a_foreign_hamlet_posted_to_the_add_form_is_refused(client, tree, officer):
    client.force_login(officer)
    response = client.post(reverse("titles:registry_new", args=["clans"]), {"hamlet": tree["h2"].pk, "name": "Họ Lê"})
    assert response.status_code == 200
    assert "Thôn/Tổ dân phố: Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    assert not Clan.objects.exists()


def test_viewer_of_the_commune_reads_the_registry_but_cannot_add_or_edit(client, tree, household):
    viewer = f.member(tree["c1"], Role.VIEWER)
    client.force_login(viewer)
    listing = client.get(reverse("titles:registry", args=["households"])).content.decode()
    assert "HB-001" in listing and reverse("titles:registry_edit", args=["households", household.pk]) not in listing
    before = snapshot(Household)
    response = client.post(reverse("titles:registry_edit", args=["households", household.pk]),
                           {"code": "HB-001", "head_name": "Đổi tên", "address": ""})
    assert response.status_code == 403
    with pytest.raises(DomainError) as refused:
        unit_services.household_create(hamlet=tree["h1"], code="HB-009", head_name="X", by=viewer)
    assert refused.value.status == 403
    assert snapshot(Household) == before


def test_clan_names_differing_only_in_case_or_accents_are_one_clan(tree, officer):
    unit_services.clan_create(hamlet=tree["h1"], name="Họ Nguyễn", by=officer)
    before = snapshot(Clan)
    with pytest.raises(DomainError, match="Dòng họ “HỌ NGUYEN” đã có"):
        unit_services.clan_create(hamlet=tree["h1"], name="HỌ NGUYEN", by=officer)
    assert snapshot(Clan) == before


def test_citizen_is_linked_to_a_household_by_its_code_in_the_same_hamlet(client, tree, household, officer):
    client.force_login(officer)
    client.post(reverse("titles:registry_new", args=["citizens"]), {
        "hamlet": tree["h1"].pk, "full_name": "Nguyễn Văn Bảo", "birth_year": 2001, "household_code": "HB-001",
        "workplace": "Trường THCS"})
    citizen = Citizen.objects.get()
    assert (citizen.household, citizen.birth_year) == (household, 2001)
    other = unit_services.household_create(hamlet=tree["h2"], code="HB-777", head_name="Hộ phường khác",
                                           by=f.member(tree["c2"], Role.OFFICER))
    before = snapshot(Citizen)
    with pytest.raises(DomainError, match="Mã hộ “HB-777” không có trong Thôn Một"):
        unit_services.citizen_update(citizen=citizen, full_name="Nguyễn Văn Bảo", household_code=other.code,
                                     by=officer)
    with pytest.raises(DomainError, match="Năm sinh phải từ 1900"):
        unit_services.citizen_create(hamlet=tree["h1"], full_name="Cụ Tổ", birth_year=1850, by=officer)
    assert snapshot(Citizen) == before


def test_registry_is_kept_by_hamlet_not_by_commune(tree, officer):
    with pytest.raises(DomainError, match="theo thôn/tổ dân phố"):
        unit_services.household_create(hamlet=tree["c1"], code="HB-1", head_name="X", by=officer)
    assert not Household.objects.exists()


@pytest.mark.parametrize("kind", ["households", "clans", "citizens"])
def test_registry_page_query_count_does_not_grow_with_rows(client, tree, officer, kind,
                                                           django_assert_max_num_queries):
    def add(start, n):
        for i in range(start, start + n):
            household = Household.objects.create(unit=tree["h1"], code=f"H{i}", head_name=f"Chủ hộ {i}")
            Clan.objects.create(unit=tree["h1"], name=f"Họ {i}")
            Citizen.objects.create(unit=tree["h1"], household=household, full_name=f"Công dân {i}")

    client.force_login(officer)
    add(0, 2)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("titles:registry", args=[kind])).status_code == 200
    add(2, 20)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("titles:registry", args=[kind]), {"hamlet": tree["h1"].pk})
    assert response.status_code == 200 and len(response.context["rows"]) == 22


def test_unknown_registry_kind_is_not_found(client, officer):
    client.force_login(officer)
    assert client.get("/titles/registry/passports/").status_code == 404
