"""Pages of the reports app: my reports, the report form and review, completeness, the dashboard, exports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.indicators import Indicator
from campaigns.models import Campaign
from core import files
from core.errors import Conflict, DomainError
from core.params import MAX_ID, BadParameter, get_int, get_year, parse_int
from core.redirects import safe_next_url
from core.views import domain_action, refuse, scoped_object_or_404
from units.models import Unit
from units.roles import Role
from units.selectors import can_act_on, scope_queryset, scope_roots, unit_ancestors, units_held, visible_units

from . import charts, exports, geo, selectors, services
from .models import (
    NARRATIVE_FIELDS,
    RECEIVED_STATUSES,
    ExtensionRequest,
    Report,
    ReportAttachment,
    ReportingRound,
    ReportStatus,
)


def _year(request) -> int:
    """`year` from the query (or the form): this year when absent, a Vietnamese 400 when malformed."""
    year = get_year(request.GET)
    if year is None and request.method == "POST":
        year = get_year(request.POST)
    return year if year is not None else timezone.localdate().year


def _scoped_unit(request, raw) -> Unit:
    """The unit from the query if the user may see it; else the first unit the user reaches."""
    unit_id = parse_int(raw, field="unit", minimum=1, maximum=MAX_ID)
    if unit_id is not None:
        unit = visible_units(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404(_("Không tìm thấy đơn vị hoặc bạn không có quyền xem."))
        return unit
    unit = scope_roots(request.user).order_by("path").first()
    if unit is None:
        raise DjangoPermissionDenied(_("Tài khoản của bạn chưa được phân quyền ở đơn vị nào."))
    return unit


# --- my reports -----------------------------------------------------------------------------------


@login_required
def report_index(request):
    year = _year(request)
    rounds = selectors.rounds_for_year(year)
    officer_units = list(units_held(request.user, [Role.OFFICER]))
    reports = {r.unit_id: r for r in Report.objects.filter(year=year, unit__in=officer_units)}
    today = timezone.localdate()
    extensions = selectors.extension_state(officer_units, year)
    mine = []
    for u in officer_units:
        round_, extension = selectors.round_for(u, year, rounds), extensions[u.pk]
        deadline = max(filter(None, [getattr(round_, "deadline", None), extension["extended_to"]]), default=None)
        # Past the deadline with no report, the form cannot be opened: the unit asks the level above instead.
        mine.append({"unit": u, "round": round_, "report": reports.get(u.pk), "deadline": deadline,
                     "late": deadline is not None and today >= deadline, "extension_request": extension["request"]})
    visible = selectors.reports_visible(request.user).filter(year=year)
    status = request.GET.get("status") or ""
    if status in ReportStatus.values:
        visible = visible.filter(status=status)
    return render(request, "reports/index.html", {
        "year": year, "mine": mine, "awaiting": selectors.reports_awaiting_review(request.user)[:50],
        "extension_requests": selectors.extension_requests_awaiting(request.user).filter(year=year)[:50],
        "page": Paginator(visible, 50).get_page(request.GET.get("page")), "status": status,
        "statuses": ReportStatus.choices, "today": timezone.localdate(),
    })


@login_required
@require_POST
def report_create(request):
    unit = _scoped_unit(request, request.POST.get("unit"))
    year = _year(request)
    existing = Report.objects.filter(unit=unit, year=year).first()
    if existing and selectors.reports_visible(request.user).filter(pk=existing.pk).exists():
        return redirect("reports:detail", pk=existing.pk)
    try:
        report = services.report_create(unit=unit, year=year, by=request.user)
    except DomainError as exc:
        refuse(request, exc)
        return redirect(f"{reverse('reports:index')}?year={year}")
    messages.success(request, _("Đã tạo dự thảo báo cáo. Số liệu được lưu tự động khi anh/chị nhập."))
    return redirect("reports:detail", pk=report.pk)


# --- the report form and its review ---------------------------------------------------------------


def _figures_from_post(post, indicators) -> dict[str, dict[str, str]]:
    return {i: {"numerator": post.get(f"fig-{i}-numerator", ""), "denominator": post.get(f"fig-{i}-denominator", "")}
            for i in indicators}


def _typed_number(typed) -> int | None:
    try:
        return parse_int(typed, field="figures")
    except BadParameter:  # the form shows the error on the field; the hint just has no difference
        return None


def _registry_hints(values: dict, registry_pair: tuple[int, int] | None) -> dict:
    """What the registries say beside each figure, shown only where it helps: nothing typed yet, or a typed
    figure that differs from the registry (a hint repeating the typed number is noise). It is rendered hidden
    otherwise, so the form's script can show it when the officer types another number. Information, never
    an error."""
    hints: dict = {"numerator": None, "denominator": None}
    if registry_pair is None:
        return hints
    for part, registry_value in zip(("numerator", "denominator"), registry_pair, strict=True):
        typed = _typed_number(values[part]) if values[part] not in (None, "") else None
        hints[part] = {"value": registry_value, "helps": typed != registry_value,
                       "difference": typed - registry_value if typed is not None else None}
    return hints


def _typed_percentage(values: dict):
    """The rate of the figures on the form (typed, even when the save was refused), or None when not computable."""
    numerator, denominator = _typed_number(values["numerator"]), _typed_number(values["denominator"])
    if numerator is None or denominator is None or not 0 <= numerator <= denominator:
        return None
    return selectors.percentage(numerator, denominator)


def _form_rows(report: Report, posted: dict | None, errors: dict, registry: dict, last_year: dict) -> list[dict]:
    stored = {f.indicator: f for f in report.figures.all()}
    # Field comments belong to a returned report only; once resubmitted they are read in the history.
    comments = report.review_comments if report.status == ReportStatus.RETURNED else {}
    rows = []
    for indicator in report.round.required_indicators():
        figure = stored.get(indicator)
        values = (posted or {}).get(indicator) or {
            "numerator": figure.numerator if figure else "", "denominator": figure.denominator if figure else ""}
        previous = last_year.get(indicator)
        rows.append({
            "indicator": indicator, "label": Indicator(indicator).label, "values": values,
            "numerator_error": errors.get(f"figures.{indicator}.numerator") or errors.get(f"figures.{indicator}"),
            "denominator_error": errors.get(f"figures.{indicator}.denominator"),
            "registry": _registry_hints(values, registry.get(indicator)),
            "comment": comments.get(indicator, ""),
            "percentage": _typed_percentage(values),
            "last_year": previous and {"numerator": previous[0], "denominator": previous[1],
                                       "percentage": selectors.percentage(*previous)},
        })
    return rows


def _comment_label(key: str) -> str:
    """The Vietnamese name of what a review comment is about (an indicator, a narrative section, the whole)."""
    if key in Indicator.values:
        return str(Indicator(key).label)
    if key in NARRATIVE_FIELDS:
        return str(Report._meta.get_field(key).verbose_name).capitalize()
    if key == "general":
        return _("Ý kiến chung")
    return key


def _history(report: Report) -> list[dict]:
    return [{"transition": t, "comments": [(_comment_label(k), text) for k, text in t.field_comments.items()]}
            for t in report.transitions.all()]


def _last_year_figures(request, report: Report) -> tuple[Report | None, dict[str, tuple[int, int]]]:
    """Last year's report of the same unit, if the user may see it and it was sent (a draft is no reference)."""
    previous = (selectors.reports_visible(request.user)
                .filter(unit=report.unit, year=report.year - 1, status__in=RECEIVED_STATUSES)
                .prefetch_related("figures").first())
    if previous is None:
        return None, {}
    return previous, {f.indicator: (f.numerator, f.denominator) for f in previous.figures.all()}


