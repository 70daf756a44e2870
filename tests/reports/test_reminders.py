"""Digest reminders: at most one a day per user, to units that have not sent and to reviewers with work."""

import datetime

from django.core import mail
from django.utils import timezone

from reports import services
from reports.models import ReminderDigest
from reports.reminders import reminders_send
from reports.tasks import send_report_reminders

from .conftest import BASE_FIGURES, YEAR


def _week_before(rounds):
    return rounds["commune"].deadline - datetime.timedelta(days=7)


def test_officers_of_units_that_have_not_sent_get_one_digest_a_day(tree, rounds, people):
    day = _week_before(rounds)
    report = services.report_create(unit=tree["c2"], year=YEAR, by=people["officer2"])
    services.report_update(report=report, by=people["officer2"], version=1, figures=BASE_FIGURES)
    services.report_submit(report=report, by=people["officer2"])
    assert reminders_send(day=day) >= 1
    officer = ReminderDigest.objects.get(user=people["officer1"], day=day)
    assert tree["c1"].name in officer.body and officer.emailed
    assert not ReminderDigest.objects.filter(user=people["officer2"]).exists()  # already sent its report
    reviewer = ReminderDigest.objects.get(user=people["reviewer"], day=day)
    assert "đang chờ" in reviewer.body
    sent = len(mail.outbox)
    assert reminders_send(day=day) == 0  # a second run the same day sends nothing
    assert len(mail.outbox) == sent and ReminderDigest.objects.filter(user=people["officer1"]).count() == 1


def test_no_digest_on_a_day_that_is_not_a_reminder_day(tree, rounds, people):
    assert reminders_send(day=rounds["commune"].deadline - datetime.timedelta(days=5)) == 0
    assert not ReminderDigest.objects.exists()


def test_the_daily_task_is_idempotent_and_the_home_page_shows_the_notice(client, tree, rounds, people, settings):
    settings.REPORTS_REMINDER_DAYS = [(rounds["commune"].deadline - timezone.localdate()).days]
    send_report_reminders.delay()
    send_report_reminders.delay()
    assert ReminderDigest.objects.filter(user=people["officer1"]).count() == 1
    client.force_login(people["officer1"])
    assert "Nhắc hạn báo cáo" in client.get("/").content.decode()


def test_reviewers_are_told_how_many_reports_wait_in_their_subtree_in_flat_queries(
        tree, rounds, people, django_assert_max_num_queries):
    from reports.reminders import _lines_for_reviewers
    from tests import factories as f
    from units.roles import Role

    for unit, officer in ((tree["c1"], people["officer1"]), (tree["c2"], people["officer2"])):
        report = services.report_create(unit=unit, year=YEAR, by=officer)
        services.report_update(report=report, by=officer, version=1, figures=BASE_FIGURES)
        services.report_submit(report=report, by=officer)
    with django_assert_max_num_queries(2):
        lines = _lines_for_reviewers()
    assert lines[people["reviewer"].pk] == [
        f"2 báo cáo của đơn vị cấp dưới {tree['p1'].name} đang chờ anh/chị tiếp nhận hoặc trả lại."]
    assert people["other_reviewer"].pk not in lines  # the other province has nothing waiting
    assert people["commune_reviewer"].pk not in lines  # reviews the commune's children, none of which sent
    for _n in range(5):  # more reviewers, the same two queries
        f.member(tree["p1"], Role.REVIEWER)
    with django_assert_max_num_queries(2):
        assert len(_lines_for_reviewers()) == 6
