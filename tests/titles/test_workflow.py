"""Self-assessment → submit → return/approve/reject → recognition → revoke, and every refusal."""

import datetime

import pytest

from core.errors import Conflict, DomainError, PermissionDenied
from titles import selectors, services
from titles.models import CriteriaSet, CriterionResult, Decision, Evaluation, Recognition

from .conftest import LAST_YEAR
from .helpers import answer_all, approve, submitted_evaluation

pytestmark = pytest.mark.django_db


def test_catalogue_loads_every_title_with_a_published_criteria_set(catalogue):
    assert set(catalogue) >= {"cong-dan-hoc-tap", "gia-dinh-hoc-tap", "dong-ho-hoc-tap", "cong-dong-hoc-tap-thon",
                              "cong-dong-hoc-tap-xa", "cong-dong-hoc-tap-huyen", "cong-dong-hoc-tap-tinh",
                              "don-vi-hoc-tap"}
    for title in catalogue.values():
        assert selectors.current_criteria_set(title).is_published
    assert catalogue["cong-dong-hoc-tap-xa"].validity_months == 36
    assert catalogue["gia-dinh-hoc-tap"].validity_months == 12
    assert catalogue["cong-dong-hoc-tap-huyen"].valid_to == datetime.date(2025, 6, 30)


def test_catalogue_load_is_idempotent(catalogue):
    from titles.catalogue import load_catalogue

    before = CriteriaSet.objects.count()
    assert load_catalogue() == {"title_types": 0, "criteria_sets": 0}
    assert CriteriaSet.objects.count() == before


def test_school_self_assessment_approved_by_province_records_decision_and_recognition(tree, people, catalogue):
    title = catalogue["don-vi-hoc-tap"]
    evaluation = submitted_evaluation(title, tree["u1"], people["university_officer"], LAST_YEAR)
    assert evaluation.status == Evaluation.Status.SUBMITTED

    recognition = approve(evaluation, people["province_approver"])

    recognition.refresh_from_db()
    assert recognition.level == 1
    assert recognition.unit == tree["u1"]
    assert recognition.criteria_set == evaluation.criteria_set
    # TT 24/2023: a unit the province manages is recognised by the Sở, numbered in the Sở's register.
    assert recognition.decision.authority == tree["sogd"]
    assert recognition.decision.number == "01/QĐ-SGDĐT"
    # 36 months from the decision date, inclusive.
    assert recognition.valid_to == services.add_months(recognition.valid_from, 36) - datetime.timedelta(days=1)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.APPROVED


def test_returned_self_assessment_can_be_corrected_and_resubmitted(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    services.evaluation_return(evaluation=evaluation, by=people["province_approver"],
                               comment="Bổ sung minh chứng tiêu chí 2.1")
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.RETURNED
    services.evaluation_submit(evaluation=evaluation, by=people["school_officer"],
                               criteria_set_version=evaluation.criteria_set.version, revision=evaluation.revision)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED


def test_rejection_needs_a_reason_and_records_it(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with pytest.raises(DomainError, match="lý do"):
        services.evaluation_reject(evaluation=evaluation, by=people["province_approver"], reason="  ")
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    services.evaluation_reject(evaluation=evaluation, by=people["province_approver"], reason="Chưa đạt tiêu chí 2.1")
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.review_comment) == (Evaluation.Status.REJECTED, "Chưa đạt tiêu chí 2.1")
    assert not Recognition.objects.exists()


def test_officer_of_another_school_cannot_fill_in_the_self_assessment(tree, people, catalogue):
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=people["school_officer"])
    with pytest.raises(PermissionDenied, match="không có quyền"):
        services.evaluation_save_results(
            evaluation=evaluation, by=people["other_school_officer"], criteria_set_version=1, revision=0,
            results=answer_all(evaluation),
        )
    assert not CriterionResult.objects.filter(evaluation=evaluation, passed__isnull=False).exists()
    assert Evaluation.objects.get(pk=evaluation.pk).revision == 0


def test_viewer_cannot_start_a_self_assessment(tree, people, catalogue):
    with pytest.raises(PermissionDenied):
        services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                  level_sought=1, by=people["province_viewer"])
    assert not Evaluation.objects.exists()


