"""Targets for any indicator, by unit group (issue 14, item 6): the services, the unit groups' services, the API
(/targets/ and /unit-groups/) and the plan page. Every refusal says why, in Vietnamese, and changes nothing."""

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Plan, Target
from core.errors import DomainError, PermissionDenied
from core.models import User
from definitions import groups
from definitions.models import IndicatorDefinition, UnitGroup
from tests import factories as f

from .conftest import snapshot

SLUG = "ho_dan_toc_thieu_so_hoc_tap"
YEAR = 2026


@pytest.fixture
def indicator(db):
    """An indicator defined as data (a province's breakdown), created as a row: no code names it."""
    return IndicatorDefinition.objects.create(
        slug=SLUG, name="Hộ dân tộc thiểu số đạt Gia đình học tập", numerator="#{ho_dtts_dat}",
        denominator="#{ho_dtts}")


@pytest.fixture
def p1_admin(tree):
    return f.member(tree["p1"], "admin", username="p1.admin")


@pytest.fixture
def mountain(tree, p1_admin):
    """Tỉnh Thử Nghiệm's mountainous communes: Xã Hòa Bình only."""
    return groups.group_create(by=p1_admin, code="xa_mien_nui", name="Xã miền núi", owner=tree["p1"],
                               units=[tree["c1"]])


def _state(plan):
    rows = Target.objects.values_list("indicator", "unit_id", "unit_group_id", "percentage")
    return snapshot(plan), sorted(map(str, rows))


# --- the services ------------------------------------------------------------------------------------------------


def test_a_target_may_be_set_for_an_indicator_defined_as_data(tree, people, make_plan, indicator):
    plan = make_plan(tree["p1"], people["p1_officer"])
    target = services.target_add(plan=plan, by=people["p1_officer"], indicator=SLUG, year=YEAR, percentage="55,5")
    assert (target.indicator, target.unit, target.unit_group, float(target.percentage)) == (SLUG, tree["p1"], None,
                                                                                          55.5)
    assert str(target) == "Hộ dân tộc thiểu số đạt Gia đình học tập 55.50% (2026)"


@pytest.mark.parametrize(("slug", "message"), [
    ("khong_co_chi_tieu_nay", "Chỉ tiêu “khong_co_chi_tieu_nay” không tồn tại hoặc đã ngừng sử dụng."),
    ("HOUSEHOLDS_LEARNING_FAMILY", "Chỉ tiêu “HOUSEHOLDS_LEARNING_FAMILY” không tồn tại hoặc đã ngừng sử dụng."),
    ("", "Cần chọn chỉ tiêu."),
])
def test_an_unknown_indicator_is_refused_and_nothing_changes(tree, people, make_plan, slug, message):
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = _state(plan)
    with pytest.raises(DomainError) as refused:
        services.target_add(plan=plan, by=people["p1_officer"], indicator=slug, year=YEAR, percentage=50)
    assert refused.value.message == message
    assert refused.value.field == "indicator"
    assert _state(plan) == before


def test_a_retired_indicator_defined_as_data_takes_no_new_target(tree, people, make_plan, indicator):
    IndicatorDefinition.objects.filter(pk=indicator.pk).update(is_active=False)
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = _state(plan)
    with pytest.raises(DomainError) as refused:
        services.target_add(plan=plan, by=people["p1_officer"], indicator=SLUG, year=YEAR, percentage=50)
    assert refused.value.message == f"Chỉ tiêu “{SLUG}” không tồn tại hoặc đã ngừng sử dụng."
    assert _state(plan) == before


def test_a_group_target_sits_beside_the_general_one_and_is_copied_by_a_correction(tree, people, make_plan,
                                                                                    mountain):
    officer = people["p1_officer"]
    plan = make_plan(tree["p1"], officer)
    general = services.target_add(plan=plan, by=officer, indicator="households_learning_family", year=YEAR,
                                  percentage=70)
    grouped = services.target_add(plan=plan, by=officer, indicator="households_learning_family", year=YEAR,
                                  percentage=60, unit_group=mountain)
    assert (general.unit_group, grouped.unit_group, grouped.unit) == (None, mountain, tree["p1"])
    assert str(grouped).endswith("— Xã miền núi 60.00% (2026)")

    before = _state(plan)
    with pytest.raises(DomainError) as refused:
        services.target_add(plan=plan, by=officer, indicator="households_learning_family", year=YEAR, percentage=65,
                            unit_group=mountain)
    assert refused.value.message == "Kế hoạch đã có chỉ tiêu này của nhóm “Xã miền núi” cho năm 2026."
    assert _state(plan) == before

    services.plan_issue(plan=Plan.objects.get(pk=plan.pk), by=officer)
    correction = services.plan_correct(plan=plan, by=officer)
    assert set(correction.targets.values_list("unit_group_id", "percentage")) == {(None, 70), (mountain.pk, 60)}


