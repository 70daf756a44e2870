"""Pages: officers write plans in the browser; every refusal is visible and changes nothing."""

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Plan, Target
from tests.campaigns.conftest import plan_fields, snapshot


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(**overrides):
    data = plan_fields(**overrides)
    data["issued_on"] = data["issued_on"].strftime("%d/%m/%Y") if data.get("issued_on") else ""
    data["kind"] = "plan"
    return data


def test_officer_writes_a_draft_in_the_browser(client, tree, people):
    client.force_login(people["c1_officer"])
    page = client.get(reverse("campaigns:plan_new") + f"?unit={tree['c1'].pk}")
    assert page.status_code == 200
    # No number is proposed any more: the register gives it at issue (was "1/KH-UBND", unpadded).
    assert not page.context["form"].initial.get("number")
    assert page.context["form"].initial["issuing_body"] == "Ủy ban nhân dân xã Hòa Bình"

    response = client.post(reverse("campaigns:plan_new"), {"unit": tree["c1"].pk, **form_data(number="3/KH-UBND")})
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:plan_detail", args=[plan.pk])
    assert (plan.unit, plan.number, plan.status, plan.created_by) == (
        tree["c1"], "3/KH-UBND", "draft", people["c1_officer"])


def test_new_plan_page_is_403_for_a_unit_where_the_user_is_not_an_officer(client, tree, people):
    client.force_login(people["p1_viewer"])
    assert client.get(reverse("campaigns:plan_new") + f"?unit={tree['p1'].pk}").status_code == 403
    response = client.post(reverse("campaigns:plan_new"), {"unit": tree["p1"].pk, **form_data()})
    assert response.status_code == 403
    assert not Plan.objects.exists()


