"""Issue 13, point 2: the report form of the officer's and reviewer's day, and extensions the unit asks for."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings

from reports import services
from reports.models import DeadlineExtension, ExtensionRequest, ExtensionRequestStatus, Report, ReportStatus
from tests import factories as f
from units.models import Level
from units.roles import Role

from .conftest import BASE_FIGURES, COMMUNE_INDICATORS, YEAR, make_round, today


def _form_data(version, figures=BASE_FIGURES, action="save"):
    data = {"version": version, "action": action, "results": "Kết quả", "limitations": "", "proposals": ""}
    for indicator, pair in figures.items():
        data[f"fig-{indicator}-numerator"] = pair["numerator"]
        data[f"fig-{indicator}-denominator"] = pair["denominator"]
    return data


@pytest.fixture
def draft(tree, rounds, people):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])


def _submitted(people, report):
    report = services.report_update(report=report, by=people["officer1"], version=report.version,
                                    figures=BASE_FIGURES)
    return services.report_submit(report=report, by=people["officer1"])


def _returned(people, report):
    report = _submitted(people, report)
    return services.report_return(report=report, by=people["reviewer"],
                                  comments={"clans_learning_clan": "Sai số dòng họ", "results": "Viết rõ hơn"},
                                  comment="Sửa rồi gửi lại")


def _page(client, user, report):
    client.force_login(user)
    response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _history(page):
    return page.split('id="history"', 1)[1]


def _rate(page, indicator):
    return re.search(rf'id="rate-{indicator}"[^>]*>([^<]*)<', page).group(1)


# --- a) returned comments move into the history on resubmission -------------------------------------------


def test_returned_report_shows_the_banner_and_comments_beside_their_fields(client, people, draft):
    report = _returned(people, draft)
    page = _page(client, people["officer1"], report)
    assert "Cấp trên trả lại báo cáo với ý kiến:" in page and "Sửa rồi gửi lại" in page
    assert '<span class="review-comment">Sai số dòng họ</span>' in page
    assert '<span class="review-comment">Viết rõ hơn</span>' in page


def test_after_resubmission_the_banner_and_field_comments_move_into_the_history(client, people, draft):
    report = _returned(people, draft)
    report = services.report_submit(report=report, by=people["officer1"])
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.review_comments == {}
    for user in (people["officer1"], people["reviewer"]):
        page = _page(client, user, report)
        assert "Cấp trên trả lại báo cáo với ý kiến:" not in page
        assert 'class="review-comment"' not in page
        history = _history(page)
        assert "Sửa rồi gửi lại" in history and "Sai số dòng họ" in history and "Viết rõ hơn" in history


# --- b) the history names indicators in Vietnamese -------------------------------------------------------


def test_history_names_indicators_and_sections_in_vietnamese_never_raw_keys(client, people, draft):
    report = _returned(people, draft)
    history = _history(_page(client, people["officer1"], report))
    assert "clans_learning_clan" not in history and "results:" not in history
    assert '<span class="muted">Dòng họ đạt danh hiệu Dòng họ học tập:</span> Sai số dòng họ' in history
    assert '<span class="muted">Kết quả đạt được:</span> Viết rõ hơn' in history


# --- c) the rate column follows the figures ---------------------------------------------------------------


def test_refused_save_shows_the_rate_of_the_typed_figures_not_the_stored_ones(client, people, draft):
    services.report_update(report=draft, by=people["officer1"], version=1, figures=BASE_FIGURES)  # 70/100 stored
    before = sorted(draft.figures.values_list("indicator", "numerator", "denominator"))
    client.force_login(people["officer1"])
    typed = dict(BASE_FIGURES, households_learning_family={"numerator": 1, "denominator": 8},
                 clans_learning_clan={"numerator": 9, "denominator": 8})  # refused: recognised above total
    response = client.post(f"/reports/{draft.pk}/", _form_data(2, figures=typed))
    page = response.content.decode()
    assert response.status_code == 400 and "Số đạt danh hiệu không được lớn hơn tổng số." in page
    assert _rate(page, "households_learning_family") == "12,50%"  # 1/8 typed, not the stored 70,00%
    assert _rate(page, "clans_learning_clan") == "—"  # no rate for figures that cannot be right
    assert sorted(draft.figures.values_list("indicator", "numerator", "denominator")) == before  # nothing saved
    assert ("households_learning_family", 70, 100) in before


def test_rate_recomputes_in_a_static_script_the_csp_allows(client, people, draft):
    page = _page(client, people["officer1"], draft)
    assert 'data-indicator="households_learning_family"' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # no inline script: the CSP forbids it
    script = Path(settings.BASE_DIR, "reports/static/reports/report_form.js").read_text()
    assert '"rate-" + id' in script and "Math.floor((2 * n * 10000 + d) / (2 * d))" in script


# --- d) the registry hint is information, only where it helps ---------------------------------------------


def test_registry_hint_is_hidden_when_the_figure_agrees_and_shown_as_information_when_it_differs(
        client, tree, rounds, people, households):
    report = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])  # prefilled: 12 households
    page = _page(client, people["officer1"], report)
    # The typed total is the registry's: the hint would only repeat it (kept hidden for the script to show).
    assert '<small class="hint" data-registry="12" hidden>Theo sổ đăng ký: 12<span class="diff"></span>' in page
    figures = {**BASE_FIGURES, "households_learning_family": {"numerator": 3, "denominator": 15}}
    services.report_update(report=report, by=people["officer1"], version=report.version, figures=figures)
    page = _page(client, people["officer1"], report)
    hint = re.search(r'<td class="num( err)?">[^<]*<input[^>]*fig-households_learning_family-denominator[^>]*>\s*'
                     r'<small class="hint" data-registry="12">Theo sổ đăng ký: 12<span class="diff"> · chênh lệch 3'
                     r'</span></small>', page)
    assert hint is not None and hint.group(1) is None  # information in a plain cell, not an error
    assert 'class="field-error"' not in page


# --- e) last year's figures beside this year's -------------------------------------------------------------


@pytest.fixture
def last_year_report(tree, campaign, people):
    make_round(campaign, tree["p1"], Level.COMMUNE, year=YEAR - 1, indicators=COMMUNE_INDICATORS)
    report = services.report_create(unit=tree["c1"], year=YEAR - 1, by=people["officer1"])
    figures = dict(BASE_FIGURES, households_learning_family={"numerator": 55, "denominator": 110})
    report = services.report_update(report=report, by=people["officer1"], version=report.version, figures=figures)
    report = services.report_submit(report=report, by=people["officer1"])
    return services.report_accept(report=report, by=people["reviewer"])


def test_officer_and_reviewer_see_last_years_figures_beside_this_years(client, people, draft, last_year_report):
    report = _submitted(people, draft)
    for user in (people["officer1"], people["reviewer"]):
        page = _page(client, user, report)
        assert f"Năm {YEAR - 1}</th>" in page
        assert '<td class="num last-year">55/110<br><span class="muted">50,00%</span></td>' in page


def test_a_draft_of_last_year_is_no_reference(client, tree, campaign, people, draft):
    make_round(campaign, tree["p1"], Level.COMMUNE, year=YEAR - 1, indicators=COMMUNE_INDICATORS)
    services.report_create(unit=tree["c1"], year=YEAR - 1, by=people["officer1"])
    page = _page(client, people["officer1"], draft)
    assert f"Năm {YEAR - 1}</th>" not in page


# --- f) the unit asks for an extension, the level above decides ---------------------------------------------


def _ask(client, user, unit, **extra):
    client.force_login(user)
    data = {"unit": unit.pk, "year": YEAR, "new_deadline": (today() + datetime.timedelta(days=30)).isoformat(),
            "reason": "Bão lũ, mất điện", **extra}
    return client.post("/reports/extensions/request/", data, follow=True)


def _requests():
    return list(ExtensionRequest.objects.values_list("unit_id", "status", "new_deadline", "reason"))


def test_officer_requests_an_extension_from_the_report_page(client, tree, people, draft):
    page = _page(client, people["officer1"], draft)
    assert 'id="extension-request-form"' in page
    response = _ask(client, people["officer1"], tree["c1"], next=f"/reports/{draft.pk}/")
    assert response.redirect_chain[-1][0] == f"/reports/{draft.pk}/"
    assert "Đã gửi đề nghị gia hạn đến cấp trên." in response.content.decode()
    asked = ExtensionRequest.objects.get()
    assert (asked.unit, asked.status, asked.requested_by) == (tree["c1"], ExtensionRequestStatus.PENDING,
                                                               people["officer1"])
    assert not DeadlineExtension.objects.exists()  # a request moves no deadline


@pytest.mark.parametrize(("extra", "message"), [
    ({"reason": "   "}, "Cần ghi lý do đề nghị gia hạn."),
    ({"new_deadline": (today() + datetime.timedelta(days=5)).isoformat()}, "Hạn đề nghị phải sau hạn hiện tại"),
    ({"new_deadline": "31/02/2026"}, "Hạn đề nghị không hợp lệ."),
])
def test_request_without_reason_or_with_an_earlier_date_is_refused_and_changes_nothing(
        client, tree, rounds, people, extra, message):
    response = _ask(client, people["officer1"], tree["c1"], **extra)
    assert message in response.content.decode()
    assert _requests() == [] and not DeadlineExtension.objects.exists()


def test_a_second_request_while_one_waits_is_refused(client, tree, rounds, people):
    _ask(client, people["officer1"], tree["c1"])
    before = _requests()
    response = _ask(client, people["officer1"], tree["c1"], reason="Lần nữa")
    assert "Đơn vị đã có một đề nghị gia hạn đang chờ cấp trên xem xét." in response.content.decode()
    assert _requests() == before


def test_request_for_a_report_already_sent_is_refused(client, tree, people, draft):
    _submitted(people, draft)
    response = _ask(client, people["officer1"], tree["c1"])
    assert f"Báo cáo năm {YEAR} đã gửi: không cần gia hạn." in response.content.decode()
    assert _requests() == []


def test_only_the_units_officer_may_request(client, tree, rounds, people):
    assert _ask(client, people["officer2"], tree["c1"]).status_code == 404  # another commune: not even visible
    assert _ask(client, people["reviewer"], tree["c1"]).status_code == 403  # the level above decides, not asks
    assert _requests() == []


@pytest.fixture
def asked(tree, rounds, people):
    return services.extension_request(unit=tree["c1"], year=YEAR, new_deadline=today() + datetime.timedelta(days=30),
                                      reason="Bão lũ", by=people["officer1"])


def _decide(client, user, asked, **data):
    client.force_login(user)
    return client.post(f"/reports/extensions/{asked.pk}/decide/", data)


def _state(asked):
    asked.refresh_from_db()
    return asked.status, asked.decided_by_id, asked.extension_id, DeadlineExtension.objects.count()


def test_reviewer_grants_the_request_and_returns_to_where_they_were(client, tree, people, asked):
    back = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}&missing=1"
    response = _decide(client, people["reviewer"], asked, action="grant", reason="Đồng ý", next=back)
    assert response.status_code == 302 and response.url == back
    asked.refresh_from_db()
    extension = DeadlineExtension.objects.get()
    assert asked.status == ExtensionRequestStatus.GRANTED and asked.extension == extension
    assert (extension.unit, extension.new_deadline, extension.granted_by) == (
        tree["c1"], asked.new_deadline, people["reviewer"])


def test_reviewer_may_grant_a_different_date_and_the_late_draft_opens(client, tree, rounds, people, asked):
    late = rounds["commune"].deadline + datetime.timedelta(days=2)
    _decide(client, people["reviewer"], asked, action="grant",
            new_deadline=(today() + datetime.timedelta(days=20)).isoformat())
    assert DeadlineExtension.objects.get().new_deadline == today() + datetime.timedelta(days=20)
    report = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"], today=late)
    assert report.status == ReportStatus.DRAFT


def test_granting_never_redirects_to_another_site(client, tree, people, asked):
    response = _decide(client, people["reviewer"], asked, action="grant", next="https://lua-dao.example/")
    assert response.status_code == 302 and response.url == f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}"


def test_refusal_needs_a_reason_and_then_records_it(client, people, asked):
    before = _state(asked)
    response = _decide(client, people["reviewer"], asked, action="refuse", reason=" ")
    assert response.status_code == 302
    assert "Cần ghi lý do không gia hạn để đơn vị biết." in client.get(response.url).content.decode()
    assert _state(asked) == before
    _decide(client, people["reviewer"], asked, action="refuse", reason="Đã có đủ thời gian")
    asked.refresh_from_db()
    assert (asked.status, asked.decision_reason) == (ExtensionRequestStatus.REFUSED, "Đã có đủ thời gian")
    assert not DeadlineExtension.objects.exists()


def test_a_decided_request_cannot_be_decided_again(client, people, asked):
    _decide(client, people["reviewer"], asked, action="refuse", reason="Không")
    before = _state(asked)
    response = _decide(client, people["reviewer"], asked, action="grant")
    assert "Đề nghị gia hạn này đã được xử lý (Không được gia hạn)." in client.get(response.url).content.decode()
    assert _state(asked) == before


@pytest.mark.parametrize(("who", "status"), [("officer1", 403), ("commune_reviewer", 403),
                                             ("other_reviewer", 404), ("officer2", 404)])
def test_only_the_reviewer_of_the_level_above_decides(client, people, asked, who, status):
    before = _state(asked)
    assert _decide(client, people[who], asked, action="grant", reason="x").status_code == status
    assert _state(asked) == before


def test_report_page_shows_the_request_to_the_reviewer_with_the_decision_form(client, people, draft, asked):
    page = _page(client, people["reviewer"], draft)
    assert "Đơn vị đề nghị gia hạn đến trước ngày" in page and 'id="extension-decide"' in page
    assert f'name="next" value="/reports/{draft.pk}/"' in page
    officer_page = _page(client, people["officer1"], draft)
    assert 'id="extension-decide"' not in officer_page and 'id="extension-request-form"' not in officer_page
    assert "Chờ cấp trên xem xét" in officer_page


def test_awaiting_requests_are_scoped_to_the_reviewer_of_the_level_above(people, asked):
    from reports import selectors

    assert list(selectors.extension_requests_awaiting(people["reviewer"])) == [asked]
    assert not selectors.extension_requests_awaiting(people["other_reviewer"]).exists()
    assert not selectors.extension_requests_awaiting(people["commune_reviewer"]).exists()


def test_officer_with_the_role_elsewhere_cannot_request_for_a_unit_he_only_views(client, tree, rounds):
    viewer = f.member(tree["c1"], Role.VIEWER, username="xa.xem")
    assert _ask(client, viewer, tree["c1"]).status_code == 403
    assert _requests() == [] and not Report.objects.exists()


@pytest.fixture
def late_round(tree, campaign):
    """The communes' deadline passed yesterday; Hòa Bình never opened its report."""
    return make_round(campaign, tree["p1"], Level.COMMUNE, indicators=COMMUNE_INDICATORS,
                      opens=today() - datetime.timedelta(days=30), deadline=today() - datetime.timedelta(days=1))


