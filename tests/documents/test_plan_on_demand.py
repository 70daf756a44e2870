"""Issued plans from before the register (campaigns migration 0004 dropped their PDF columns, no data
migration) get their Document — external, with the number they were printed with — the first time their PDF
is asked for: by the API's GET (which renders on demand, API.md) or by the page's POST. A page GET never
writes or queues anything; it says what is going on."""

import pytest
from django.test import Client

from core.documents.models import Document
from tests.campaigns.conftest import campaign, make_plan, people, tasks_run_in_process  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def old_plan(tree, people, make_plan):  # noqa: F811
    plan = make_plan(tree["p1"], people["p1_officer"], issue=True)
    Document.objects.filter(subject_id=plan.pk, kind=plan.kind).delete()  # as migration 0004 left it
    assert plan.document is None and plan.number == "151/KH-UBND"
    return plan


def test_api_get_registers_an_old_issued_plan_with_its_printed_number_and_renders_it(
    api_client, people, old_plan, media, django_capture_on_commit_callbacks  # noqa: F811
):
    api_client.force_authenticate(people["p1_viewer"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = api_client.get(f"/api/v1/plans/{old_plan.pk}/pdf/")
    # Before: 202 "none" for ever, no Document. Now: recorded (external, its own number) and queued once.
    assert first.status_code == 202 and first.json()["status"] == "queued" and len(callbacks) == 1
    assert first["Location"] == f"/api/v1/plans/{old_plan.pk}/pdf/status/"
    document = Document.objects.get(subject_id=old_plan.pk, kind=old_plan.kind)
    assert (document.number, document.external, document.seq, document.status) == (
        "151/KH-UBND", True, None, "issued")
    assert document.render_status == "ready"  # the eager worker ran on commit
    pdf = api_client.get(f"/api/v1/plans/{old_plan.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api_client.get(f"/api/v1/plans/{old_plan.pk}/pdf/")
    assert callbacks == [] and Document.objects.filter(subject_id=old_plan.pk).count() == 1


def test_the_page_says_why_there_is_no_pdf_and_its_post_registers_the_plan(
    people, old_plan, media, django_capture_on_commit_callbacks  # noqa: F811
):
    client = Client()
    client.force_login(people["p1_viewer"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(f"/plans/{old_plan.pk}/")
        download = client.get(f"/plans/{old_plan.pk}/pdf/")
    assert callbacks == [] and not Document.objects.filter(subject_id=old_plan.pk).exists()
    assert page.status_code == 200
    assert ("Kế hoạch số 151/KH-UBND được ban hành trước khi có sổ văn bản nên chưa có tệp PDF."
            in page.content.decode())
    assert download.status_code == 302 and download["Location"].endswith(f"/plans/{old_plan.pk}/#pdf")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        posted = client.post(f"/plans/{old_plan.pk}/pdf/render/")
    assert posted.status_code == 302 and len(callbacks) == 1
    document = Document.objects.get(subject_id=old_plan.pk, kind=old_plan.kind)
    assert (document.number, document.external, document.render_status) == ("151/KH-UBND", True, "ready")
    served = client.get(f"/plans/{old_plan.pk}/pdf/")
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
