"""The report's life: draft → submitted → returned → resubmitted → accepted, and every refusal on the way."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Conflict, DomainError, PermissionDenied
from reports import services
from reports.models import DeadlineExtension, Report, ReportAttachment, ReportStatus, ReportTransition
from titles.models import Decision, Recognition, TitleType
from units.models import Citizen

from .conftest import BASE_FIGURES, YEAR, today


def _snapshot(report):
    report.refresh_from_db()
    figures = sorted(report.figures.values_list("indicator", "numerator", "denominator"))
    return (report.status, report.version, report.results, report.review_comments, figures,
            report.transitions.count())


def _draft(tree, people):
    return services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"])


def _filled(tree, people):
    report = _draft(tree, people)
    return services.report_update(report=report, by=people["officer1"], version=report.version,
                                  figures=BASE_FIGURES, narrative={"results": "Kết quả tốt."})


def _submitted(tree, people):
    return services.report_submit(report=_filled(tree, people), by=people["officer1"])


# --- create ---------------------------------------------------------------------------------------


def test_officer_opens_draft_with_household_total_prefilled_from_registry(tree, rounds, people, households):
    report = _draft(tree, people)
    assert report.status == ReportStatus.DRAFT and report.version == 1 and not report.is_summary
    figure = report.figures.get(indicator="households_learning_family")
    assert (figure.numerator, figure.denominator) == (0, 12)
    assert report.transitions.get().to_status == ReportStatus.DRAFT


def test_draft_prefills_recognised_and_total_counts_from_its_area_without_the_school_that_reports(
        tree, rounds, people):
    title = TitleType.objects.get(slug="cong-dan-hoc-tap")
    decision = Decision.objects.create(title_type=title, authority=tree["c1"], number="12/QĐ-UBND", year=YEAR,
                                       date=datetime.date(YEAR, 3, 1), signer="Lê Văn Ký",
                                       created_by=people["officer1"])

    def citizen(unit, name, recognised):
        person = Citizen.objects.create(unit=unit, full_name=name)
        if recognised:
            Recognition.objects.create(title_type=title, decision=decision, subject_kind="citizen", unit=unit,
                                       citizen=person, year=YEAR, valid_from=decision.date,
                                       valid_to=datetime.date(YEAR + 1, 2, 28))

    for i, recognised in enumerate([True, True, False]):
        citizen(tree["h1"], f"Người dân {i}", recognised)
    for i in range(4):  # the school's staff: the school reports them itself
        citizen(tree["s1"], f"Giáo viên {i}", True)
    report = _draft(tree, people)
    figure = report.figures.get(indicator="citizens_learning_citizen")
    assert (figure.numerator, figure.denominator) == (2, 3)


def test_officer_of_another_commune_cannot_open_the_report(tree, rounds, people):
    with pytest.raises(PermissionDenied):
        services.report_create(unit=tree["c1"], year=YEAR, by=people["officer2"])
    assert not Report.objects.exists()


def test_reviewer_cannot_open_a_report_for_the_unit(tree, rounds, people):
    with pytest.raises(PermissionDenied):
        services.report_create(unit=tree["c1"], year=YEAR, by=people["reviewer"])
    assert not Report.objects.exists()


def test_unit_without_a_round_cannot_report(tree, rounds, people):
    with pytest.raises(DomainError) as exc:
        services.report_create(unit=tree["c1"], year=YEAR + 1, by=people["officer1"])
    assert "không thuộc đợt báo cáo nào" in exc.value.message
    assert not Report.objects.exists()


def test_second_report_for_the_same_year_is_a_conflict(tree, rounds, people):
    _draft(tree, people)
    with pytest.raises(Conflict):
        _draft(tree, people)
    assert Report.objects.count() == 1


def test_report_cannot_be_opened_after_the_deadline_without_extension(tree, rounds, people):
    late = rounds["commune"].deadline + datetime.timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"], today=late)
    assert "quá hạn" in exc.value.message
    assert not Report.objects.exists()


def test_extension_from_the_level_above_lets_a_late_report_in_but_it_counts_late(tree, rounds, people):
    late = rounds["commune"].deadline + datetime.timedelta(days=1)
    services.extension_grant(unit=tree["c1"], year=YEAR, new_deadline=late + datetime.timedelta(days=5),
                             reason="Bão lũ", by=people["reviewer"], today=late)
    report = services.report_create(unit=tree["c1"], year=YEAR, by=people["officer1"], today=late)
    report = services.report_update(report=report, by=people["officer1"], version=report.version,
                                    figures=BASE_FIGURES, today=late)
    report = services.report_submit(report=report, by=people["officer1"], today=late)
    assert report.status == ReportStatus.SUBMITTED and report.on_time is False


def test_officer_cannot_grant_an_extension(tree, rounds, people):
    with pytest.raises(PermissionDenied):
        services.extension_grant(unit=tree["c1"], year=YEAR, new_deadline=today() + datetime.timedelta(days=40),
                                 reason="Xin gia hạn", by=people["officer1"])
    assert not DeadlineExtension.objects.exists()


def test_extension_needs_a_reason_and_a_later_date(tree, rounds, people):
    with pytest.raises(DomainError) as exc:
        services.extension_grant(unit=tree["c1"], year=YEAR, new_deadline=today() + datetime.timedelta(days=40),
                                 reason="  ", by=people["reviewer"])
    assert exc.value.field == "reason"
    with pytest.raises(DomainError) as exc:
        services.extension_grant(unit=tree["c1"], year=YEAR, new_deadline=rounds["commune"].deadline,
                                 reason="Bão lũ", by=people["reviewer"])
    assert exc.value.field == "new_deadline"
    assert not DeadlineExtension.objects.exists()


# --- edit -----------------------------------------------------------------------------------------


def test_update_saves_figures_and_increments_version(tree, rounds, people):
    report = _filled(tree, people)
    assert report.version == 2
    assert report.figures.get(indicator="clans_learning_clan").numerator == 5
    assert report.results == "Kết quả tốt."


def test_stale_version_is_refused_and_changes_nothing(tree, rounds, people):
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(Conflict) as exc:
        services.report_update(report=report, by=people["officer1"], version=1,
                               figures={"clans_learning_clan": {"numerator": 1, "denominator": 2}})
    assert exc.value.status == 409 and "người khác cập nhật" in exc.value.message
    assert _snapshot(report) == before


@pytest.mark.parametrize(("pair", "field", "message"), [
    ({"numerator": 9, "denominator": 8}, "numerator", "Số đạt danh hiệu không được lớn hơn tổng số."),
    ({"numerator": -1, "denominator": 8}, "numerator", "Số liệu phải là số nguyên không âm."),
    ({"numerator": 1, "denominator": "2.5"}, "denominator", "Số liệu phải là số nguyên không âm."),
    ({"numerator": 1, "denominator": "mười"}, "denominator", "Số liệu phải là số nguyên không âm."),
])
def test_invalid_figures_are_refused_naming_the_field_and_change_nothing(tree, rounds, people, pair, field,
                                                                          message):
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError) as exc:
        services.report_update(report=report, by=people["officer1"], version=report.version,
                               figures={"clans_learning_clan": pair})
    assert exc.value.field == f"figures.clans_learning_clan.{field}"
    assert message in exc.value.message and "Dòng họ" in exc.value.message
    assert _snapshot(report) == before


def test_indicator_outside_the_round_is_refused(tree, rounds, people):
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError) as exc:
        services.report_update(report=report, by=people["officer1"], version=report.version,
                               figures={"units_learning_unit": {"numerator": 1, "denominator": 1}})
    assert exc.value.field == "figures.units_learning_unit"
    assert _snapshot(report) == before


def test_officer_of_another_commune_cannot_edit(tree, rounds, people):
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(PermissionDenied):
        services.report_update(report=report, by=people["officer2"], version=report.version,
                               narrative={"results": "Sửa trộm"})
    assert _snapshot(report) == before


def test_draft_locks_at_the_deadline(tree, rounds, people):
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError) as exc:
        services.report_update(report=report, by=people["officer1"], version=report.version,
                               narrative={"results": "Muộn"}, today=rounds["commune"].deadline)
    assert exc.value.code == "deadline_passed"
    with pytest.raises(DomainError):
        services.report_submit(report=report, by=people["officer1"], today=rounds["commune"].deadline)
    assert _snapshot(report) == before


# --- submit, return, accept -----------------------------------------------------------------------


def test_submit_records_on_time_and_submitting_twice_is_harmless(tree, rounds, people):
    report = _submitted(tree, people)
    assert report.status == ReportStatus.SUBMITTED and report.on_time is True
    before = _snapshot(report)
    again = services.report_submit(report=report, by=people["officer1"], version=1)
    assert again.status == ReportStatus.SUBMITTED
    assert _snapshot(report) == before


def test_submit_without_every_figure_is_refused(tree, rounds, people):
    report = _draft(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError) as exc:
        services.report_submit(report=report, by=people["officer1"])
    assert exc.value.code == "incomplete" and exc.value.field.startswith("figures.")
    assert _snapshot(report) == before


def test_submitted_report_cannot_be_edited(tree, rounds, people):
    report = _submitted(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError) as exc:
        services.report_update(report=report, by=people["officer1"], version=report.version,
                               narrative={"results": "Sửa sau khi gửi"})
    assert exc.value.code == "wrong_state"
    assert _snapshot(report) == before


@pytest.mark.parametrize("who", ["officer1", "commune_reviewer", "other_reviewer", "viewer"])
def test_only_the_reviewer_of_the_level_above_may_return_or_accept(tree, rounds, people, who):
    report = _submitted(tree, people)
    before = _snapshot(report)
    with pytest.raises(PermissionDenied):
        services.report_return(report=report, by=people[who], comments={"general": "Sửa lại"})
    with pytest.raises(PermissionDenied):
        services.report_accept(report=report, by=people[who])
    assert _snapshot(report) == before


def test_return_needs_a_comment_and_only_known_fields(tree, rounds, people):
    report = _submitted(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError):
        services.report_return(report=report, by=people["reviewer"], comments={})
    with pytest.raises(DomainError):
        services.report_return(report=report, by=people["reviewer"], comments={"password": "x"})
    assert _snapshot(report) == before


def test_draft_cannot_be_returned_or_accepted(tree, rounds, people):
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError):
        services.report_return(report=report, by=people["reviewer"], comments={"general": "?"})
    with pytest.raises(DomainError):
        services.report_accept(report=report, by=people["reviewer"])
    assert _snapshot(report) == before


def test_full_cycle_records_every_transition(tree, rounds, people):
    report = _submitted(tree, people)
    report = services.report_return(report=report, by=people["reviewer"],
                                    comments={"clans_learning_clan": "Số dòng họ chưa khớp sổ."})
    assert report.status == ReportStatus.RETURNED
    assert report.review_comments == {"clans_learning_clan": "Số dòng họ chưa khớp sổ."}
    # A returned report stays editable after the deadline: the reviewer asked for the correction.
    late = rounds["commune"].deadline + datetime.timedelta(days=3)
    report = services.report_update(report=report, by=people["officer1"], version=report.version,
                                    figures={"clans_learning_clan": {"numerator": 6, "denominator": 9}}, today=late)
    report = services.report_submit(report=report, by=people["officer1"], today=late)
    assert report.status == ReportStatus.SUBMITTED and report.on_time is True
    report = services.report_accept(report=report, by=people["reviewer"])
    assert report.status == ReportStatus.ACCEPTED and report.accepted_at and report.review_comments == {}
    steps = list(ReportTransition.objects.filter(report=report).values_list("from_status", "to_status", "by__username"))
    assert steps == [
        ("", "draft", "xa.hoabinh"), ("draft", "submitted", "xa.hoabinh"),
        ("submitted", "returned", "sogd.duyet"), ("returned", "submitted", "xa.hoabinh"),
        ("submitted", "accepted", "sogd.duyet"),
    ]
    assert ReportTransition.objects.get(to_status="returned").field_comments == {
        "clans_learning_clan": "Số dòng họ chưa khớp sổ."}
    # Accepting again is harmless.
    before = _snapshot(report)
    services.report_accept(report=report, by=people["reviewer"])
    assert _snapshot(report) == before


# --- attachments ----------------------------------------------------------------------------------


def test_attachment_of_an_allowed_type_is_kept(tree, rounds, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _filled(tree, people)
    upload = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.attachment_add(report=report, by=people["officer1"], upload=upload)
    assert attachment.name == "bien-ban.pdf" and attachment.size == 13


@pytest.mark.parametrize(("name", "size"), [("virus.exe", 10), ("lon.pdf", 11 * 1024 * 1024)])
def test_attachment_of_a_wrong_type_or_too_big_is_refused(tree, rounds, people, settings, tmp_path, name, size):
    settings.MEDIA_ROOT = tmp_path
    report = _filled(tree, people)
    before = _snapshot(report)
    with pytest.raises(DomainError) as exc:
        services.attachment_add(report=report, by=people["officer1"],
                                upload=SimpleUploadedFile(name, b"x" * size))
    assert exc.value.field == "file"
    assert not ReportAttachment.objects.exists() and _snapshot(report) == before
    assert not list(tmp_path.rglob("*.*"))
