import datetime

import pytest

from campaigns import services
from campaigns.models import Campaign, Phase, Plan
from config.celery_app import app as celery_app
from tests import factories as f


@pytest.fixture(autouse=True)
def tasks_run_in_process():
    """These tests are about the services and the task's own logic: the task runs in-process on commit,
    also in CI's PostgreSQL + Redis pass (test_plan_pdf_worker.py covers the real worker)."""
    was_eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
    yield
    celery_app.conf.task_always_eager = was_eager


@pytest.fixture
def campaign(db):
    """The national campaign of the data migration (made again if a transactional test flushed it)."""
    campaign, _ = Campaign.objects.get_or_create(decision_number="1315/QĐ-TTg", defaults={
        "name": "Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời giai đoạn 2023 - 2030",
        "decision_date": datetime.date(2023, 11, 9), "start_year": 2023, "end_year": 2030})
    Phase.objects.get_or_create(campaign=campaign, number=1, defaults={
        "start_year": 2023, "end_year": 2025, "review": "interim", "review_year": 2025})
    Phase.objects.get_or_create(campaign=campaign, number=2, defaults={
        "start_year": 2026, "end_year": 2030, "review": "final", "review_year": 2030})
    return campaign


@pytest.fixture
def people(tree):
    return {
        "p1_officer": f.member(tree["p1"], "officer", username="p1.officer"),
        "p1_viewer": f.member(tree["p1"], "viewer", username="p1.viewer"),
        "c1_officer": f.member(tree["c1"], "officer", username="c1.officer"),
        "c2_officer": f.member(tree["c2"], "officer", username="c2.officer"),
        "s1_officer": f.member(tree["s1"], "officer", username="s1.officer"),
        "p2_officer": f.member(tree["p2"], "officer", username="p2.officer"),
        "p2_admin": f.member(tree["p2"], "admin", username="p2.admin"),
    }


def plan_fields(**overrides) -> dict:
    fields = {
        "number": "151/KH-UBND",
        "issuing_body": "Ủy ban nhân dân tỉnh Thử Nghiệm",
        "place": "Thử Nghiệm",
        "issued_on": datetime.date(2024, 1, 15),
        "title": "Triển khai thực hiện Phong trào “Cả nước thi đua xây dựng xã hội học tập”",
        "purposes": "Phát huy sức mạnh của cả hệ thống chính trị.",
        "contents": "Tuyên truyền, phổ biến, nâng cao nhận thức.",
        "recipients": "- Bộ GDĐT;\n- Lưu: VT.",
        "signer_collective": "Ủy ban nhân dân",
        "signer_capacity": "KT.",
        "signer_principal": "Chủ tịch",
        "signer_title": "Phó Chủ tịch",
        "signer_name": "Nguyễn Lộc Hà",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_plan(campaign):
    def make(unit, by, *, issue: bool = False, **overrides) -> Plan:
        plan = services.plan_create(unit=unit, campaign=campaign, by=by, fields=plan_fields(**overrides))
        if issue:
            plan = services.plan_issue(plan=plan, by=by)
        return plan

    return make


def snapshot(plan: Plan) -> dict:
    """Every stored column of the plan, to prove a refused action changed nothing."""
    row = Plan.objects.filter(pk=plan.pk).values().get()
    row.pop("updated_at", None)
    return row
