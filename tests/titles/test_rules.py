"""Issue 12 point 4, B–D: who recognises a title (data per title, subject and era, with history), the level
rules enforced in the services (waiting period before level 2, no re-evaluation while a recognition is in
force), and titles offered only to the subjects they apply to (page choices, API, service)."""

import datetime

import pytest
from django.urls import reverse

from core.errors import DomainError, PermissionDenied
from tests import factories as f
from titles import selectors, services
from titles.models import ApprovalRule, Decision, Evaluation, Recognition
from units.models import Kind
from units.roles import Role

from .conftest import LAST_YEAR
from .helpers import approve, submitted_evaluation

pytestmark = pytest.mark.django_db

BEFORE_REFORM, AFTER_REFORM = datetime.date(2025, 6, 30), datetime.date(2025, 7, 1)


# --- B. the recognising authority as data ------------------------------------------------------------


@pytest.mark.parametrize("slug", ["gia-dinh-hoc-tap", "dong-ho-hoc-tap", "cong-dong-hoc-tap-thon"])
def test_families_clans_and_hamlets_are_recognised_by_the_commune_after_the_reform_and_the_district_before(
        catalogue, tree, slug):
    title = catalogue[slug]
    before = selectors.approval_rule(title_type=title, level=1, unit=tree["c1"], on=BEFORE_REFORM)
    after = selectors.approval_rule(title_type=title, level=1, unit=tree["c1"], on=AFTER_REFORM)
    assert (before.authority_level, before.issuer) == ("district", ApprovalRule.Issuer.PEOPLE_COMMITTEE)
    assert (after.authority_level, after.issuer) == ("commune", ApprovalRule.Issuer.PEOPLE_COMMITTEE)
    authority = selectors.recognising_authority(title_type=title, level=1, unit=tree["c1"], on=AFTER_REFORM)
    assert (authority.unit, authority.issuer_kind) == (tree["c1"], "people_committee")


def test_learning_units_have_two_regimes_a_communes_school_and_a_provinces_agency(catalogue, tree):
    title = catalogue["don-vi-hoc-tap"]
    school = selectors.recognising_authority(title_type=title, level=1, unit=tree["s1"], on=AFTER_REFORM)
    assert school.unit == tree["c1"] and "448/QĐ-KHVN" in school.rule.legal_basis
    university = selectors.recognising_authority(title_type=title, level=1, unit=tree["u1"], on=AFTER_REFORM)
    assert university.unit == tree["sogd"] and "24/2023/TT-BGDĐT" in university.rule.legal_basis
    assert university.issuer_kind == "agency"
    # Before the reform a commune's school was the district's to recognise: the tree has no district, so the
    # refusal says which level is missing, in Vietnamese.
    with pytest.raises(DomainError, match="Không xác định được cấp có thẩm quyền công nhận"):
        selectors.recognising_authority(title_type=title, level=1, unit=tree["s1"], on=BEFORE_REFORM)


def test_citizens_are_also_recognised_by_the_head_of_their_own_agency(catalogue, tree):
    title = catalogue["cong-dan-hoc-tap"]
    staff = selectors.recognising_authority(title_type=title, level=1, unit=tree["u1"], on=AFTER_REFORM)
    assert (staff.unit, staff.rule.issuer) == (tree["u1"], ApprovalRule.Issuer.OWN_AGENCY)
    residents = selectors.recognising_authority(title_type=title, level=1, unit=tree["c1"], on=AFTER_REFORM)
    assert (residents.unit, residents.rule.issuer) == (tree["c1"], ApprovalRule.Issuer.PEOPLE_COMMITTEE)
    from core.documents.services import issuing_body_for

    assert issuing_body_for(staff.unit).head_title == "Hiệu trưởng"


def test_unverified_authorities_are_marked_rather_than_invented(catalogue):
    notes = list(ApprovalRule.objects.filter(title_type=catalogue["don-vi-hoc-tap"]).values_list("note", flat=True))
    assert notes and all("(cần kiểm chứng)" in note for note in notes)


def test_an_administrator_corrects_a_rule_and_its_history_keeps_the_old_value(catalogue, tree, admin_client):
    rule = selectors.approval_rule(title_type=catalogue["gia-dinh-hoc-tap"], level=1, unit=tree["c1"],
                                   on=AFTER_REFORM)
    response = admin_client.get(reverse("admin:titles_approvalrule_history", args=[rule.pk]))
    assert response.status_code == 200
    rule.valid_from = datetime.date(2025, 8, 1)
    rule.save()
    assert rule.history.count() >= 1
    latest = rule.history.latest("history_date")
    assert (latest.history_type, latest.valid_from) == ("~", datetime.date(2025, 8, 1))
    with pytest.raises(DomainError, match="Chưa cấu hình cấp có thẩm quyền"):
        selectors.approval_rule(title_type=catalogue["gia-dinh-hoc-tap"], level=1, unit=tree["c1"],
                                on=datetime.date(2025, 7, 15))


