"""Django admin for units and memberships: every write goes through units/services.py.

Admin used to save units and memberships directly: a unit added or moved there got an empty `path`, and an
empty path as a prefix gave its members the whole country. Now adding, editing and deleting call the same
services as the pages (paths, locks, validation, history with who and why, the scope cache dropped on commit).
A unit's place in the tree (parent, level) is shown, not edited: the tree changes by a new unit and a
succession (the 2025 reform), never by moving a unit with its past reports under another parent. Successions
come from the official data through the loader and are read-only here. Reverting to an old version from
the history page is refused: it would save around the services.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ReadOnlyInAdminMixin, ScopedAdminMixin
from core.errors import DomainError

from . import services
from .models import Citizen, Clan, Household, Membership, Succession, Unit

ADMIN_REVOKE_REASON = gettext_lazy("Thu hồi trong trang quản trị hệ thống")


class ServiceAdminMixin:
    """Turns a service's refusal into an admin error message; the admin's own transaction rolls it back."""

    def _refused(self, request, exc: DomainError):
        self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            return self._refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            return self._refused(request, exc)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            self.message_user(request, _("Không thể khôi phục phiên bản cũ từ trang quản trị."), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id]))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes without the service: replaced by an action of our own
        return actions


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ("name", "short_name", "code", "level", "kind", "parent", "valid_from", "valid_to", "email", "phone")

    def clean(self):
        """The service's rules, first on the form so that an error shows beside what was typed; the service
        checks them again under its lock when saving (and refuses what the user may not do)."""
        data = super().clean() or {}
        if self.errors:
            return data
        current = self.instance
        candidate = Unit(
            pk=current.pk, name=data.get("name", current.name), code=(data.get("code") or "").strip(),
            level=data.get("level", current.level), kind=data.get("kind", current.kind),
            parent=data.get("parent") if "parent" in self.fields else current.parent,
            valid_from=data.get("valid_from"), valid_to=data.get("valid_to"),
            email=data.get("email") or "", phone=data.get("phone") or "",
        )
        candidate._state.adding = current._state.adding  # an edited unit is not a new row with a taken id
        try:
            services.unit_validate(candidate)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    scope_unit_field = ""  # the row is a unit: its own path
    form = UnitAdminForm
    list_display = ("name", "code", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("search_name", "code")
    raw_id_fields = ("parent",)
    list_select_related = ("parent",)
    fields = ("name", "short_name", "code", "level", "kind", "parent", "valid_from", "valid_to", "email", "phone",
              "path", "depth", "source_key")
    actions = ["delete_units"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("path", "depth", "source_key")
        return ("level", "parent", "path", "depth", "source_key")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        common = {
            "name": data["name"], "code": data.get("code") or "", "kind": data["kind"],
            "valid_from": data.get("valid_from"), "valid_to": data.get("valid_to"),
            "email": data.get("email") or "", "phone": data.get("phone") or "", "by": request.user,
            "short_name": data.get("short_name") or "",
        }
        if change:
            saved = services.unit_update(unit=obj, **common)
        else:
            saved = services.unit_create(parent=data.get("parent"), level=data["level"], **common)
        # The admin logs and redirects to `obj`: give it the saved row's values (path and depth included).
        obj.__dict__.update({f.attname: getattr(saved, f.attname) for f in Unit._meta.concrete_fields})
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.unit_delete(unit=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for unit in queryset.order_by("-depth"):  # leaves first: a parent deleted with its children
            services.unit_delete(unit=unit, by=request.user)

    @admin.action(description=gettext_lazy("Xóa các đơn vị đã chọn (chỉ đơn vị chưa được sử dụng)"))
    def delete_units(self, request, queryset):
        _run_all(self, request, lambda: self.delete_queryset(request, queryset),
                 _("Đã xóa %(n)s đơn vị.") % {"n": queryset.count()})


@admin.register(Succession)
class SuccessionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_unit_field = ("predecessor", "successor")
    list_display = ("predecessor", "successor", "kind", "partial", "primary", "date")
    list_filter = ("kind", "partial")
    raw_id_fields = ("predecessor", "successor")
    list_select_related = ("predecessor", "successor")

    # Lineage decides what a new commune's officers read of its predecessors: it comes from the official
    # conversion data through the loader (which drops the scope cache), never typed in here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "unit", "role")


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = MembershipAdminForm
    list_display = ("user", "role", "unit", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "unit")
    search_fields = ("user__username", "unit__search_name")
    list_select_related = ("user", "unit")
    actions = ["revoke_memberships"]

    def get_readonly_fields(self, request, obj=None):
        # A membership is granted or revoked, never edited into another one: its history stays readable.
        return ("user", "unit", "role", "created_at") if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # The change page shows the membership read-only; the add page still needs the permission.
        return super().has_change_permission(request, obj) if obj is None else False

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        saved = services.membership_grant(user=data["user"], unit=data["unit"], role=data["role"], by=request.user)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def delete_model(self, request, obj):
        services.membership_revoke(membership=obj, by=request.user, reason=str(ADMIN_REVOKE_REASON))

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("unit", "user"):
            services.membership_revoke(membership=membership, by=request.user, reason=str(ADMIN_REVOKE_REASON))

    @admin.action(description=gettext_lazy("Thu hồi các phân quyền đã chọn"))
    def revoke_memberships(self, request, queryset):
        _run_all(self, request, lambda: self.delete_queryset(request, queryset),
                 _("Đã thu hồi %(n)s phân quyền.") % {"n": queryset.count()})


def _run_all(model_admin, request, work, done: str) -> None:
    """An admin action: all rows or none (the first refusal rolls the others back), with its message."""
    from django.db import transaction

    try:
        with transaction.atomic():
            work()
    except DomainError as exc:
        model_admin.message_user(request, exc.message, messages.ERROR)
    else:
        model_admin.message_user(request, done, messages.SUCCESS)


# The registry (households, clans, citizens: personal data) is written on the registry pages through
# units.services household_*/clan_*/citizen_* (hamlet check, NFC names, the version a concurrent edit is refused
# by, history with who). Saving here would bypass all of it, so admin only shows the rows, within the scope.


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "head_name", "unit")
    raw_id_fields = ("unit",)
    search_fields = ("code", "head_name")


@admin.register(Clan)
class ClanAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "unit")
    raw_id_fields = ("unit",)


@admin.register(Citizen)
class CitizenAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    list_display = ("full_name", "birth_year", "unit", "household")
    raw_id_fields = ("unit", "household")
    search_fields = ("full_name",)
