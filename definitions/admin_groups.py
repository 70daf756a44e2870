"""Admin of unit groups, through definitions/groups.py (permissions, members inside the owner, locks, history).

Imported by definitions/admin.py. Reading follows the rule of every definition (national groups for everyone,
a unit's own for the users inside or above it); changing needs the administrator role over the owner (over the
nation for a national group), as the services check. A group's code and owner are fixed once created: targets
and API clients name them. Groups are not deleted here: targets keep naming them (PROTECT).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ScopedAdminMixin
from core.errors import DomainError
from units.admin import ServiceAdminMixin

from . import groups
from .models import UnitGroup
from .selectors import visibility_q
from .services import may_edit


class UnitGroupAdminForm(forms.ModelForm):
    class Meta:
        model = UnitGroup
        fields = ("code", "name", "description", "owner", "units")

    def clean(self) -> dict[str, Any]:
        """The services' rules on the form, so that an error shows beside what was typed; the services check them
        again under their lock when saving."""
        data = super().clean() or {}
        if self.errors:
            return data
        owner = data.get("owner") if "owner" in self.fields else self.instance.owner
        try:
            groups.check_group_fields(code=data.get("code", self.instance.code), name=data.get("name", ""))
            groups._check_members(owner, data.get("units") or [])
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(UnitGroup)
class UnitGroupAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    scope_unit_field = "owner"
    form = UnitGroupAdminForm
    list_display = ("code", "name", "owner")
    search_fields = ("code", "name")
    list_select_related = ("owner",)
    raw_id_fields = ("owner", "units")

    def get_queryset(self, request: Any) -> Any:
        # Not the mixin's owner-in-scope filter: national groups (no owner) and the groups of the units above the
        # user's are readable too, as on the API.
        return admin.ModelAdmin.get_queryset(self, request).filter(visibility_q(request.user))

    def _in_scope(self, request: Any, obj: Any, *, write: bool) -> bool:
        if obj is None or obj.pk is None:
            return True
        if write:
            return may_edit(request.user, obj.owner)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        return ("code", "owner") if obj is not None else ()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: UnitGroup, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = groups.group_update(group=obj, by=request.user, name=data["name"],
                                        description=data.get("description") or "")
        else:
            saved = groups.group_create(by=request.user, code=data["code"], name=data["name"],
                                        owner=data.get("owner"), description=data.get("description") or "")
        obj.__dict__.update({f.attname: getattr(saved, f.attname) for f in UnitGroup._meta.concrete_fields})
        obj._state.adding = False

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        """Members through the services (not form.save_m2m): the difference between the form and the group."""
        group = form.instance
        wanted = {unit.pk: unit for unit in form.cleaned_data.get("units") or []}
        current = set(group.units.values_list("pk", flat=True))
        added = [unit for pk, unit in wanted.items() if pk not in current]
        removed = list(group.units.filter(pk__in=current - set(wanted)))
        if added:
            groups.group_add_units(group=group, units=added, by=request.user)
        if removed:
            groups.group_remove_units(group=group, units=removed, by=request.user)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