def test_a_group_with_no_member_in_the_plan_area_is_refused(tree, people, make_plan):
    other = groups.group_create(by=people["p2_admin"], code="xa_bien", name="Xã ven biển", owner=tree["p2"],
                                units=[tree["c3"]])
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = _state(plan)
    with pytest.raises(DomainError) as refused:
        services.target_add(plan=plan, by=people["p1_officer"], indicator="households_learning_family", year=YEAR,
                            percentage=60, unit_group=other)
    assert refused.value.message == ("Nhóm đơn vị “Xã ven biển” không có đơn vị nào thuộc “Tỉnh Thử Nghiệm” hoặc "
                                     "không dùng được ở phạm vi này.")
    assert refused.value.field == "unit_group"
    assert _state(plan) == before


def test_a_percentage_beyond_100_is_refused_for_a_percentage_indicator(tree, people, make_plan, indicator):
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = _state(plan)
    for value in ("100,01", "NaN", "-1"):
        with pytest.raises(DomainError) as refused:
            services.target_add(plan=plan, by=people["p1_officer"], indicator=SLUG, year=YEAR, percentage=value)
        assert (refused.value.message, refused.value.field) == ("Tỷ lệ phải là một số từ 0 đến 100.", "percentage")
    assert _state(plan) == before


# --- unit groups -------------------------------------------------------------------------------------------------


def _groups_state():
    return sorted((g.code, g.name, sorted(g.units.values_list("pk", flat=True))) for g in UnitGroup.objects.all())


def test_the_owner_admin_manages_the_members_with_history(tree, p1_admin, mountain):
    admin = p1_admin
    groups.group_add_units(group=mountain, units=[tree["c2"], tree["c1"]], by=admin)
    assert set(mountain.units.all()) == {tree["c1"], tree["c2"]}
    groups.group_remove_units(group=mountain, units=[tree["c1"]], by=admin)
    assert list(mountain.units.all()) == [tree["c2"]]
    assert mountain.history.filter(history_user=admin).count() >= 3  # created, members added, a member removed


def test_a_member_outside_the_owner_is_refused_and_nothing_changes(tree, p1_admin, mountain):
    admin = p1_admin
    before = _groups_state()
    with pytest.raises(DomainError) as refused:
        groups.group_add_units(group=mountain, units=[tree["c2"], tree["c3"]], by=admin)
    assert refused.value.message == ("Đơn vị “Xã Tây Sơn” không thuộc “Tỉnh Thử Nghiệm”: nhóm chỉ gồm các đơn vị "
                                     "thuộc đơn vị định nghĩa nhóm.")
    assert refused.value.field == "units"
    with pytest.raises(DomainError) as refused:
        groups.group_create(by=admin, code="xa_kho_khan", name="Xã khó khăn", owner=tree["p1"], units=[tree["c3"]])
    assert refused.value.field == "units"
    with pytest.raises(DomainError) as refused:
        groups.group_remove_units(group=mountain, units=[tree["c2"]], by=admin)
    assert refused.value.message == "Đơn vị “Phường Đông Hà” không thuộc nhóm “Xã miền núi”."
    assert _groups_state() == before


def test_only_an_administrator_over_the_owner_manages_a_group(tree, people, mountain):
    before = _groups_state()
    for user in (people["p1_officer"], people["p2_admin"], f.member(tree["c1"], "admin", username="c1.admin")):
        with pytest.raises(PermissionDenied) as refused:
            groups.group_add_units(group=mountain, units=[tree["c2"]], by=user)
        assert refused.value.message == ("Bạn không có quyền quản lý nhóm đơn vị của “Tỉnh Thử Nghiệm”: cần vai trò "
                                         "quản trị của đơn vị này.")
    with pytest.raises(PermissionDenied) as refused:
        groups.group_create(by=people["p2_admin"], code="xa_mien_nui_ca_nuoc", name="Xã miền núi cả nước")
    assert refused.value.message == ("Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được quản lý nhóm đơn vị dùng "
                                     "chung cả nước.")
    assert _groups_state() == before


def test_a_group_code_is_checked(tree, p1_admin):
    admin = p1_admin
    for code, message in [("Xa Mien Nui", "Mã nhóm “Xa Mien Nui” không hợp lệ: chỉ gồm chữ thường không dấu, chữ số "
                                          "và dấu gạch dưới, bắt đầu bằng một chữ."),
                          ("", "Cần nhập mã nhóm.")]:
        with pytest.raises(DomainError) as refused:
            groups.group_create(by=admin, code=code, name="Xã miền núi", owner=tree["p1"])
        assert (refused.value.message, refused.value.field) == (message, "code")
    groups.group_create(by=admin, code="xa_mien_nui", name="Xã miền núi", owner=tree["p1"])
    with pytest.raises(DomainError) as refused:
        groups.group_create(by=admin, code="xa_mien_nui", name="Khác", owner=tree["p1"])
    assert refused.value.message == "Mã nhóm “xa_mien_nui” đã được dùng."
    assert UnitGroup.objects.count() == 1


