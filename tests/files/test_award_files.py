"""Award dossiers: attachments checked by content and stored under random names; every file of a nomination
(attachments and the rendered tờ trình) served only to who sees the nomination."""
# ruff: noqa: F811 (the awards tests' fixtures are imported by name and then requested by name)

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse

from awards import services
from awards.models import NominationAttachment
from core import files
from core.documents import services as register
from core.documents.api.views import pdf_filename
from core.documents.models import Document, DocumentKind
from core.errors import DomainError
from tests import factories as f
from tests.awards.conftest import (  # noqa: F401 (fixtures)
    approver,
    forms,
    household,
    nation,
    nominate,
    officer,
    province_council,
    root,
)
from units.roles import Role

from . import payloads as p
from .helpers import assert_served, page

pytestmark = pytest.mark.django_db

DISPOSITION = ("attachment; filename=\"Bang diem hoc tap.png\"; "
               "filename*=UTF-8''B%E1%BA%A3ng%20%C4%91i%E1%BB%83m%20h%E1%BB%8Dc%20t%E1%BA%ADp.png")


@pytest.fixture
def nomination(officer, tree, forms, province_council, household):
    return nominate(officer, tree, forms, household)


@pytest.fixture
def outsiders(tree):
    return {"other_officer": f.member(tree["c3"], Role.OFFICER, username="canbo-tinh-khac"),
            "other_approver": f.member(tree["p2"], Role.APPROVER, username="lanhdao-tinh-khac")}


def _add(nomination, officer, name="Bảng điểm học tập.png", data=None):
    return services.attachment_add(nomination=nomination, by=officer,
                                   uploaded_file=p.upload(name, p.png() if data is None else data, "text/html"))


@pytest.mark.parametrize(("name", "data", "message"), [
    ("ho-so.pdf", p.HTML, "Tệp minh chứng “ho-so.pdf”: nội dung không đúng định dạng PDF."),
    ("ho-so.pdf", p.POLYGLOT_PDF,
     "Tệp minh chứng “ho-so.pdf”: tệp PDF có chứa mã HTML hoặc mã lệnh, không được nhận."),
    ("ho-so.pdf", p.png(), "Tệp minh chứng “ho-so.pdf”: tên tệp là PDF nhưng nội dung là PNG."),
    ("ho-so.docx", p.docx(extra={"word/vbaProject.bin": b"\0"}),
     "Tệp minh chứng “ho-so.docx”: tệp chứa macro; hãy lưu lại không macro."),
])
def test_disguised_dossier_file_is_refused_and_nothing_is_saved(nomination, officer, settings, name, data, message):
    revision = nomination.revision
    with pytest.raises(DomainError) as refused:
        _add(nomination, officer, name, data)
    assert (refused.value.message, refused.value.field) == (message, "file")
    nomination.refresh_from_db()
    assert nomination.revision == revision and not NominationAttachment.objects.exists()
    assert not [x for x in settings.MEDIA_ROOT.rglob("*") if x.is_file()]


def test_dossier_file_is_stored_under_a_random_name_with_the_servers_type(nomination, officer):
    first, second = _add(nomination, officer), _add(nomination, officer)
    assert (first.name, first.content_type) == ("Bảng điểm học tập.png", "image/png")
    base = first.file.name.rsplit("/", 1)[1]
    assert base.endswith(".png") and len(base) == 36 and first.file.name != second.file.name


@pytest.mark.parametrize("who", ["officer", "approver", "secretary"])
def test_who_sees_the_nomination_downloads_its_files_as_attachments(client, nomination, officer, approver,
                                                                   province_council, who,
                                                                   django_capture_on_commit_callbacks):
    attachment = _add(nomination, officer)
    user = {"officer": officer, "approver": approver, "secretary": province_council["secretary"]}[who]
    client.force_login(user)
    assert_served(client.get(reverse("awards:attachment_download", args=[nomination.pk, attachment.pk])),
                  content_type="image/png", disposition=DISPOSITION, content=p.png())
    # The tờ trình is a state act of the register (issue 12): a POST queues its render (eager here), then the
    # GET serves it the same way as an upload, named after the act's number.
    url = reverse("awards:nomination_document", args=[nomination.pk, "cover"])
    # The render queued when the tờ trình was issued ran on commit, which a test's transaction never reaches.
    Document.objects.update(render_status=Document.RenderStatus.NONE)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    document = register.document_for(nomination, kind=DocumentKind.SUBMISSION)
    name = f"to-trinh-{pdf_filename(document)}"
    response = client.get(url)
    assert_served(response, content_type="application/pdf", disposition=files.content_disposition(name))


@pytest.mark.parametrize("who", ["other_officer", "other_approver"])
def test_outside_the_nominations_scope_its_files_are_a_404_like_missing_ones(client, nomination, officer,
                                                                            outsiders, who):
    attachment = _add(nomination, officer)
    nomination.cover_pdf.save("to-trinh.pdf", ContentFile(p.PDF), save=True)
    client.force_login(outsiders[who])
    for name, args, missing_args in [
        ("awards:attachment_download", [nomination.pk, attachment.pk], [nomination.pk + 1000, attachment.pk]),
        ("awards:nomination_document", [nomination.pk, "cover"], [nomination.pk + 1000, "cover"]),
    ]:
        foreign, missing = client.get(reverse(name, args=args)), client.get(reverse(name, args=missing_args))
        assert foreign.status_code == missing.status_code == 404 and page(foreign) == page(missing)


def test_anonymous_dossier_download_goes_to_the_login_page(client, nomination, officer):
    url = reverse("awards:attachment_download", args=[nomination.pk, _add(nomination, officer).pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={url}"


def test_dossier_files_under_media_are_a_404_even_for_the_administrator(client, nomination, officer):
    attachment = _add(nomination, officer)
    nomination.cover_pdf.save("to-trinh.pdf", ContentFile(p.PDF), save=True)
    client.force_login(get_user_model().objects.create_superuser("quantri", "qt@example.test", "mat-khau-thu"))
    for name in (attachment.file.name, nomination.cover_pdf.name):
        assert client.get(f"/media/{name}").status_code == 404
