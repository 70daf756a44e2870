"""The campaign's reviews: the interim review of phase 1 (sơ kết 2023 - 2025, in 2025) and the final review
(tổng kết 2023 - 2030, in 2030) — issue 14, item 3.

A review report is a Report of its own period kind, on its own form (definitions/seed_reviews.py), in its own
ReportingRound with its own dates; the workflow (create, update, submit, return, accept) is reports.services',
unchanged. A review is no statistics fact: the rollups read accepted *yearly* base reports only, so accepting a
review changes no figure of /api/v1/stats/. Its state document (BÁO CÁO sơ kết / tổng kết) is a Document of the
register whose subject is the report (reports/review_documents.py builds it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Phase
from core.documents import services as register
from core.documents.models import Document, DocumentKind
from core.documents.services import issuing_body_for
from core.errors import DomainError, PermissionDenied
from definitions.models import PeriodKind, ReportFormVersion, VersionStatus
from units.models import Level, Unit
from units.roles import Role
from units.selectors import require_role

from . import selectors
from .models import REPORTING_ORGANISATION_KINDS, DeadlineExtension, Report, ReportingRound, ReportStatus

REVIEW_KINDS = (PeriodKind.INTERIM_REVIEW, PeriodKind.FINAL_REVIEW)
PHASE_REVIEW: dict[str, str] = {PeriodKind.INTERIM_REVIEW: Phase.Review.INTERIM,
                                 PeriodKind.FINAL_REVIEW: Phase.Review.FINAL}


def is_review(report: Report) -> bool:
    return report.period_kind in REVIEW_KINDS


def period_label(period_kind: str, year_from: int | None = None, year_to: int | None = None) -> str:
    """"sơ kết giai đoạn 2023 - 2025" — what the to-do list and the reports index call the review."""
    years = f" {year_from} - {year_to}" if year_from and year_to else ""
    if period_kind == PeriodKind.INTERIM_REVIEW:
        return _("sơ kết giai đoạn%(years)s") % {"years": years}
    return _("tổng kết giai đoạn%(years)s") % {"years": years}


# --- rounds ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRoundSpec:
    """One level's round of a review: opens on (month, day) of the review year, due before `deadline` given as
    (years after the review year, month, day)."""

    level: str
    opens: tuple[int, int]
    deadline: tuple[int, int, int]
    recipient: str
    kinds: tuple[str, ...] = ()
    summary: bool = False


# The dates of the national default (verify per province: each province's plan sets its own and may add a deeper
# round). Communes and agencies first, the province's summary after them, as the seeds' cascade goes: the
# interim review before 15/12/2025 (the Đồng Nai plan's date for "báo cáo đánh giá sơ kết"), the province by the
# year's end; the final review in the autumn of 2030, before the national conference.
SCHEDULE: dict[str, tuple[ReviewRoundSpec, ...]] = {
    PeriodKind.INTERIM_REVIEW: (
        ReviewRoundSpec(Level.COMMUNE, (10, 1), (0, 12, 15), "Sở Giáo dục và Đào tạo"),
        ReviewRoundSpec(Level.ORGANISATION, (10, 1), (0, 12, 15), "Cơ quan quản lý cấp trên",
                        kinds=tuple(REPORTING_ORGANISATION_KINDS)),
        ReviewRoundSpec(Level.PROVINCE, (10, 1), (0, 12, 31), "Bộ Giáo dục và Đào tạo", summary=True),
    ),
    PeriodKind.FINAL_REVIEW: (
        ReviewRoundSpec(Level.COMMUNE, (7, 1), (0, 10, 15), "Sở Giáo dục và Đào tạo"),
        ReviewRoundSpec(Level.ORGANISATION, (7, 1), (0, 10, 15), "Cơ quan quản lý cấp trên",
                        kinds=tuple(REPORTING_ORGANISATION_KINDS)),
        ReviewRoundSpec(Level.PROVINCE, (7, 1), (0, 11, 15), "Bộ Giáo dục và Đào tạo", summary=True),
    ),
}


def review_year(campaign: Campaign, period_kind: str) -> int:
    """The year of the review, from the campaign's phases (2025 for the interim review, 2030 for the final)."""
    if period_kind not in REVIEW_KINDS:
        raise DomainError(_("Kỳ báo cáo “%(kind)s” không phải kỳ sơ kết hay tổng kết.") % {"kind": period_kind},
                          field="period_kind")
    phase = campaign.phases.filter(review=PHASE_REVIEW[period_kind]).order_by("number").first()
    if phase is None:
        raise DomainError(_("Phong trào chưa có giai đoạn %(review)s.") % {"review": period_label(period_kind)},
                          field="period_kind")
    return phase.review_year