def _render_report(request, report: Report, *, posted=None, narrative=None, errors=None, status=200):
    errors = errors or {}
    can_edit = report.is_editable and can_act_on(request.user, report.unit, [Role.OFFICER])
    can_review = (report.status == ReportStatus.SUBMITTED and report.unit.parent is not None
                  and can_act_on(request.user, report.unit.parent, [Role.REVIEWER]))
    can_extend = report.unit.parent is not None and can_act_on(request.user, report.unit.parent, [Role.REVIEWER])
    registry = {} if report.is_summary else selectors.registry_facts(report.unit, report.year)
    deadline = selectors.effective_deadline(report.unit, report.year, report.round)
    narrative_values = narrative or {f: getattr(report, f) for f in NARRATIVE_FIELDS}
    comments = report.review_comments if report.status == ReportStatus.RETURNED else {}
    previous, last_year = _last_year_figures(request, report)
    is_officer = can_act_on(request.user, report.unit, [Role.OFFICER])
    return render(request, "reports/detail.html", {
        "report": report, "rows": _form_rows(report, posted, errors, registry, last_year),
        "previous_report": previous,
        "narrative": [{"name": f, "label": Report._meta.get_field(f).verbose_name, "value": narrative_values.get(f, ""),
                       "comment": comments.get(f, "")} for f in NARRATIVE_FIELDS],
        "review_comments": comments,
        "errors": errors, "can_edit": can_edit, "can_review": can_review, "can_extend": can_extend,
        "deadline": deadline, "locked": report.status == ReportStatus.DRAFT and timezone.localdate() >= deadline,
        "extension": selectors.latest_extension(report.unit, report.year),
        "extension_request": selectors.latest_extension_request(report.unit, report.year),
        "can_request_extension": is_officer and report.status == ReportStatus.DRAFT,
        "history": _history(report), "attachments": report.attachments.all(),
    }, status=status)


