"""Pages: the report form with autosave and its refusals, review, completeness, dashboard, exports."""

import io

import pytest
from openpyxl import load_workbook

from reports import aggregation, services
from reports.models import Report, ReportStatus
from tests import factories as f
from units.selectors import SCOPE_GENERATION

from .conftest import BASE_FIGURES, YEAR


def _form_data(version, figures=BASE_FIGURES, action="save", **extra):
    data = {"version": version, "action": action, "results": "Kết quả", "limitations": "", "proposals": ""}
    for indicator, pair in figures.items():
        data[f"fig-{indicator}-numerator"] = pair["numerator"]
        data[f"fig-{indicator}-denominator"] = pair["denominator"]
    data.update(extra)
    return data


@pytest.fixture
def draft(tree, rounds, people):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])


def _state(report):
    report.refresh_from_db()
    return report.status, report.version, sorted(report.figures.values_list("indicator", "numerator", "denominator"))


def test_officer_opens_the_report_from_the_index_page(client, tree, rounds, people):
    client.force_login(people["officer1"])
    page = client.get(f"/reports/?year={YEAR}").content.decode()
    assert "Lập báo cáo" in page and tree["c1"].name in page
    response = client.post("/reports/new/", {"unit": tree["c1"].pk, "year": YEAR})
    report = Report.objects.get(unit=tree["c1"], year=YEAR)
    assert response.status_code == 302 and response.url == f"/reports/{report.pk}/"


def test_officer_saves_and_submits_from_the_form(client, people, draft):
    client.force_login(people["officer1"])
    assert "Gửi báo cáo" in client.get(f"/reports/{draft.pk}/").content.decode()
    response = client.post(f"/reports/{draft.pk}/", _form_data(1, action="submit"), follow=True)
    assert "Báo cáo đã được gửi." in response.content.decode()
    assert _state(draft)[0] == ReportStatus.SUBMITTED


def test_form_shows_the_registry_beside_both_figures_with_the_difference(client, tree, rounds, people,
                                                                        households):
    report = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])
    figures = {**BASE_FIGURES, "households_learning_family": {"numerator": 3, "denominator": 15}}
    services.report_update(report=report, by=people["officer1"], version=report.version, figures=figures)
    client.force_login(people["officer1"])
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Theo sổ đăng ký: 0" in page and "chênh lệch 3" in page  # recognised: 3 typed, none in the registry
    assert "Theo sổ đăng ký: 12" in page  # total: 15 typed, 12 households registered


def test_form_with_recognised_above_total_shows_the_field_error_and_changes_nothing(client, people, draft):
    client.force_login(people["officer1"])
    before = _state(draft)
    bad = dict(BASE_FIGURES, clans_learning_clan={"numerator": 9, "denominator": 8})
    response = client.post(f"/reports/{draft.pk}/", _form_data(1, figures=bad))
    assert response.status_code == 400
    assert "Số đạt danh hiệu không được lớn hơn tổng số." in response.content.decode()
    assert _state(draft) == before


def test_form_with_a_stale_version_says_so_and_keeps_the_other_edit(client, people, draft):
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BASE_FIGURES)
    before = _state(draft)
    client.force_login(people["officer1"])
    changed = dict(BASE_FIGURES, clans_learning_clan={"numerator": 1, "denominator": 2})
    response = client.post(f"/reports/{draft.pk}/", _form_data(1, figures=changed))
    assert response.status_code == 409
    assert "đã được người khác cập nhật" in response.content.decode()
    assert _state(draft) == before


def test_autosave_returns_the_new_version_and_refuses_a_stale_one(client, people, draft):
    client.force_login(people["officer1"])
    response = client.post(f"/reports/{draft.pk}/autosave/", {"version": 1, "fig-clans_learning_clan-numerator": 2,
                                                               "fig-clans_learning_clan-denominator": 4})
    assert response.status_code == 200 and response.json()["version"] == 2
    before = _state(draft)
    stale = client.post(f"/reports/{draft.pk}/autosave/", {"version": 1, "results": "Ghi đè"})
    assert stale.status_code == 409 and "người khác cập nhật" in stale.json()["detail"]
    assert _state(draft) == before


def test_officer_of_another_commune_cannot_see_the_report(client, people, draft):
    client.force_login(people["officer2"])
    assert client.get(f"/reports/{draft.pk}/").status_code == 404
    before = _state(draft)
    assert client.post(f"/reports/{draft.pk}/", _form_data(1)).status_code == 404
    assert _state(draft) == before