# --- the API -----------------------------------------------------------------------------------------------------


def test_unit_groups_are_visible_inside_and_above_their_owner_with_scoped_members(api_client, tree, people,
                                                                                   p1_admin, mountain):
    groups.group_add_units(group=mountain, units=[tree["c2"]], by=p1_admin)
    national = UnitGroup.objects.create(code="xa_mien_nui_ca_nuoc", name="Xã miền núi cả nước")

    api_client.force_authenticate(people["c1_officer"])
    rows = api_client.get("/api/v1/unit-groups/").json()["results"]
    assert [(r["code"], r["owner"], r["member_count"]) for r in rows] == [
        ("xa_mien_nui", tree["p1"].pk, 1), ("xa_mien_nui_ca_nuoc", None, 0)]
    members = api_client.get(f"/api/v1/unit-groups/{mountain.pk}/members/").json()
    assert [m["name"] for m in members["results"]] == ["Xã Hòa Bình"]  # not Phường Đông Hà, outside its scope

    api_client.force_authenticate(people["p1_officer"])
    members = api_client.get(f"/api/v1/unit-groups/{mountain.pk}/members/").json()
    assert [m["name"] for m in members["results"]] == ["Xã Hòa Bình", "Phường Đông Hà"]

    api_client.force_authenticate(people["p2_officer"])
    assert [r["id"] for r in api_client.get("/api/v1/unit-groups/").json()["results"]] == [national.pk]
    response = api_client.get(f"/api/v1/unit-groups/{mountain.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy nhóm đơn vị hoặc bạn không có quyền xem."


def test_targets_api_adds_a_group_target_for_a_data_defined_indicator(api_client, tree, people, make_plan,
                                                                        indicator, mountain):
    plan = make_plan(tree["p1"], people["p1_officer"])
    api_client.force_authenticate(people["p1_officer"])
    response = api_client.post("/api/v1/targets/", {"plan": plan.pk, "indicator": SLUG, "year": YEAR,
                                                    "percentage": "60.00", "unit_group": mountain.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["indicator"], body["unit"], body["unit_group"], body["percentage"]) == (SLUG, tree["p1"].pk,
                                                                                        mountain.pk, 60.0)
    assert [r["id"] for r in api_client.get(f"/api/v1/targets/?unit_group={mountain.pk}").json()["results"]] == [
        body["id"]]
    assert api_client.get(f"/api/v1/targets/?indicator={SLUG}").json()["count"] == 1

    assert api_client.delete(f"/api/v1/targets/{body['id']}/").status_code == 204
    assert not Target.objects.exists()


def test_targets_api_refuses_an_unknown_indicator_with_a_400_naming_it(api_client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = _state(plan)
    api_client.force_authenticate(people["p1_officer"])
    response = api_client.post("/api/v1/targets/", {"plan": plan.pk, "indicator": "khong_co", "year": YEAR,
                                                    "percentage": 60}, format="json")
    assert response.status_code == 400
    message = "Chỉ tiêu “khong_co” không tồn tại hoặc đã ngừng sử dụng."
    assert response.json() == {"detail": message, "code": "invalid", "errors": {"indicator": [message]}}

    response = api_client.get("/api/v1/targets/?indicator=khong_co")
    assert response.status_code == 400
    assert response.json()["errors"] == {"indicator": ["Chỉ tiêu “khong_co” không tồn tại."]}

    other = groups.group_create(by=people["p2_admin"], code="xa_bien", name="Xã ven biển", owner=tree["p2"],
                                units=[tree["c3"]])
    response = api_client.post("/api/v1/targets/", {"plan": plan.pk, "indicator": "households_learning_family",
                                                    "year": YEAR, "percentage": 60, "unit_group": other.pk},
                               format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"unit_group": ["Không tìm thấy nhóm đơn vị hoặc bạn không có quyền xem."]}
    assert _state(plan) == before


# --- the plan page -----------------------------------------------------------------------------------------------


def test_plan_page_offers_indicators_as_data_and_the_area_groups(client, tree, people, make_plan, indicator,
                                                                 mountain):
    plan = make_plan(tree["p1"], people["p1_officer"])
    client.force_login(people["p1_officer"])
    page = client.get(reverse("campaigns:plan_detail", args=[plan.pk])).content.decode()
    assert f'<option value="{SLUG}">Hộ dân tộc thiểu số đạt Gia đình học tập</option>' in page
    assert f'<option value="{mountain.pk}">Xã miền núi</option>' in page

    response = client.post(reverse("campaigns:target_add", args=[plan.pk]),
                           {"indicator": SLUG, "unit_group": mountain.pk, "year": YEAR, "percentage": "60"},
                           follow=True)
    assert "Đã thêm chỉ tiêu." in response.content.decode()
    assert "Tỉnh Thử Nghiệm — Xã miền núi" in response.content.decode()
    assert list(Target.objects.values_list("indicator", "unit_group_id")) == [(SLUG, mountain.pk)]

    before = _state(plan)
    response = client.post(reverse("campaigns:target_add", args=[plan.pk]),
                           {"indicator": "khong_co", "year": YEAR, "percentage": "60"}, follow=True)
    assert "Chỉ tiêu: Chỉ tiêu “khong_co” không tồn tại hoặc đã ngừng sử dụng." in response.content.decode()
    assert _state(plan) == before


# --- the demo ----------------------------------------------------------------------------------------------------


def test_demo_mountain_communes_of_ha_tinh_get_a_group_target_once(db, make_plan):
    from campaigns import demo
    from campaigns.demo_data import HATINH_DRAFT

    superuser = f.UserFactory(username="quan.tri.he.thong", is_superuser=True, is_staff=True)
    hatinh = f.province(name="Tỉnh Hà Tĩnh", code="42", source_key="both:tinhhatinh")
    communes = [f.commune(hatinh, name=f"Xã {key}", code=f"4200{i}", source_key=f"new:tinhhatinh_{key}")
                for i, key in enumerate(("xahuongkhe", "xavuquang"))]
    f.commune(hatinh, name="Phường Thành Sen", code="42009", source_key="new:tinhhatinh_phuongthanhsen")
    draft = make_plan(hatinh, superuser, number="", title=HATINH_DRAFT["title"])

    group = demo.load_mountain_communes()
    assert demo.load_mountain_communes() == group  # a second run changes nothing
    assert (group.name, group.owner, set(group.units.all())) == ("Xã miền núi", hatinh, set(communes))
    assert list(draft.targets.values_list("indicator", "year", "percentage", "unit_group")) == [
        ("households_learning_family", 2026, 60, group.pk)]


# --- admin -------------------------------------------------------------------------------------------------------


def _admin_form(user, data, obj=None):
    from django.contrib import admin
    from django.test import RequestFactory

    import definitions.admin_groups  # noqa: F401 - registers the admin (definitions/admin.py imports it)

    model_admin = admin.site._registry[UnitGroup]
    request = RequestFactory().post("/")
    request.user = user
    form = model_admin.get_form(request, obj)(data=data, instance=obj)
    return model_admin, request, form


def test_admin_saves_a_group_through_the_services_and_checks_members_on_the_form(tree, p1_admin, people):
    data = {"code": "xa_mien_nui", "name": "Xã miền núi", "description": "", "owner": tree["p1"].pk,
            "units": f"{tree['c1'].pk},{tree['c2'].pk}"}
    model_admin, request, form = _admin_form(p1_admin, data)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.instance, form, False)
    model_admin.save_related(request, form, [], False)
    group = UnitGroup.objects.get(code="xa_mien_nui")
    assert set(group.units.all()) == {tree["c1"], tree["c2"]} and group.owner == tree["p1"]
    assert group.history.filter(history_user=p1_admin).exists()

    # Dropping a member and adding one from another province: refused beside the field, nothing saved.
    before = _groups_state()
    model_admin, request, form = _admin_form(p1_admin, {**data, "units": f"{tree['c1'].pk},{tree['c3'].pk}"},
                                             obj=group)
    assert not form.is_valid()
    assert form.errors["units"] == ["Đơn vị “Xã Tây Sơn” không thuộc “Tỉnh Thử Nghiệm”: nhóm chỉ gồm các đơn vị "
                                    "thuộc đơn vị định nghĩa nhóm."]
    assert _groups_state() == before

    # Staff with the model's permissions: the owner's administrator may change it; another province's may read
    # nothing of it and change nothing.
    from django.contrib.auth.models import Permission

    change = Permission.objects.filter(codename__in=["change_unitgroup", "view_unitgroup"])
    for user in (p1_admin, people["p2_admin"]):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.add(*change)
    model_admin, request, _form = _admin_form(User.objects.get(pk=p1_admin.pk), data)
    assert model_admin.has_change_permission(request, group)
    model_admin, request, _form = _admin_form(User.objects.get(pk=people["p2_admin"].pk), data)
    assert not model_admin.get_queryset(request).filter(pk=group.pk).exists()
    assert not model_admin.has_change_permission(request, group)
    assert not model_admin.has_view_permission(request, group)