def test_a_missing_agency_is_a_clear_refusal_and_nothing_is_recorded(catalogue, tree, people):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"], LAST_YEAR)
    tree["sogd"].delete()
    with pytest.raises(DomainError, match="Chưa có “Sở Giáo dục và Đào tạo” trực thuộc “Tỉnh Thử Nghiệm”"):
        approve(evaluation, people["province_approver"])
    assert not Decision.objects.exists() and not Recognition.objects.exists()
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUBMITTED


# --- C. levels and validity enforced -------------------------------------------------------------------


@pytest.fixture
def commune_level_1(catalogue, tree, people, monkeypatch):
    """Xã Hòa Bình recognised Cộng đồng học tập cấp xã level 1 by the Sở on 20/12 of last year (36 months)."""
    title = catalogue["cong-dong-hoc-tap-xa"]
    evaluation = submitted_evaluation(title, tree["c1"], people["commune_officer"], LAST_YEAR)
    recognition = approve(evaluation, people["province_approver"], day=datetime.date(LAST_YEAR, 12, 20))
    return title, recognition


def _today(monkeypatch, day: datetime.date) -> None:
    monkeypatch.setattr(selectors, "today", lambda: day)


def test_level_2_is_refused_before_12_months_at_level_1_and_allowed_after(commune_level_1, tree, people,
                                                                          monkeypatch):
    title, _level_1 = commune_level_1
    officer = people["commune_officer"]
    _today(monkeypatch, datetime.date(LAST_YEAR + 1, 6, 1))
    with pytest.raises(DomainError) as refused:
        services.evaluation_start(title_type=title, unit=tree["c1"], year=LAST_YEAR + 1, level_sought=2, by=officer)
    assert refused.value.message == (
        f"Mức độ 2 chỉ được xét sau ít nhất 12 tháng đạt mức độ 1: “Xã Hòa Bình” được công nhận mức độ 1 từ ngày "
        f"20/12/{LAST_YEAR}, đủ điều kiện từ ngày 20/12/{LAST_YEAR + 1}.")
    assert Evaluation.objects.filter(year=LAST_YEAR + 1).count() == 0
    _today(monkeypatch, datetime.date(LAST_YEAR + 1, 12, 20))
    evaluation = services.evaluation_start(title_type=title, unit=tree["c1"], year=LAST_YEAR + 1, level_sought=2,
                                           by=officer)
    assert evaluation.level_sought == 2


def test_the_waiting_rule_holds_on_the_decision_date_at_approval(commune_level_1, tree, people, monkeypatch):
    title, _level_1 = commune_level_1
    _today(monkeypatch, datetime.date(LAST_YEAR + 1, 12, 21))
    evaluation = submitted_evaluation(title, tree["c1"], people["commune_officer"], LAST_YEAR + 1, level=2)
    with pytest.raises(DomainError, match="đủ điều kiện từ ngày 20/12/"):
        approve(evaluation, people["province_approver"], level=2, day=datetime.date(LAST_YEAR + 1, 12, 19))
    assert Recognition.objects.count() == 1 and Decision.objects.count() == 1
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUBMITTED
    recognition = approve(evaluation, people["province_approver"], level=2, day=datetime.date(LAST_YEAR + 1, 12, 20))
    assert recognition.level == 2


def test_level_2_needs_a_level_1_that_is_still_held_not_revoked(commune_level_1, tree, people, monkeypatch):
    title, level_1 = commune_level_1
    services.recognition_revoke(recognition=level_1, by=people["province_approver"], reason="Sai sót hồ sơ",
                                act="Quyết định số 09/QĐ-SGDĐT")
    _today(monkeypatch, datetime.date(LAST_YEAR + 1, 12, 21))
    with pytest.raises(DomainError, match="chỉ được xét khi “Xã Hòa Bình” đang được công nhận"):
        services.evaluation_start(title_type=title, unit=tree["c1"], year=LAST_YEAR + 1, level_sought=2,
                                  by=people["commune_officer"])
    assert not Evaluation.objects.filter(year=LAST_YEAR + 1).exists()


def test_no_reevaluation_at_the_same_level_while_the_recognition_is_in_force(commune_level_1, tree, people,
                                                                             monkeypatch):
    title, level_1 = commune_level_1
    _today(monkeypatch, datetime.date(LAST_YEAR + 1, 3, 1))
    with pytest.raises(DomainError) as refused:
        services.evaluation_start(title_type=title, unit=tree["c1"], year=LAST_YEAR + 1, level_sought=1,
                                  by=people["commune_officer"])
    assert refused.value.message == (
        f"“Xã Hòa Bình” đang được công nhận “Cộng đồng học tập cấp xã” mức độ 1 đến hết ngày "
        f"{level_1.valid_to:%d/%m/%Y} (Quyết định số {level_1.decision.number}): chưa được đánh giá lại trong thời "
        f"hạn công nhận, chỉ được đề nghị mức độ cao hơn.")
    assert not Evaluation.objects.filter(year=LAST_YEAR + 1).exists()
    # Once the 36 months are over, level 1 may be sought again.
    _today(monkeypatch, level_1.valid_to + datetime.timedelta(days=1))
    services.evaluation_start(title_type=title, unit=tree["c1"], year=LAST_YEAR + 1, level_sought=1,
                              by=people["commune_officer"])


