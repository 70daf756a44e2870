"""Pages of the reports app: my reports, the report form and review, completeness, the dashboard, exports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

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

from . import charts, exports, geo, reviews, selectors, services
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
    reports = {r.unit_id: r for r in Report.objects.filter(year=year, unit__in=officer_units, period_kind="yearly")}
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
        "reviews": reviews.review_rows(officer_units, today=today, year=year),  # sơ kết, tổng kết of the year
    })


@login_required
@require_POST
def report_create(request):
    unit = _scoped_unit(request, request.POST.get("unit"))
    year = _year(request)
    period_kind = request.POST.get("period_kind") or "yearly"  # a review (sơ kết, tổng kết) says which
    existing = Report.objects.filter(unit=unit, year=year, period_kind=period_kind).first()
    if existing and selectors.reports_visible(request.user).filter(pk=existing.pk).exists():
        return redirect("reports:detail", pk=existing.pk)
    try:
        report = services.report_create(unit=unit, year=year, by=request.user, period_kind=period_kind)
    except DomainError as exc:
        refuse(request, exc)
        return redirect(f"{reverse('reports:index')}?year={year}")
    messages.success(request, _("Đã tạo dự thảo báo cáo. Số liệu được lưu tự động khi anh/chị nhập."))
    return redirect("reports:detail", pk=report.pk)


# --- the report form and its review ---------------------------------------------------------------

# Input names of what the form version adds to the built-in pairs (`fig-<slug>-numerator`, kept as they were):
# an element defined as data is `val-<code>`, or `val-<code>.<option>` for each option of its breakdown (the keys
# reports.services.report_update takes); a narrative code beyond the report's three columns is `nar-<code>`.
VALUE_PREFIX = "val-"
NARRATIVE_PREFIX = "nar-"


@dataclass(frozen=True)
class PageElement:
    """What the page needs of a data element on the form (read from the version's frozen layout)."""

    code: str
    label: str
    help_text: str
    unit_of_measure: str
    value_type: str
    figure_indicator: str
    options: tuple[tuple[str, str], ...]  # (code, name) of its breakdown, in order; empty without one


@dataclass(frozen=True)
class PageField:
    element: PageElement | None
    narrative_code: str
    label: str
    help_text: str


@dataclass(frozen=True)
class PageSection:
    code: str
    title: str
    kind: str  # definitions.models.SectionKind: "figures" | "narrative"
    help_text: str
    fields: tuple[PageField, ...]


def _default_sections() -> list[PageSection]:
    """A report opened before forms were data (no form version): the built-in pairs, then the three columns."""
    narrative = tuple(PageField(None, name, str(Report._meta.get_field(name).verbose_name).capitalize(), "")
                      for name in NARRATIVE_FIELDS)
    return [PageSection("figures", _("Số liệu"), "figures", "", ()),
            PageSection("narrative", _("Đánh giá"), "narrative", "", narrative)]


def _form_sections(report: Report) -> list[PageSection]:
    """The report's form version, section by section, from reports.form_versions.layout (frozen, cached per
    version), in the page's own terms so that the template does not depend on the layout's classes."""
    if report.form_version_id is None:
        return _default_sections()
    from . import form_versions

    sections = []
    for section in form_versions.layout(report.form_version).sections:
        fields = []
        for field in section.fields:
            element = None
            if field.element is not None:
                e = field.element
                element = PageElement(
                    code=e.code, label=field.label or e.name, help_text=field.help_text or "",
                    unit_of_measure=e.unit_of_measure or "", value_type=e.value_type,
                    figure_indicator=e.figure_indicator or "",
                    options=tuple(e.options))
            fields.append(PageField(element, field.narrative_code or "",
                                    field.label or (element.label if element else field.narrative_code),
                                    field.help_text or ""))
        sections.append(PageSection(section.code, section.title, section.kind, section.help_text or "",
                                    tuple(fields)))
    return sections


def _elements(sections: list[PageSection]) -> list[PageElement]:
    """The form's elements defined as data (the built-in ones are the pairs table's)."""
    return [f.element for s in sections if s.kind == "figures" for f in s.fields
            if f.element is not None and not f.element.figure_indicator]


def _narrative_fields(sections: list[PageSection]) -> list[PageField]:
    return [f for s in sections if s.kind == "narrative" for f in s.fields if f.narrative_code]


def _narrative_input(code: str) -> str:
    return code if code in NARRATIVE_FIELDS else f"{NARRATIVE_PREFIX}{code}"


def _value_keys(element: PageElement) -> list[str]:
    """The keys a value is entered under: one per option of the breakdown (never a bare total), else the code."""
    return [f"{element.code}.{option}" for option, _name in element.options] or [element.code]


def _figures_from_post(post, indicators) -> dict[str, dict[str, str]]:
    return {i: {"numerator": post.get(f"fig-{i}-numerator", ""), "denominator": post.get(f"fig-{i}-denominator", "")}
            for i in indicators}


def _values_from_post(post, elements: list[PageElement]) -> dict[str, str]:
    """The boxes on the POST, as report_update takes them. An emptied box is sent empty: the service clears that
    value (no zero the officer did not type; a required one is then reported missing on submission)."""
    return {key: post[VALUE_PREFIX + key].strip() for e in elements for key in _value_keys(e)
            if VALUE_PREFIX + key in post}


def _narrative_from_post(post, fields: list[PageField], *, present_only: bool = False) -> dict[str, str]:
    return {f.narrative_code: post.get(_narrative_input(f.narrative_code), "") for f in fields
            if not present_only or _narrative_input(f.narrative_code) in post}


def _update_kwargs(post, sections: list[PageSection], *, present_only: bool = False) -> dict:
    """report_update's `narrative` and (when the form has elements defined as data) `values` from a POST."""
    kwargs: dict = {"narrative": _narrative_from_post(post, _narrative_fields(sections), present_only=present_only)}
    elements = _elements(sections)
    if elements:
        kwargs["values"] = _values_from_post(post, elements)
    return kwargs


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


def _form_rows(report: Report, posted: dict | None, errors: dict, registry: dict, last_year: dict,
               checks: dict[str, list]) -> list[dict]:
    stored = {f.indicator: f for f in report.figures.all()}
    # Field comments belong to a returned report only; once resubmitted they are read in the history.
    comments = report.review_comments if report.status == ReportStatus.RETURNED else {}
    rows = []
    for indicator in report.required_indicators():
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
            "checks": checks.get(f"figures.{indicator}.numerator", []) + checks.get(
                f"figures.{indicator}.denominator", []) + checks.get(f"figures.{indicator}", []),
        })
    return rows


