"""Definitions in Django admin, through the services: a superuser and a province's administrator add an element
with a breakdown; a published version's page is read-only and a POST to it is refused; the publish and new-draft
actions call the services."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from definitions.models import DataElement, FormSection, ReportFormVersion, ValidationRule, VersionStatus
from tests import factories as f
from tests.definitions.conftest import state
from units.roles import Role

pytestmark = pytest.mark.django_db


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def staff_p1(tree, client):
    """Province 1's administrator as a staff account with the definitions permissions a superuser gave."""
    user = f.member(tree["p1"], Role.ADMIN, username="qt-tinh-staff", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="definitions"))
    client.force_login(user)
    return user


ELEMENT = {"code": "hoc_vien", "name": "Số học viên", "short_name": "", "description": "", "value_type": "integer",
           "aggregation": "sum", "unit_of_measure": "người"}


def test_superuser_adds_an_element_with_a_breakdown(admin_client, sex):
    response = admin_client.post("/admin/definitions/dataelement/add/", {**ELEMENT, "category": sex.pk, "owner": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    element = DataElement.objects.get(code="hoc_vien")
    assert element.category == sex and element.owner is None
    assert element.history.first().history_user.is_superuser


def test_province_admin_adds_an_element_for_their_province(client, staff_p1, tree, sex):
    page = client.get("/admin/definitions/dataelement/add/")
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["owner"] == tree["p1"].pk
    response = client.post("/admin/definitions/dataelement/add/",
                           {**ELEMENT, "category": sex.pk, "owner": tree["p1"].pk})
    assert response.status_code == 302
    element = DataElement.objects.get(code="hoc_vien")
    assert element.owner == tree["p1"] and element.category == sex


def test_province_admin_cannot_add_a_national_element(client, staff_p1, sex):
    before = state()
    response = client.post("/admin/definitions/dataelement/add/", {**ELEMENT, "category": sex.pk, "owner": ""},
                           follow=True)
    assert "Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được sửa định nghĩa dùng chung cả nước." in texts(
        response)
    assert state() == before


def test_province_admin_cannot_pick_another_province(client, staff_p1, tree, sex):
    before = state()
    response = client.post("/admin/definitions/dataelement/add/",
                           {**ELEMENT, "category": sex.pk, "owner": tree["p2"].pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["owner"] == [
        "Lựa chọn không tồn tại hoặc nằm ngoài phạm vi đơn vị bạn quản lý."]
    assert state() == before


def test_superuser_adds_a_category_with_options(admin_client):
    response = admin_client.post("/admin/definitions/category/add/", {
        "code": "do_tuoi", "name": "Độ tuổi", "description": "", "owner": "",
        "options-TOTAL_FORMS": "2", "options-INITIAL_FORMS": "0", "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-code": "tre", "options-0-name": "Dưới 15", "options-0-order": "0",
        "options-1-code": "lon", "options-1-name": "Từ 15", "options-1-order": "1",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    from definitions.models import Category

    assert list(Category.objects.get(code="do_tuoi").options.values_list("code", flat=True)) == ["tre", "lon"]


def test_a_published_versions_page_is_read_only_and_a_post_is_refused(admin_client):
    version = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    page = admin_client.get(f"/admin/definitions/reportformversion/{version.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    before = state()
    response = admin_client.post(f"/admin/definitions/reportformversion/{version.pk}/change/",
                                 {"title": "Đổi", "first_year": "2020"})
    assert response.status_code == 403
    assert state() == before


def test_new_draft_action_then_edit_sections_and_rules_then_publish(admin_client):
    v1 = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    response = admin_client.post("/admin/definitions/reportformversion/", {
        "action": "new_draft", "_selected_action": [v1.pk]}, follow=True)
    assert "Đã tạo phiên bản nháp mới cho 1 biểu mẫu." in texts(response)
    draft = ReportFormVersion.objects.get(form=v1.form, number=2)
    assert draft.status == VersionStatus.DRAFT

    sections = list(draft.sections.order_by("order"))
    rules = list(draft.rules.order_by("order", "id"))
    data = {"title": draft.title, "first_year": "2027", "last_year": "", "period_from": "", "period_to": "",
            "notes": "Thêm mục nguyên nhân",
            "sections-TOTAL_FORMS": str(len(sections) + 1), "sections-INITIAL_FORMS": str(len(sections)),
            "sections-MIN_NUM_FORMS": "0", "sections-MAX_NUM_FORMS": "1000",
            "rules-TOTAL_FORMS": str(len(rules)), "rules-INITIAL_FORMS": str(len(rules)),
            "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000"}
    for i, s in enumerate(sections):
        data.update({f"sections-{i}-id": s.pk, f"sections-{i}-version": draft.pk, f"sections-{i}-order": s.order,
                     f"sections-{i}-code": s.code, f"sections-{i}-title": s.title, f"sections-{i}-kind": s.kind,
                     f"sections-{i}-help_text": s.help_text})
    n = len(sections)
    data.update({f"sections-{n}-version": draft.pk, f"sections-{n}-order": "3",
                 f"sections-{n}-code": "nguyen_nhan", f"sections-{n}-title": "Nguyên nhân",
                 f"sections-{n}-kind": "narrative", f"sections-{n}-help_text": ""})
    for i, r in enumerate(rules):
        data.update({f"rules-{i}-id": r.pk, f"rules-{i}-version": draft.pk, f"rules-{i}-order": r.order,
                     f"rules-{i}-code": r.code, f"rules-{i}-left": r.left, f"rules-{i}-operator": r.operator,
                     f"rules-{i}-right": r.right, f"rules-{i}-message": r.message, f"rules-{i}-severity": r.severity})
    data["rules-0-severity"] = "warning"
    response = admin_client.post(f"/admin/definitions/reportformversion/{draft.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else texts(response)
    draft.refresh_from_db()
    assert draft.first_year == 2027
    assert FormSection.objects.filter(version=draft, code="nguyen_nhan", kind="narrative").exists()
    assert ValidationRule.objects.get(pk=rules[0].pk).severity == "warning"
    assert ValidationRule.objects.filter(version=v1, severity="warning").count() == 0  # v1 untouched

    response = admin_client.post("/admin/definitions/reportformversion/", {
        "action": "publish", "_selected_action": [draft.pk]}, follow=True)
    assert "Đã ban hành 1 phiên bản." in texts(response)
    v1.refresh_from_db()
    assert v1.last_year == 2026


def test_province_admin_cannot_open_a_national_draft(client, staff_p1):
    v1 = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    before = state()
    response = client.post("/admin/definitions/reportformversion/", {
        "action": "new_draft", "_selected_action": [v1.pk]}, follow=True)
    assert "Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được sửa định nghĩa dùng chung cả nước." in texts(
        response)
    assert state() == before


def test_builtin_element_change_page_allows_names_only(admin_client):
    element = DataElement.objects.get(code="households_total")
    response = admin_client.post(f"/admin/definitions/dataelement/{element.pk}/change/", {
        "name": "Tổng số hộ", "short_name": "Hộ", "description": "", "aggregation": "none"})
    assert response.status_code == 302
    element.refresh_from_db()
    assert element.name == "Tổng số hộ" and element.aggregation == "sum"
