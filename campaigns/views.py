"""Pages of campaigns and plans. Every page starts from the scoped selectors; every write is a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.params import MAX_ID, get_id, get_int, lookup_id
from core.views import domain_action, refuse, scoped_object_or_404
from units import selectors as unit_selectors
from units.models import Level, Unit
from units.roles import Role

from . import selectors, services
from .forms import PlanForm, TargetForm
from .models import Plan, Target


def _readable_plan(request, pk: int) -> Plan:
    """The plan if the user may read it, else 404: a plan outside the user's scope (another unit's draft) gets
    the same answer as one that does not exist, so the page never confirms that it exists (issue 11, point 6)."""
    plan = selectors.plan_get(request.user, pk) if lookup_id(pk) is not None else None
    if plan is None:
        raise Http404(_("Không tìm thấy kế hoạch hoặc bạn không có quyền xem."))
    return plan


def _can_edit(user, plan: Plan) -> bool:
    return unit_selectors.can_act_on(user, plan.unit, services.EDIT_ROLES)


def _parent_choices(user, *, exclude: Plan | None = None):
    plans = selectors.visible_plans(user).filter(status=Plan.Status.ISSUED).order_by("-issued_on")
    return plans.exclude(pk=exclude.pk) if exclude else plans


def _editable_units(user):
    """Units where the user may draw up plans: their officer/admin memberships and the organisations
    directly under them (the People's Committee, departments, schools)."""
    held = unit_selectors.units_held(user, [Role.OFFICER]).values("pk")
    units = Unit.objects.filter(Q(pk__in=held) | Q(parent_id__in=held, level=Level.ORGANISATION))
    if user.is_superuser:
        units = Unit.objects.filter(level__in=[Level.NATION, Level.PROVINCE], valid_to__isnull=True)
    return unit_selectors.units_valid_on(units, unit_selectors.today()).order_by("path")[:200]


@login_required
def campaign_list(request):
    return render(request, "campaigns/campaign_list.html", {"campaigns": selectors.campaigns().order_by("start_year")})


@login_required
def campaign_detail(request, pk: int):
    campaign = scoped_object_or_404(selectors.campaigns(), pk, _("Không tìm thấy phong trào."))
    targets = selectors.visible_targets(request.user).filter(campaign=campaign, plan__isnull=True).order_by(
        "unit__path", "year", "indicator"
    )
    plans = selectors.plan_list(request.user, campaign_id=campaign.pk, status=Plan.Status.ISSUED)[:20]
    return render(request, "campaigns/campaign_detail.html", {"campaign": campaign, "targets": targets, "plans": plans})


@login_required
def plan_list(request):
    unit = None
    if (unit_id := get_id(request.GET, "unit")) is not None:
        unit = unit_selectors.visible_units(request.user).filter(pk=unit_id).first()
    status = request.GET.get("status", "")
    query = (request.GET.get("q") or "").strip()
    plans = selectors.plan_list(request.user, unit=unit, status=status, query=query)
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    return render(request, "campaigns/plan_list.html", {
        "page": page, "unit": unit, "status": status, "q": query, "statuses": Plan.Status.choices,
        "editable_units": _editable_units(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    unit_id = get_id(request.POST, "unit") if request.method == "POST" else None
    unit_id = unit_id if unit_id is not None else get_id(request.GET, "unit")
    unit = unit_selectors.visible_units(request.user).filter(pk=unit_id).first() if unit_id is not None else None
    if unit is None:
        return render(request, "campaigns/plan_choose_unit.html", {"units": _editable_units(request.user)})
    if not unit_selectors.can_act_on(request.user, unit, services.EDIT_ROLES):
        raise DjangoPermissionDenied(_("Bạn không có quyền lập kế hoạch cho đơn vị “%(unit)s”.") % {"unit": unit.name})
    campaign = selectors.campaigns().order_by("-start_year").first()
    form = PlanForm(request.POST or None, parent_choices=_parent_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(unit=unit, campaign=campaign, by=request.user, fields=form.changes())
        except DomainError as exc:
            refuse(request, exc, form=form)
        else:
            messages.success(request, _("Đã lưu dự thảo kế hoạch."))
            return redirect("campaigns:plan_detail", pk=plan.pk)
    if request.method == "GET":
        # No number: the register gives it when the plan is issued (the field stays for paper acts).
        form.initial.update({**services.default_header(unit), "kind": "plan"})
    return render(request, "campaigns/plan_form.html", {"form": form, "unit": unit, "plan": None})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = _readable_plan(request, pk)
    if not _can_edit(request.user, plan):
        message = _("Bạn không có quyền sửa kế hoạch của đơn vị “%(unit)s”.") % {"unit": plan.unit.name}
        raise DjangoPermissionDenied(message)
    if plan.is_issued:
        messages.error(request, _("Kế hoạch số %(number)s đã ban hành nên không thể sửa. Hãy tạo bản đính chính "
                                  "(phiên bản mới).") % {"number": plan.number})
        return redirect("campaigns:plan_detail", pk=plan.pk)
    form = PlanForm(request.POST or None, instance=plan, parent_choices=_parent_choices(request.user, exclude=plan))
    status_code = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, by=request.user, changes=form.changes(),
                                 expected_revision=form.cleaned_data.get("revision"))
        except DomainError as exc:
            refuse(request, exc, form=form)
            status_code = exc.status
        else:
            messages.success(request, _("Đã lưu dự thảo kế hoạch."))
            return redirect("campaigns:plan_detail", pk=plan.pk)
    return render(request, "campaigns/plan_form.html", {"form": form, "unit": plan.unit, "plan": plan},
                  status=status_code)


@login_required
def plan_detail(request, pk: int):
    plan = _readable_plan(request, pk)
    can_edit = _can_edit(request.user, plan)
    fresh = services.plan_pdf_is_fresh(plan)
    return render(request, "campaigns/plan_detail.html", {
        "plan": plan,
        "can_edit": can_edit,
        "sections": plan.sections(),
        "targets": selectors.plan_targets(plan),
        "cascade": selectors.plan_cascade(request.user, plan),
        "versions": selectors.plan_versions(request.user, plan),
        "correction": Plan.objects.filter(supersedes=plan).first(),
        "target_form": (TargetForm(initial={"year": (plan.issued_on or unit_selectors.today()).year}, plan=plan)
                        if can_edit and not plan.is_issued else None),
        "pdf_fresh": fresh,
        "pdf_status": "ready" if fresh else ("none" if plan.pdf_status == "ready" else plan.pdf_status),
        "pdf_status_url": reverse("plan-pdf-status", args=[plan.pk]),
        # An issued plan from before the register (campaigns migration 0004 dropped its PDF columns): the
        # page says so; the POST button records it with its printed number and makes the PDF.
        "pdf_unregistered": plan.is_issued and plan.document is None,
        "reform_date": unit_selectors.reform_date(),
        "history": plan.history.select_related("history_user").order_by("-history_date")[:10],
    })


def _post_action(request, pk: int, action, success: str):
    plan = _readable_plan(request, pk)

    def then(result):  # a correction answers the new version; every other action the plan itself
        return reverse("campaigns:plan_detail", args=[(result if isinstance(result, Plan) else plan).pk])

    return domain_action(request, lambda: action(plan), success=success, then=then)


@login_required
@require_http_methods(["POST"])
def plan_issue(request, pk: int):
    revision = get_int(request.POST, "revision", minimum=0, maximum=MAX_ID)
    return _post_action(
        request, pk,
        lambda plan: services.plan_issue(plan=plan, by=request.user, expected_revision=revision),
        _("Đã ban hành kế hoạch. Tệp PDF đang được tạo."),
    )


@login_required
@require_http_methods(["POST"])
def plan_correct(request, pk: int):
    return _post_action(request, pk, lambda plan: services.plan_correct(plan=plan, by=request.user),
                        _("Đã tạo phiên bản mới (dự thảo đính chính). Hãy sửa rồi ban hành lại."))


@login_required
@require_http_methods(["POST"])
def target_add(request, pk: int):
    plan = _readable_plan(request, pk)
    form = TargetForm(request.POST, plan=plan)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("campaigns:plan_detail", pk=plan.pk)
    return _post_action(request, pk, lambda p: services.target_add(plan=p, by=request.user, **form.cleaned_data),
                        _("Đã thêm chỉ tiêu."))


@login_required
@require_http_methods(["POST"])
def target_remove(request, pk: int, target_pk: int):
    plan = _readable_plan(request, pk)
    target = scoped_object_or_404(Target.objects.filter(plan=plan), target_pk, _("Không tìm thấy chỉ tiêu."))
    return _post_action(request, pk, lambda p: services.target_remove(target=target, by=request.user),
                        _("Đã xóa chỉ tiêu."))


@login_required
@require_http_methods(["GET"])
def plan_pdf(request, pk: int):
    """The PDF if it is ready, else back to the page, which shows the status and a button (a POST)
    to make it: a GET never queues a render (crawlers, prefetching, reloads)."""
    plan = _readable_plan(request, pk)
    if services.plan_pdf_is_fresh(plan):
        return FileResponse(plan.pdf_file.open("rb"), content_type="application/pdf",
                            filename=f"ke-hoach-{plan.pk}-v{plan.version}.pdf")
    messages.info(request, _("Tệp PDF chưa sẵn sàng; xem trạng thái bên dưới."))
    return redirect(reverse("campaigns:plan_detail", args=[plan.pk]) + "#pdf")


@login_required
@require_http_methods(["POST"])
def plan_pdf_render(request, pk: int):
    plan = _readable_plan(request, pk)
    # A render already under way is a Conflict: a message on the plan's page, not a 500.
    return domain_action(request, lambda: services.plan_pdf_request(plan=plan), success=None,
                         then=reverse("campaigns:plan_detail", args=[plan.pk]) + "#pdf")
