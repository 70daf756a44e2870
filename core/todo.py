"""The home page's to-do list: for each role the user holds, what is due and when, what came back with the
reviewer's comments, what waits for the user's review, approval or vote, and the extensions of deadlines.

Every list starts from a scoped selector (units.selectors, reports/titles/awards selectors) and is read with a
fixed number of queries whatever the number of items (tests/core/test_home_todo.py asserts it): each section
fetches at most `LIMIT` rows and counts the rest, and links to the full list.

The home page is the one page that reads every app, so this module imports the apps above `core` inside
functions: `core` stays importable on its own and nothing below the apps depends on them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from units import selectors as unit_selectors
from units.models import Unit
from units.roles import Role

LIMIT = 10  # items shown per section; the rest are counted and reached through the section's link


@dataclass
class Item:
    title: str
    url: str
    unit: Unit | None = None
    when: str = ""  # "còn 3 ngày", "quá hạn 2 ngày" …
    urgency: str = ""  # "late", "soon" or "": the page marks late and close deadlines
    detail: str = ""
    comments: list[tuple[str, str]] = field(default_factory=list)  # (what, the reviewer's words)
    deadline: datetime.date | None = None  # orders the officer's items: the nearest (or most overdue) first


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    more: int = 0  # items beyond LIMIT
    more_url: str = ""


@dataclass
class Todo:
    sections: list[Section] = field(default_factory=list)
    current_units: list[Unit] = field(default_factory=list)
    dissolved_units: list[Unit] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(s.items for s in self.sections)


def days_left(deadline: datetime.date, today: datetime.date) -> tuple[str, str]:
    """(text, urgency) for a deadline that is *exclusive* ("trước ngày 20/11": the form locks at the start of
    20/11). `today` is the calendar day in Asia/Ho_Chi_Minh (timezone.localdate), never the server's UTC day:
    at 07:30 on 20/11 in Hà Nội it is still 19/11 in UTC, and the report is already late.

    The days left count today: on 18/11 a report due before 20/11 has 2 days (18 and 19). On 20/11 it is one
    day late, on 21/11 two."""
    n = (deadline - today).days
    if n >= 2:
        return ngettext("còn %(n)s ngày", "còn %(n)s ngày", n) % {"n": n}, ("soon" if n <= 7 else "")
    if n == 1:
        return _("hôm nay là ngày cuối"), "soon"
    late = 1 - n
    return ngettext("quá hạn %(n)s ngày", "quá hạn %(n)s ngày", late) % {"n": late}, "late"


def _field_label(key: str) -> str:
    """The reviewer's comment keys named as the form names them, never as raw slugs."""
    from campaigns.indicators import Indicator
    from reports.models import NARRATIVE_FIELDS, Report

    if key in Indicator.values:
        return str(Indicator(key).label)
    if key in NARRATIVE_FIELDS:
        return str(Report._meta.get_field(key).verbose_name).capitalize()
    return _("Ý kiến chung")


def _section(key: str, title: str, rows: list, make, total: int, more_url: str) -> Section:
    return Section(key=key, title=title, items=[make(r) for r in rows[:LIMIT]], more=max(0, total - LIMIT),
                   more_url=more_url)


def _take(qs: QuerySet) -> tuple[list, int]:
    """At most LIMIT + 1 rows in one query; the count only when there are more (a second query)."""
    rows = list(qs[: LIMIT + 1])
    return rows, (qs.count() if len(rows) > LIMIT else len(rows))


# --- the officer's reports: due and returned -------------------------------------------------------------


