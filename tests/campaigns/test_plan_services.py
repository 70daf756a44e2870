"""Plan rules, through the services every page and endpoint calls."""

import datetime

import pytest

from campaigns import services
from campaigns.models import Plan, Target
from core.errors import Conflict, DomainError, PermissionDenied
from tests import factories as f
from tests.campaigns.conftest import snapshot


def test_officer_drafts_a_plan_with_sanitised_sections(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"],
                     contents='Nội dung<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">')
    assert plan.status == Plan.Status.DRAFT
    assert plan.contents == "<p>Nội dung</p>"
    assert plan.purposes == "<p>Phát huy sức mạnh của cả hệ thống chính trị.</p>"
    assert plan.recipients == "Bộ GDĐT;\nLưu: VT."
    assert plan.version == 1 and plan.revision == 1


def test_new_plan_header_defaults_follow_the_unit(tree, people, campaign):
    plan = services.plan_create(unit=tree["s1"], campaign=campaign, by=people["c1_officer"], fields={"title": "X"})
    assert plan.issuing_body == "Trường Tiểu học Hòa Bình"
    assert plan.parent_body == "Ủy ban nhân dân xã Hòa Bình"
    assert plan.place == "Thử Nghiệm"


def test_an_issued_plan_takes_its_number_from_the_issuing_bodys_register(tree, people, make_plan):
    """Regression: the number came from what the officer typed or a guess from the unit's plans ("1/KH-UBND");
    it is now the register's (UBND of the province, plans, the calendar year), zero-padded below 10."""
    for n in range(3):  # rows before it: the number is not the row id
        make_plan(tree["c1"], people["c1_officer"], number="", title=f"Nháp {n}")
    first = make_plan(tree["p1"], people["p1_officer"], number="", issue=True)
    second = make_plan(tree["p1"], people["p1_officer"], number="", issue=True, title="Kế hoạch thứ hai")
    next_year = make_plan(tree["p1"], people["p1_officer"], number="", issue=True,
                          issued_on=datetime.date(2025, 1, 2))
    assert [first.number, second.number, next_year.number] == ["01/KH-UBND", "02/KH-UBND", "01/KH-UBND"]
    document = first.document
    assert (document.issuer.name, document.seq, document.year, document.external) == (
        "Ủy ban nhân dân tỉnh Thử Nghiệm", 1, 2024, False)


def test_a_plan_issued_on_paper_keeps_its_printed_number_marked_external(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], number="151/KH-UBND", issue=True)
    assert plan.number == "151/KH-UBND"
    assert (plan.document.number, plan.document.external, plan.document.seq) == ("151/KH-UBND", True, None)
    # The paper act takes nothing from the register: the portal's next plan is still the first.
    assert make_plan(tree["p1"], people["p1_officer"], number="", issue=True, title="Khác").number == "01/KH-UBND"


def test_suggested_number_previews_the_register(tree, people, make_plan):
    assert services.suggest_number(unit=tree["p1"], kind="plan", year=2024) == "01/KH-UBND"
    make_plan(tree["p1"], people["p1_officer"], number="", issue=True)
    assert services.suggest_number(unit=tree["p1"], kind="plan", year=2024) == "02/KH-UBND"
    assert services.suggest_number(unit=tree["p1"], kind="plan", year=2025) == "01/KH-UBND"
    association = f.organisation(tree["p1"], kind="association", name="Hội Khuyến học tỉnh Thử Nghiệm")
    assert services.suggest_number(unit=association, kind="letter", year=2024) == "01/HKH"


def test_officer_of_another_province_cannot_draft_for_this_one(tree, people, campaign):
    with pytest.raises(PermissionDenied) as refused:
        services.plan_create(unit=tree["p1"], campaign=campaign, by=people["p2_officer"], fields={"title": "X"})
    assert "Tỉnh Thử Nghiệm" in refused.value.message
    assert not Plan.objects.exists()


def test_viewer_cannot_draft(tree, people, campaign):
    with pytest.raises(PermissionDenied):
        services.plan_create(unit=tree["p1"], campaign=campaign, by=people["p1_viewer"], fields={"title": "X"})
    assert not Plan.objects.exists()