def test_commune_approver_cannot_approve_a_learning_unit_the_province_recognises(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"], LAST_YEAR)
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ công nhận"):
        approve(evaluation, people["commune_approver"])
    assert not Recognition.objects.exists() and not Decision.objects.exists()
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUBMITTED


def test_approver_of_another_province_cannot_approve(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with pytest.raises(PermissionDenied):
        approve(evaluation, people["other_province_approver"])
    with pytest.raises(PermissionDenied):
        services.evaluation_return(evaluation=evaluation, by=people["school_officer"], comment="tự trả lại")
    assert not Recognition.objects.exists() and not Decision.objects.exists()
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUBMITTED


def test_approval_against_another_criteria_version_is_refused(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    with pytest.raises(Conflict, match="version mismatch") as refused:
        services.evaluation_approve(
            evaluation=evaluation, by=people["province_approver"], criteria_set_version=2, level=1,
            decision_date=datetime.date.today(), signer="A",
        )
    assert refused.value.code == "version_mismatch"
    assert not Recognition.objects.exists() and not Decision.objects.exists()
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUBMITTED


def test_saving_results_against_another_criteria_version_is_refused(tree, people, catalogue):
    officer = people["school_officer"]
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=officer)
    with pytest.raises(Conflict, match="version mismatch"):
        services.evaluation_save_results(evaluation=evaluation, by=officer, criteria_set_version=7, revision=0,
                                         results=answer_all(evaluation))
    other_set = selectors.current_criteria_set(catalogue["gia-dinh-hoc-tap"])
    with pytest.raises(DomainError, match="version mismatch"):
        services.evaluation_save_results(
            evaluation=evaluation, by=officer, criteria_set_version=1, revision=0,
            results={other_set.criteria.first().pk: {"points": "10"}},
        )
    assert not CriterionResult.objects.filter(evaluation=evaluation, passed__isnull=False).exists()


def test_stale_revision_is_refused_and_keeps_the_first_edit(tree, people, catalogue):
    officer = people["school_officer"]
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=officer)
    services.evaluation_save_results(evaluation=evaluation, by=officer, criteria_set_version=1, revision=0,
                                     results=answer_all(evaluation, passed=True))
    with pytest.raises(Conflict, match="tải lại"):
        services.evaluation_save_results(evaluation=evaluation, by=officer, criteria_set_version=1, revision=0,
                                         results=answer_all(evaluation, passed=False))
    assert not CriterionResult.objects.filter(evaluation=evaluation, passed=False).exists()


def test_submit_is_refused_while_the_sought_level_is_not_met(tree, people, catalogue):
    officer = people["school_officer"]
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=officer)
    with pytest.raises(DomainError, match="chưa đạt mức độ 1"):
        services.evaluation_submit(evaluation=evaluation, by=officer, criteria_set_version=1, revision=0)
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.DRAFT


def test_submitted_self_assessment_cannot_be_edited(tree, people, catalogue):
    officer = people["school_officer"]
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], officer, LAST_YEAR)
    with pytest.raises(Conflict, match="không thể sửa"):
        services.evaluation_save_results(evaluation=evaluation, by=officer, criteria_set_version=1,
                                         revision=evaluation.revision, results=answer_all(evaluation, passed=False))
    assert not CriterionResult.objects.filter(evaluation=evaluation, passed=False).exists()


def test_title_for_the_wrong_kind_of_unit_is_refused(tree, people, catalogue):
    with pytest.raises(DomainError, match="không áp dụng"):
        services.evaluation_start(title_type=catalogue["cong-dong-hoc-tap-xa"], unit=tree["s1"], year=LAST_YEAR,
                                  level_sought=1, by=people["school_officer"])
    assert not Evaluation.objects.exists()


def test_second_open_self_assessment_for_the_same_year_is_refused(tree, people, catalogue):
    args = {"title_type": catalogue["don-vi-hoc-tap"], "unit": tree["s1"], "year": LAST_YEAR, "level_sought": 1,
            "by": people["school_officer"]}
    services.evaluation_start(**args)
    with pytest.raises(Conflict):
        services.evaluation_start(**args)
    assert Evaluation.objects.count() == 1


def test_revocation_needs_a_reason_the_revoking_act_and_the_deciding_authority(tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"], LAST_YEAR)
    recognition = approve(evaluation, people["province_approver"])
    act = "Quyết định số 07/QĐ-SGDĐT ngày 02/3/2026"
    with pytest.raises(PermissionDenied):
        services.recognition_revoke(recognition=recognition, by=people["commune_approver"], reason="Sai sót", act=act)
    with pytest.raises(DomainError, match="lý do thu hồi"):
        services.recognition_revoke(recognition=recognition, by=people["province_approver"], reason="", act=act)
    with pytest.raises(DomainError, match="Cần nhập số, ngày văn bản thu hồi"):
        services.recognition_revoke(recognition=recognition, by=people["province_approver"], reason="Sai", act=" ")
    unchanged = Recognition.objects.get(pk=recognition.pk)
    assert (unchanged.revoked_at, unchanged.revoked_reason, unchanged.revoked_act) == (None, "", "")
    services.recognition_revoke(recognition=recognition, by=people["province_approver"],
                                reason="Hồ sơ không trung thực", act=act)
    recognition.refresh_from_db()
    assert recognition.revoked_at is not None and recognition.revoked_reason == "Hồ sơ không trung thực"
    assert recognition.revoked_act == act


def test_history_counts_consecutive_years():
    assert selectors.consecutive_years([2025, 2024, 2023]) == 3
    assert selectors.consecutive_years([2025, 2023]) == 1
    assert selectors.consecutive_years([]) == 0


def test_published_criteria_set_is_copied_into_a_new_draft_version(catalogue, admin_user):
    source = selectors.current_criteria_set(catalogue["don-vi-hoc-tap"])
    draft = services.criteria_set_new_version(source=source, by=admin_user)
    assert (draft.version, draft.status) == (source.version + 1, CriteriaSet.Status.DRAFT)
    assert draft.criteria.count() == source.criteria.count()
    # Until published, new self-assessments still use the published version.
    assert selectors.current_criteria_set(catalogue["don-vi-hoc-tap"]) == source
    services.criteria_set_publish(criteria_set=draft, by=admin_user)
    assert selectors.current_criteria_set(catalogue["don-vi-hoc-tap"]) == draft
    with pytest.raises(Conflict):
        services.criteria_set_publish(criteria_set=draft, by=admin_user)