def _shown_value(value: Decimal | None, value_type: str) -> str:
    """A stored value as the number box takes it (a dot, no grouping): 12 for 12.0000, 2.5 for 2.5000."""
    if value is None:
        return ""
    if value_type == "integer" or value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _element_rows(report: Report, elements: list[PageElement], posted_values: dict | None, errors: dict,
                  checks: dict[str, list], comments: dict) -> dict[str, dict]:
    """Each element defined as data with its boxes (one per option of a breakdown, with their total), its error,
    the rules it fails and the reviewer's comment. One query for the report's values."""
    stored = {(v.data_element.code, v.option.code if v.option_id else ""): v.value
              for v in report.values.select_related("data_element", "option")} if elements else {}
    rows = {}
    for e in elements:
        boxes = []
        for key in _value_keys(e):
            option = key.partition(".")[2]
            typed = (posted_values or {}).get(key)
            value = typed if posted_values is not None else _shown_value(stored.get((e.code, option)), e.value_type)
            boxes.append({"key": key, "name": VALUE_PREFIX + key,
                          "id": f"{VALUE_PREFIX}{e.code}" + (f"-{option}" if option else ""),
                          "label": dict(e.options).get(option, e.label), "value": value or "",
                          "error": errors.get(f"values.{key}")})
        total = None
        if e.options:
            numbers = [_decimal(b["value"]) for b in boxes if b["value"] != ""]
            typed = [n for n in numbers if n is not None]
            total = _shown_value(sum(typed, Decimal(0)), e.value_type) if len(typed) == len(numbers) else None
        failed = checks.get(f"values.{e.code}", [])
        error = errors.get(f"values.{e.code}")
        rows[e.code] = {
            "element": e, "boxes": boxes, "total": total, "step": "1" if e.value_type == "integer" else "any",
            "output_for": " ".join(str(b["id"]) for b in boxes),
            # A refused submission names the rule's element: its message is already among the element's checks.
            "error": None if error and any(c.message == error for c in failed) else error, "checks": failed,
            "comment": comments.get(e.code, ""), "anchor": boxes[0]["id"],
        }
    return rows


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _checks(report: Report) -> list:
    """The form version's rules on the stored report (after a save): failures only, blocking first."""
    if report.form_version_id is None:
        return []
    from . import validation

    failed = [o for o in validation.check_report(report) if not o.passed]
    return sorted(failed, key=lambda o: o.severity != "blocking")


