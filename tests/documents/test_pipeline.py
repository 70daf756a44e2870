"""The render pipeline of the register and its API: queued on commit, GET never queues, a PDF of the
same content is never rendered twice, failures are recorded in Vietnamese, every answer is scoped."""

import datetime

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core.documents import builders, services
from core.documents.models import Document, DocumentKind
from core.documents.types import StateDocument
from tests.documents.helpers import pdftotext, squash
from tests.factories import member, province

pytestmark = pytest.mark.django_db

KIND = DocumentKind.MINUTES


def minutes_builder(document):
    return StateDocument(issuing_body=document.issuer.name, number="", place="", date=None, type_label="BIÊN BẢN",
                         title=document.title, body_html="<p>Nội dung cuộc họp.</p>")


@pytest.fixture(autouse=True)
def builder():
    saved = dict(builders._BUILDERS)
    builders.register_builder(KIND, minutes_builder)
    yield
    builders._BUILDERS.clear()
    builders._BUILDERS.update(saved)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def hatinh():
    return province(name="Tỉnh Hà Tĩnh", code="42")


def issue(hatinh, title="Họp Hội đồng", **kw):
    body = services.issuing_body_for(hatinh, kind="council")
    return services.document_issue(kind=KIND, issuer=body, subject=None, date=datetime.date(2026, 3, 2),
                                   title=title, signer_title="Chủ tịch", signer_name="Nguyễn Văn DEMO", by=None, **kw)


