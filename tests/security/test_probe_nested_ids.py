"""H8's probe of the second id in nested download/revoke URLs, behind a parent the caller DOES see.

`/reports/<pk>/attachments/<attachment_pk>/` and its siblings check the parent through the scoped selector
(and `lookup_id`), then look the child up by its raw URL value. A child id no id column can hold
(`99999999999999999999` matches `<int:…>` and `[0-9]+`) then reached the database: OverflowError on SQLite,
"out of range" on PostgreSQL, a 500. It must be the same 404 as a missing child, for the one who sees the
parent too.
"""
# ruff: noqa: F811 (the reports tests' fixtures are imported by name and then requested by name)

import pytest

from reports import services as report_services
from tests import factories as f
from tests.files import payloads as p
from tests.reports.conftest import YEAR, campaign, rounds  # noqa: F401 (fixtures)
from titles import services as title_services
from titles.catalogue import load_catalogue
from titles.models import TitleType
from units.roles import Role

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def parents(tree, rounds):
    officer = f.member(tree["c1"], Role.OFFICER, username="canbo-xa")
    report = report_services.report_create(unit=tree["c1"], year=YEAR, by=officer)
    load_catalogue()
    # The commune's officer also sees its school's self-assessment (the school lies in its subtree).
    school_officer = f.member(tree["s1"], Role.OFFICER, username="canbo-truong")
    evaluation = title_services.evaluation_start(title_type=TitleType.objects.get(slug="don-vi-hoc-tap"),
                                                 unit=tree["s1"], year=YEAR - 1, level_sought=1, by=school_officer)
    result = evaluation.results.first()
    title_services.evidence_add(result=result, by=school_officer, upload=p.upload("minh-chung.pdf", p.PDF))
    return {"officer": officer, "report": report, "evaluation": evaluation, "result": result}


@pytest.mark.parametrize("child", [HUGE, "0", "9" * 300])
@pytest.mark.parametrize("url", [
    "/reports/{report}/attachments/{child}/",
    "/api/v1/reports/{report}/attachments/{child}/",
    "/titles/evaluations/{evaluation}/evidence/{child}/",
])
def test_a_child_id_no_column_holds_is_a_404_behind_a_visible_parent(client, parents, url, child):
    client.force_login(parents["officer"])
    address = url.format(report=parents["report"].pk, evaluation=parents["evaluation"].pk, child=child)

    response = client.get(address)
    missing = client.get(url.format(report=parents["report"].pk, evaluation=parents["evaluation"].pk,
                                    child=987654321))

    assert response.status_code == 404 == missing.status_code
    if address.startswith("/api/"):
        assert response.json() == missing.json()
        assert response.json()["detail"] == "Không tìm thấy báo cáo hoặc bạn không có quyền xem."


@pytest.mark.parametrize("child", [HUGE, "9" * 300])
def test_an_evidence_upload_to_a_result_id_no_column_holds_is_a_404_and_saves_nothing(client, parents, child):
    from titles.models import Evidence

    client.force_login(parents["officer"])
    before = Evidence.objects.count()

    response = client.post(f"/titles/evaluations/{parents['evaluation'].pk}/results/{child}/evidence/",
                           {"file": p.upload("minh-chung.pdf", p.PDF)})

    assert response.status_code == 404
    assert Evidence.objects.count() == before
