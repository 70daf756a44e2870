"""Report attachments: checked by content, stored under random names, served only to who sees the report."""
# ruff: noqa: F811 (the reports tests' fixtures are imported by name and then requested by name)

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse

from core.errors import DomainError
from reports import services
from reports.models import ReportAttachment
from tests.reports.conftest import YEAR, campaign, people, rounds  # noqa: F401 (fixtures)

from . import payloads as p
from .helpers import assert_served, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(tree, rounds, people):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])


def _attach(report, people, name="Biên bản họp.pdf", data=p.PDF):
    report.refresh_from_db()
    return services.attachment_add(report=report, by=people["officer1"], upload=p.upload(name, data))


def _stored_files(settings):
    return sorted(path for path in (settings.MEDIA_ROOT).rglob("*") if path.is_file())


# --- the content check -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "message"), [
    ("bien-ban.pdf", p.HTML, "Tệp đính kèm “bien-ban.pdf”: nội dung không đúng định dạng PDF."),
    ("bien-ban.pdf", p.POLYGLOT_PDF,
     "Tệp đính kèm “bien-ban.pdf”: tệp PDF có chứa mã HTML hoặc mã lệnh, không được nhận."),
    ("bien-ban.pdf", p.png(), "Tệp đính kèm “bien-ban.pdf”: tên tệp là PDF nhưng nội dung là PNG."),
])
def test_disguised_attachment_is_refused_and_nothing_is_saved(report, people, settings, name, data, message):
    version = report.version
    with pytest.raises(DomainError) as refused:
        _attach(report, people, name, data)
    assert (refused.value.message, refused.value.field) == (message, "file")
    report.refresh_from_db()
    assert report.version == version and not ReportAttachment.objects.exists() and not _stored_files(settings)


def test_disguised_attachment_through_the_page_shows_the_message_and_saves_nothing(client, report, people,
                                                                                    settings):
    client.force_login(people["officer1"])
    response = client.post(reverse("reports:attach", args=[report.pk]),
                           {"file": p.upload("bien-ban.pdf", p.HTML)}, follow=True)
    assert "Tệp đính kèm “bien-ban.pdf”: nội dung không đúng định dạng PDF." in response.content.decode()
    assert not ReportAttachment.objects.exists() and not _stored_files(settings)


def test_disguised_attachment_through_the_api_is_a_400_naming_the_field(api_client, report, people, settings):
    api_client.force_authenticate(people["officer1"])
    response = api_client.post(f"/api/v1/reports/{report.pk}/attachments/",
                               {"file": p.upload("bien-ban.pdf", p.POLYGLOT_PDF)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "Tệp đính kèm “bien-ban.pdf”: tệp PDF có chứa mã HTML hoặc mã lệnh, không được nhận."]
    assert not ReportAttachment.objects.exists() and not _stored_files(settings)


# --- storage names -----------------------------------------------------------------------------------------


def test_attachment_is_stored_under_a_random_name_and_keeps_its_original_one(report, people, settings):
    first = _attach(report, people)
    second = _attach(report, people)
    assert (first.name, first.size) == ("Biên bản họp.pdf", len(p.PDF))
    for attachment in (first, second):
        folder, base = attachment.file.name.rsplit("/", 1)
        assert folder == f"reports/attachments/{YEAR}" and base.endswith(".pdf") and len(base) == 36
        assert str(report.unit_id) not in folder and "Bi" not in base
    assert first.file.name != second.file.name
    assert len(_stored_files(settings)) == 2


# --- serving -----------------------------------------------------------------------------------------------


def _headers_ok(response):
    assert_served(response, content_type="application/pdf", content=p.PDF, disposition=(
        "attachment; filename=\"Bien ban hop.pdf\"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%8Dp.pdf"))


@pytest.mark.parametrize("who", ["officer1", "reviewer", "viewer"])
def test_who_sees_the_report_downloads_its_attachment_as_an_attachment(client, report, people, who):
    attachment = _attach(report, people)
    client.force_login(people[who])
    _headers_ok(client.get(reverse("reports:attachment", args=[report.pk, attachment.pk])))


def test_the_type_is_the_servers_not_the_uploaders(client, report, people):
    attachment = services.attachment_add(report=report, by=people["officer1"],
                                         upload=p.upload("anh.png", p.png(), content_type="text/html"))
    client.force_login(people["officer1"])
    response = client.get(reverse("reports:attachment", args=[report.pk, attachment.pk]))
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["other_reviewer", "officer2"])
def test_outside_the_reports_scope_the_attachment_is_a_404_like_a_missing_one(client, report, people, who):
    attachment = _attach(report, people)
    client.force_login(people[who])
    foreign = client.get(reverse("reports:attachment", args=[report.pk, attachment.pk]))
    missing = client.get(reverse("reports:attachment", args=[report.pk + 1000, attachment.pk + 1000]))
    assert foreign.status_code == missing.status_code == 404
    assert page(foreign) == page(missing)