@transaction.atomic
def review_rounds_open(*, campaign: Campaign, scope: Unit, period_kind: str, by=None,
                       schedule: tuple[ReviewRoundSpec, ...] | None = None) -> list[ReportingRound]:
    """Open the review's rounds for the units of `scope`'s subtree, one per level of `schedule` (the national
    default when not given). Idempotent: a round that exists (same year, scope, level and period kind) is kept
    as it is — an administrator may have moved its dates. `by`, when given, must administer `scope`."""
    year = review_year(campaign, period_kind)
    if by is not None:
        require_role(by, scope, [Role.ADMIN], action=_(
            "Chỉ quản trị đơn vị “%(unit)s” được mở đợt báo cáo sơ kết, tổng kết.") % {"unit": scope.name})
    rounds = []
    for spec in schedule or SCHEDULE[period_kind]:
        offset, month, day = spec.deadline
        opens, deadline = datetime.date(year, *spec.opens), datetime.date(year + offset, month, day)
        if deadline <= opens:
            raise DomainError(_("Hạn gửi phải sau ngày mở."), field="deadline")
        round_, _created = ReportingRound.objects.get_or_create(
            year=year, scope_unit=scope, level=spec.level, period_kind=period_kind,
            defaults={"campaign": campaign, "opens_on": opens, "deadline": deadline, "recipient": spec.recipient,
                      "kinds": list(spec.kinds), "is_summary": spec.summary})
        rounds.append(round_)
    return rounds


def demo_review_rounds(campaign: Campaign, nation: Unit) -> list[ReportingRound]:
    """The demo's review rounds: the 2025 interim and the 2030 final review, nationwide, at the default dates."""
    return [r for kind in REVIEW_KINDS for r in review_rounds_open(campaign=campaign, scope=nation, period_kind=kind)]


# --- what an officer has to do ------------------------------------------------------------------------------


@dataclass
class ReviewRow:
    """An officer's unit in an open review round: its report (if opened) and its deadline."""

    unit: Unit
    round: ReportingRound
    period_kind: str
    report: Report | None
    deadline: datetime.date
    late: bool

    period: tuple[int | None, int | None] = (None, None)  # the years the review covers, from its form

    @property
    def label(self) -> str:
        version = self.report.form_version if self.report is not None and self.report.form_version_id else None
        if version is not None:
            return period_label(self.period_kind, version.period_from, version.period_to)
        return period_label(self.period_kind, *self.period)


def review_rows(units: list[Unit], *, today: datetime.date, year: int | None = None) -> list[ReviewRow]:
    """The review rounds that apply to `units` (of `year`, or those open since a year ago), with the unit's report
    and deadline. A fixed number of queries whatever the number of units (rounds, reports, extensions, forms)."""
    if not units:
        return []
    rounds = ReportingRound.objects.filter(period_kind__in=REVIEW_KINDS, opens_on__lte=today).select_related(
        "scope_unit")
    rounds = rounds.filter(year=year) if year is not None else rounds.filter(year__gte=today.year - 1)
    by_key: dict[tuple[int, str], list[ReportingRound]] = {}
    for round_ in rounds:
        by_key.setdefault((round_.year, round_.period_kind), []).append(round_)
    if not by_key:
        return []
    years = {y for y, _k in by_key}
    reports = {(r.unit_id, r.year, r.period_kind): r for r in Report.objects.filter(
        unit__in=units, year__in=years, period_kind__in=REVIEW_KINDS).select_related("form_version")}
    # Extensions are granted per unit and year (reports.selectors.effective_deadline): they move a review's
    # deadline too, and the list must show the date the services apply.
    extended = {(row["unit_id"], row["year"]): row["d"] for row in DeadlineExtension.objects.filter(
        unit__in=units, year__in=years).values("unit_id", "year").annotate(d=Max("new_deadline"))}
    versions = list(ReportFormVersion.objects.filter(form__period_kind__in=REVIEW_KINDS, status=VersionStatus.PUBLISHED)
                    .values("form__period_kind", "first_year", "last_year", "period_from", "period_to"))
    periods = {(v["form__period_kind"], year_): (v["period_from"], v["period_to"]) for year_ in years
               for v in versions if v["first_year"] <= year_ <= (v["last_year"] or year_)}
    rows = []
    for (year_, kind), kind_rounds in sorted(by_key.items()):
        for unit in units:
            found = selectors.round_for(unit, year_, kind_rounds)
            if found is None:
                continue
            extension = extended.get((unit.pk, year_))
            deadline = max(found.deadline, extension) if extension else found.deadline
            rows.append(ReviewRow(unit=unit, round=found, period_kind=kind, report=reports.get((unit.pk, year_, kind)),
                                  deadline=deadline, late=today >= deadline,
                                  period=periods.get((kind, year_), (None, None))))
    return rows