def test_reviewer_returns_with_a_field_comment_then_accepts(client, people, draft):
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BASE_FIGURES)
    services.report_submit(report=draft, by=people["officer1"])
    client.force_login(people["reviewer"])
    page = client.get(f"/reports/{draft.pk}/").content.decode()
    assert "Trả lại để sửa" in page and "Gửi báo cáo" not in page
    client.post(f"/reports/{draft.pk}/review/", {"action": "return", "comment-clans_learning_clan": "Sai số dòng họ"})
    draft.refresh_from_db()
    assert draft.status == ReportStatus.RETURNED and draft.review_comments == {"clans_learning_clan": "Sai số dòng họ"}
    client.force_login(people["officer1"])
    assert "Sai số dòng họ" in client.get(f"/reports/{draft.pk}/").content.decode()


def test_officer_cannot_accept_through_the_review_page(client, people, draft):
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BASE_FIGURES)
    services.report_submit(report=draft, by=people["officer1"])
    before = _state(draft)
    client.force_login(people["officer1"])
    assert client.post(f"/reports/{draft.pk}/review/", {"action": "accept"}).status_code == 403
    assert _state(draft) == before


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_report_page_reads_the_registry_in_constant_queries(client, tree, people, draft):
    from units.models import Citizen, Household

    client.force_login(people["officer1"])
    url = f"/reports/{draft.pk}/"
    before = _count(client, url)
    households = Household.objects.bulk_create(
        [Household(unit=tree["h1"], code=f"N{i:03d}", head_name=f"Chủ hộ {i}") for i in range(30)])
    Citizen.objects.bulk_create([Citizen(unit=tree["h1"], household=h, full_name="Thành viên") for h in households])
    assert _count(client, url) == before
    assert "Theo sổ đăng ký: 30" in client.get(url).content.decode()


def test_completeness_page_lists_missing_units_with_officer_contacts_in_constant_queries(
        client, tree, rounds, people, draft, django_assert_max_num_queries):
    client.force_login(people["reviewer"])
    url = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}"
    page = client.get(url).content.decode()
    assert "Phạm Thị Hòa" in page and "0912000001" in page and "Trường Tiểu học Hòa Bình" in page
    # Both counts with the reviewer's scope read afresh: the new memberships below drop the cached scope.
    SCOPE_GENERATION.bump()
    before = _count(client, url)
    for _n in range(5):
        commune = f.commune(tree["p1"])
        f.member(commune, "officer")
        f.organisation(commune)
    with django_assert_max_num_queries(before):
        client.get(url)


def test_extension_granted_from_the_completeness_page(client, tree, rounds, people):
    client.force_login(people["reviewer"])
    client.post("/reports/extensions/", {"unit": tree["c2"].pk, "year": YEAR, "new_deadline": "2099-01-01",
                                         "reason": "Mất điện"})
    assert tree["c2"].report_extensions.get().reason == "Mất điện"


def _accepted(tree, people, draft):
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BASE_FIGURES)
    services.report_submit(report=draft, by=people["officer1"])
    services.report_accept(report=draft, by=people["reviewer"])
    aggregation.stats_rebuild(year=YEAR)


def test_dashboard_shows_attainment_per_child_in_constant_queries(client, tree, rounds, people, draft,
                                                                 django_assert_max_num_queries):
    _accepted(tree, people, draft)
    client.force_login(people["viewer"])
    url = f"/reports/dashboard/?unit={tree['p1'].pk}&year={YEAR}&indicator=households_learning_family"
    page = client.get(url).content.decode()
    assert "70,00%" in page and tree["c1"].name in page
    before = _count(client, url)
    for _n in range(5):
        f.commune(tree["p1"])
    with django_assert_max_num_queries(before):
        client.get(url)