def test_late_unit_without_a_report_asks_from_the_list_and_the_reviewer_decides_there(client, tree, people,
                                                                                     late_round):
    client.force_login(people["officer1"])
    page = client.get(f"/reports/?year={YEAR}").content.decode()
    assert "Đã quá hạn: đề nghị cấp trên gia hạn" in page and "Lập báo cáo" not in page
    response = _ask(client, people["officer1"], tree["c1"], next=f"/reports/?year={YEAR}")
    assert response.redirect_chain[-1][0] == f"/reports/?year={YEAR}"
    assert "chờ cấp trên xem xét" in response.content.decode()
    asked = ExtensionRequest.objects.get()

    client.force_login(people["reviewer"])
    page = client.get(f"/reports/?year={YEAR}").content.decode()
    assert 'id="extension-requests"' in page and "Bão lũ, mất điện" in page
    assert f'action="/reports/extensions/{asked.pk}/decide/"' in page
    response = _decide(client, people["reviewer"], asked, action="grant", next=f"/reports/?year={YEAR}")
    assert response.url == f"/reports/?year={YEAR}"

    client.force_login(people["officer1"])
    page = client.get(f"/reports/?year={YEAR}").content.decode()
    assert "Lập báo cáo" in page and "đã gia hạn" in page
    assert services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"]).status == ReportStatus.DRAFT


def test_other_provinces_reviewer_does_not_see_the_request_on_the_list(client, tree, people, late_round):
    services.extension_request(unit=tree["c1"], year=YEAR, new_deadline=today() + datetime.timedelta(days=9),
                               reason="Bão lũ", by=people["officer1"])
    client.force_login(people["other_reviewer"])
    assert 'id="extension-requests"' not in client.get(f"/reports/?year={YEAR}").content.decode()


def test_refused_request_shows_the_reason_to_the_unit_which_may_ask_again(client, tree, people, late_round):
    asked = services.extension_request(unit=tree["c1"], year=YEAR, new_deadline=today() + datetime.timedelta(days=9),
                                       reason="Bão lũ", by=people["officer1"])
    services.extension_request_decide(request=asked, by=people["reviewer"], grant=False, reason="Thiếu minh chứng")
    client.force_login(people["officer1"])
    page = client.get(f"/reports/?year={YEAR}").content.decode()
    assert "Cấp trên không gia hạn: Thiếu minh chứng" in page and "Đã quá hạn: đề nghị cấp trên gia hạn" in page