def test_issue_queues_the_render_on_commit_and_stores_the_pdf(hatinh, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = issue(hatinh)
    assert len(callbacks) == 1  # after the transaction, not inside it
    assert Document.objects.get(pk=document.pk).render_status == Document.RenderStatus.QUEUED
    callbacks[0]()
    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.READY and document.page_count == 1
    assert len(document.content_hash) == 64
    text = squash(pdftotext(media / document.pdf.name))
    assert "Số: 01/BB-HĐTĐKT" in text and "Họp Hội đồng" in text and "Nguyễn Văn DEMO" in text


def test_the_same_content_is_never_rendered_twice(hatinh, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = issue(hatinh)
    document.refresh_from_db()
    before = (document.pdf.name, document.rendered_at)
    assert services.document_render(document_id=document.pk) == "cached"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.document_request_render(document=document)
    assert callbacks == []
    document.refresh_from_db()
    assert (document.pdf.name, document.rendered_at) == before
    # Forced, it renders again (the file is replaced, the old one removed).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.document_request_render(document=document, force=True)
    assert len(callbacks) >= 1


def test_a_changed_content_is_rendered_again(hatinh, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = issue(hatinh)
    Document.objects.filter(pk=document.pk).update(title="Trích yếu đã sửa")
    document.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.document_request_render(document=document)
    assert callbacks  # the render (and, once stored, the removal of the previous file)
    document.refresh_from_db()
    assert "Trích yếu đã sửa" in squash(pdftotext(media / document.pdf.name))


def test_a_builder_failure_is_recorded_in_vietnamese(hatinh, media, django_capture_on_commit_callbacks):
    def broken(document):
        raise ValueError("thiếu dữ liệu")

    builders.register_builder(KIND, broken)
    with django_capture_on_commit_callbacks(execute=True):
        document = issue(hatinh)
    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.FAILED
    assert document.render_error == "Không lập được nội dung văn bản: thiếu dữ liệu"
    assert not document.pdf


def test_a_renderer_failure_is_recorded_and_does_not_raise(hatinh, media, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    def crash(state):
        raise MemoryError("hết bộ nhớ")

    monkeypatch.setattr("core.documents.renderer.render_pdf", crash)
    with django_capture_on_commit_callbacks(execute=True):
        document = issue(hatinh)
    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.FAILED
    assert document.render_error.startswith("Không tạo được tệp PDF")


def test_a_kind_without_builder_is_not_queued(hatinh, django_capture_on_commit_callbacks):
    builders._BUILDERS.pop(DocumentKind.CERTIFICATE, None)  # put back by the fixture
    body = services.issuing_body_for(hatinh)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document = services.document_issue(kind=DocumentKind.CERTIFICATE, issuer=body, subject=None,
                                           date=datetime.date(2026, 1, 5), title="Bằng khen", by=None)
    assert callbacks == [] and document.render_status == Document.RenderStatus.NONE
    assert document.number == "01"  # a certificate prints its award-register number alone


# ---------------------------------------------------------------- API

@pytest.fixture
def api():
    return APIClient()


def test_a_get_of_a_pdf_never_rendered_queues_it_once(hatinh, api, media, django_capture_on_commit_callbacks):
    # API.md: GET …/pdf/ is the PDF or 202 with a status URL; it used to answer "none" forever unless the
    # client POSTed. The status poll and the detail still never queue anything.
    document = issue(hatinh)  # in the test's transaction: its queued render never runs
    Document.objects.filter(pk=document.pk).update(render_status=Document.RenderStatus.NONE)
    api.force_authenticate(member(hatinh, "viewer"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        polled = api.get(reverse("document-pdf-status", args=[document.pk]))
        api.get(reverse("document-detail", args=[document.pk]))
    assert callbacks == [] and polled.json()["status"] == "none"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pdf = api.get(reverse("document-pdf", args=[document.pk]))
        again = api.get(reverse("document-pdf", args=[document.pk]))
    assert len(callbacks) == 1
    assert pdf.status_code == 202 and pdf.json()["status"] == "queued" and pdf["Location"].endswith("/pdf/status/")
    assert again.status_code == 202 and again.json()["status"] == "queued"
    for callback in callbacks:  # the worker, once the transaction has committed
        callback()
    ready = api.get(reverse("document-pdf", args=[document.pk]))
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert ready["Content-Disposition"].startswith("attachment;") and ready["X-Content-Type-Options"] == "nosniff"
    assert b"".join(ready.streaming_content).startswith(b"%PDF")


def test_a_get_does_not_retry_a_failed_render_a_post_does(hatinh, api, media, django_capture_on_commit_callbacks):
    document = issue(hatinh)
    Document.objects.filter(pk=document.pk).update(render_status=Document.RenderStatus.FAILED,
                                                   render_error="Không tạo được tệp PDF: lỗi")
    api.force_authenticate(member(hatinh, "viewer"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        failed = api.get(reverse("document-pdf", args=[document.pk]))
    assert callbacks == [] and failed.status_code == 202
    assert failed.json()["status"] == "failed" and failed.json()["error"] == "Không tạo được tệp PDF: lỗi"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = api.post(reverse("document-pdf", args=[document.pk]))
    assert queued.status_code == 202 and queued.json()["status"] == "queued" and len(callbacks) == 1


def test_list_items_hold_the_public_contract_and_issuer_is_a_unit_id(hatinh, api):
    other = province(name="Tỉnh Nghệ An", code="40")
    for kind in ("council", "people_committee"):  # other bodies first: the body's id ≠ the unit's id
        services.issuing_body_for(other, kind=kind)
    document = issue(hatinh)
    assert document.issuer_id != hatinh.pk
    api.force_authenticate(member(hatinh, "viewer"))
    item = api.get(reverse("document-list")).json()["results"][0]
    contract = ("id", "kind", "number", "issuer", "issued_on", "signer", "capacity", "status", "subject", "pdf")
    assert set(contract) <= set(item)
    assert (item["id"], item["kind"], item["number"], item["issued_on"], item["signer"], item["capacity"],
            item["status"], item["subject"], item["pdf"]) == (
        document.pk, "minutes", "01/BB-HĐTĐKT", "2026-03-02", "Nguyễn Văn DEMO", "", "issued", None,
        f"/api/v1/documents/{document.pk}/pdf/")
    assert (item["issuer"]["id"], item["issuer"]["name"]) == (document.issuer_id, document.issuer.name)
    # `issuer` filters by the issuing body's unit (API.md), not by the register's body id.
    by_unit = api.get(reverse("document-list"), {"issuer": hatinh.pk}).json()["results"]
    assert [d["id"] for d in by_unit] == [document.pk]
    assert api.get(reverse("document-list"), {"issuer": other.pk}).json()["results"] == []


def test_another_provinces_document_is_404_on_list_detail_and_pdf(hatinh, api, media,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ours = issue(hatinh)
    other = province(name="Tỉnh Nghệ An", code="40")
    with django_capture_on_commit_callbacks(execute=True):
        theirs = issue(other, title="Của tỉnh khác")
    api.force_authenticate(member(hatinh, "officer"))
    listed = api.get(reverse("document-list"))
    assert listed.status_code == 200 and [d["id"] for d in listed.json()["results"]] == [ours.pk]
    for name in ("document-detail", "document-pdf", "document-pdf-status"):
        response = api.get(reverse(name, args=[theirs.pk]))
        assert response.status_code == 404, name
        assert response.json()["detail"] == "Không tìm thấy văn bản hoặc bạn không có quyền xem."
    posted = api.post(reverse("document-pdf", args=[theirs.pk]))
    assert posted.status_code == 404
    assert api.get(reverse("document-detail", args=["abc"])).status_code == 404


def test_list_filters_and_detail(hatinh, api):
    first = issue(hatinh)
    issue(hatinh, title="Họp lần hai")
    api.force_authenticate(member(hatinh, "viewer"))
    by_number = api.get(reverse("document-list"), {"number": "01/BB-HĐTĐKT"}).json()["results"]
    assert [d["id"] for d in by_number] == [first.pk]
    assert len(api.get(reverse("document-list"), {"kind": "minutes", "year": 2026}).json()["results"]) == 2
    assert api.get(reverse("document-list"), {"year": 2025}).json()["results"] == []
    assert api.get(reverse("document-list"), {"kind": "khong-co"}).status_code == 400
    detail = api.get(reverse("document-detail", args=[first.pk])).json()
    assert (detail["number"], detail["issuer"]["abbreviation"], detail["issuer"]["header_lines"]) == (
        "01/BB-HĐTĐKT", "HĐTĐKT", ["HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG", "TỈNH HÀ TĨNH"])


def test_list_queries_do_not_grow_with_rows(hatinh, api, django_assert_max_num_queries):
    api.force_authenticate(member(hatinh, "viewer"))
    issue(hatinh)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        api.get(reverse("document-list"))
    for n in range(8):
        issue(hatinh, title=f"Họp {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(reverse("document-list")).json()["results"]) == 9


def test_schema_documents_the_register_endpoints(db):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = [str(w) for w in (*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache)]
    assert [w for w in warnings if "ocument" in w or "RenderStatus" in w or "IssuingBody" in w] == []
    for path in ("/api/v1/documents/", "/api/v1/documents/{id}/", "/api/v1/documents/{id}/pdf/",
                 "/api/v1/documents/{id}/pdf/status/"):
        assert path in schema["paths"], path
    pdf = schema["paths"]["/api/v1/documents/{id}/pdf/"]["get"]["responses"]
    assert "application/pdf" in pdf["200"]["content"] and {"202", "400", "404"} <= set(pdf)
    assert {"400", "404"} <= set(schema["paths"]["/api/v1/documents/"]["get"]["responses"])


def test_a_document_edited_while_rendering_is_rendered_again_not_stored_stale(hatinh, media, monkeypatch,
                                                                              django_capture_on_commit_callbacks):
    import core.documents.renderer as renderer

    real = renderer.render_pdf
    edits = []

    def edit_meanwhile(state):
        if not edits:  # the first render: someone changes the document while it runs
            edits.append(Document.objects.filter(title="Họp Hội đồng").update(title="Đã sửa trong lúc tạo"))
        return real(state)

    monkeypatch.setattr(renderer, "render_pdf", edit_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        document = issue(hatinh)
    document.refresh_from_db()
    assert document.render_status == Document.RenderStatus.READY
    assert "Đã sửa trong lúc tạo" in squash(pdftotext(media / document.pdf.name))
