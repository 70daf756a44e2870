"""Pages and REST endpoints of titles: scoped reads, refusals that change nothing, flat query counts."""

import datetime

import pytest
from django.urls import reverse

from tests import factories as f
from titles import selectors, services
from titles.models import Evaluation, Recognition
from units.roles import Role

from .conftest import LAST_YEAR
from .helpers import approve, submitted_evaluation

pytestmark = pytest.mark.django_db


def test_officer_fills_in_and_submits_the_self_assessment_through_the_page(client, tree, people, catalogue):
    officer = people["school_officer"]
    client.force_login(officer)
    response = client.post(reverse("titles:evaluation_new"), {
        "title_type": catalogue["don-vi-hoc-tap"].pk, "unit": tree["s1"].pk, "year": LAST_YEAR, "level_sought": 1})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response.url == reverse("titles:evaluation", args=[evaluation.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and "Tiêu chí 1. Điều kiện bảo đảm" in page.content.decode()
    data = {"criteria_set_version": 1, "revision": 0, "level_sought": 1, "action": "submit"}
    for result in evaluation.results.select_related("criterion"):
        data[f"passed_{result.criterion_id}"] = "1"
        data[f"explanation_{result.criterion_id}"] = "Có kế hoạch số 12/KH"
    client.post(reverse("titles:evaluation_save", args=[evaluation.pk]), data)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED


def test_stale_page_post_is_refused_with_a_message_and_changes_nothing(client, tree, people, catalogue):
    officer = people["school_officer"]
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=officer)
    client.force_login(officer)
    criterion = evaluation.criteria_set.criteria.first()
    response = client.post(reverse("titles:evaluation_save", args=[evaluation.pk]), {
        "criteria_set_version": 1, "revision": 5, f"passed_{criterion.pk}": "1"}, follow=True)
    assert "Vui lòng tải lại trang" in response.content.decode()
    assert not evaluation.results.filter(passed=True).exists()


def test_officer_of_another_school_gets_404_for_the_self_assessment(client, tree, people, catalogue):
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=people["school_officer"])
    client.force_login(people["other_school_officer"])
    assert client.get(reverse("titles:evaluation", args=[evaluation.pk])).status_code == 404
    criterion = evaluation.criteria_set.criteria.first()
    response = client.post(reverse("titles:evaluation_save", args=[evaluation.pk]), {
        "criteria_set_version": 1, "revision": 0, f"passed_{criterion.pk}": "1"})
    assert response.status_code == 404
    assert not evaluation.results.filter(passed=True).exists()


def test_commune_approver_gets_403_when_approving_a_province_title(client, tree, people, catalogue):
    # A university the province manages is recognised under TT 24/2023 by the Sở: a commune's approver
    # does not even see it (404); the commune's school's own officer holds no approver role (403).
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"], LAST_YEAR)
    form = {"action": "approve", "criteria_set_version": 1, "level": 1, "signed_as": "head",
            "decision_date": datetime.date.today().strftime("%d/%m/%Y"), "signer": "X"}
    client.force_login(people["commune_approver"])
    assert client.post(reverse("titles:evaluation_review", args=[evaluation.pk]), form).status_code == 404
    client.force_login(people["university_officer"])
    response = client.post(reverse("titles:evaluation_review", args=[evaluation.pk]), form)
    assert response.status_code == 403
    assert not Recognition.objects.exists()
    assert Evaluation.objects.get(pk=evaluation.pk).status == Evaluation.Status.SUBMITTED


def test_province_approver_approves_through_the_page(client, tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["u1"], people["university_officer"], LAST_YEAR)
    client.force_login(people["province_approver"])
    assert "Hồ sơ chờ thẩm định" in client.get(reverse("titles:home")).content.decode()
    client.post(reverse("titles:evaluation_review", args=[evaluation.pk]), {
        "action": "approve", "criteria_set_version": 1, "level": 1, "signed_as": "deputy",
        "decision_date": datetime.date.today().strftime("%d/%m/%Y"), "signer": "Lê Văn Công"})
    decision = Recognition.objects.get().decision
    # Numbered by the Sở's register, not typed: the first title decision of the year.
    assert decision.number == "01/QĐ-SGDĐT"
    assert (decision.authority, decision.signer, decision.signer_title) == (tree["sogd"], "Lê Văn Công", "Phó Giám đốc")


def _recognise_schools(tree, people, catalogue, n):
    title = catalogue["don-vi-hoc-tap"]
    for i in range(n):
        school = f.organisation(tree["c1"], name=f"Trường {i}")
        evaluation = submitted_evaluation(title, school, people["commune_officer"], LAST_YEAR)
        approve(evaluation, people["province_approver"])


