"""The 2025 interim review (sơ kết 2023 - 2025) and the 2030 final review (tổng kết 2023 - 2030): their forms, their
own rounds and deadlines, the workflow, their independence from the yearly report and the statistics, and their
BÁO CÁO in the state format."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import DomainError, PermissionDenied
from definitions import seed_reviews
from definitions.models import DataElement, ReportForm
from reports import aggregation, exports, reviews, services, validation
from reports.form_versions import layout
from reports.models import Report, ReportingRound, ReportStatus, ReportValue, StatRollup, ValueRollup
from tests import factories as f
from tests.documents.helpers import squash
from units.models import Level
from units.roles import Role

from .conftest import COMMUNE_INDICATORS, make_round

YEAR = 2025
IN_ROUND = datetime.date(2025, 11, 10)  # the yearly round (before 20/11) and the interim review (before 15/12) open
AFTER_YEARLY = datetime.date(2025, 12, 1)  # the yearly report is late, the review is not
REVIEW_DEADLINE = datetime.date(2025, 12, 15)
TITLE = ("Sơ kết 03 năm thực hiện Phong trào thi đua “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập "
         "suốt đời” giai đoạn 2023 - 2025")
NARRATIVE = {
    "results": "Toàn xã có 75 hộ đạt Gia đình học tập.",
    "limitations": "Một số thôn chưa quan tâm đúng mức.",
    "causes": "Kinh phí hoạt động còn hạn chế.",
    "lessons": "Phải có sự vào cuộc của cả hệ thống chính trị.",
    "proposals": "Đề nghị tỉnh hỗ trợ kinh phí cho trung tâm học tập cộng đồng.",
}
REVIEW_FIGURES = {
    "households_learning_family": {"numerator": 75, "denominator": 100},
    "clans_learning_clan": {"numerator": 6, "denominator": 8},
    "hamlets_learning_community": {"numerator": 1, "denominator": 1},
    "communes_learning_community": {"numerator": 1, "denominator": 1},
    "citizens_learning_citizen": {"numerator": 320, "denominator": 500},
    "workers_learning_citizen": {"numerator": 45, "denominator": 90},
    "learning_centres_using_it": {"numerator": 1, "denominator": 1},
}
YEARLY_FIGURES = {**REVIEW_FIGURES, "households_learning_family": {"numerator": 70, "denominator": 100}}
VALUES = {
    "review_learning_models": 5, "review_models_replicated": 3, "review_initiatives": 4,
    "review_typical_examples.collective": 2, "review_typical_examples.household": 6,
    "review_typical_examples.individual": 4,
    "review_collectives_commended.pm_certificate": 0, "review_collectives_commended.ministry_province_certificate": 1,
    "review_collectives_commended.merit_certificate": 1,
    "review_households_commended.pm_certificate": 0, "review_households_commended.ministry_province_certificate": 0,
    "review_households_commended.merit_certificate": 3,
    "review_individuals_commended.pm_certificate": 0,
    "review_individuals_commended.ministry_province_certificate": 1,
    "review_individuals_commended.merit_certificate": 2,
}


@pytest.fixture
def review_rounds(tree, campaign):
    return reviews.review_rounds_open(campaign=campaign, scope=tree["p1"], period_kind="interim_review")


@pytest.fixture
def yearly_round(tree, campaign):
    return make_round(campaign, tree["p1"], Level.COMMUNE, year=YEAR, opens=datetime.date(2025, 9, 1),
                      deadline=datetime.date(2025, 11, 20), indicators=COMMUNE_INDICATORS)


def _open_review(tree, people, today=IN_ROUND):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"], period_kind="interim_review",
                                  today=today)


def _fill(report, people, today=IN_ROUND, **changes):
    report.refresh_from_db()
    return services.report_update(report=report, by=people["officer1"], version=report.version, today=today,
                                  figures=changes.get("figures", REVIEW_FIGURES),
                                  narrative=changes.get("narrative", NARRATIVE),
                                  values=changes.get("values", VALUES))


def _accepted_yearly(tree, people):
    yearly = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"], today=IN_ROUND)
    yearly = services.report_update(report=yearly, by=people["officer1"], version=yearly.version, today=IN_ROUND,
                                    figures=YEARLY_FIGURES, narrative={"results": "Năm 2025 đạt kết quả tốt."})
    yearly = services.report_submit(report=yearly, by=people["officer1"], today=IN_ROUND)
    return services.report_accept(report=yearly, by=people["reviewer"])


def _rollups(year=YEAR):
    return sorted(StatRollup.objects.filter(year=year).values_list("unit_id", "indicator", "option_id", "numerator",
                                                                   "denominator"))


def _values(year=YEAR):
    return sorted(ValueRollup.objects.filter(year=year).values_list("unit_id", "data_element_id", "option_id",
                                                                    "value"))


def _state(report):
    report.refresh_from_db()
    return (report.status, report.version, report.results, dict(report.narratives),
            sorted(report.values.values_list("data_element__code", "option__code", "value")),
            sorted(report.figures.values_list("indicator", "numerator", "denominator")))


# --- the forms ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_forms_exist_with_their_sections_rules_and_own_elements():
    expected = {"interim_review": (2025, 2023, 2025), "final_review": (2030, 2023, 2030)}
    for kind, (year, first, last) in expected.items():
        for suffix, level, summary in (("commune", "commune", False), ("organisation", "organisation", False),
                                       ("province", "province", True)):
            form = ReportForm.objects.get(code=f"{kind}_{suffix}")
            assert (form.period_kind, form.level, form.is_summary) == (kind, level, summary)
            version = form.versions.get()
            assert (version.number, version.status, version.first_year, version.last_year) == (1, "published", year,
                                                                                                year)
            assert (version.period_from, version.period_to) == (first, last)
            shape = layout(version)
            assert [s.code for s in shape.sections] == ["figures", "emulation", "narrative"]
            assert shape.narrative_codes == ("results", "limitations", "causes", "lessons", "proposals")
            assert [shape.label_of(c) for c in shape.narrative_codes] == [
                "Kết quả đạt được", "Hạn chế, tồn tại", "Nguyên nhân", "Bài học kinh nghiệm", "Đề xuất, kiến nghị"]
            own = [code for code, e in shape.elements.items() if not e.is_builtin]
            assert own[:3] == ["review_learning_models", "review_models_replicated", "review_initiatives"]
            assert ("review_households_commended" in own) == (suffix != "organisation")
            rules = {r.code: r.severity for r in shape.rules}
            assert rules["models_replicated_le_built"] == "blocking" and rules["commended_le_examples"] == "warning"
    assert layout(ReportForm.objects.get(code="interim_review_commune").versions.get()).builtin_slugs == tuple(
        COMMUNE_INDICATORS)
    assert layout(ReportForm.objects.get(code="interim_review_organisation").versions.get()).builtin_slugs == (
        "units_learning_unit", "officials_learning_citizen")
    commended = DataElement.objects.get(code="review_individuals_commended")
    assert (commended.value_type, commended.category.code) == ("integer", "award_form")
    assert list(commended.category.options.values_list("name", flat=True)) == [
        "Bằng khen của Thủ tướng Chính phủ", "Bằng khen cấp bộ, ban, ngành, tỉnh, đoàn thể Trung ương", "Giấy khen"]


@pytest.mark.django_db
def test_the_review_seed_is_idempotent():
    from django.apps import apps

    counts = (ReportForm.objects.count(), DataElement.objects.count())
    seed_reviews.load(apps, None)
    assert (ReportForm.objects.count(), DataElement.objects.count()) == counts


# --- rounds ------------------------------------------------------------------------------------------------------


def test_review_rounds_have_their_own_dates_and_opening_them_twice_changes_nothing(tree, campaign, review_rounds):
    by_level = {r.level: r for r in review_rounds}
    assert {r.period_kind for r in review_rounds} == {"interim_review"}
    assert by_level["commune"].deadline == REVIEW_DEADLINE and by_level["commune"].year == 2025
    assert by_level["province"].deadline == datetime.date(2025, 12, 31) and by_level["province"].is_summary
    again = reviews.review_rounds_open(campaign=campaign, scope=tree["p1"], period_kind="interim_review")
    assert [r.pk for r in again] == [r.pk for r in review_rounds]
    final = reviews.review_rounds_open(campaign=campaign, scope=tree["p1"], period_kind="final_review")
    assert {(r.year, r.level) for r in final} == {(2030, "commune"), (2030, "organisation"), (2030, "province")}


def test_opening_review_rounds_is_refused_for_a_yearly_kind_or_a_non_administrator(tree, campaign, people):
    before = ReportingRound.objects.count()
    with pytest.raises(DomainError) as refused:
        reviews.review_rounds_open(campaign=campaign, scope=tree["p1"], period_kind="yearly")
    assert refused.value.message == "Kỳ báo cáo “yearly” không phải kỳ sơ kết hay tổng kết."
    with pytest.raises(PermissionDenied) as denied:
        reviews.review_rounds_open(campaign=campaign, scope=tree["p1"], period_kind="interim_review",
                                   by=people["reviewer"])
    assert denied.value.message == "Chỉ quản trị đơn vị “Tỉnh Thử Nghiệm” được mở đợt báo cáo sơ kết, tổng kết."
    assert ReportingRound.objects.count() == before


# --- the workflow ---------------------------------------------------------------------------------------------


def test_an_officer_fills_and_submits_the_interim_review_and_the_reviewer_accepts_it(
    tree, people, review_rounds, yearly_round
):
    yearly = _accepted_yearly(tree, people)
    aggregation.stats_rebuild(year=YEAR)
    rollups, values = _rollups(), _values()
    assert rollups  # the yearly report is a fact
    yearly_state = _state(yearly)

    review = _open_review(tree, people)
    assert (review.period_kind, review.round.period_kind, review.round.deadline) == (
        "interim_review", "interim_review", REVIEW_DEADLINE)
    assert review.form_version.form.code == "interim_review_commune"

    # Nothing written yet: the figures at the period's end come first, then the narrative parts; nothing changes.
    before = _state(review)
    with pytest.raises(DomainError) as refused:
        services.report_submit(report=review, by=people["officer1"], today=IN_ROUND)
    assert refused.value.message == "Chưa nhập số liệu: Hộ gia đình đạt danh hiệu Gia đình học tập."
    _fill(review, people, narrative={**NARRATIVE, "results": ""})
    before = _state(review)
    with pytest.raises(DomainError) as refused:
        services.report_submit(report=review, by=people["officer1"], today=IN_ROUND)
    assert refused.value.message == "Chưa nhập nội dung: Kết quả đạt được."
    assert _state(review) == before

    # A blocking rule of the review's own elements: more models replicated than built.
    _fill(review, people, values={**VALUES, "review_models_replicated": 9})
    before = _state(review)
    with pytest.raises(DomainError) as refused:
        services.report_submit(report=review, by=people["officer1"], today=IN_ROUND)
    assert refused.value.message == ("Số mô hình, cách làm hay được nhân rộng không được lớn hơn số mô hình, "
                                     "cách làm hay đã xây dựng.")
    assert refused.value.field == "values.review_models_replicated"
    assert _state(review) == before and before[0] == ReportStatus.DRAFT

    # A warning never blocks: more commended than typical examples is flagged, and the report goes.
    _fill(review, people, values={**VALUES, "review_individuals_commended.merit_certificate": 20})
    warned = [o for o in validation.check_report(review) if not o.passed]
    assert [(o.rule.code, o.severity) for o in warned] == [("commended_le_examples", "warning")]
    _fill(review, people)
    assert all(o.passed for o in validation.check_report(review))
    review = services.report_submit(report=review, by=people["officer1"], today=IN_ROUND)
    assert review.status == ReportStatus.SUBMITTED and review.on_time
    review = services.report_accept(report=review, by=people["reviewer"])
    assert review.status == ReportStatus.ACCEPTED
    assert review.narratives == {"causes": NARRATIVE["causes"], "lessons": NARRATIVE["lessons"]}
    assert ReportValue.objects.get(report=review, data_element__code="review_typical_examples",
                                   option__code="household").value == Decimal(6)

    # The yearly report of the same unit and year is untouched, and the review is no statistics fact.
    assert _state(yearly) == yearly_state
    aggregation.stats_rebuild(year=YEAR)
    assert _rollups() == rollups
    assert _values() == values


def test_the_review_is_refused_after_its_own_deadline_and_nothing_changes(tree, people, review_rounds, yearly_round):
    # Its own deadline: on 01/12/2025 the yearly report is late, the review is not.
    with pytest.raises(DomainError) as late:
        services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"], today=AFTER_YEARLY)
    assert late.value.message.startswith("Đã quá hạn gửi báo cáo (trước ngày 20/11/2025).")
    review = _open_review(tree, people, today=AFTER_YEARLY)
    _fill(review, people, today=AFTER_YEARLY)
    before = _state(review)
    message = ("Đã quá hạn gửi báo cáo (trước ngày 15/12/2025). Cần cấp trên gia hạn mới được nhập và gửi báo cáo.")
    with pytest.raises(DomainError) as refused:
        _fill(review, people, today=REVIEW_DEADLINE, narrative={**NARRATIVE, "lessons": "Sửa sau hạn."})
    assert refused.value.message == message
    with pytest.raises(DomainError) as refused:
        services.report_submit(report=review, by=people["officer1"], today=REVIEW_DEADLINE)
    assert refused.value.message == message
    assert _state(review) == before
    # Another commune cannot open it after the deadline either.
    officer2 = people["officer2"]
    with pytest.raises(DomainError) as refused:
        services.report_create(unit=tree["c2"], year=YEAR, by=officer2, period_kind="interim_review",
                               today=REVIEW_DEADLINE)
    assert refused.value.message == message
    assert not Report.objects.filter(unit=tree["c2"]).exists()


def test_an_officer_of_another_unit_cannot_open_the_review(tree, people, review_rounds):
    with pytest.raises(PermissionDenied) as refused:
        services.report_create(unit=tree["c1"], year=YEAR, by=people["officer2"], period_kind="interim_review",
                               today=IN_ROUND)
    assert refused.value.message == "Chỉ cán bộ của đơn vị “Xã Hòa Bình” được lập và gửi báo cáo này."
    assert not Report.objects.exists()


# --- pages ----------------------------------------------------------------------------------------------------


def test_home_and_reports_index_list_the_review_to_fill_while_its_round_is_open(client, tree, campaign, people):
    # Dates around the real today, so the pages (which read the calendar) see the round open.
    schedule = (reviews.ReviewRoundSpec(Level.COMMUNE, (1, 1), (5, 1, 1), "Sở Giáo dục và Đào tạo"),)
    reviews.review_rounds_open(campaign=campaign, scope=tree["p1"], period_kind="interim_review", schedule=schedule)
    client.force_login(people["officer1"])
    home = client.get(reverse("home")).content.decode()
    assert "Lập báo cáo sơ kết giai đoạn 2023 - 2025" in home
    index = client.get(f"{reverse('reports:index')}?year={YEAR}").content.decode()
    section = index[index.index('id="reviews"'):]
    assert "Báo cáo sơ kết giai đoạn 2023 - 2025" in section and "trước ngày 01/01/2030" in section
    assert 'name="period_kind" value="interim_review"' in section
    created = client.post(reverse("reports:create"), {"unit": tree["c1"].pk, "year": YEAR,
                                                     "period_kind": "interim_review"})
    review = Report.objects.get(unit=tree["c1"], period_kind="interim_review")
    assert created.status_code == 302 and created["Location"] == reverse("reports:detail", args=[review.pk])
    assert not Report.objects.filter(period_kind="yearly").exists()
    page = client.get(reverse("reports:detail", args=[review.pk]))
    assert page.status_code == 200 and "Nguyên nhân" in page.content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "Hoàn thành và gửi báo cáo sơ kết giai đoạn 2023 - 2025" in home


# --- the state document ---------------------------------------------------------------------------------------


def test_the_review_prints_as_a_bao_cao_with_its_title_five_parts_and_tables(
    tree, people, review_rounds, yearly_round, django_capture_on_commit_callbacks, settings
):
    _accepted_yearly(tree, people)
    aggregation.stats_rebuild(year=YEAR)
    # 2024's yearly report too: the table reads the rollups year by year.
    make_round(yearly_round.campaign, tree["p1"], Level.COMMUNE, year=2024, opens=datetime.date(2024, 9, 1),
               deadline=datetime.date(2024, 11, 20), indicators=COMMUNE_INDICATORS)
    day = datetime.date(2024, 11, 1)
    earlier = services.report_create(unit=tree["c1"], year=2024, by=people["officer1"], today=day)
    earlier = services.report_update(report=earlier, by=people["officer1"], version=earlier.version, today=day,
                                     figures={**YEARLY_FIGURES,
                                              "households_learning_family": {"numerator": 61, "denominator": 100}})
    services.report_accept(report=services.report_submit(report=earlier, by=people["officer1"], today=day),
                           by=people["reviewer"])
    aggregation.stats_rebuild(year=2024)
    review = _open_review(tree, people)
    _fill(review, people)
    review = services.report_submit(report=review, by=people["officer1"], today=IN_ROUND)
    # A viewer of the province cannot number it; nothing is written.
    with pytest.raises(PermissionDenied):
        reviews.review_document_request(report=review, by=people["viewer"], issue=True)
    # An officer of another commune does not even see the report.
    with pytest.raises(PermissionDenied):
        reviews.review_document_request(report=review, by=people["officer2"])
    assert reviews.review_document(review) is None
    head = f.member(tree["c1"], Role.APPROVER, username="xa.chutich")
    with django_capture_on_commit_callbacks(execute=True):
        document = reviews.review_document_request(report=review, by=head, issue=True,
                                                   today=datetime.date(2025, 12, 5))
    document.refresh_from_db()
    assert (document.kind, document.status, document.number, document.title) == ("report", "issued", "01/BC-UBND",
                                                                                  TITLE)
    assert document.render_status == "ready", document.render_error
    assert exports.report_document(tree["c1"], YEAR) is None  # the yearly BÁO CÁO is another document
    path = settings.MEDIA_ROOT / document.pdf.name
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = squash(text)
    assert "BÁO CÁO" in text and TITLE in flat and "Số: 01/BC-UBND" in flat and "DỰ THẢO" not in flat
    parts = ["I. KẾT QUẢ ĐẠT ĐƯỢC", "II. HẠN CHẾ, TỒN TẠI VÀ NGUYÊN NHÂN", "1. Hạn chế, tồn tại", "2. Nguyên nhân",
             "III. BÀI HỌC KINH NGHIỆM", "IV. ĐỀ XUẤT, KIẾN NGHỊ"]
    positions = [flat.index(p) for p in parts]
    assert positions == sorted(positions)
    for text_of_part in NARRATIVE.values():
        assert text_of_part in flat
    assert "báo cáo sơ kết 03 năm thực hiện Phong trào (giai đoạn 2023 - 2025)" in flat
    # The indicators year by year from the rollups (2025: the accepted yearly report, 70/100), then the review's.
    rates = flat[flat.index("a) Tỷ lệ đạt qua các năm"):flat.index("b) Số liệu tại thời điểm báo cáo")]
    assert "Tỷ lệ đạt (%) năm 2023 2024 2025" in rates
    assert "1 Hộ gia đình đạt danh hiệu Gia đình học tập — 61,00 70,00" in rates
    at_end = flat[flat.index("b) Số liệu tại thời điểm báo cáo (năm 2025)"):]
    assert "75 100 75,00" in at_end
    commended = flat[flat.index("Kết quả phong trào thi đua, khen thưởng trong giai đoạn"):]
    # The review's own elements, each option of a breakdown on its line, whole numbers as written (6, not 6,0000).
    assert "4 Số điển hình tiên tiến được phát hiện, biểu dương điển hình 12 - Tập thể điển hình 2" in commended
    assert "- Bằng khen cấp bộ, ban, ngành, tỉnh, đoàn thể Trung ương người 1 - Giấy khen người 2" in commended
    assert "- Bằng khen của Thủ tướng Chính phủ" in commended and ",0000" not in commended
    assert "TM. ỦY BAN NHÂN DÂN" in flat