def test_excel_export_escapes_formula_looking_names(client, tree, rounds, people, draft):
    tree["c1"].name = "=HYPERLINK(\"http://x\")"
    tree["c1"].save()
    _accepted(tree, people, draft)
    client.force_login(people["viewer"])
    response = client.get(f"/reports/dashboard/export.xlsx?unit={tree['p1'].pk}&year={YEAR}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(not str(n).startswith("=") for n in names)
    numbers = [row[4:6] for row in sheet.iter_rows(min_row=4, values_only=True) if row[3].startswith("Hộ gia đình")]
    assert (70, 100) in numbers


def test_pdf_export_is_a_bao_cao_of_the_reporting_body_rendered_in_the_background(
    client, tree, rounds, people, draft, tmp_path, settings, django_capture_on_commit_callbacks
):
    """The BÁO CÁO used to be rendered in the request (~12 s), issued by the territory ("TỈNH …",
    "Số: /BC-<code>") and signed by whoever clicked. It is now a document of the register: issued by the
    People's Committee, signed by its head, sent to the body above, rendered by the pipeline."""
    import subprocess

    from core.documents.models import Document
    from core.documents.services import issuing_body_for

    settings.MEDIA_ROOT = tmp_path / "media"
    _accepted(tree, people, draft)
    body = issuing_body_for(tree["p1"])
    body.head_name = "Nguyễn Văn Chủ"
    body.save()
    client.force_login(people["viewer"])
    url = f"/reports/dashboard/export.pdf?unit={tree['p1'].pk}&year={YEAR}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(url)
    assert page.status_code == 200 and callbacks == [] and not Document.objects.exists()
    assert "Tạo tệp PDF" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        posted = client.post("/reports/dashboard/export.pdf", {"unit": tree["p1"].pk, "year": YEAR})
    assert posted.status_code == 302 and len(callbacks) == 1
    document = Document.objects.get()
    assert (document.kind, document.issuer, document.status, document.number) == ("report", body, "draft", "")
    response = client.get(url + "&download=1")
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("attachment")
    pdf = tmp_path / "bc.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "BÁO CÁO" in text and "Hộ gia đình đạt danh hiệu Gia đình học tập" in text and "70,00" in text
    assert "ỦY BAN NHÂN DÂN" in text and "/BC-UBND" in text and "/BC-" + (tree["p1"].code or "") not in text
    assert "TM. ỦY BAN NHÂN DÂN" in flat and "Nguyễn Văn Chủ" in flat
    assert "Bộ Giáo dục và Đào tạo (để báo cáo);" in flat
    # A viewer cannot number it; nothing changes.
    refused = client.post("/reports/dashboard/export.pdf", {"unit": tree["p1"].pk, "year": YEAR, "issue": "1"})
    assert refused.status_code == 403
    assert "Chỉ lãnh đạo đơn vị (người phê duyệt) mới ban hành được báo cáo." in refused.content.decode()
    document.refresh_from_db()
    assert (document.status, document.number) == ("draft", "")


def test_a_communes_bao_cao_carries_its_narrative_and_is_numbered_by_its_head(
    client, tree, rounds, people, draft, tmp_path, settings, django_capture_on_commit_callbacks
):
    import subprocess

    from tests import factories as f

    settings.MEDIA_ROOT = tmp_path / "media"
    services.report_update(report=draft, by=people["officer1"], version=draft.version,
                           narrative={"results": "Có 70 hộ đạt Gia đình học tập.", "proposals": "Đề nghị hỗ trợ."})
    head = f.member(tree["c1"], "approver", username="xa.chutich")
    client.force_login(head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/dashboard/export.pdf", {"unit": tree["c1"].pk, "year": YEAR, "issue": "1"})
    assert response.status_code == 302
    from core.documents.models import Document

    document = Document.objects.get()
    assert (document.status, document.number, document.year) == ("issued", "01/BC-UBND", document.date.year)
    pdf = client.get(f"/reports/dashboard/export.pdf?unit={tree['c1'].pk}&year={YEAR}&download=1")
    path = tmp_path / "bc.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    flat = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Số: 01/BC-UBND" in flat and "DỰ THẢO" not in flat
    assert "II. KẾT QUẢ ĐẠT ĐƯỢC" in flat and "Có 70 hộ đạt Gia đình học tập." in flat
    assert "III. ĐỀ XUẤT, KIẾN NGHỊ" in flat
    above = f"Ủy ban nhân dân {tree['p1'].name[0].lower()}{tree['p1'].name[1:]}"
    assert document.recipients == [f"{above} (để báo cáo);", "Lưu: VT."]
    assert above in flat and "TM. ỦY BAN NHÂN DÂN" in flat


def test_pages_outside_scope_are_404(client, tree, rounds, people):
    client.force_login(people["officer1"])
    assert client.get(f"/reports/completeness/?unit={tree['p2'].pk}&year={YEAR}").status_code == 404
    assert client.get(f"/reports/dashboard/?unit={tree['p2'].pk}").status_code == 404
    assert client.get(f"/reports/dashboard/export.xlsx?unit={tree['p2'].pk}").status_code == 404