def _reports_due(user, today: datetime.date) -> tuple[Section, Section]:
    from reports.models import DeadlineExtension, Report, ReportStatus, ReportTransition
    from reports.selectors import _deepest_round, rounds_for_year

    held = list(unit_selectors.units_held(user, [Role.OFFICER]))
    due = Section("due", _("Báo cáo phải gửi"))
    returned = Section("returned", _("Bị trả lại, cần sửa theo ý kiến"))
    if not held:
        return due, returned
    years = [today.year - 1, today.year]
    rounds = {year: rounds_for_year(year) for year in years}
    last_return = ReportTransition.objects.filter(to_status=ReportStatus.RETURNED).select_related("by").order_by(
        "-at", "-id")
    reports = {
        (r.unit_id, r.year): r
        for r in Report.objects.filter(unit__in=held, year__in=years, period_kind="yearly").prefetch_related(
            Prefetch("transitions", queryset=last_return, to_attr="returns"))
    }
    extended = {
        (row["unit_id"], row["year"]): row["d"]
        for row in DeadlineExtension.objects.filter(unit__in=held, year__in=years).values("unit_id", "year")
        .annotate(d=Max("new_deadline"))
    }
    for year in years:
        for unit in held:
            round_ = _deepest_round(rounds[year], unit)
            if round_ is None or round_.opens_on > today:
                continue
            report = reports.get((unit.pk, year))
            if report is not None and report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
                continue  # sent: nothing left to do until the level above answers
            extension = extended.get((unit.pk, year))
            deadline = max(round_.deadline, extension) if extension else round_.deadline
            when, urgency = days_left(deadline, today)
            detail = _("hạn gửi trước ngày %(day)s") % {"day": deadline.strftime("%d/%m/%Y")}
            if extension and extension > round_.deadline:
                detail += " · " + _("đã được gia hạn (hạn cũ %(day)s)") % {
                    "day": round_.deadline.strftime("%d/%m/%Y")}
            if report is None:
                # Creating a report is a POST: the one link leads to the year's list, where the unit's row
                # has the button that starts it.
                due.items.append(Item(title=_("Lập báo cáo năm %(year)s") % {"year": year}, unit=unit, when=when,
                                      urgency=urgency, detail=detail, deadline=deadline,
                                      url=f"{reverse('reports:index')}?year={year}#mine"))
            elif report.status == ReportStatus.RETURNED:
                comments = [(_field_label(k), v) for k, v in (report.review_comments or {}).items() if v]
                by = report.returns[0].by if report.returns else None
                if by is not None:
                    detail += " · " + _("trả lại bởi %(name)s") % {"name": by.get_full_name() or by.username}
                returned.items.append(Item(title=_("Sửa và gửi lại báo cáo năm %(year)s") % {"year": year}, unit=unit,
                                           when=when, urgency=urgency, detail=detail, comments=comments,
                                           deadline=deadline,
                                           url=reverse("reports:detail", args=[report.pk])))
            else:
                due.items.append(Item(title=_("Hoàn thành và gửi báo cáo năm %(year)s") % {"year": year},
                                      unit=unit, when=when, urgency=urgency, detail=detail, deadline=deadline,
                                      url=reverse("reports:detail", args=[report.pk])))
    from reports.reviews import todo_items  # the interim and final reviews: rounds and reports of their own

    review_due, review_returned = todo_items(held, today)
    due.items += review_due
    returned.items += review_returned
    for section in (due, returned):
        section.items.sort(key=lambda i: (i.deadline or today, i.unit.name if i.unit else ""))
        section.more = max(0, len(section.items) - LIMIT)
        section.items = section.items[:LIMIT]
        section.more_url = reverse("reports:index")
    return due, returned


