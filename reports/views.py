"""Pages of the reports app: my reports, the report form and review, completeness, the dashboard, exports."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.indicators import Indicator
from core import files
from core.errors import Conflict, DomainError
from core.params import MAX_ID, BadParameter, get_int, get_year, parse_int
from core.redirects import safe_next_url
from core.views import refuse
from units.models import Unit
from units.roles import Role
from units.selectors import can_act_on, scope_roots, unit_ancestors, units_held, visible_units

from . import exports, selectors, services
from .models import NARRATIVE_FIELDS, Report, ReportAttachment, ReportStatus


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
    mine = [{"unit": u, "round": selectors.round_for(u, year, rounds), "report": reports.get(u.pk)}
            for u in officer_units]
    visible = selectors.reports_visible(request.user).filter(year=year)
    status = request.GET.get("status") or ""
    if status in ReportStatus.values:
        visible = visible.filter(status=status)
    return render(request, "reports/index.html", {
        "year": year, "mine": mine, "awaiting": selectors.reports_awaiting_review(request.user)[:50],
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
    """What the registries say beside each typed figure, and the difference when one is typed."""
    if registry_pair is None:
        return {"numerator": None, "denominator": None}
    hints = {}
    for part, registry_value in zip(("numerator", "denominator"), registry_pair, strict=True):
        typed = _typed_number(values[part])
        hints[part] = {"value": registry_value,
                       "difference": typed - registry_value if typed is not None else None}
    return hints


def _form_rows(report: Report, posted: dict | None, errors: dict, registry: dict) -> list[dict]:
    stored = {f.indicator: f for f in report.figures.all()}
    rows = []
    for indicator in report.round.required_indicators():
        figure = stored.get(indicator)
        values = (posted or {}).get(indicator) or {
            "numerator": figure.numerator if figure else "", "denominator": figure.denominator if figure else ""}
        rows.append({
            "indicator": indicator, "label": Indicator(indicator).label, "values": values,
            "numerator_error": errors.get(f"figures.{indicator}.numerator") or errors.get(f"figures.{indicator}"),
            "denominator_error": errors.get(f"figures.{indicator}.denominator"),
            "registry": _registry_hints(values, registry.get(indicator)),
            "comment": report.review_comments.get(indicator, ""),
            "percentage": selectors.percentage(figure.numerator, figure.denominator) if figure else None,
        })
    return rows


def _render_report(request, report: Report, *, posted=None, narrative=None, errors=None, status=200):
    errors = errors or {}
    can_edit = report.is_editable and can_act_on(request.user, report.unit, [Role.OFFICER])
    can_review = (report.status == ReportStatus.SUBMITTED and report.unit.parent is not None
                  and can_act_on(request.user, report.unit.parent, [Role.REVIEWER]))
    can_extend = report.unit.parent is not None and can_act_on(request.user, report.unit.parent, [Role.REVIEWER])
    registry = {} if report.is_summary else selectors.registry_facts(report.unit, report.year)
    deadline = selectors.effective_deadline(report.unit, report.year, report.round)
    narrative_values = narrative or {f: getattr(report, f) for f in NARRATIVE_FIELDS}
    return render(request, "reports/detail.html", {
        "report": report, "rows": _form_rows(report, posted, errors, registry),
        "narrative": [{"name": f, "label": Report._meta.get_field(f).verbose_name, "value": narrative_values.get(f, ""),
                       "comment": report.review_comments.get(f, "")} for f in NARRATIVE_FIELDS],
        "errors": errors, "can_edit": can_edit, "can_review": can_review, "can_extend": can_extend,
        "deadline": deadline, "locked": report.status == ReportStatus.DRAFT and timezone.localdate() >= deadline,
        "extension": selectors.latest_extension(report.unit, report.year),
        "transitions": report.transitions.all(), "attachments": report.attachments.all(),
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


# --- completeness and dashboard -------------------------------------------------------------------


@login_required
def completeness(request):
    unit = _scoped_unit(request, request.GET.get("unit"))
    year = _year(request)
    result = selectors.completeness(unit, year)
    return render(request, "reports/completeness.html", {
        "unit": unit, "year": year, "result": result, "totals": result.totals,
        "ancestors": [a for a in unit_ancestors(unit) if can_act_on(request.user, a, None)],
        "can_extend": can_act_on(request.user, unit, [Role.REVIEWER]),
        "today": timezone.localdate(),
    })


@login_required
def dashboard(request):
    unit = _scoped_unit(request, request.GET.get("unit"))
    year = _year(request)
    indicator = request.GET.get("indicator") or Indicator.HOUSEHOLDS_LEARNING_FAMILY
    if indicator not in Indicator.values:
        indicator = Indicator.HOUSEHOLDS_LEARNING_FAMILY
    table = exports.dashboard_table(unit, year, indicator)
    return render(request, "reports/dashboard.html", {
        "unit": unit, "year": year, "indicator": indicator, "indicator_label": Indicator(indicator).label,
        "indicators": Indicator.choices, "table": table,
        "overview": exports.unit_overview(unit, year),
        "completeness": selectors.completeness(unit, year, missing_limit=0),
        "trend": selectors.trend(unit, indicator, year - 3, year),
        "ancestors": [a for a in unit_ancestors(unit) if can_act_on(request.user, a, None)],
    })


@login_required
def export_xlsx(request):
    unit = _scoped_unit(request, request.GET.get("unit"))
    year = _year(request)
    content = exports.rollup_workbook(unit, year)
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="thong-ke-{year}-{unit.pk}.xlsx"'
    return response


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