def test_issued_plan_refuses_edits_and_nothing_changes(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    before = snapshot(plan)
    with pytest.raises(Conflict) as refused:
        services.plan_update(plan=plan, by=people["p1_officer"], changes={"title": "Sửa sau khi ban hành"})
    assert refused.value.status == 409
    assert refused.value.message == (
        "Kế hoạch số 151/KH-UBND đã ban hành nên không thể sửa. Hãy tạo bản đính chính (phiên bản mới)."
    )
    assert snapshot(plan) == before


def test_issued_plan_refuses_new_targets(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    with pytest.raises(Conflict):
        services.target_add(plan=plan, by=people["p1_officer"], indicator="households_learning_family",
                            year=2025, percentage=70)
    assert not Target.objects.exists()


def test_stale_revision_is_refused_and_nothing_changes(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    services.plan_update(plan=plan, by=people["p1_officer"], changes={"title": "Bản của người thứ nhất"},
                         expected_revision=1)
    plan.refresh_from_db()
    before = snapshot(plan)
    with pytest.raises(Conflict) as refused:
        services.plan_update(plan=plan, by=people["p1_officer"], changes={"title": "Bản cũ ghi đè"},
                             expected_revision=1)
    assert "người khác sửa đổi" in refused.value.message
    assert snapshot(plan) == before


def test_officer_of_another_unit_cannot_edit_or_issue(tree, people, make_plan):
    plan = make_plan(tree["c1"], people["c1_officer"])
    before = snapshot(plan)
    for attempt in (
        lambda: services.plan_update(plan=plan, by=people["c2_officer"], changes={"title": "Không được"}),
        lambda: services.plan_issue(plan=plan, by=people["c2_officer"]),
        lambda: services.plan_update(plan=plan, by=people["p2_admin"], changes={"title": "Không được"}),
    ):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert "Xã Hòa Bình" in refused.value.message
    assert snapshot(plan) == before


def test_province_officer_may_edit_a_commune_plan_below(tree, people, make_plan):
    plan = make_plan(tree["c1"], people["c1_officer"])
    updated = services.plan_update(plan=plan, by=people["p1_officer"], changes={"title": "Tỉnh sửa giúp"})
    assert updated.title == "Tỉnh sửa giúp" and updated.revision == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"number": "/KH-UBND"}, "number", "Số văn bản “/KH-UBND” chưa có số thứ tự (ví dụ: 151/KH-UBND)."),
        ({"issued_on": None}, "issued_on", "Cần nhập “ngày ban hành” trước khi ban hành."),
        ({"signer_title": "", "signer_name": ""}, "signer_title",
         "Cần nhập chức vụ hoặc họ tên người ký trước khi ban hành."),
        ({"purposes": "", "contents": ""}, "contents", "Kế hoạch chưa có nội dung."),
    ],
)
def test_issue_refuses_an_incomplete_plan(tree, people, make_plan, overrides, field, message):
    plan = make_plan(tree["p1"], people["p1_officer"], **overrides)
    before = snapshot(plan)
    with pytest.raises(DomainError) as refused:
        services.plan_issue(plan=plan, by=people["p1_officer"])
    assert (refused.value.field, refused.value.message) == (field, message)
    assert snapshot(plan) == before


def test_issue_date_outside_the_campaign_is_refused(tree, people, make_plan):
    with pytest.raises(DomainError) as refused:
        make_plan(tree["p1"], people["p1_officer"], issued_on=datetime.date(2022, 12, 31))
    assert refused.value.field == "issued_on"
    assert "2023–2030" in refused.value.message
    assert not Plan.objects.exists()


def test_a_unit_that_ended_cannot_issue_after_its_end(people, make_plan, tree):
    legacy = f.province(name="Tỉnh Cũ", code="93", valid_to=datetime.date(2025, 6, 30))
    officer = f.member(legacy, "officer")
    with pytest.raises(DomainError) as refused:
        make_plan(legacy, officer, issued_on=datetime.date(2025, 7, 2))
    assert refused.value.message == "Đơn vị “Tỉnh Cũ” không còn hiệu lực vào ngày ban hành 02/07/2025."
    assert make_plan(legacy, officer, issued_on=datetime.date(2024, 3, 1), issue=True).is_issued


def test_the_same_number_twice_in_a_year_is_refused(tree, people, make_plan):
    make_plan(tree["p1"], people["p1_officer"], issue=True)
    second = make_plan(tree["p1"], people["p1_officer"], title="Kế hoạch khác")
    with pytest.raises(DomainError) as refused:
        services.plan_issue(plan=second, by=people["p1_officer"])
    assert refused.value.message == "Số “151/KH-UBND” đã được dùng cho một văn bản khác của đơn vị trong năm 2024."
    second.refresh_from_db()
    assert second.status == Plan.Status.DRAFT