def _returned_elsewhere(user) -> list[Item]:
    """Self-assessments and nominations the level above sent back to the user's units for more."""
    from awards.models import NominationStatus
    from awards.selectors import visible_nominations
    from titles.models import Evaluation
    from titles.selectors import visible_evaluations

    officer_q = unit_selectors.scope_filter(user, roles=[Role.OFFICER])
    items = []
    for ev in visible_evaluations(user).filter(officer_q, status=Evaluation.Status.RETURNED)[:LIMIT]:
        items.append(Item(title=_("Bổ sung hồ sơ tự đánh giá “%(title)s” năm %(year)s") % {
            "title": ev.title_type.name, "year": ev.year}, unit=ev.unit, url=reverse("titles:evaluation", args=[ev.pk]),
            comments=[(_("Ý kiến thẩm định"), ev.review_comment)] if ev.review_comment else []))
    proposer_q = unit_selectors.scope_filter(user, roles=[Role.OFFICER], unit_field="proposer_unit")
    for n in visible_nominations(user).filter(proposer_q, status=NominationStatus.RETURNED)[:LIMIT]:
        items.append(Item(title=_("Bổ sung đề nghị khen thưởng “%(form)s” cho %(subject)s") % {
            "form": n.form.name, "subject": n.subject_name}, unit=n.proposer_unit,
            url=reverse("awards:nomination_detail", args=[n.pk]),
            comments=[(_("Lý do trả lại"), n.return_reason)] if n.return_reason else []))
    return items


# --- what waits for the user: review, approval, decision, vote --------------------------------------------


def _awaiting(user, today: datetime.date) -> Section:
    from awards.models import CouncilMember, DecidingPower, NominationStatus, Review, ReviewSession, VoterRoll
    from awards.selectors import visible_nominations
    from reports.selectors import reports_awaiting_review
    from titles.selectors import approval_queue

    section = Section("awaiting", _("Chờ bạn xem xét, phê duyệt, bỏ phiếu"))
    rows, total = _take(reports_awaiting_review(user))
    for r in rows[:LIMIT]:
        sent = r.submitted_at.date().strftime("%d/%m/%Y") if r.submitted_at else ""
        section.items.append(Item(title=_("Tiếp nhận hoặc trả lại báo cáo năm %(year)s") % {"year": r.year},
                                  unit=r.unit, detail=_("gửi ngày %(day)s") % {"day": sent} if sent else "",
                                  url=reverse("reports:detail", args=[r.pk])))
    section.more += max(0, total - LIMIT)

    rows, total = _take(approval_queue(user))
    for ev in rows[:LIMIT]:
        section.items.append(Item(title=_("Thẩm định hồ sơ “%(title)s” năm %(year)s, mức độ %(level)s") % {
            "title": ev.title_type.name, "year": ev.year, "level": ev.level_sought}, unit=ev.unit,
            url=reverse("titles:evaluation", args=[ev.pk])))
    section.more += max(0, total - LIMIT)

    # Nominations: the approver decides passed ones (and examines those whose form needs no council vote);
    # the council secretary puts submitted ones on a session's agenda.
    # Who examines a submitted one depends on the body's power for its form (awards.services.nomination_appraise):
    # the approver where no council vote is asked (head, appraisal), else the secretary.
    approver_q = unit_selectors.scope_filter(user, roles=[Role.APPROVER], unit_field="body")
    secretary_q = unit_selectors.scope_filter(user, roles=[Role.COUNCIL_SECRETARY], unit_field="body")
    by_council = Exists(DecidingPower.objects.filter(body=OuterRef("body"), form=OuterRef("form"),
                                                     review=Review.COUNCIL))
    submitted = Q(status=NominationStatus.SUBMITTED)
    nominations = visible_nominations(user).alias(by_council=by_council).filter(
        (approver_q & (Q(status=NominationStatus.PASSED) | (submitted & Q(by_council=False))))
        | (secretary_q & submitted & Q(by_council=True)))
    rows, total = _take(nominations.order_by("created_at", "id"))
    for n in rows[:LIMIT]:
        verb = (_("Ra quyết định khen thưởng") if n.status == NominationStatus.PASSED
                else _("Xét đề nghị khen thưởng"))
        section.items.append(Item(title=f"{verb} “{n.form.name}”: {n.subject_name}", unit=n.body,
                                  detail=n.get_status_display(),
                                  url=reverse("awards:nomination_detail", args=[n.pk])))
    section.more += max(0, total - LIMIT)

    # Open sessions where the user's seat is on the roll and has not voted yet (the roll says that they voted,
    # never how).
    sessions = ReviewSession.objects.filter(
        status=ReviewSession.Status.OPEN,
        pk__in=VoterRoll.objects.filter(member__user=user, member__active=True, voted=False).values("session_id"),
    ).select_related("council", "council__body").order_by("held_on", "id")
    rows, total = _take(sessions)
    for s in rows[:LIMIT]:
        section.items.append(Item(title=_("Bỏ phiếu tại phiên họp “%(title)s”") % {"title": s.title},
                                  unit=s.council.body, detail=_("họp ngày %(day)s") % {
                                      "day": s.held_on.strftime("%d/%m/%Y")},
                                  url=reverse("awards:session_detail", args=[s.pk])))
    section.more += max(0, total - LIMIT)
    # Open sessions the user is the secretary of: close the vote and draw up the minutes.
    secretary_of = ReviewSession.objects.filter(
        status=ReviewSession.Status.OPEN, council__members__user=user, council__members__active=True,
        council__members__role=CouncilMember.Role.SECRETARY,
    ).select_related("council", "council__body").distinct().order_by("held_on", "id")
    rows, total = _take(secretary_of)
    for s in rows[:LIMIT]:
        section.items.append(Item(title=_("Kết thúc bỏ phiếu và lập biên bản phiên họp “%(title)s”") % {
            "title": s.title}, unit=s.council.body, detail=_("họp ngày %(day)s") % {
            "day": s.held_on.strftime("%d/%m/%Y")}, url=reverse("awards:session_detail", args=[s.pk])))
    section.more += max(0, total - LIMIT)
    # Planned sessions the secretary prepares, and that members will sit in.
    planned = ReviewSession.objects.filter(
        status=ReviewSession.Status.PLANNED, council__members__user=user, council__members__active=True,
    ).select_related("council", "council__body").distinct().order_by("held_on", "id")
    rows, total = _take(planned)
    for s in rows[:LIMIT]:
        when, urgency = days_left(s.held_on + datetime.timedelta(days=1), today)
        section.items.append(Item(title=_("Chuẩn bị phiên họp “%(title)s”") % {"title": s.title},
                                  unit=s.council.body, when=when, urgency=urgency,
                                  detail=_("họp ngày %(day)s") % {"day": s.held_on.strftime("%d/%m/%Y")},
                                  url=reverse("awards:session_detail", args=[s.pk])))
    section.more += max(0, total - LIMIT)
    section.more_url = reverse("reports:index")
    return section


