"""Evidence files (type and size limited) and the yearly list page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import DomainError
from titles import services
from titles.models import Evidence, ListEntry
from units.models import Household

from .conftest import LAST_YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(tree, people, catalogue):
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=people["school_officer"])
    return evaluation, evaluation.results.first()


def test_pdf_evidence_is_stored_with_its_size_and_type(draft, people):
    _evaluation, result = draft
    evidence = services.evidence_add(result=result, by=people["school_officer"],
                                     upload=SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.7\n%minh chung"))
    assert (evidence.name, evidence.content_type, evidence.size) == ("ke-hoach.pdf", "application/pdf", 20)


def test_evidence_of_a_forbidden_type_or_disguised_content_is_refused(draft, people):
    _evaluation, result = draft
    with pytest.raises(DomainError, match="PDF, JPG, PNG"):
        services.evidence_add(result=result, by=people["school_officer"],
                              upload=SimpleUploadedFile("virus.exe", b"MZ\x90\x00"))
    with pytest.raises(DomainError, match="không đúng định dạng"):
        services.evidence_add(result=result, by=people["school_officer"],
                              upload=SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 not a pdf"))
    assert not Evidence.objects.exists()


def test_evidence_over_the_size_limit_is_refused(draft, people, settings):
    _evaluation, result = draft
    settings.TITLES_EVIDENCE_MAX_BYTES = 10
    with pytest.raises(DomainError, match="vượt quá"):
        services.evidence_add(result=result, by=people["school_officer"],
                              upload=SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.7 " + b"x" * 100))
    assert not Evidence.objects.exists()


def test_evidence_from_another_schools_officer_is_refused(draft, people):
    _evaluation, result = draft
    with pytest.raises(DomainError) as refused:
        services.evidence_add(result=result, by=people["other_school_officer"],
                              upload=SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.7"))
    assert refused.value.status == 403
    assert not Evidence.objects.exists()


def test_list_page_query_count_does_not_grow_with_rows(client, tree, people, catalogue,
                                                       django_assert_max_num_queries):
    officer = people["commune_officer"]
    evaluation_list = services.evaluation_list_open(commune=tree["c1"], title_type=catalogue["gia-dinh-hoc-tap"],
                                                    year=LAST_YEAR, by=officer)

    def add(n, start):
        for i in range(start, start + n):
            household = Household.objects.create(unit=tree["h1"], code=f"H{i}", head_name=f"Chủ hộ {i}")
            ListEntry.objects.create(evaluation_list=evaluation_list, hamlet=tree["h1"], household=household)

    client.force_login(officer)
    add(2, 0)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("titles:list", args=[evaluation_list.pk])).status_code == 200
    add(20, 2)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("titles:list", args=[evaluation_list.pk])).status_code == 200


def test_entry_edit_with_a_date_outside_the_year_is_refused(client, tree, people, catalogue):
    officer = people["commune_officer"]
    evaluation_list = services.evaluation_list_open(commune=tree["c1"], title_type=catalogue["gia-dinh-hoc-tap"],
                                                    year=LAST_YEAR, by=officer)
    household = Household.objects.create(unit=tree["h1"], code="H1", head_name="Chủ hộ")
    entry = ListEntry.objects.create(evaluation_list=evaluation_list, hamlet=tree["h1"], household=household)
    client.force_login(officer)
    response = client.post(reverse("titles:list_entry", args=[evaluation_list.pk, entry.pk]),
                           {"passed": "on", "review_date": "01/01/2020", "note": "x"}, follow=True)
    assert f"Ngày bình xét phải trong năm {LAST_YEAR}" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.passed, entry.note) == (False, "")
    client.post(reverse("titles:list_entry", args=[evaluation_list.pk, entry.pk]),
                {"passed": "on", "review_date": f"20/11/{LAST_YEAR}", "note": "Tốt"})
    entry.refresh_from_db()
    assert (entry.passed, entry.review_date) == (True, datetime.date(LAST_YEAR, 11, 20))


def test_evidence_is_downloaded_only_by_those_who_see_the_evaluation(client, draft, people):
    evaluation, result = draft
    evidence = services.evidence_add(result=result, by=people["school_officer"],
                                     upload=SimpleUploadedFile("ke-hoach.pdf", b"%PDF-1.7 minh chung"))
    url = reverse("titles:evidence", args=[evaluation.pk, evidence.pk])
    client.force_login(people["province_approver"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 minh chung"
    client.force_login(people["other_school_officer"])
    assert client.get(url).status_code == 404