def todo_items(units: list[Unit], today: datetime.date) -> tuple[list, list]:
    """(due, returned) items of the home page's officer sections for the open review rounds (core/todo.py)."""
    from core.todo import Item, _field_label, days_left

    due, returned = [], []
    for row in review_rows(units, today=today):
        report = row.report
        if report is not None and report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            continue  # sent: nothing left to do until the level above answers
        when, urgency = days_left(row.deadline, today)
        detail = _("hạn gửi trước ngày %(day)s") % {"day": row.deadline.strftime("%d/%m/%Y")}
        if report is None:
            due.append(Item(title=_("Lập báo cáo %(review)s") % {"review": row.label}, unit=row.unit, when=when,
                            urgency=urgency, detail=detail, deadline=row.deadline,
                            url=f"{reverse('reports:index')}?year={row.round.year}#reviews"))
        elif report.status == ReportStatus.RETURNED:
            returned.append(Item(title=_("Sửa và gửi lại báo cáo %(review)s") % {"review": row.label}, unit=row.unit,
                                 when=when, urgency=urgency, detail=detail, deadline=row.deadline,
                                 comments=[(_field_label(k), v) for k, v in (report.review_comments or {}).items()
                                           if v],
                                 url=reverse("reports:detail", args=[report.pk])))
        else:
            due.append(Item(title=_("Hoàn thành và gửi báo cáo %(review)s") % {"review": row.label}, unit=row.unit,
                            when=when, urgency=urgency, detail=detail, deadline=row.deadline,
                            url=reverse("reports:detail", args=[report.pk])))
    return due, returned


# --- the state document -----------------------------------------------------------------------------------------

ISSUE_ROLES = (Role.APPROVER,)  # the head's office, as for the yearly BÁO CÁO (reports.exports.ISSUE_ROLES)


def review_document(report: Report) -> Document | None:
    """The review report's BÁO CÁO in the register, if one was made (reads only)."""
    return register.document_for(report, kind=DocumentKind.REPORT)


@transaction.atomic
def review_document_request(*, report: Report, by, issue: bool = False,
                            today: datetime.date | None = None) -> Document:
    """Make (or bring up to date) the review report's BÁO CÁO and queue its PDF: issued by the body of the
    reporting unit, signed by its head, sent to the body above; `issue` numbers it in the body's register (the
    head's office: approver or administrator). The user must see the report. Locks the document row
    (core.documents.services)."""
    from .exports import _recipient_above
    from .form_versions import layout

    if not is_review(report):
        raise DomainError(_("Báo cáo này không phải báo cáo sơ kết, tổng kết."), field="period_kind")
    if not selectors.reports_visible(by).filter(pk=report.pk).exists():
        raise PermissionDenied(_("Không tìm thấy báo cáo hoặc bạn không có quyền xem."), code="permission_denied")
    version = report.form_version
    if version is None:
        raise DomainError(_("Báo cáo chưa gắn với biểu mẫu nào."), field="form_version")
    unit = report.unit
    if issue:
        require_role(by, unit, ISSUE_ROLES,
                     action=_("Chỉ lãnh đạo đơn vị (người phê duyệt) mới ban hành được báo cáo."))
    issuer = issuing_body_for(unit)
    title = layout(version).title
    with translation.override("vi"):  # a state document is Vietnamese whatever the reader's language
        recipients = [_("%(body)s (để báo cáo);") % {"body": _recipient_above(unit)}, _("Lưu: VT.")]
    if issue:
        return register.document_issue(kind=DocumentKind.REPORT, issuer=issuer, subject=report, title=title,
                                       date=today or timezone.localdate(), signer_title=issuer.head_title,
                                       signer_name=issuer.head_name, recipients=recipients, by=by)
    document = register.document_draft(kind=DocumentKind.REPORT, issuer=issuer, subject=report, title=title,
                                       year=report.year, signer_title=issuer.head_title,
                                       signer_name=issuer.head_name, recipients=recipients, by=by)
    if document.status == Document.Status.DRAFT or not document.pdf_ready:
        register.document_request_render(document=document, force=document.render_status == "failed")
    return document
