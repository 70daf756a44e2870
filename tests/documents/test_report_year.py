"""A yearly BÁO CÁO issued in the next calendar year is numbered in that year's register, and is still found
as the report of the year it reports on: asking again neither makes a second draft nor takes a second number
(load_demo run twice used to issue 01/BC-UBND and then 02/BC-UBND for the same 2025 report)."""

import datetime

import pytest
from django.utils import timezone

from core.documents.models import Document, DocumentKind
from reports import exports
from tests.factories import member, province

pytestmark = pytest.mark.django_db


def test_a_report_issued_the_next_year_is_found_and_not_issued_twice(monkeypatch, django_capture_on_commit_callbacks):
    hatinh = province(name="Tỉnh Hà Tĩnh", code="42")
    head = member(hatinh, "approver")
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 1, 10))
    first = exports.report_document_request(unit=hatinh, year=2025, by=head, issue=True)
    assert (first.number, first.year, first.status) == ("01/BC-UBND", 2026, "issued")
    assert exports.report_document(hatinh, 2025) == first
    assert exports.report_document(hatinh, 2026) is None  # not the report of 2026
    again = exports.report_document_request(unit=hatinh, year=2025, by=head, issue=True)
    assert again.pk == first.pk
    assert list(Document.objects.filter(kind=DocumentKind.REPORT).values_list("number", flat=True)) == ["01/BC-UBND"]
    # The body reports on 2025 (it used to say "… Phong trào năm 2026" and take 2026's figures).
    from core.documents import builders

    state = builders.state_document(first)
    assert exports.reported_year(first) == 2025
    assert "năm 2025" in state.body_html and "năm 2026" not in state.body_html