def _page_sections(report: Report, sections: list[PageSection], rows: list[dict], element_rows: dict[str, dict],
                   narrative_values: dict[str, str], comments: dict) -> list[dict]:
    """The sections as the template draws them. A built-in pair the report requires but no section lists still
    shows, in the first figures section: the officer can always type what the service asks for."""
    pairs = {r["indicator"]: r for r in rows}
    placed: set[str] = set()
    out: list[dict] = []
    for s in sections:
        if s.kind == "figures":
            slugs = [f.element.figure_indicator for f in s.fields if f.element and f.element.figure_indicator]
            own = [pairs[slug] for slug in dict.fromkeys(slugs) if slug in pairs and slug not in placed]
            placed.update(r["indicator"] for r in own)
            out.append({"section": s, "rows": own,
                        "elements": [element_rows[f.element.code] for f in s.fields
                                     if f.element and f.element.code in element_rows]})
        else:
            out.append({"section": s, "fields": [
                {"code": f.narrative_code, "name": _narrative_input(f.narrative_code), "label": f.label,
                 "help_text": f.help_text, "value": narrative_values.get(f.narrative_code, ""),
                 "comment": comments.get(f.narrative_code, "")}
                for f in s.fields if f.narrative_code]})
    leftover = [r for r in rows if r["indicator"] not in placed]
    if leftover:
        first = next((p for p in out if p["section"].kind == "figures"), None)
        if first is None:
            first = {"section": PageSection("figures", _("Số liệu"), "figures", "", ()), "rows": [], "elements": []}
            out.insert(0, first)
        first["rows"] = leftover + first["rows"]
    return out


def _labels(sections: list[PageSection]) -> dict[str, str]:
    """Review comments' keys on this form (element and narrative codes) and what the page calls them."""
    labels = {e.code: e.label for e in _elements(sections)}
    labels.update({f.narrative_code: f.label for f in _narrative_fields(sections)})
    return labels


def _comment_label(key: str, labels: dict[str, str] | None = None) -> str:
    """The Vietnamese name of what a review comment is about (an indicator, an element, a narrative section, the
    whole)."""
    if key in Indicator.values:
        return str(Indicator(key).label)
    if labels and key in labels:
        return labels[key]
    if key in NARRATIVE_FIELDS:
        return str(Report._meta.get_field(key).verbose_name).capitalize()
    if key == "general":
        return _("Ý kiến chung")
    return key


def _history(report: Report, labels: dict[str, str] | None = None) -> list[dict]:
    return [{"transition": t, "comments": [(_comment_label(k, labels), text) for k, text in t.field_comments.items()]}
            for t in report.transitions.all()]


def _last_year_figures(request, report: Report) -> tuple[Report | None, dict[str, tuple[int, int]]]:
    """Last year's report of the same unit, if the user may see it and it was sent (a draft is no reference)."""
    previous = (selectors.reports_visible(request.user)
                .filter(unit=report.unit, year=report.year - 1, period_kind=report.period_kind,
                        status__in=RECEIVED_STATUSES)
                .prefetch_related("figures").first())
    if previous is None:
        return None, {}
    return previous, {f.indicator: (f.numerator, f.denominator) for f in previous.figures.all()}


def _stored_narrative(report: Report, fields: list[PageField]) -> dict[str, str]:
    narratives = report.narratives or {}
    return {f.narrative_code: (getattr(report, f.narrative_code) if f.narrative_code in NARRATIVE_FIELDS
                               else narratives.get(f.narrative_code, "")) for f in fields}


def _check_anchor(outcome, element_rows: dict[str, dict]) -> str:
    """The id of the box a rule's outcome concerns, for the link in the list at the top of the form."""
    field = outcome.field or ""
    if field.startswith("values."):
        row = element_rows.get(field[len("values."):].partition(".")[0])
        return row["anchor"] if row else ""
    if field.startswith("figures."):
        _figures, slug, part = (field.split(".") + ["numerator"])[:3]
        return f"fig-{slug}-{part}"
    return ""


