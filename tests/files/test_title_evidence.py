"""Title evidence: the shared content check, random storage names, served only to who sees the evaluation."""
# ruff: noqa: F811 (the titles tests' fixtures are imported by name and then requested by name)

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.errors import DomainError
from tests.titles.conftest import LAST_YEAR, catalogue, people, tree  # noqa: F401 (fixtures)
from titles import services
from titles.models import Evidence

from . import payloads as p
from .helpers import assert_served, page

pytestmark = pytest.mark.django_db

DISPOSITION = "attachment; filename=\"Ke hoach nam.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20n%C4%83m.pdf"


@pytest.fixture
def draft(tree, people, catalogue):
    evaluation = services.evaluation_start(title_type=catalogue["don-vi-hoc-tap"], unit=tree["s1"], year=LAST_YEAR,
                                           level_sought=1, by=people["school_officer"])
    return evaluation, evaluation.results.first()


def _add(draft, people, name="Kế hoạch năm.pdf", data=p.PDF):
    return services.evidence_add(result=draft[1], by=people["school_officer"], upload=p.upload(name, data))


@pytest.mark.parametrize(("name", "data", "message"), [
    ("minh-chung.pdf", p.HTML, "Tệp minh chứng “minh-chung.pdf”: nội dung không đúng định dạng PDF."),
    ("minh-chung.pdf", p.POLYGLOT_PDF,
     "Tệp minh chứng “minh-chung.pdf”: tệp PDF có chứa mã HTML hoặc mã lệnh, không được nhận."),
    ("minh-chung.pdf", p.png(), "Tệp minh chứng “minh-chung.pdf”: tên tệp là PDF nhưng nội dung là PNG."),
    ("minh-chung.docx", p.zip_bomb(),
     "Tệp minh chứng “minh-chung.docx”: tệp sau khi giải nén quá lớn hoặc có tỷ lệ nén bất thường."),
])
def test_disguised_evidence_is_refused_and_nothing_is_saved(draft, people, settings, name, data, message):
    revision = draft[0].revision
    with pytest.raises(DomainError) as refused:
        _add(draft, people, name, data)
    assert (refused.value.message, refused.value.field) == (message, "file")
    draft[0].refresh_from_db()
    assert draft[0].revision == revision and not Evidence.objects.exists()
    assert not [f for f in settings.MEDIA_ROOT.rglob("*") if f.is_file()]


def test_evidence_is_stored_under_a_random_name_and_keeps_its_original_one(draft, people):
    first, second = _add(draft, people), _add(draft, people)
    assert (first.name, first.content_type) == ("Kế hoạch năm.pdf", "application/pdf")
    assert first.file.name != second.file.name
    base = first.file.name.rsplit("/", 1)[1]
    assert base.endswith(".pdf") and len(base) == 36 and "minh-chung" not in base


@pytest.mark.parametrize("who", ["school_officer", "province_approver", "province_viewer"])
def test_who_sees_the_evaluation_downloads_its_evidence_as_an_attachment(client, draft, people, who):
    evidence = _add(draft, people)
    client.force_login(people[who])
    assert_served(client.get(reverse("titles:evidence", args=[draft[0].pk, evidence.pk])),
                  content_type="application/pdf", disposition=DISPOSITION, content=p.PDF)


@pytest.mark.parametrize("who", ["other_province_approver", "other_school_officer"])
def test_outside_the_evaluations_scope_evidence_is_a_404_like_a_missing_one(client, draft, people, who):
    evidence = _add(draft, people)
    client.force_login(people[who])
    foreign = client.get(reverse("titles:evidence", args=[draft[0].pk, evidence.pk]))
    missing = client.get(reverse("titles:evidence", args=[draft[0].pk + 1000, evidence.pk + 1000]))
    assert foreign.status_code == missing.status_code == 404 and page(foreign) == page(missing)


def test_anonymous_evidence_download_goes_to_the_login_page(client, draft, people):
    evidence = _add(draft, people)
    url = reverse("titles:evidence", args=[draft[0].pk, evidence.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={url}"


def test_evidence_under_media_is_a_404_even_for_the_administrator(client, draft, people):
    evidence = _add(draft, people)
    client.force_login(get_user_model().objects.create_superuser("quantri", "qt@example.test", "mat-khau-thu"))
    assert client.get(f"/media/{evidence.file.name}").status_code == 404
    assert client.get(evidence.file.url).status_code == 404