# --- extensions -------------------------------------------------------------------------------------------


def _extensions(user, today: datetime.date) -> Section:
    """Requests waiting for the user's decision (reviewers of the level above); the user's units' own requests
    still waiting or refused (with the reason); extensions in force granted to units in the user's scope."""
    from reports.models import DeadlineExtension, ExtensionRequest, ExtensionRequestStatus
    from reports.selectors import extension_requests_awaiting

    section = Section("extensions", _("Gia hạn báo cáo"))
    rows, total = _take(extension_requests_awaiting(user))
    for req in rows[:LIMIT]:
        section.items.append(Item(
            title=_("Xét đề nghị gia hạn đến trước ngày %(day)s") % {"day": req.new_deadline.strftime("%d/%m/%Y")},
            unit=req.unit, detail=req.reason, url=f"{reverse('reports:index')}?year={req.year}#extension-requests"))
    section.more += max(0, total - LIMIT)
    # The unit's side: a request it sent is followed until answered; a refusal shows the reviewer's reason.
    mine = ExtensionRequest.objects.filter(
        unit_selectors.scope_filter(user, roles=[Role.OFFICER]), year__gte=today.year - 1,
        status__in=[ExtensionRequestStatus.PENDING, ExtensionRequestStatus.REFUSED],
        new_deadline__gte=today).select_related("unit").order_by("-requested_at", "-id")
    rows, total = _take(mine)
    for req in rows[:LIMIT]:
        refused = req.status == ExtensionRequestStatus.REFUSED
        section.items.append(Item(
            title=(_("Đề nghị gia hạn năm %(year)s không được chấp thuận") if refused
                   else _("Đã đề nghị gia hạn năm %(year)s đến trước ngày %(day)s, chờ cấp trên xem xét")) % {
                "year": req.year, "day": req.new_deadline.strftime("%d/%m/%Y")},
            unit=req.unit, urgency="late" if refused else "",
            comments=[(_("Lý do của cấp trên"), req.decision_reason)] if refused and req.decision_reason else [],
            url=f"{reverse('reports:index')}?year={req.year}"))
    section.more += max(0, total - LIMIT)
    granted = unit_selectors.scope_queryset(
        DeadlineExtension.objects.filter(year__gte=today.year - 1, new_deadline__gt=today)
        .select_related("unit"), user).order_by("new_deadline", "id")
    rows, total = _take(granted)
    for ext in rows[:LIMIT]:
        when, urgency = days_left(ext.new_deadline, today)
        section.items.append(Item(
            title=_("Đã gia hạn báo cáo năm %(year)s đến trước ngày %(day)s") % {
                "year": ext.year, "day": ext.new_deadline.strftime("%d/%m/%Y")},
            unit=ext.unit, when=when, urgency=urgency, detail=ext.reason,
            url=f"{reverse('reports:completeness')}?unit={ext.unit.parent_id}&year={ext.year}"
            if ext.unit.parent_id else f"{reverse('reports:index')}?year={ext.year}"))
    section.more += max(0, total - LIMIT)
    section.more_url = reverse("reports:index")
    return section