def test_an_attachment_of_another_report_is_not_reachable_through_mine(client, tree, report, people):
    mine = services.report_create(unit=tree["c2"], year=YEAR, by=people["officer2"])
    attachment = _attach(report, people)
    client.force_login(people["officer2"])
    assert client.get(reverse("reports:attachment", args=[mine.pk, attachment.pk])).status_code == 404


def test_anonymous_download_goes_to_the_login_page(client, report, people):
    attachment = _attach(report, people)
    url = reverse("reports:attachment", args=[report.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={url}"


def test_a_row_whose_file_is_gone_is_a_404_not_a_500(client, report, people):
    attachment = _attach(report, people)
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(people["officer1"])
    assert client.get(reverse("reports:attachment", args=[report.pk, attachment.pk])).status_code == 404


def test_a_file_stored_before_random_names_still_downloads(client, report, people, settings):
    from django.core.files.storage import default_storage

    old_name = f"reports/{YEAR}/{report.unit_id}/bien-ban-cu.pdf"
    (settings.MEDIA_ROOT / old_name).parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / old_name).write_bytes(p.PDF)
    attachment = ReportAttachment.objects.create(report=report, file=old_name, name="Biên bản họp.pdf",
                                                 size=len(p.PDF), uploaded_by=people["officer1"])
    assert default_storage.exists(old_name)
    client.force_login(people["reviewer"])
    _headers_ok(client.get(reverse("reports:attachment", args=[report.pk, attachment.pk])))


def test_the_report_page_links_the_scoped_download_never_media(client, report, people):
    attachment = _attach(report, people)
    client.force_login(people["officer1"])
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert f'href="{reverse("reports:attachment", args=[report.pk, attachment.pk])}"' in page
    assert "/media/" not in page


# --- the API -----------------------------------------------------------------------------------------------


def test_the_api_lists_the_scoped_download_url_and_serves_it(api_client, report, people):
    attachment = _attach(report, people)
    api_client.force_authenticate(people["reviewer"])
    listed = api_client.get(f"/api/v1/reports/{report.pk}/").json()["attachments"]
    url = f"http://testserver/api/v1/reports/{report.pk}/attachments/{attachment.pk}/"
    assert [a["url"] for a in listed] == [url]
    _headers_ok(api_client.get(url))


def test_the_api_download_outside_the_scope_is_a_404_like_a_missing_one(api_client, report, people):
    attachment = _attach(report, people)
    api_client.force_authenticate(people["other_reviewer"])
    foreign = api_client.get(f"/api/v1/reports/{report.pk}/attachments/{attachment.pk}/")
    missing = api_client.get(f"/api/v1/reports/{report.pk + 1000}/attachments/{attachment.pk}/")
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()
    assert foreign.json()["detail"] == "Không tìm thấy báo cáo hoặc bạn không có quyền xem."


def test_the_api_download_needs_authentication(api_client, report, people):
    attachment = _attach(report, people)
    response = api_client.get(f"/api/v1/reports/{report.pk}/attachments/{attachment.pk}/")
    assert response.status_code in (401, 403) and b"%PDF" not in response.content


# --- MEDIA_ROOT is never published -------------------------------------------------------------------------


def test_media_url_is_a_404_even_for_the_administrator(client, report, people):
    attachment = _attach(report, people)
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.test", "mat-khau-thu")
    client.force_login(admin)
    for url in (f"/media/{attachment.file.name}", attachment.file.url):
        assert client.get(url).status_code == 404


def test_saving_through_the_model_also_gets_a_random_name(report, people):
    attachment = ReportAttachment(report=report, name="x.pdf", size=1, uploaded_by=people["officer1"])
    attachment.file.save("bao-cao-mat.pdf", ContentFile(p.PDF), save=True)
    assert "bao-cao-mat" not in attachment.file.name


def test_a_download_name_without_the_kinds_extension_gets_it(client, report, people):
    attachment = _attach(report, people)
    ReportAttachment.objects.filter(pk=attachment.pk).update(name="Biên bản")  # e.g. a row from before the check
    client.force_login(people["officer1"])
    response = client.get(reverse("reports:attachment", args=[report.pk, attachment.pk]))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Bien ban.pdf\"; filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n.pdf")