def _render_report(request, report: Report, *, posted=None, narrative=None, posted_values=None, errors=None,
                   status=200):
    errors = errors or {}
    can_edit = report.is_editable and can_act_on(request.user, report.unit, [Role.OFFICER])
    can_review = (report.status == ReportStatus.SUBMITTED and report.unit.parent is not None
                  and can_act_on(request.user, report.unit.parent, [Role.REVIEWER]))
    can_extend = report.unit.parent is not None and can_act_on(request.user, report.unit.parent, [Role.REVIEWER])
    registry = {} if report.is_summary else selectors.registry_facts(report.unit, report.year)
    deadline = selectors.effective_deadline(report.unit, report.year, report.round)
    sections = _form_sections(report)
    narrative_fields = _narrative_fields(sections)
    narrative_values = narrative or _stored_narrative(report, narrative_fields)
    comments = report.review_comments if report.status == ReportStatus.RETURNED else {}
    previous, last_year = _last_year_figures(request, report)
    is_officer = can_act_on(request.user, report.unit, [Role.OFFICER])
    # Rule outcomes are those of the saved report: shown once it was saved (a fresh draft has nothing to check yet).
    failed = _checks(report) if report.version > 1 or report.status != ReportStatus.DRAFT else []
    by_field: dict[str, list] = {}
    for outcome in failed:  # a rule on one option of a breakdown is shown beside the element
        field = outcome.field or ""
        by_field.setdefault(".".join(field.split(".")[:2]) if field.startswith("values.") else field,
                            []).append(outcome)
    rows = _form_rows(report, posted, errors, registry, last_year, by_field)
    element_rows = _element_rows(report, _elements(sections), posted_values, errors, by_field, comments)
    page_sections = _page_sections(report, sections, rows, element_rows, narrative_values, comments)
    checks = [{"outcome": o, "anchor": _check_anchor(o, element_rows)} for o in failed]
    return render(request, "reports/detail.html", {
        "report": report, "rows": rows, "sections": page_sections,
        "elements": list(element_rows.values()),
        "narrative_fields": [f for s in page_sections if s["section"].kind == "narrative" for f in s["fields"]],
        "blocking": [c for c in checks if c["outcome"].severity == "blocking"],
        "warnings": [c for c in checks if c["outcome"].severity != "blocking"],
        "previous_report": previous,
        "review_comments": comments,
        "errors": errors, "can_edit": can_edit, "can_review": can_review, "can_extend": can_extend,
        "deadline": deadline, "locked": report.status == ReportStatus.DRAFT and timezone.localdate() >= deadline,
        "extension": selectors.latest_extension(report.unit, report.year),
        "extension_request": selectors.latest_extension_request(report.unit, report.year),
        "can_request_extension": is_officer and report.status == ReportStatus.DRAFT,
        "history": _history(report, _labels(sections)), "attachments": report.attachments.all(),
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
    indicators = report.required_indicators()
    sections = _form_sections(report)
    posted = _figures_from_post(request.POST, indicators)
    update = _update_kwargs(request.POST, sections)
    # A refused page shows what was typed, every box as it was (empty ones too).
    shown_values = {key: request.POST.get(VALUE_PREFIX + key, "") for e in _elements(sections)
                    for key in _value_keys(e)}
    _clean, errors = services.validate_figures(posted, indicators)
    if errors:
        messages.error(request, _("Số liệu chưa hợp lệ; xem các ô được đánh dấu."))
        return _render_report(request, report, posted=posted, narrative=update["narrative"],
                              posted_values=shown_values, errors=errors, status=400)
    try:
        version = get_int(request.POST, "version", minimum=0, maximum=MAX_ID, default=0)
        report = services.report_update(report=report, by=request.user, version=version, figures=posted, **update)
        if request.POST.get("action") == "submit":
            report = services.report_submit(report=report, by=request.user)
            messages.success(request, _("Báo cáo đã được gửi."))
        else:
            messages.success(request, _("Đã lưu báo cáo."))
    except DomainError as exc:
        refuse(request, exc)
        status = 409 if isinstance(exc, Conflict) else 400
        return _render_report(request, _visible_report(request, pk), posted=posted, narrative=update["narrative"],
                              posted_values=shown_values, errors={exc.field: exc.message} if exc.field else {},
                              status=status)
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_autosave(request, pk: int):
    """Saves the form as the officer types; answers the new version, or 409 if someone else saved meanwhile."""
    report = _visible_report(request, pk)
    indicators = report.required_indicators()
    posted = {i: v for i, v in _figures_from_post(request.POST, indicators).items()
              if v["numerator"] != "" or v["denominator"] != ""}
    try:
        version = get_int(request.POST, "version", minimum=0, maximum=MAX_ID, default=0)
        report = services.report_update(report=report, by=request.user, version=version, figures=posted,
                                        **_update_kwargs(request.POST, _form_sections(report), present_only=True))
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
            # Keys: indicator slugs, element and narrative codes of the report's form version (the service checks).
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