def test_changing_the_sought_level_on_a_draft_is_held_to_the_same_rules(commune_level_1, tree, people,
                                                                        monkeypatch):
    title, _level_1 = commune_level_1
    _today(monkeypatch, datetime.date(LAST_YEAR + 1, 12, 25))
    officer = people["commune_officer"]
    evaluation = services.evaluation_start(title_type=title, unit=tree["c1"], year=LAST_YEAR + 1, level_sought=2,
                                           by=officer)
    # Back to level 1 while level 1 is in force: the same refusal as at the start.
    with pytest.raises(DomainError, match="chưa được đánh giá lại trong thời hạn công nhận"):
        services.evaluation_save_results(evaluation=evaluation, by=officer, criteria_set_version=None,
                                         revision=evaluation.revision, results={}, level_sought=1)
    assert Evaluation.objects.get(pk=evaluation.pk).level_sought == 2


def test_yearly_titles_are_evaluated_every_year(catalogue):
    assert catalogue["gia-dinh-hoc-tap"].reevaluate_while_valid
    assert catalogue["cong-dong-hoc-tap-xa"].higher_level_after_months == 12
    assert not catalogue["don-vi-hoc-tap"].reevaluate_while_valid


# --- D. a title offered only to the subjects it applies to ----------------------------------------------


def test_a_university_is_not_offered_the_hamlet_title_on_the_page(client, tree, people, catalogue):
    client.force_login(people["university_officer"])
    form = client.get(reverse("titles:home")).context["start_form"]
    assert [t.slug for t in form.fields["title_type"].queryset] == ["don-vi-hoc-tap"]
    assert list(form.fields["unit"].queryset) == [tree["u1"]]
    response = client.post(reverse("titles:evaluation_new"), {
        "title_type": catalogue["cong-dong-hoc-tap-thon"].pk, "unit": tree["u1"].pk, "year": LAST_YEAR,
        "level_sought": 1}, follow=True)
    assert not Evaluation.objects.exists()
    assert [str(m) for m in response.context["messages"]] == [
        "Danh hiệu: Hãy chọn một lựa chọn hợp lệ. Lựa chọn đó không phải là một trong các lựa chọn khả thi."]


def test_an_officer_of_a_hamlet_and_a_school_sees_both_titles_but_not_the_cross_pairs(client, tree, catalogue):
    officer = f.member(tree["h1"], Role.OFFICER)
    from units.models import Membership

    Membership.objects.create(user=officer, unit=tree["s1"], role=Role.OFFICER)
    client.force_login(officer)
    response = client.post(reverse("titles:evaluation_new"), {
        "title_type": catalogue["cong-dong-hoc-tap-thon"].pk, "unit": tree["s1"].pk, "year": LAST_YEAR,
        "level_sought": 1}, follow=True)
    assert "Danh hiệu “Cộng đồng học tập cấp thôn” không áp dụng cho đơn vị “Trường Tiểu học Hòa Bình”." in \
        response.content.decode()
    assert not Evaluation.objects.exists()


def test_the_service_refuses_a_title_for_a_subject_it_does_not_apply_to(tree, catalogue, people):
    centre = f.organisation(tree["c1"], kind=Kind.LEARNING_CENTRE, name="Trung tâm học tập cộng đồng Hòa Bình")
    officer = f.member(centre, Role.OFFICER)
    for title, unit, by in ((catalogue["cong-dong-hoc-tap-thon"], tree["u1"], people["university_officer"]),
                            (catalogue["don-vi-hoc-tap"], centre, officer)):
        with pytest.raises(DomainError) as refused:
            services.evaluation_start(title_type=title, unit=unit, year=LAST_YEAR, level_sought=1, by=by)
        assert refused.value.message == f"Danh hiệu “{title.name}” không áp dụng cho đơn vị “{unit.name}”."
    assert not Evaluation.objects.exists()


def test_title_types_api_filters_by_the_unit_it_applies_to(api_client, tree, people, catalogue):
    api_client.force_authenticate(people["province_viewer"])
    slugs = [t["slug"] for t in api_client.get("/api/v1/title-types/", {"unit": tree["u1"].pk}).json()["results"]]
    assert slugs == ["don-vi-hoc-tap"]
    slugs = [t["slug"] for t in api_client.get("/api/v1/title-types/", {"unit": tree["h1"].pk}).json()["results"]]
    assert slugs == ["cong-dong-hoc-tap-thon"]
    # A unit outside the caller's scope, or not a number: the same 404.
    for value in (tree["c3"].pk, "abc"):
        response = api_client.get("/api/v1/title-types/", {"unit": value})
        assert response.status_code == 404


def test_an_officer_without_the_approver_role_cannot_recognise_even_their_own_unit(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with pytest.raises(PermissionDenied):
        approve(evaluation, people["school_officer"])
    assert not Decision.objects.exists()