def _visible_report(request, pk: int) -> Report:
    report = selectors.report_detail(pk, request.user)
    if report is None:
        raise Http404(_("Không tìm thấy báo cáo hoặc bạn không có quyền xem."))
    return report


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk: int):
    report = _visible_report(request, pk)
    if request.method == "GET":
        return _render_report(request, report)
    indicators = report.round.required_indicators()
    posted = _figures_from_post(request.POST, indicators)
    narrative = {f: request.POST.get(f, "") for f in NARRATIVE_FIELDS}
    _clean, errors = services.validate_figures(posted, indicators)
    if errors:
        messages.error(request, _("Số liệu chưa hợp lệ; xem các ô được đánh dấu."))
        return _render_report(request, report, posted=posted, narrative=narrative, errors=errors, status=400)
    try:
        version = get_int(request.POST, "version", minimum=0, maximum=MAX_ID, default=0)
        report = services.report_update(report=report, by=request.user, version=version,
                                        figures=posted, narrative=narrative)
        if request.POST.get("action") == "submit":
            report = services.report_submit(report=report, by=request.user)
            messages.success(request, _("Báo cáo đã được gửi."))
        else:
            messages.success(request, _("Đã lưu báo cáo."))
    except DomainError as exc:
        refuse(request, exc)
        status = 409 if isinstance(exc, Conflict) else 400
        return _render_report(request, _visible_report(request, pk), posted=posted, narrative=narrative,
                              errors={exc.field: exc.message} if exc.field else {}, status=status)
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_autosave(request, pk: int):
    """Saves the form as the officer types; answers the new version, or 409 if someone else saved meanwhile."""
    report = _visible_report(request, pk)
    indicators = report.round.required_indicators()
    posted = {i: v for i, v in _figures_from_post(request.POST, indicators).items()
              if v["numerator"] != "" or v["denominator"] != ""}
    try:
        version = get_int(request.POST, "version", minimum=0, maximum=MAX_ID, default=0)
        report = services.report_update(
            report=report, by=request.user, version=version, figures=posted,
            narrative={f: request.POST.get(f, "") for f in NARRATIVE_FIELDS if f in request.POST})
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "field": exc.field}, status=exc.status)
    return JsonResponse({"version": report.version,
                         "saved_at": timezone.localtime(report.updated_at).strftime("%H:%M:%S")})


