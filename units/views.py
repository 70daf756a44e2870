import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.views import refuse, scoped_object_or_404

from . import selectors, services
from .forms import ChildUnitForm, RoleGrantForm, RoleRevokeForm, UnitContactForm
from .models import Level, Membership, Unit
from .roles import Role


def _scoped_unit(request, pk: int) -> Unit:
    """The unit if the user may see it, else 404: a unit outside the scope gets the same answer as one that
    does not exist (issue 11, point 6; core.views.scoped_object_or_404)."""
    return scoped_object_or_404(selectors.visible_units(request.user), pk, _("Không tìm thấy đơn vị."))


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
        "can_manage_roles": selectors.administers(request.user, unit),
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
        refuse(request, exc)
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
        refuse(request, exc)
        return redirect("units:detail", pk=parent.pk)
    messages.success(request, _("Đã thêm đơn vị “%(name)s”.") % {"name": child.name})
    return redirect("units:detail", pk=child.pk)


# --- Role management: the unit administrator's page ------------------------------------------------------

NOT_FOUND = _lazy("Không tìm thấy đơn vị hoặc bạn không có quyền quản trị đơn vị này.")


def _administered_unit(request, pk) -> Unit:
    """The unit if the user administers it; otherwise the same 404 whether it exists or not (issue 11, 6)."""
    return scoped_object_or_404(selectors.visible_units(request.user, roles=[Role.ADMIN]), pk, NOT_FOUND)


def _grantable_roles(user, unit: Unit) -> list[tuple[str, str]]:
    roles = [(value, label) for value, label in Role.choices if value != Role.ADMIN]
    if selectors.may_manage_admin_role(user, unit):
        roles.append((Role.ADMIN, Role.ADMIN.label))
    return roles


@login_required
def unit_roles(request, pk: int):
    unit = _administered_unit(request, pk)
    query = (request.GET.get("q") or "").strip()[:100]
    role = request.GET.get("role") or ""
    memberships = Paginator(selectors.managed_memberships(request.user, unit, query=query, role=role), 50)
    page = memberships.get_page(request.GET.get("page"))
    admin_ok = selectors.may_manage_admin_role
    rows = [{"m": m, "can_revoke": m.role != Role.ADMIN or admin_ok(request.user, m.unit)} for m in page]
    history = Paginator(selectors.membership_history(request.user, unit), 30).get_page(request.GET.get("hpage"))
    return render(request, "units/unit_roles.html", {
        "unit": unit, "page": page, "rows": rows, "q": query, "role": role, "roles": Role.choices,
        "history": history,
        "grant_form": RoleGrantForm(roles=_grantable_roles(request.user, unit)),
        "revoke_form": RoleRevokeForm(),
    })


@login_required
@require_http_methods(["POST"])
def unit_role_grant(request, pk: int):
    unit = _administered_unit(request, pk)
    form = RoleGrantForm(request.POST, roles=_grantable_roles(request.user, unit))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("units:roles", pk=unit.pk)
    user, role = form.cleaned_data["account"], form.cleaned_data["role"]
    existed = Membership.objects.filter(user=user, unit=unit, role=role).exists()
    try:
        services.membership_grant(user=user, unit=unit, role=role, by=request.user,
                                  reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        values = {"user": user, "role": Role(role).label, "unit": unit.name}
        messages.success(request, (_("%(user)s đã có vai trò “%(role)s” tại %(unit)s.") if existed
                                   else _("Đã giao vai trò “%(role)s” tại %(unit)s cho %(user)s.")) % values)
    return redirect("units:roles", pk=unit.pk)


@login_required
@require_http_methods(["POST"])
def unit_role_revoke(request, pk: int, membership_pk: int):
    unit = _administered_unit(request, pk)
    membership = scoped_object_or_404(selectors.managed_memberships(request.user, unit), membership_pk,
                                      _("Không tìm thấy phân quyền này."))
    form = RoleRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cần nêu lý do thu hồi (tối đa 100 ký tự)."))
        return redirect("units:roles", pk=unit.pk)
    try:
        services.membership_revoke(membership=membership, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã thu hồi vai trò “%(role)s” tại %(unit)s của %(user)s.") % {
            "role": membership.get_role_display(), "unit": membership.unit.name, "user": membership.user})
    return redirect("units:roles", pk=unit.pk)