def test_parent_plan_must_be_issued_visible_and_not_a_loop(tree, people, make_plan):
    province_draft = make_plan(tree["p1"], people["p1_officer"])
    with pytest.raises(DomainError) as refused:
        make_plan(tree["c1"], people["c1_officer"], parent=province_draft)
    assert refused.value.message == "Không tìm thấy kế hoạch cấp trên hoặc bạn không có quyền xem."

    other_province = make_plan(tree["p2"], people["p2_officer"], issue=True)
    with pytest.raises(DomainError):
        make_plan(tree["c1"], people["c1_officer"], parent=other_province)

    issued = make_plan(tree["p1"], people["p1_officer"], number="152/KH-UBND", issue=True)
    child = make_plan(tree["c1"], people["c1_officer"], parent=issued, number="5/KH-UBND")
    assert child.parent == issued
    assert list(issued.children.all()) == [child]


def test_correction_is_a_new_draft_version_linked_to_the_issued_one(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    issued_before = snapshot(plan)
    # Targets are content: the correction carries them too.
    Target.objects.create(plan=plan, campaign=plan.campaign, unit=tree["p1"], indicator="units_learning_unit",
                          year=2025, percentage=80)

    correction = services.plan_correct(plan=plan, by=people["p1_officer"])

    assert (correction.version, correction.status, correction.supersedes_id) == (2, Plan.Status.DRAFT, plan.pk)
    assert correction.title == plan.title and correction.contents == plan.contents
    assert list(correction.targets.values_list("indicator", "percentage")) == [("units_learning_unit", 80)]
    assert snapshot(plan) == issued_before
    corrected = services.plan_update(plan=correction, by=people["p1_officer"], changes={"number": "160/KH-UBND"})
    services.plan_issue(plan=corrected, by=people["p1_officer"])
    assert Plan.objects.get(pk=correction.pk).is_issued

    with pytest.raises(Conflict) as again:
        services.plan_correct(plan=plan, by=people["p1_officer"])
    assert again.value.message == "Kế hoạch này đã có phiên bản 2 thay thế."
    assert Plan.objects.count() == 2


def test_a_draft_cannot_be_corrected_and_others_cannot_correct(tree, people, make_plan):
    draft = make_plan(tree["p1"], people["p1_officer"])
    with pytest.raises(Conflict):
        services.plan_correct(plan=draft, by=people["p1_officer"])
    issued = make_plan(tree["p1"], people["p1_officer"], number="2/KH-UBND", issue=True)
    with pytest.raises(PermissionDenied):
        services.plan_correct(plan=issued, by=people["c1_officer"])
    assert Plan.objects.count() == 2


def test_targets_are_checked_and_scoped_to_the_area_of_the_issuer(tree, people, make_plan):
    school_plan = make_plan(tree["s1"], people["s1_officer"], number="3/KH-THHB")
    target = services.target_add(plan=school_plan, by=people["s1_officer"], indicator="officials_learning_citizen",
                                 year=2025, percentage="60,5")
    assert (target.unit, target.percentage) == (tree["c1"], pytest.approx(60.5))  # the commune the school serves

    for kwargs, field in [
        ({"indicator": "nope", "year": 2025, "percentage": 10}, "indicator"),
        ({"indicator": "households_learning_family", "year": 2031, "percentage": 10}, "year"),
        ({"indicator": "households_learning_family", "year": 2025, "percentage": 101}, "percentage"),
        ({"indicator": "households_learning_family", "year": 2025, "percentage": 10, "unit": tree["c2"]}, "unit"),
        ({"indicator": "officials_learning_citizen", "year": 2025, "percentage": 10}, "indicator"),  # duplicate
    ]:
        with pytest.raises(DomainError) as refused:
            services.target_add(plan=school_plan, by=people["s1_officer"], **kwargs)
        assert refused.value.field == field
    assert Target.objects.count() == 1


def test_district_targets_stay_in_history_but_end_with_the_reform(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"])
    target = services.target_add(plan=plan, by=people["p1_officer"], indicator="districts_learning_district",
                                 year=2025, percentage=25)
    assert target.applies_until() == datetime.date(2025, 6, 30)
    households = services.target_add(plan=plan, by=people["p1_officer"], indicator="households_learning_family",
                                     year=2025, percentage=70)
    assert households.applies_until() is None


def test_a_correction_of_a_registered_plan_takes_its_own_number(tree, people, make_plan):
    plan = make_plan(tree["p1"], people["p1_officer"], number="", issue=True)
    correction = services.plan_correct(plan=plan, by=people["p1_officer"])
    assert correction.number == ""  # not a copy of 01/KH-UBND, which stays the first version's
    issued = services.plan_issue(plan=correction, by=people["p1_officer"])
    assert (plan.number, issued.number) == ("01/KH-UBND", "02/KH-UBND")