# --- following (viewers) ----------------------------------------------------------------------------------


def _following(user, today: datetime.date) -> Section:
    """A viewer acts on nothing: what they come for is the progress of this year's reports of their area."""
    held = list(unit_selectors.units_held(user, [Role.VIEWER]))
    section = Section("following", _("Theo dõi"))
    for unit in held[:LIMIT]:
        section.items.append(Item(title=_("Kết quả thực hiện chỉ tiêu năm %(year)s") % {"year": today.year},
                                  unit=unit, url=f"{reverse('reports:dashboard')}?unit={unit.pk}&year={today.year}"))
        section.items.append(Item(title=_("Tình hình gửi báo cáo năm %(year)s") % {"year": today.year},
                                  unit=unit,
                                  url=f"{reverse('reports:completeness')}?unit={unit.pk}&year={today.year}"))
    return section


# --- the user's area: current units, and those the 2025 reform dissolved -----------------------------------


def _areas(user, today: datetime.date) -> tuple[list[Unit], list[Unit]]:
    """The top units the user reaches, split: valid today, and dissolved (a ward the reform merged may bear
    the same name as the current one: listing them together misleads). Each dissolved unit carries
    `dissolved_on`, the first day it no longer existed."""
    roots = list(unit_selectors.scope_roots(user).annotate(n_children=Count("children")).order_by("name")[:40])
    current, dissolved = [], []
    for unit in roots:
        if unit.valid_to is not None and unit.valid_to < today:
            unit.dissolved_on = unit.valid_to + datetime.timedelta(days=1)
            dissolved.append(unit)
        else:
            current.append(unit)
    return current[:20], dissolved[:20]


def todo_for(user, *, today: datetime.date | None = None) -> Todo:
    today = today or unit_selectors.today()
    due, returned = _reports_due(user, today)
    returned.items.extend(_returned_elsewhere(user))
    todo = Todo(sections=[due, returned, _awaiting(user, today), _extensions(user, today),
                          _following(user, today)])
    todo.current_units, todo.dissolved_units = _areas(user, today)
    return todo