@login_required
@require_POST
def report_review(request, pk: int):
    report = _visible_report(request, pk)
    try:
        if request.POST.get("action") == "accept":
            services.report_accept(report=report, by=request.user, comment=request.POST.get("comment", ""))
            messages.success(request, _("Đã tiếp nhận báo cáo."))
        else:
            comments = {key[len("comment-"):]: value for key, value in request.POST.items()
                        if key.startswith("comment-") and value.strip()}
            services.report_return(report=report, by=request.user, comments=comments,
                                   comment=request.POST.get("comment", ""))
            messages.success(request, _("Đã trả lại báo cáo cho đơn vị."))
    except DomainError as exc:
        refuse(request, exc)
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    """An attachment goes to exactly those who may see its report (the same selector as the report page): anyone
    else gets the same 404 as for an attachment that does not exist."""
    report = _visible_report(request, pk)
    attachment = ReportAttachment.objects.filter(report=report, pk=attachment_pk).first()
    if attachment is None:
        raise Http404(_("Không tìm thấy báo cáo hoặc bạn không có quyền xem."))
    return files.serve(attachment.file, filename=attachment.name)


@login_required
@require_POST
def report_attach(request, pk: int):
    report = _visible_report(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Cần chọn tệp."))
        return redirect("reports:detail", pk=report.pk)
    try:
        services.attachment_add(report=report, by=request.user, upload=upload)
        messages.success(request, _("Đã đính kèm tệp."))
    except DomainError as exc:
        refuse(request, exc)
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def extension_grant(request):
    unit = _scoped_unit(request, request.POST.get("unit"))
    year = _year(request)
    try:
        new_deadline = datetime.datetime.strptime(request.POST.get("new_deadline", ""), "%Y-%m-%d").date()  # noqa: DTZ007
    except ValueError:
        messages.error(request, _("Hạn mới không hợp lệ."))
    else:
        try:
            services.extension_grant(unit=unit, year=year, new_deadline=new_deadline,
                                     reason=request.POST.get("reason", ""), by=request.user)
            messages.success(request, _("Đã gia hạn báo cáo cho “%(unit)s” đến trước ngày %(day)s.") % {
                "unit": unit.name, "day": new_deadline.strftime("%d/%m/%Y")})
        except DomainError as exc:
            refuse(request, exc)
    return redirect(safe_next_url(request, f"{reverse('reports:completeness')}?unit={unit.parent_id}&year={year}"))


def _posted_date(request, field: str) -> datetime.date | None:
    raw = request.POST.get(field, "")
    try:
        return datetime.datetime.strptime(raw, "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar day, no time)
    except ValueError:
        return None


@login_required
@require_POST
def extension_request(request):
    """The unit's officer asks for more time; back to the report (or the list) the request came from."""
    unit = _scoped_unit(request, request.POST.get("unit"))
    year = _year(request)
    back = safe_next_url(request, f"{reverse('reports:index')}?year={year}")
    new_deadline = _posted_date(request, "new_deadline")
    if new_deadline is None:
        messages.error(request, _("Hạn đề nghị không hợp lệ."))
        return redirect(back)
    return domain_action(
        request,
        lambda: services.extension_request(unit=unit, year=year, new_deadline=new_deadline,
                                           reason=request.POST.get("reason", ""), by=request.user),
        success=_("Đã gửi đề nghị gia hạn đến cấp trên."), then=back)


@login_required
@require_POST
def extension_decide(request, pk: int):
    """The reviewer grants or refuses a unit's request, then returns to where they were (a safe `next`)."""
    asked = scoped_object_or_404(
        scope_queryset(ExtensionRequest.objects.select_related("unit"), request.user, unit_field="unit"), pk,
        _("Không tìm thấy đề nghị gia hạn hoặc bạn không có quyền xem."))
    unit = asked.unit
    back = safe_next_url(request, f"{reverse('reports:completeness')}?unit={unit.parent_id}&year={asked.year}")
    grant = request.POST.get("action") == "grant"
    new_deadline = None
    if grant and request.POST.get("new_deadline"):
        new_deadline = _posted_date(request, "new_deadline")
        if new_deadline is None:
            messages.error(request, _("Hạn mới không hợp lệ."))
            return redirect(back)
    if grant:
        success = _("Đã gia hạn báo cáo cho “%(unit)s”.") % {"unit": unit.name}
    else:
        success = _("Đã trả lời không gia hạn cho “%(unit)s”.") % {"unit": unit.name}
    return domain_action(
        request,
        lambda: services.extension_request_decide(request=asked, by=request.user, grant=grant,
                                                  reason=request.POST.get("reason", ""), new_deadline=new_deadline),
        success=success, then=back)


# --- completeness and dashboard -------------------------------------------------------------------


@login_required
def completeness(request):
    unit = _scoped_unit(request, request.GET.get("unit"))
    year = _year(request)
    result = selectors.completeness(unit, year)
    totals = result.totals  # over every unit, whatever the filter below shows: the counts stay those of the rollup
    only_missing = request.GET.get("missing") == "1"
    sort = request.GET.get("sort") if request.GET.get("sort") in COMPLETENESS_SORTS else "name"
    rows = [r for r in result.rows if r.missing > 0] if only_missing else list(result.rows)
    missing_units = list(result.missing_units)
    if sort == "missing":  # the reviewer's morning: where most reports are still missing, the most overdue first
        rows.sort(key=lambda r: (-r.missing, r.unit.name))
        missing_units.sort(key=lambda u: (u.extended_to or u.deadline or datetime.date.max, u.path))
    return render(request, "reports/completeness.html", {
        "unit": unit, "year": year, "result": result, "totals": totals, "rows": rows,
        "missing_units": missing_units, "only_missing": only_missing, "sort": sort,
        "sorts": [(key, label) for key, label in COMPLETENESS_SORTS.items()],
        "ancestors": [a for a in unit_ancestors(unit) if can_act_on(request.user, a, None)],
        "can_extend": can_act_on(request.user, unit, [Role.REVIEWER]),
        "today": timezone.localdate(),
    })


COMPLETENESS_SORTS = {"name": _lazy("Theo tên đơn vị"), "missing": _lazy("Còn thiếu nhiều nhất trước")}


def _campaign_years(year: int) -> list[int]:
    """The campaign's years (2023–2030) for the trend; the shown year is always among them."""
    span = Campaign.objects.order_by("start_year").values_list("start_year", "end_year").first()
    first, last = span if span else (year - 3, year)
    return list(range(min(first, year), max(last, year) + 1))


def _open_years(years: list[int]) -> set[int]:
    """Years whose figures are not final yet ("chưa khóa số"): the running year, and an earlier year one of whose
    reporting rounds is still before its deadline (one query). Later years have no figures: not open, not shown."""
    today = timezone.localdate()
    pending = ReportingRound.objects.filter(year__in=years, deadline__gte=today).values_list("year", flat=True)
    return ({today.year} | set(pending)) & {y for y in years if y <= today.year}


@login_required
def dashboard(request):
    unit = _scoped_unit(request, request.GET.get("unit"))
    year = _year(request)
    indicator = request.GET.get("indicator") or Indicator.HOUSEHOLDS_LEARNING_FAMILY
    if indicator not in Indicator.values:
        indicator = Indicator.HOUSEHOLDS_LEARNING_FAMILY
    table = exports.dashboard_table(unit, year, indicator)
    label = Indicator(indicator).label
    years = _campaign_years(year)
    open_years = _open_years(years)
    trend = selectors.trend(unit, indicator, years[0], years[-1])
    for row in trend:
        row.open = row.year in open_years
        row.future = row.year > timezone.localdate().year
    located = [(row, point) for row in table["rows"] if (point := geo.centroid(row["unit"]))]
    return render(request, "reports/dashboard.html", {
        "location_map": charts.location_map(located, title=_("%(indicator)s năm %(year)s theo vị trí đơn vị") % {
            "indicator": label, "year": year}),
        "unlocated": len(table["rows"]) - len(located),
        "unit": unit, "year": year, "indicator": indicator, "indicator_label": label,
        "indicators": Indicator.choices, "table": table,
        "overview": exports.unit_overview(unit, year),
        "completeness": selectors.completeness(unit, year, missing_limit=0),
        "trend": trend,
        "attainment_chart": charts.attainment_chart(table["rows"], title=_(
            "%(indicator)s năm %(year)s: tỷ lệ đạt so với chỉ tiêu theo đơn vị trực thuộc")
            % {"indicator": label, "year": year}),
        "trend_chart": charts.trend_chart(
            [charts.TrendPoint(t.year, t.percentage, t.target, t.source == "predecessors", t.open) for t in trend],
            reform=settings.ADMIN_REFORM_DATE,
            title=_("%(indicator)s: diễn biến %(first)s–%(last)s") % {
                "indicator": label, "first": years[0], "last": years[-1]}),
        "ancestors": [a for a in unit_ancestors(unit) if can_act_on(request.user, a, None)],
    })


@login_required
def export_xlsx(request):
    unit = _scoped_unit(request, request.GET.get("unit"))
    year = _year(request)
    content = exports.rollup_workbook(unit, year)
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{content_filename("bao-cao", unit, year, "xlsx")}"'
    return response


def content_filename(what: str, unit: Unit, year: int, extension: str) -> str:
    """A download named after its content, readable in a folder of downloads: "bao-cao-ha-tinh-2025.xlsx".

    The unit's short name (without "Tỉnh", "Xã"…) when it has one, ASCII without diacritics (đ → d, which NFKD
    does not decompose), so that every browser and mail client keeps the name as is."""
    name = (unit.short_name or unit.name).replace("đ", "d").replace("Đ", "D")
    return f"{slugify(f'{what} {name}') or what}-{year}.{extension}"


@login_required
@require_http_methods(["GET", "POST"])
def export_pdf(request):
    """The unit's yearly BÁO CÁO, a document of the register rendered in the background (it took ~12 s in
    the request). GET shows where it stands and serves it when ready (`download=1`); a GET never queues
    a render. POST makes it (or brings it up to date) and queues it; `issue=1` numbers it."""
    unit = _scoped_unit(request, request.POST.get("unit") if request.method == "POST" else request.GET.get("unit"))
    year = _year(request)
    if request.method == "POST":
        try:
            exports.report_document_request(unit=unit, year=year, by=request.user,
                                            issue=bool(request.POST.get("issue")))
        except DomainError as exc:
            refuse(request, exc)
        return redirect(f"{reverse('reports:export_pdf')}?unit={unit.pk}&year={year}")
    document = exports.report_document(unit, year)
    fresh = exports.report_document_is_fresh(document)
    if fresh and request.GET.get("download"):
        from core.documents.api.views import pdf_filename

        return files.serve(document.pdf, filename=pdf_filename(document))
    status = "ready" if fresh else (document.render_status if document and document.render_status != "ready"
                                    else "none")
    return render(request, "reports/export_pdf.html", {
        "unit": unit, "year": year, "document": document, "fresh": fresh, "status": status,
        "issuer": document.issuer if document else exports.issuing_body_for(unit),
        "status_url": reverse("document-pdf-status", args=[document.pk]) if document else "",
        "can_issue": can_act_on(request.user, unit, exports.ISSUE_ROLES),
        "ancestors": [a for a in unit_ancestors(unit) if can_act_on(request.user, a, None)],
    })
