"""The definitions API: lists and details for every signed-in user (scoped by owner), writes for administrators,
refusals (officer, another province, frozen version) that change nothing. Ends with the issue's path: a new
element with a breakdown, an indicator over it, a new form version with a blocking rule, all through the API."""

import pytest
from rest_framework.authtoken.models import Token

from definitions.models import DataElement, IndicatorDefinition, ReportFormVersion, VersionStatus
from tests.definitions.conftest import state

pytestmark = pytest.mark.django_db


def auth(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api_client


def test_anonymous_gets_401(api_client):
    assert api_client.get("/api/v1/indicators/").status_code == 401


def test_indicators_list_has_the_builtin_slugs_with_their_formulas(api_client, people):
    response = auth(api_client, people["c1_officer"]).get("/api/v1/indicators/?page_size=100")
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert {"households_learning_family", "reports_on_time", "learning_centres_using_it"} <= set(rows)
    households = rows["households_learning_family"]
    assert households["numerator"] == {
        "expression": "#{households_recognised}", "label": "Số hộ gia đình đạt danh hiệu Gia đình học tập",
        "in_words": "[Số hộ gia đình đạt danh hiệu Gia đình học tập]"}
    assert households["denominator"]["expression"] == "#{households_total}"
    assert households["builtin"] is True and households["decimals"] == 2 and households["factor"] == 100
    assert households["unit_of_measure"] == "%" and households["owner"] is None


def test_indicator_detail_by_slug_and_unknown_slug_is_404(api_client, people):
    client = auth(api_client, people["c1_officer"])
    assert client.get("/api/v1/indicators/clans_learning_clan/").json()["slug"] == "clans_learning_clan"
    response = client.get("/api/v1/indicators/khong_co/")
    assert response.status_code == 404 and response.json()["detail"] == "Không tìm thấy chỉ tiêu."


def test_data_elements_and_categories(api_client, people, learners):
    client = auth(api_client, people["c1_officer"])
    element = client.get("/api/v1/data-elements/nguoi_hoc/").json()
    assert element["category"] == {"code": "sex", "name": "Giới tính",
                                   "options": [{"code": "male", "name": "Nam"}, {"code": "female", "name": "Nữ"}]}
    assert element["builtin"] is None
    total = client.get("/api/v1/data-elements/households_total/").json()
    assert total["builtin"] == {"indicator": "households_learning_family", "part": "denominator"}
    assert total["category"] is None
    categories = {c["code"] for c in client.get("/api/v1/categories/").json()["results"]}
    assert {"sex", "ethnicity", "area"} <= categories


def test_report_forms_with_versions_sections_and_rules(api_client, people):
    response = auth(api_client, people["c1_officer"]).get("/api/v1/report-forms/yearly_commune/")
    form = response.json()
    assert form["level"] == "commune" and form["period_kind"] == "yearly"
    (version,) = form["versions"]
    assert version["number"] == 1 and version["status"] == "published"
    figures, narrative = version["sections"]
    assert figures["kind"] == "figures" and figures["fields"][0]["element"] == "households_total"
    assert [f["narrative_code"] for f in narrative["fields"]] == ["results", "limitations", "proposals"]
    assert version["rules"][0]["left"] == "#{households_recognised}"


def test_list_query_count_does_not_grow_with_rows(api_client, people, root, django_assert_max_num_queries):
    from definitions import services

    client = auth(api_client, people["c1_officer"])
    client.get("/api/v1/report-forms/")  # warm the scope cache
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/report-forms/")
    for n in range(3):
        form = services.form_create(by=root, code=f"moi_{n}", name="Mới", level="commune")
        draft = services.version_new_draft(form, root, title="Mới", first_year=2026)
        services.section_add(version=draft, by=root, code="a", title="A")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/report-forms/")
    for url in ("/api/v1/indicators/", "/api/v1/data-elements/", "/api/v1/categories/",
                "/api/v1/report-form-versions/"):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_csv_format(api_client, people):
    response = auth(api_client, people["c1_officer"]).get("/api/v1/indicators/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "households_learning_family" in response.content.decode("utf-8-sig")


# --- visibility -------------------------------------------------------------------------------------------


def test_a_provinces_own_definitions_are_seen_inside_and_above_only(api_client, tree, people, nation):
    from definitions import services
    from tests import factories as f

    services.element_create(by=people["p1_admin"], code="rieng_tinh1", name="Riêng tỉnh 1", owner=tree["p1"])
    p3 = f.province(parent=nation, name="Tỉnh Dưới Cả Nước", code="93")
    services.element_create(by=people["nation_admin"], code="rieng_tinh3", name="Riêng tỉnh 3", owner=p3)

    def codes(user):
        response = auth(api_client, user).get("/api/v1/data-elements/?page_size=1000")
        return {e["code"] for e in response.json()["results"]}

    assert {"rieng_tinh1", "households_total"} <= codes(people["c1_officer"])  # inside, and national ones
    assert "rieng_tinh3" not in codes(people["c1_officer"])
    assert "rieng_tinh3" in codes(people["nation_admin"])  # above
    assert "rieng_tinh1" not in codes(people["c3_officer"])  # another province
    assert auth(api_client, people["c3_officer"]).get("/api/v1/data-elements/rieng_tinh1/").status_code == 404


# --- writes -----------------------------------------------------------------------------------------------


def test_officer_cannot_create_and_nothing_changes(api_client, people):
    before = state()
    response = auth(api_client, people["c1_officer"]).post("/api/v1/data-elements/", {
        "code": "moi", "name": "Mới"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == ("Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được sửa định nghĩa "
                                         "dùng chung cả nước.")
    assert state() == before


def test_province_admin_cannot_edit_another_provinces_element(api_client, tree, people):
    from definitions import services

    services.element_create(by=people["p2_admin"], code="rieng2", name="Riêng 2", owner=tree["p2"])
    # Not visible to province 1 at all: the same 404 as a missing one.
    client = auth(api_client, people["p1_admin"])
    before = state()
    assert client.patch("/api/v1/data-elements/rieng2/", {"name": "Đổi"}, format="json").status_code == 404
    # Nor can they make a definition for it.
    response = client.post("/api/v1/data-elements/", {"code": "x", "name": "X", "owner": tree["p2"].pk},
                           format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["owner"] == ["Không tìm thấy đơn vị hoặc bạn không có quyền xem."]
    assert state() == before


def test_admin_edits_and_refusals_name_the_field(api_client, root, learners):
    client = auth(api_client, root)
    response = client.patch("/api/v1/indicators/households_learning_family/",
                            {"numerator": "#{households_total}"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"numerator": [response.json()["detail"]]}
    assert "là chỉ tiêu có sẵn" in response.json()["detail"]
    response = client.post("/api/v1/indicators/", {"slug": "Sai Ma", "name": "X", "numerator": "1",
                                                   "denominator": "1"}, format="json")
    assert response.status_code == 400 and "slug" in response.json()["errors"]
    response = client.post("/api/v1/indicators/", {"slug": "moi", "name": "X", "numerator": "#{khong_co}",
                                                   "denominator": "1"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Tử số: Không có phần tử dữ liệu mã “khong_co”."
    assert not IndicatorDefinition.objects.filter(slug="moi").exists()


def test_frozen_version_edits_are_409_and_change_nothing(api_client, root):
    client = auth(api_client, root)
    version = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    before = state()
    for url, body in ((f"/api/v1/report-form-versions/{version.pk}/sections/", {"code": "moi", "title": "Mới"}),
                      (f"/api/v1/report-form-versions/{version.pk}/rules/", {
                          "code": "moi", "left": "1", "operator": "<", "right": "2", "message": "x"}),
                      (f"/api/v1/report-form-versions/{version.pk}/fields/", {
                          "section": "narrative", "narrative_code": "causes"}),
                      (f"/api/v1/report-form-versions/{version.pk}/publish/", {})):
        response = client.post(url, body, format="json")
        assert response.status_code == 409, url
        assert "đã ban hành nên không sửa được" in response.json()["detail"]
    response = client.patch(f"/api/v1/report-form-versions/{version.pk}/", {"title": "Đổi"}, format="json")
    assert response.status_code == 409
    assert state() == before


def test_officer_gets_403_on_version_writes(api_client, people):
    version = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    before = state()
    response = auth(api_client, people["c1_officer"]).post("/api/v1/report-forms/yearly_commune/versions/", {},
                                                           format="json")
    assert response.status_code == 403
    response = api_client.post(f"/api/v1/report-form-versions/{version.pk}/publish/", {}, format="json")
    assert response.status_code == 403
    assert state() == before


def test_the_issue_path_through_the_api_only(api_client, tree, people):
    """A new element with a breakdown, an indicator over it, a new form version with a blocking rule: all by a
    province's administrator through the API, for their province."""
    client = auth(api_client, people["p1_admin"])
    p1 = tree["p1"].pk
    category = client.post("/api/v1/categories/", {"code": "gioi", "name": "Giới", "owner": p1, "options": [
        {"code": "nam", "name": "Nam"}, {"code": "nu", "name": "Nữ"}]}, format="json")
    assert category.status_code == 201, category.json()
    for code, name in (("hoc_vien", "Số học viên"), ("dan_so", "Dân số trong độ tuổi")):
        response = client.post("/api/v1/data-elements/", {"code": code, "name": name, "category": "gioi",
                                                          "owner": p1}, format="json")
        assert response.status_code == 201, response.json()
    assert response.json()["category"]["options"] == [{"code": "nam", "name": "Nam"}, {"code": "nu", "name": "Nữ"}]
    indicator = client.post("/api/v1/indicators/", {
        "slug": "ty_le_hoc_vien", "name": "Tỷ lệ học viên", "numerator": "#{hoc_vien}", "denominator": "#{dan_so}",
        "numerator_label": "Học viên", "denominator_label": "Dân số", "owner": p1}, format="json")
    assert indicator.status_code == 201, indicator.json()
    assert indicator.json()["breakdowns"] == ["gioi"]
    assert indicator.json()["numerator"]["in_words"] == "[Số học viên]"

    form = client.post("/api/v1/report-forms/", {"code": "hoc_vien_xa", "name": "Học viên của xã",
                                                 "level": "commune", "owner": p1}, format="json")
    assert form.status_code == 201, form.json()
    draft = client.post("/api/v1/report-forms/hoc_vien_xa/versions/", {"title": "Học viên năm",
                                                                       "first_year": 2025}, format="json")
    assert draft.status_code == 201, draft.json()
    vid = draft.json()["id"]
    assert client.post(f"/api/v1/report-form-versions/{vid}/sections/", {"code": "so_lieu", "title": "Số liệu"},
                       format="json").status_code == 201
    for code in ("dan_so", "hoc_vien"):
        response = client.post(f"/api/v1/report-form-versions/{vid}/fields/", {"section": "so_lieu",
                                                                               "element": code}, format="json")
        assert response.status_code == 201, response.json()
    rule = client.post(f"/api/v1/report-form-versions/{vid}/rules/", {
        "code": "hoc_vien_le_dan_so", "left": "#{hoc_vien}", "operator": "<=", "right": "#{dan_so}",
        "message": "Số học viên không được lớn hơn dân số.", "severity": "blocking"}, format="json")
    assert rule.status_code == 201, rule.json()
    published = client.post(f"/api/v1/report-form-versions/{vid}/publish/", format="json")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    assert ReportFormVersion.objects.get(pk=vid).status == VersionStatus.PUBLISHED
    assert DataElement.objects.get(code="hoc_vien").owner_id == p1
    # The other province neither sees it nor may touch it.
    other = auth(api_client, people["p2_admin"])
    assert other.get("/api/v1/indicators/ty_le_hoc_vien/").status_code == 404