def test_edit_form_shows_the_service_refusal_on_the_field(client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    before = snapshot(plan)
    client.force_login(people["p1_officer"])
    response = client.post(reverse("campaigns:plan_edit", args=[plan.pk]),
                           form_data(signer_principal="", revision=plan.revision))
    assert response.status_code == 400
    assert "Ký “KT.” cần ghi rõ ký thay/thừa lệnh cho ai (ví dụ: Chủ tịch)." in response.content.decode()
    assert snapshot(plan) == before


def test_edit_with_a_stale_revision_is_refused_with_409(client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    services.plan_update(plan=plan, by=people["p1_officer"], changes={"title": "Người khác đã sửa"})
    plan.refresh_from_db()
    before = snapshot(plan)
    client.force_login(people["p1_officer"])
    response = client.post(reverse("campaigns:plan_edit", args=[plan.pk]), form_data(revision=1))
    assert response.status_code == 409
    assert "Kế hoạch đã được người khác sửa đổi." in response.content.decode()
    assert snapshot(plan) == before


def test_an_issued_plan_cannot_be_edited_from_the_page(client, tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    before = snapshot(plan)
    client.force_login(people["p1_officer"])
    response = client.post(reverse("campaigns:plan_edit", args=[plan.pk]), form_data(title="Sửa trộm"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("campaigns:plan_detail", args=[plan.pk])
    assert ("Kế hoạch số 151/KH-UBND đã ban hành nên không thể sửa. Hãy tạo bản đính chính (phiên bản mới)."
            in response.content.decode())
    assert snapshot(plan) == before


def test_another_units_officer_gets_404_on_a_foreign_draft_and_403_on_a_readable_plan(client, tree, people, make_plan):
    # A draft of another unit is out of scope: 404, as if it did not exist (issue 11, point 6; was 403).
    draft = make_plan(tree["c1"], people["c1_officer"], number="7/KH-UBND")
    issued_above = make_plan(tree["p1"], people["p1_officer"], issue=True)
    before = (snapshot(draft), snapshot(issued_above))
    client.force_login(people["c2_officer"])
    assert client.get(reverse("campaigns:plan_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("campaigns:plan_edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("campaigns:plan_edit", args=[draft.pk]), form_data(title="X")).status_code == 404
    assert client.post(reverse("campaigns:plan_issue", args=[draft.pk])).status_code == 404
    assert client.post(reverse("campaigns:target_add", args=[draft.pk]),
                       {"indicator": "units_learning_unit", "year": 2025, "percentage": 80}).status_code == 404
    # Readable above, but not theirs to change.
    assert client.get(reverse("campaigns:plan_detail", args=[issued_above.pk])).status_code == 200
    assert client.post(reverse("campaigns:plan_correct", args=[issued_above.pk])).status_code == 403
    assert (snapshot(draft), snapshot(issued_above)) == before
    assert Plan.objects.count() == 2 and not Target.objects.exists()


def test_issue_from_the_page_then_correct(client, tree, people, make_plan, media):
    plan = make_plan(tree["p1"], people["p1_officer"])
    client.force_login(people["p1_officer"])
    response = client.post(reverse("campaigns:plan_issue", args=[plan.pk]), {"revision": plan.revision})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_issued
    response = client.post(reverse("campaigns:plan_correct", args=[plan.pk]))
    correction = Plan.objects.get(supersedes=plan)
    assert response["Location"] == reverse("campaigns:plan_detail", args=[correction.pk])
    page = client.get(reverse("campaigns:plan_detail", args=[plan.pk])).content.decode()
    assert "Văn bản này đã có phiên bản 2 thay thế" in page


def test_plan_page_shows_targets_cascade_versions_and_pdf_state(client, tree, people, make_plan):
    parent = make_plan(tree["p1"], people["p1_officer"], issue=True)
    plan = make_plan(tree["c1"], people["c1_officer"], number="7/KH-UBND", parent=parent)
    child = make_plan(tree["s1"], people["s1_officer"], number="2/KH-THHB", parent=None)
    plan = services.plan_issue(plan=plan, by=people["c1_officer"])
    services.plan_update(plan=child, by=people["s1_officer"], changes={"parent": plan})
    services.target_add(plan=child, by=people["s1_officer"], indicator="districts_learning_district", year=2025,
                        percentage=25)
    client.force_login(people["c1_officer"])
    page = client.get(reverse("campaigns:plan_detail", args=[plan.pk]))
    html = page.content.decode()
    assert [p.pk for p in page.context["cascade"]["ancestors"]] == [parent.pk]
    assert [(depth, p.pk) for depth, p in page.context["cascade"]["descendants"]] == [(0, child.pk)]
    # Issuing queued the render (the worker has not run yet): the page shows progress and polls.
    assert 'data-status="queued"' in html and "Đang tạo tệp PDF…" in html
    assert f'data-status-url="/api/v1/plans/{plan.pk}/pdf/status/"' in html
    child_page = client.get(reverse("campaigns:plan_detail", args=[child.pk])).content.decode()
    assert "không còn áp dụng sau 30/06/2025" in child_page


def test_plan_list_page_query_count_does_not_grow_with_rows(client, tree, people, make_plan,
                                                            django_assert_max_num_queries):
    client.force_login(people["p1_officer"])
    make_plan(tree["p1"], people["p1_officer"], number="1/KH-UBND")
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("campaigns:plan_list")).status_code == 200
    parent = make_plan(tree["p1"], people["p1_officer"], number="100/KH-UBND", issue=True)
    for n in range(2, 14):
        make_plan(tree["c1"], people["p1_officer"], number=f"{n}/KH-UBND", parent=parent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("campaigns:plan_list"))
    assert len(response.context["page"].object_list) == 14


def test_pdf_link_never_queues_a_render_the_button_does(
    client, tree, people, make_plan, media, django_capture_on_commit_callbacks
):
    """A GET only shows where the PDF stands (it used to queue a render: crawlers and reloads made PDFs);
    the page's button, a POST, queues it."""
    from core.documents.models import Document

    plan = make_plan(tree["p1"], people["p1_officer"])
    client.force_login(people["p1_officer"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(reverse("campaigns:plan_pdf", args=[plan.pk]))
        client.get(reverse("campaigns:plan_detail", args=[plan.pk]))
    assert response.status_code == 302 and callbacks == []
    assert not Document.objects.exclude(render_status="none").exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("campaigns:plan_pdf_render", args=[plan.pk]))
    assert len(callbacks) == 1
    response = client.get(reverse("campaigns:plan_pdf", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_campaign_page_lists_phases(client, people, campaign):
    client.force_login(people["c1_officer"])
    html = client.get(reverse("campaigns:campaign_detail", args=[campaign.pk])).content.decode()
    assert "2023–2025" in html and "Sơ kết" in html and "Tổng kết" in html
