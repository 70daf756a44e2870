"""The public contract of /api/v1/campaigns/, /plans/ and /targets/ (../shared/API.md)."""

import pytest

from campaigns import services
from campaigns.models import Plan, Target
from tests import factories as f
from tests.campaigns.conftest import plan_fields, snapshot


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_campaign_detail_carries_its_phases(api_client, people, campaign):
    response = as_user(api_client, people["c1_officer"]).get(f"/api/v1/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["decision_number"] == "1315/QĐ-TTg"
    assert [(p["number"], p["start_year"], p["end_year"], p["review"]) for p in body["phases"]] == [
        (1, 2023, 2025, "interim"), (2, 2026, 2030, "final")
    ]
    assert as_user(api_client, people["c1_officer"]).get("/api/v1/campaigns/").json()["count"] == 1


def test_plan_list_shows_own_subtree_and_issued_plans_above_never_drafts_above_or_elsewhere(
    api_client, tree, people, make_plan
):
    province_issued = make_plan(tree["p1"], people["p1_officer"], issue=True)
    make_plan(tree["p1"], people["p1_officer"], number="2/KH-UBND", title="Dự thảo của tỉnh")
    own = make_plan(tree["c1"], people["c1_officer"], number="7/KH-UBND")
    make_plan(tree["c2"], people["c2_officer"], number="8/KH-UBND", issue=True)  # a sibling commune
    make_plan(tree["p2"], people["p2_officer"], number="9/KH-UBND", issue=True)  # another province

    response = as_user(api_client, people["c1_officer"]).get("/api/v1/plans/")
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {province_issued.pk, own.pk}
    item = next(r for r in response.json()["results"] if r["id"] == province_issued.pk)
    assert {"id", "number", "title", "unit", "campaign", "parent", "status", "issued_on"} <= item.keys()
    assert (item["number"], item["status"], item["issued_on"]) == ("151/KH-UBND", "issued", "2024-01-15")


def test_plan_list_filters_by_unit_status_number_and_campaign(api_client, tree, people, make_plan, campaign):
    issued = make_plan(tree["p1"], people["p1_officer"], issue=True)
    make_plan(tree["c1"], people["c1_officer"], number="7/KH-UBND")
    client = as_user(api_client, people["p1_officer"])
    ids = lambda url: [r["id"] for r in client.get(url).json()["results"]]  # noqa: E731
    assert ids(f"/api/v1/plans/?unit={tree['p1'].pk}") == [issued.pk]
    assert ids("/api/v1/plans/?status=issued") == [issued.pk]
    assert ids("/api/v1/plans/?number=151/KH-UBND") == [issued.pk]
    assert len(ids(f"/api/v1/plans/?campaign={campaign.pk}")) == 2


def test_plan_list_query_count_does_not_grow_with_rows(api_client, tree, people, make_plan,
                                                       django_assert_max_num_queries):
    client = as_user(api_client, people["p1_officer"])
    make_plan(tree["p1"], people["p1_officer"], number="1/KH-UBND")
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/plans/")
    for n in range(2, 12):
        make_plan(tree["c1"], people["p1_officer"], number=f"{n}/KH-UBND")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/plans/").json()["count"] == 11


def test_officer_creates_patches_and_issues_a_plan(api_client, tree, people, media):
    client = as_user(api_client, people["c1_officer"])
    created = client.post("/api/v1/plans/", {"unit": tree["c1"].pk, **plan_fields(number="5/KH-UBND")}, format="json")
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["revision"] == 1

    patched = client.patch(f"/api/v1/plans/{plan_id}/", {"title": "Trích yếu mới", "revision": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Trích yếu mới"

    issued = client.post(f"/api/v1/plans/{plan_id}/issue/", {"revision": 2}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"


def test_patching_an_issued_plan_is_refused_with_409_and_nothing_changes(api_client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    before = snapshot(plan)
    response = as_user(api_client, people["p1_officer"]).patch(
        f"/api/v1/plans/{plan.pk}/", {"title": "Sửa trộm"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Kế hoạch số 151/KH-UBND đã ban hành nên không thể sửa. Hãy tạo bản đính chính (phiên bản mới)."
    )
    assert snapshot(plan) == before


def test_a_stale_revision_gets_409_and_nothing_changes(api_client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    client = as_user(api_client, people["p1_officer"])
    assert client.patch(f"/api/v1/plans/{plan.pk}/", {"title": "A", "revision": 1}, format="json").status_code == 200
    plan.refresh_from_db()
    before = snapshot(plan)
    response = client.patch(f"/api/v1/plans/{plan.pk}/", {"title": "B", "revision": 1}, format="json")
    assert response.status_code == 409
    assert snapshot(plan) == before


def test_another_units_officer_gets_404_for_plans_out_of_sight_and_403_for_plans_above(
    api_client, tree, people, make_plan
):
    commune_draft = make_plan(tree["c1"], people["c1_officer"], number="7/KH-UBND")
    province_issued = make_plan(tree["p1"], people["p1_officer"], issue=True)
    before = (snapshot(commune_draft), snapshot(province_issued))

    other_commune = as_user(api_client, people["c2_officer"])
    assert other_commune.get(f"/api/v1/plans/{commune_draft.pk}/").status_code == 404
    assert other_commune.patch(f"/api/v1/plans/{commune_draft.pk}/", {"title": "X"}, format="json").status_code == 404
    refused = other_commune.post(f"/api/v1/plans/{commune_draft.pk}/issue/")
    assert refused.status_code == 404
    assert refused.json()["detail"] == "Không tìm thấy kế hoạch hoặc bạn không có quyền xem."

    # The province's issued plan is readable below (it must be carried out there) but not editable.
    commune = as_user(api_client, people["c1_officer"])
    assert commune.get(f"/api/v1/plans/{province_issued.pk}/").status_code == 200
    corrected = commune.post(f"/api/v1/plans/{province_issued.pk}/correct/")
    assert corrected.status_code == 403
    assert corrected.json()["detail"] == "Bạn không có quyền đính chính kế hoạch của đơn vị “Tỉnh Thử Nghiệm”."
    assert (snapshot(commune_draft), snapshot(province_issued)) == before
    assert Plan.objects.count() == 2


def test_creating_for_a_unit_out_of_scope_or_without_the_role_is_refused(api_client, tree, people):
    response = as_user(api_client, people["c2_officer"]).post(
        "/api/v1/plans/", {"unit": tree["p2"].pk, **plan_fields()}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["unit"] == ["Không tìm thấy đơn vị hoặc bạn không có quyền xem."]
    response = as_user(api_client, people["p1_viewer"]).post(
        "/api/v1/plans/", {"unit": tree["p1"].pk, **plan_fields()}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Bạn không có quyền lập kế hoạch cho đơn vị “Tỉnh Thử Nghiệm”."
    assert not Plan.objects.exists()


def test_bad_input_names_the_field_and_creates_nothing(api_client, tree, people):
    client = as_user(api_client, people["p1_officer"])
    response = client.post("/api/v1/plans/", {"unit": tree["p1"].pk, **plan_fields(issued_on="15/01/2024x")},
                           format="json")
    assert response.status_code == 400 and "issued_on" in response.json()["errors"]
    response = client.post("/api/v1/plans/", {"unit": tree["p1"].pk, **plan_fields(signer_capacity="KT.",
                                                                                     signer_principal="")},
                           format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"signer_principal": [
        "Ký “KT.” cần ghi rõ ký thay/thừa lệnh cho ai (ví dụ: Chủ tịch)."]}
    assert not Plan.objects.exists()


def test_correction_through_the_api_links_the_new_version(api_client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    response = as_user(api_client, people["p1_officer"]).post(f"/api/v1/plans/{plan.pk}/correct/")
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["supersedes"], response.json()["status"]) == (
        2, plan.pk, "draft")
    assert api_client.get(f"/api/v1/plans/{plan.pk}/").json()["correction"] == response.json()["id"]


def test_pdf_endpoint_answers_202_with_a_status_url_then_the_pdf(
    api_client, tree, people, make_plan, media, django_capture_on_commit_callbacks
):
    plan = make_plan(tree["p1"], people["p1_officer"])
    client = as_user(api_client, people["p1_officer"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client.get(f"/api/v1/plans/{plan.pk}/pdf/")
        # API.md: the PDF or 202 with a status URL — a plan never rendered is queued by the GET itself
        # (it used to answer "none" until someone POSTed); further GETs and a POST queue nothing more.
        pending = client.get(f"/api/v1/plans/{plan.pk}/pdf/")
        client.post(f"/api/v1/plans/{plan.pk}/pdf/")
    assert first.status_code == 202 and first.json()["status"] == "queued" and len(queued) == 1
    assert pending.status_code == 202
    assert pending.json()["status"] == "queued"
    assert pending["Location"] == pending.json()["status_url"] == f"/api/v1/plans/{plan.pk}/pdf/status/"
    assert client.get(pending.json()["status_url"]).json()["ready"] is False

    for callback in queued:  # what the worker does once the transaction has committed
        callback()
    status = client.get(f"/api/v1/plans/{plan.pk}/pdf/status/").json()
    assert status["ready"] is True and status["pages"] == 1
    response = client.get(f"/api/v1/plans/{plan.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_pdf_of_a_plan_out_of_sight_is_404_even_when_asking_for_pdf(api_client, tree, people, make_plan):
    plan = make_plan(tree["c1"], people["c1_officer"])
    response = as_user(api_client, people["c2_officer"]).get(f"/api/v1/plans/{plan.pk}/pdf/",
                                                               HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy kế hoạch hoặc bạn không có quyền xem."


def test_targets_are_filtered_and_scoped(api_client, make_plan, campaign):
    nation = f.UnitFactory(name="Việt Nam", level="nation", kind="quoc_gia", code="VN")
    province = f.UnitFactory(name="Tỉnh Có Cha", code="94", parent=nation)
    commune = f.commune(province, name="Xã Con", code="99004")
    other_province = f.UnitFactory(name="Tỉnh Khác", code="95", parent=nation)
    province_officer, commune_officer = f.member(province), f.member(commune)
    national = Target.objects.create(campaign=campaign, unit=nation, indicator="households_learning_family",
                                     year=2025, percentage=70)
    province_plan = make_plan(province, province_officer)
    draft_target = services.target_add(plan=province_plan, by=province_officer,
                                       indicator="districts_learning_district", year=2025, percentage=25)
    other_officer = f.member(other_province)
    other = make_plan(other_province, other_officer, number="9/KH-UBND")
    services.target_add(plan=other, by=other_officer, indicator="units_learning_unit", year=2025, percentage=80)

    # The province officer sees the national target (set above) and the province's own draft target.
    client = as_user(api_client, province_officer)
    rows = client.get("/api/v1/targets/").json()["results"]
    assert {r["id"] for r in rows} == {national.pk, draft_target.pk}
    row = next(r for r in rows if r["id"] == draft_target.pk)
    assert row == {"id": draft_target.pk, "indicator": "districts_learning_district", "unit": province.pk,
                   "unit_name": "Tỉnh Có Cha", "unit_group": None, "year": 2025, "percentage": 25.0,
                   "plan": province_plan.pk,
                   "campaign": campaign.pk, "applies_until": "2025-06-30"}
    filtered = client.get("/api/v1/targets/?indicator=households_learning_family").json()["results"]
    assert [r["id"] for r in filtered] == [national.pk]
    filtered = client.get(f"/api/v1/targets/?unit={province.pk}&year=2025").json()["results"]
    assert [r["id"] for r in filtered] == [draft_target.pk]
    assert client.get("/api/v1/targets/?year=2030").json()["count"] == 0
    assert client.get(f"/api/v1/targets/{other.targets.get().pk}/").status_code == 404

    # A commune officer sees what is set above it, but not the province's draft.
    commune_rows = as_user(api_client, commune_officer).get("/api/v1/targets/").json()["results"]
    assert [r["id"] for r in commune_rows] == [national.pk]
    services.plan_issue(plan=province_plan, by=province_officer)
    commune_rows = api_client.get("/api/v1/targets/").json()["results"]
    assert {r["id"] for r in commune_rows} == {national.pk, draft_target.pk}
