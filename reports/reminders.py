"""Digest reminders before deadlines: one e-mail and one home-page notice per user and day."""

from __future__ import annotations

import datetime
from collections import Counter

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from units.models import PATH_SEGMENT_WIDTH, Membership, Unit
from units.roles import Role

from . import conf
from .models import RECEIVED_STATUSES, ReminderDigest, Report, ReportStatus
from .selectors import _deepest_round, expected_filter, rounds_for_year

SEGMENT = PATH_SEGMENT_WIDTH + 1  # "00000012/"


def _lines_for_missing(day: datetime.date) -> dict[int, list[str]]:
    """Officers of expected units without a sent report, for rounds whose deadline is N days away."""
    lines: dict[int, list[str]] = {}
    for year in {day.year, day.year - 1}:
        rounds = [r for r in rounds_for_year(year) if (r.deadline - day).days in conf.reminder_days()]
        if not rounds:
            continue
        all_rounds = rounds_for_year(year)
        sent = Report.objects.filter(year=year, status__in=RECEIVED_STATUSES).values("unit_id")
        units = Unit.objects.filter(expected_filter(rounds)).exclude(pk__in=sent)
        officers = Membership.objects.filter(unit__in=units, role=Role.OFFICER).select_related("unit")
        for m in officers:
            round_ = _deepest_round(all_rounds, m.unit)
            if round_ is None or round_ not in rounds:
                continue  # a deeper round with another deadline applies to this unit
            lines.setdefault(m.user_id, []).append(
                _("Báo cáo năm %(year)s của %(unit)s chưa được gửi; hạn gửi trước ngày %(day)s.")
                % {"year": year, "unit": m.unit.name, "day": round_.deadline.strftime("%d/%m/%Y")})
    return lines


def _lines_for_reviewers() -> dict[int, list[str]]:
    """Reviewers with submitted reports of their child units waiting. Two queries whatever the number of
    reviewers: the waiting reports' parent paths are counted under every prefix (a path has one prefix per
    level), and each reviewer reads the count under their unit's path."""
    waiting: Counter[str] = Counter()
    parent_paths = Report.objects.filter(status=ReportStatus.SUBMITTED, unit__parent__isnull=False).values_list(
        "unit__parent__path", flat=True)
    for path in parent_paths.iterator():
        for end in range(SEGMENT, len(path) + 1, SEGMENT):
            waiting[path[:end]] += 1
    lines: dict[int, list[str]] = {}
    if not waiting:
        return lines
    for m in Membership.objects.filter(role=Role.REVIEWER).select_related("unit"):
        count = waiting.get(m.unit.path, 0)
        if count:
            lines.setdefault(m.user_id, []).append(
                _("%(count)s báo cáo của đơn vị cấp dưới %(unit)s đang chờ anh/chị tiếp nhận hoặc trả lại.")
                % {"count": count, "unit": m.unit.name})
    return lines


def reminders_send(*, day: datetime.date | None = None) -> int:
    """Send today's digests; returns how many were sent. Idempotent: a unique (user, day) row per digest."""
    day = day or timezone.localdate()
    lines = _lines_for_missing(day)
    for user_id, extra in _lines_for_reviewers().items():
        lines.setdefault(user_id, []).extend(extra)
    already = set(ReminderDigest.objects.filter(day=day, user_id__in=list(lines)).values_list("user_id", flat=True))
    sent = 0
    for user in User.objects.filter(pk__in=[u for u in lines if u not in already], is_active=True):
        subject = _("Nhắc hạn báo cáo hằng năm — %(day)s") % {"day": day.strftime("%d/%m/%Y")}
        body = "\n".join(f"- {line}" for line in lines[user.pk])
        try:
            with transaction.atomic():
                digest = ReminderDigest.objects.create(user=user, day=day, subject=subject, body=body)
        except IntegrityError:
            continue  # another run got there first: at most one digest a day
        if user.email:
            send_mail(subject, body, None, [user.email], fail_silently=True)
            ReminderDigest.objects.filter(pk=digest.pk).update(emailed=True)
        sent += 1
    return sent
