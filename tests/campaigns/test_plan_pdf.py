"""The plan's PDF: rendered by a task queued on commit, stored with a content hash, idempotent."""

import pytest

from campaigns import services
from campaigns.models import PdfStatus, Plan
from campaigns.tasks import render_plan_pdf
from tests.documents.helpers import ConnectionRecorder, pdfinfo, pdftotext, squash


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def issue(plan, by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        plan = services.plan_issue(plan=plan, by=by)
    return Plan.objects.get(pk=plan.pk), callbacks


def test_issuing_queues_the_render_on_commit_and_stores_a_state_format_pdf(
    tree, people, make_plan, media, django_capture_on_commit_callbacks
):
    plan = make_plan(tree["p1"], people["p1_officer"])
    plan, callbacks = issue(plan, people["p1_officer"], django_capture_on_commit_callbacks)

    assert len(callbacks) == 1  # the task, after the transaction, not inside it
    assert plan.pdf_status == PdfStatus.READY and plan.pdf_pages == 1
    path = media / plan.pdf_file.name
    # Stored by the document register under a storage name nobody can guess (core/files.py), with its hash.
    assert path.is_file() and len(plan.pdf_fingerprint) == 64
    assert pdfinfo(path)["Page size"] == "595.276 x 841.89 pts (A4)"
    text = pdftotext(path)
    flat = squash(text)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: 151/KH-UBND" in text
    assert "Thử Nghiệm, ngày 15 tháng 01 năm 2024" in text
    assert "I. MỤC ĐÍCH, YÊU CẦU" in text and "II. NỘI DUNG PHONG TRÀO THI ĐUA" in text
    assert "Nơi nhận:" in text and "- Bộ GDĐT;" in text
    assert "TM. ỦY BAN NHÂN DÂN" in flat and "KT. CHỦ TỊCH" in flat and "PHÓ CHỦ TỊCH" in flat
    assert "Nguyễn Lộc Hà" in text
    assert "DỰ THẢO" not in text


def test_the_render_task_is_idempotent(tree, people, make_plan, media, django_capture_on_commit_callbacks):
    plan, _ = issue(make_plan(tree["p1"], people["p1_officer"]), people["p1_officer"],
                    django_capture_on_commit_callbacks)
    stored = media / plan.pdf_file.name
    first = (plan.pdf_file.name, plan.pdf_rendered_at, stored.stat().st_mtime_ns)

    assert render_plan_pdf.delay(plan.pk).get() == "ready"
    assert render_plan_pdf(plan.pk) == "ready"

    plan.refresh_from_db()
    assert (plan.pdf_file.name, plan.pdf_rendered_at, stored.stat().st_mtime_ns) == first
    assert sorted(p.name for p in stored.parent.iterdir()) == [stored.name]


def test_a_task_for_a_plan_that_no_longer_exists_does_nothing(db):
    assert render_plan_pdf(987654) == "missing"


def test_editing_a_draft_makes_its_pdf_stale_and_the_next_request_renders_the_new_content(
    tree, people, make_plan, media, django_capture_on_commit_callbacks
):
    plan = make_plan(tree["p1"], people["p1_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.plan_pdf_request(plan=plan) == PdfStatus.QUEUED
    plan.refresh_from_db()
    old_name = plan.pdf_file.name
    assert "DỰ THẢO" in pdftotext(media / old_name)
    assert services.plan_pdf_is_fresh(plan)

    with django_capture_on_commit_callbacks(execute=True):
        plan = services.plan_update(plan=plan, by=people["p1_officer"], changes={"title": "Trích yếu mới"})
    plan.refresh_from_db()
    assert not services.plan_pdf_is_fresh(plan)

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_pdf_request(plan=plan)
    plan.refresh_from_db()
    assert plan.pdf_file.name != old_name
    assert "Trích yếu mới" in pdftotext(media / plan.pdf_file.name)
    assert not (media / old_name).exists()  # the stale file is removed once the new one is stored


def test_a_second_request_while_queued_queues_nothing_more(tree, people, make_plan, media,
                                                           django_capture_on_commit_callbacks):
    plan = make_plan(tree["p1"], people["p1_officer"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.plan_pdf_request(plan=plan) == PdfStatus.QUEUED
        assert services.plan_pdf_request(plan=plan) == PdfStatus.QUEUED
    assert len(callbacks) == 1


def test_a_remote_image_in_a_plan_body_never_reaches_the_network(
    tree, people, make_plan, media, django_capture_on_commit_callbacks
):
    recorder = ConnectionRecorder()
    try:
        body = (f'<p>Nội dung chính.</p><img src="{recorder.url()}"><img src="file:///etc/passwd">'
                f'<p style="background: url({recorder.url("/bg.png")})">Đoạn hai.</p>')
        plan = make_plan(tree["p1"], people["p1_officer"], contents=body)
        assert "127.0.0.1" not in plan.contents and "passwd" not in plan.contents  # dropped when saved
        plan, _ = issue(plan, people["p1_officer"], django_capture_on_commit_callbacks)
        assert recorder.settled_connections() == []
    finally:
        recorder.close()
    text = pdftotext(media / plan.pdf_file.name)
    assert "Nội dung chính." in text and "Đoạn hai." in text
