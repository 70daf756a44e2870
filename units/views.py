import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError

from . import selectors, services
from .forms import ChildUnitForm, UnitContactForm
from .models import Level, Unit
from .roles import Role


def _scoped_unit(request, pk: int) -> Unit:
    """The unit if the user may see it; a refusal in Vietnamese otherwise (never someone else's data)."""
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    if not selectors.can_act_on(request.user, unit, roles=None):
        raise DjangoPermissionDenied(_("Bạn không có quyền xem đơn vị này."))
    return unit


def _parse_day(value: str | None) -> datetime.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value or "", fmt).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    return selectors.today()


@login_required
def unit_browser(request):
    day = _parse_day(request.GET.get("valid_on"))
    query = (request.GET.get("q") or "").strip()
    level = request.GET.get("level") or ""
    units = selectors.units_valid_on(selectors.visible_units(request.user), day)
    if query:
        for word in selectors.search_key(query).split():
            units = units.filter(search_name__contains=word)
        if level in Level.values:
            units = units.filter(level=level)
        page = Paginator(units.order_by("level", "name"), 50).get_page(request.GET.get("page"))
        roots = None
    else:
        page = None
        roots = selectors.units_valid_on(selectors.scope_roots(request.user), day).annotate(
            n_children=Count("children")
        ).order_by("name")
    return render(request, "units/unit_browser.html", {
        "roots": roots, "page": page, "q": query, "day": day, "level": level, "levels": Level.choices,
        "reform_date": selectors.reform_date(),
    })


@login_required
def unit_detail(request, pk: int):
    unit = _scoped_unit(request, pk)
    day = _parse_day(request.GET.get("valid_on")) if request.GET.get("valid_on") else None
    children = unit.children.all()
    if day:
        children = selectors.units_valid_on(children, day)
    children_page = Paginator(children.order_by("level", "name"), 100).get_page(request.GET.get("page"))
    can_edit = selectors.can_act_on(request.user, unit, [Role.ADMIN, Role.OFFICER])
    ancestors = selectors.unit_ancestors(unit)
    return render(request, "units/unit_detail.html", {
        "unit": unit,
        "ancestors": [(a, selectors.can_act_on(request.user, a, None)) for a in ancestors],
        "children_page": children_page,
        "lineage": selectors.unit_lineage(unit),
        "members": selectors.unit_members(unit),
        "can_edit": can_edit,
        "day": day,
        "contact_form": UnitContactForm(instance=unit) if can_edit else None,
        "child_form": ChildUnitForm() if can_edit and unit.level != Level.HAMLET else None,
        "history": unit.history.select_related("history_user").order_by("-history_date")[:10],
    })


@login_required
@require_http_methods(["POST"])
def unit_edit_contact(request, pk: int):
    unit = _scoped_unit(request, pk)
    form = UnitContactForm(request.POST, instance=Unit(pk=unit.pk))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("units:detail", pk=unit.pk)
    try:
        services.unit_update_contact(
            unit=unit, by=request.user, email=form.cleaned_data["email"], phone=form.cleaned_data["phone"]
        )
    except DomainError as exc:
        if exc.code == "permission_denied":
            raise DjangoPermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã lưu thông tin liên hệ."))
    return redirect("units:detail", pk=unit.pk)


@login_required
@require_http_methods(["POST"])
def unit_add_child(request, pk: int):
    parent = _scoped_unit(request, pk)
    form = ChildUnitForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("units:detail", pk=parent.pk)
    try:
        child = services.unit_create(
            parent=parent, by=request.user, name=form.cleaned_data["name"], level=form.level(),
            kind=form.cleaned_data["kind"], code=form.cleaned_data["code"],
            valid_from=selectors.today() if parent.valid_from else None,
            email=form.cleaned_data["email"], phone=form.cleaned_data["phone"],
        )
    except DomainError as exc:
        if exc.code == "permission_denied":
            raise DjangoPermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("units:detail", pk=parent.pk)
    messages.success(request, _("Đã thêm đơn vị “%(name)s”.") % {"name": child.name})
    return redirect("units:detail", pk=child.pk)