def test_recognitions_api_lists_only_the_callers_subtree_with_the_contract_fields(api_client, tree, people, catalogue):
    _recognise_schools(tree, people, catalogue, 2)
    api_client.force_authenticate(people["province_viewer"])
    body = api_client.get("/api/v1/recognitions/", {"title": "don-vi-hoc-tap", "year": LAST_YEAR}).json()
    assert body["count"] == 2
    assert set(body["results"][0]) == {"id", "title", "subject_type", "subject", "unit", "year", "level",
                                       "decision_number", "decision_date", "valid_from", "valid_to", "revoked",
                                       "revoked_at", "revoked_act", "decision_document"}
    assert body["results"][0]["title"] == "don-vi-hoc-tap" and body["results"][0]["revoked"] is False
    assert api_client.get("/api/v1/recognitions/", {"unit": tree["c2"].pk}).json()["count"] == 0
    stranger = f.member(tree["p2"], Role.VIEWER)
    api_client.force_authenticate(stranger)
    assert api_client.get("/api/v1/recognitions/").json()["count"] == 0
    some_id = Recognition.objects.first().pk
    response = api_client.get(f"/api/v1/recognitions/{some_id}/")
    assert response.status_code == 404 and "không có quyền" in response.json()["detail"]


def test_recognitions_api_query_count_does_not_grow_with_rows(api_client, tree, people, catalogue,
                                                              django_assert_max_num_queries):
    _recognise_schools(tree, people, catalogue, 3)
    api_client.force_authenticate(people["province_viewer"])
    with django_assert_max_num_queries(6):
        assert api_client.get("/api/v1/recognitions/").json()["count"] == 3
    _recognise_schools(tree, people, catalogue, 3)
    with django_assert_max_num_queries(6):
        assert api_client.get("/api/v1/recognitions/?format=csv").status_code == 200


def test_title_types_api_lists_the_catalogue(api_client, people, catalogue, django_assert_max_num_queries):
    api_client.force_authenticate(people["province_viewer"])
    with django_assert_max_num_queries(6):
        body = api_client.get("/api/v1/title-types/").json()
    by_slug = {t["slug"]: t for t in body["results"]}
    assert by_slug["cong-dong-hoc-tap-xa"]["validity_months"] == 36
    assert by_slug["don-vi-hoc-tap"]["current_criteria_version"] == 1
    assert by_slug["gia-dinh-hoc-tap"]["approval_rules"][1]["authority_level"] == "commune"


def test_evaluations_api_is_scoped(api_client, tree, people, catalogue):
    evaluation = submitted_evaluation(catalogue["don-vi-hoc-tap"], tree["s1"], people["school_officer"], LAST_YEAR)
    api_client.force_authenticate(people["province_approver"])
    detail = api_client.get(f"/api/v1/evaluations/{evaluation.pk}/").json()
    assert detail["criteria_version"] == 1 and len(detail["results"]) == evaluation.results.count()
    api_client.force_authenticate(people["other_school_officer"])
    assert api_client.get(f"/api/v1/evaluations/{evaluation.pk}/").status_code == 404
    assert api_client.get("/api/v1/evaluations/").json()["count"] == 0


def test_recognition_list_page_query_count_does_not_grow(client, tree, people, catalogue,
                                                         django_assert_max_num_queries):
    _recognise_schools(tree, people, catalogue, 2)
    client.force_login(people["province_viewer"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("titles:recognitions")).status_code == 200
    _recognise_schools(tree, people, catalogue, 4)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("titles:recognitions")).status_code == 200


def test_recognition_facts_give_numerators_and_denominators_per_base_unit(tree, people, catalogue):
    from units.models import Household

    _recognise_schools(tree, people, catalogue, 1)
    households = [Household.objects.create(unit=tree["h1"], code=f"H{i}", head_name=f"Chủ hộ {i}") for i in range(3)]
    officer = people["commune_officer"]
    evaluation_list = services.evaluation_list_open(commune=tree["c1"], title_type=catalogue["gia-dinh-hoc-tap"],
                                                    year=LAST_YEAR, by=officer)
    evaluation_list.entries.create(hamlet=tree["h1"], household=households[0], passed=True)
    evaluation_list.entries.create(hamlet=tree["h1"], household=households[1], passed=False)
    services.evaluation_list_recognise(evaluation_list=evaluation_list, by=people["commune_approver"],
                                       decision_date=datetime.date.today(), signer="A")
    facts = {(r["unit_id"], r["indicator"]): (r["numerator"], r["denominator"])
             for r in selectors.recognition_facts(LAST_YEAR)}
    assert facts[(tree["h1"].pk, "households_learning_family")] == (1, 3)
    assert facts[(tree["s1"].pk, "units_learning_unit")] == (0, 1)
    recognised_school = Recognition.objects.get(subject_kind="unit").unit_id
    assert facts[(recognised_school, "units_learning_unit")] == (1, 1)
    assert facts[(tree["c1"].pk, "communes_learning_community")] == (0, 1)
    # A revoked recognition no longer counts.
    services.recognition_revoke(recognition=Recognition.objects.get(subject_kind="household"),
                                by=people["commune_approver"], reason="Sai", act="Quyết định số 02/QĐ-UBND")
    facts = {(r["unit_id"], r["indicator"]): (r["numerator"], r["denominator"])
             for r in selectors.recognition_facts(LAST_YEAR)}
    assert facts[(tree["h1"].pk, "households_learning_family")] == (0, 3)


@pytest.mark.parametrize("name", ["titles:home", "titles:recognitions", "titles:lists"])
def test_title_pages_open_for_every_kind_of_user(client, people, catalogue, admin_user, name):
    for user in (admin_user, people["province_viewer"], people["commune_officer"]):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 200
