"""Pages of the register: a document's status page and PDF (scoped, a GET never queues), and the legal
bases page (administrators only, with history)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.documents import builders, services
from core.documents.models import Document, DocumentKind, LegalBasis
from tests.documents.test_pipeline import minutes_builder
from tests.factories import UserFactory, member, province

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def builder():
    saved = dict(builders._BUILDERS)
    builders.register_builder(DocumentKind.MINUTES, minutes_builder)
    yield
    builders._BUILDERS.clear()
    builders._BUILDERS.update(saved)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _minutes(unit):
    body = services.issuing_body_for(unit, kind="council")
    document = services.document_issue(kind=DocumentKind.MINUTES, issuer=body, subject=None,
                                       date=datetime.date(2026, 3, 2), title="Họp Hội đồng", by=None)
    Document.objects.filter(pk=document.pk).update(render_status="none")
    return document


def test_status_page_and_pdf_are_scoped_and_a_get_never_queues(client, media, django_capture_on_commit_callbacks):
    hatinh, nghean = province(name="Tỉnh Hà Tĩnh", code="42"), province(name="Tỉnh Nghệ An", code="40")
    ours, theirs = _minutes(hatinh), _minutes(nghean)
    client.force_login(member(hatinh, "viewer"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(reverse("documents:detail", args=[ours.pk]))
        pdf = client.get(reverse("documents:pdf", args=[ours.pk]))
        listed = client.get(reverse("documents:list"))
    assert callbacks == [] and page.status_code == 200 and pdf.status_code == 302
    assert "01/BB-HĐTĐKT" in listed.content.decode() and "Tỉnh Nghệ An" not in listed.content.decode()
    for name in ("documents:detail", "documents:pdf"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    refused = client.post(reverse("documents:render", args=[theirs.pk]))
    assert refused.status_code == 404
    assert Document.objects.get(pk=theirs.pk).render_status == "none"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("documents:render", args=[ours.pk]))
    assert len(callbacks) == 1
    ready = client.get(reverse("documents:pdf", args=[ours.pk]))
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"


def test_only_an_administrator_edits_legal_bases_and_history_is_kept(client):
    basis = LegalBasis.objects.get(slug="luat-tdkt-2022")
    before = LegalBasis.objects.filter(pk=basis.pk).values().get()
    client.force_login(member(province(), "admin"))  # a unit's administrator is not the system's
    response = client.post(reverse("documents:legal_basis_edit", args=[basis.pk]),
                           {"slug": basis.slug, "text": "Sửa trái phép", "order": 1})
    assert response.status_code == 403
    assert LegalBasis.objects.filter(pk=basis.pk).values().get() == before

    admin = UserFactory(is_staff=True)  # a staff account with the legal-basis permissions the admin asks for
    admin.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="documents", codename__in=["add_legalbasis", "change_legalbasis"]))
    client.force_login(admin)
    assert client.get(reverse("documents:legal_bases")).status_code == 200
    bad = client.post(reverse("documents:legal_basis_edit", args=[basis.pk]), {
        "slug": basis.slug, "text": basis.text, "tags": "award_decision", "order": 20,
        "valid_from": "2024-01-01", "valid_to": "2023-01-01", "active": "on"})
    assert bad.status_code == 400
    assert "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực." in bad.content.decode()
    assert LegalBasis.objects.filter(pk=basis.pk).values().get() == before
    ok = client.post(reverse("documents:legal_basis_edit", args=[basis.pk]), {
        "slug": basis.slug, "text": "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;",
        "tags": "award_decision, title_decision", "order": 20, "valid_from": "2024-01-01", "active": "on"})
    assert ok.status_code == 302
    basis.refresh_from_db()
    assert basis.tags == ["award_decision", "title_decision"] and "06/2022/QH15" in basis.text
    assert basis.history.first().history_user == admin
