"""Django admin for the reporting definitions: every write goes through definitions/services.py (ADR 0013).

Rows are listed as the API lists them (national ones to everyone, a province's own to its subtree and the
levels above); a row opens for change only to someone the services would let edit it, and the save calls the
same service (codes checked, expressions parsed, a published version frozen, history with who). A published or
retired version's page is read-only: "Tạo phiên bản mới" opens the next draft, a copy to edit and publish.
Nothing is deleted here but a draft's parts (and a draft itself): definitions carry reports' history.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ScopedFormfieldMixin
from core.errors import DomainError
from units.admin import ServiceAdminMixin
from units.models import Level
from units.roles import Role
from units.selectors import units_held

from . import selectors, services
from .models import (
    Category,
    CategoryOption,
    DataElement,
    FormField,
    FormSection,
    IndicatorDefinition,
    ReportForm,
    ReportFormVersion,
    ValidationRule,
)


def _owner_of(obj: Any) -> Any:
    """The unit that owns a definition row (None: national)."""
    if isinstance(obj, ReportFormVersion):
        return obj.form.owner
    if isinstance(obj, FormSection):
        return obj.version.form.owner
    if isinstance(obj, FormField):
        return obj.section.version.form.owner
    if isinstance(obj, ValidationRule):
        return obj.version.form.owner
    if isinstance(obj, CategoryOption):
        return obj.category.owner
    return obj.owner


def _version_of(obj: Any) -> ReportFormVersion | None:
    if isinstance(obj, ReportFormVersion):
        return obj
    if isinstance(obj, FormSection):
        return obj.version
    return None


def _run(model_admin: Any, request: Any, work: Any, done: str) -> None:
    """An action over the selected rows: all or none, with its message."""
    try:
        with transaction.atomic():
            work()
    except DomainError as exc:
        model_admin.message_user(request, exc.message, messages.ERROR)
    else:
        model_admin.message_user(request, done, messages.SUCCESS)


class DefinitionAdmin(ScopedFormfieldMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """Visibility from definitions.selectors; change only where the services allow it."""

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).filter(
            selectors.visibility_q(request.user, selectors.OWNER_FIELD[self.model]))

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        version = _version_of(obj)
        return services.may_edit(request.user, _owner_of(obj)) and not (version is not None and version.is_frozen)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        related = db_field.related_model
        if field is not None and related in selectors.OWNER_FIELD:
            field.queryset = field.queryset.filter(selectors.visibility_q(request.user,
                                                                          selectors.OWNER_FIELD[related]))
        if field is not None and db_field.name == "owner":
            field.queryset = field.queryset.filter(level=Level.PROVINCE)
        return field

    def get_changeform_initial_data(self, request: Any) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if not request.user.is_superuser and "owner" in [f.name for f in self.model._meta.fields]:
            # A province's administrator defines for their province: national definitions are the Ministry's.
            province = units_held(request.user, [Role.ADMIN]).filter(level=Level.PROVINCE).first()
            if province is not None:
                initial.setdefault("owner", province.pk)
        return initial

    def _changes(self, form: Any, names: tuple[str, ...]) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in form.changed_data if name in names}

    def _adopt(self, obj: Any, saved: Any) -> None:
        # The admin logs and redirects to `obj`: give it the saved row's values.
        obj.__dict__.update({f.attname: getattr(saved, f.attname) for f in saved._meta.concrete_fields})
        obj._state.adding = False


class ChildInline(admin.TabularInline):
    """Rows of a parent saved by the parent admin's `save_formset` through the services."""

    extra = 0

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and version.is_frozen:
            return False
        return obj is None or services.may_edit(request.user, _owner_of(obj))

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return True


def _save_children(formset: Any, *, add: Any, update: Any, delete: Any, names: tuple[str, ...]) -> None:
    """Each form of an inline through the services: new rows added, changed ones updated, ticked ones deleted.
    The formset's new/changed/deleted lists are filled as its own save() would, for the admin's change log."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        instance = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            if instance.pk:
                delete(instance)
                formset.deleted_objects.append(instance)
            continue
        if not form.has_changed():
            continue
        data = {name: form.cleaned_data.get(name) for name in names if name in form.cleaned_data}
        if instance.pk is None:
            formset.new_objects.append(add(data))
        else:
            changed = [name for name in form.changed_data if name in data]
            formset.changed_objects.append((update(instance, {name: data[name] for name in changed}), changed))


# --- categories ----------------------------------------------------------------------------------------------


class CategoryOptionInline(ChildInline):
    model = CategoryOption
    fields = ("code", "name", "order")
    can_delete = False
    extra = 2

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return ()

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return obj is None or services.may_edit(request.user, obj.owner)


@admin.register(Category)
class CategoryAdmin(DefinitionAdmin):
    list_display = ("code", "name", "owner")
    search_fields = ("code", "name")
    fields = ("code", "name", "description", "owner")
    inlines = [CategoryOptionInline]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return ("code", "owner") if obj is not None else ()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        pass  # saved with its options in save_related: a category is created with them

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        options = formsets[0]
        added = [(f.cleaned_data["code"], f.cleaned_data["name"]) for f in options.forms
                 if f.instance.pk is None and f.has_changed()]
        renamed = {f.instance.code: f.cleaned_data["name"] for f in options.forms
                   if f.instance.pk is not None and "name" in f.changed_data}
        options.new_objects, options.changed_objects, options.deleted_objects = [], [], []  # the change log
        data = form.cleaned_data
        if not change:
            saved = services.category_create(by=request.user, code=data["code"], name=data["name"],
                                             description=data.get("description") or "", owner=data.get("owner"),
                                             options=added)
        else:
            saved = services.category_update(category=form.instance, by=request.user, add_options=added,
                                             rename_options=renamed,
                                             **self._changes(form, ("name", "description")))
        self._adopt(form.instance, saved)


# --- data elements and indicators ----------------------------------------------------------------------------


@admin.register(DataElement)
class DataElementAdmin(DefinitionAdmin):
    list_display = ("code", "name", "value_type", "aggregation", "category", "owner", "figure_indicator",
                    "is_active")
    list_filter = ("value_type", "aggregation", "category", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("category", "owner")
    fields = ("code", "name", "short_name", "description", "value_type", "aggregation", "category",
              "unit_of_measure", "owner", "is_active", "figure_indicator", "figure_part", "computed")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is None:
            return ("figure_indicator", "figure_part", "computed", "is_active")
        if obj.is_builtin or obj.computed:
            return [f for f in self.fields if f not in services.BUILTIN_ELEMENT_FIELDS]
        return ("code", "owner", "figure_indicator", "figure_part", "computed")

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.element_update(element=obj, by=request.user,
                                            **self._changes(form, services.ELEMENT_FIELDS))
        else:
            saved = services.element_create(
                by=request.user, code=data["code"], name=data["name"], short_name=data.get("short_name") or "",
                description=data.get("description") or "", value_type=data["value_type"],
                aggregation=data["aggregation"], category=data.get("category"),
                unit_of_measure=data.get("unit_of_measure") or "", owner=data.get("owner"))
        self._adopt(obj, saved)


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(DefinitionAdmin):
    list_display = ("slug", "name", "numerator", "denominator", "builtin", "owner", "is_active")
    list_filter = ("builtin", "is_active", "direction")
    search_fields = ("slug", "name")
    list_select_related = ("owner",)
    fields = ("slug", "name", "short_name", "description", "numerator", "numerator_label", "denominator",
              "denominator_label", "factor", "decimals", "unit_of_measure", "direction", "owner", "is_active",
              "builtin")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is None:
            return ("builtin", "is_active")
        if obj.builtin:
            return [f for f in self.fields if f not in services.BUILTIN_INDICATOR_FIELDS]
        return ("slug", "owner", "builtin")

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.indicator_update(indicator=obj, by=request.user,
                                              **self._changes(form, services.INDICATOR_FIELDS))
        else:
            saved = services.indicator_create(
                by=request.user, owner=data.get("owner"),
                **{name: data[name] for name in ("slug", "name", "short_name", "description", "numerator",
                                                  "numerator_label", "denominator", "denominator_label", "factor",
                                                  "decimals", "unit_of_measure", "direction")})
        self._adopt(obj, saved)


# --- forms and versions --------------------------------------------------------------------------------------


class NewDraftMixin:
    @admin.action(description=gettext_lazy("Tạo phiên bản mới (bản nháp sao chép phiên bản mới nhất)"))
    def new_draft(self, request: Any, queryset: Any) -> None:
        forms = {getattr(row, "form", row) for row in queryset}

        def work() -> None:
            for form in forms:
                services.version_new_draft(form, request.user)

        _run(self, request, work, _("Đã tạo phiên bản nháp mới cho %(n)s biểu mẫu.") % {"n": len(forms)})


@admin.register(ReportForm)
class ReportFormAdmin(NewDraftMixin, DefinitionAdmin):
    list_display = ("code", "name", "period_kind", "level", "is_summary", "owner")
    list_filter = ("period_kind", "level", "is_summary")
    search_fields = ("code", "name")
    fields = ("code", "name", "period_kind", "level", "kinds", "is_summary", "description", "owner")
    actions = ["new_draft"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return ("code", "owner") if obj is not None else ()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        names = ("name", "period_kind", "level", "kinds", "is_summary", "description")
        if change:
            saved = services.form_update(form=obj, by=request.user, **self._changes(form, names))
        else:
            saved = services.form_create(by=request.user, code=data["code"], owner=data.get("owner"),
                                         **{name: data[name] for name in names if name in data})
        self._adopt(obj, saved)


class FormSectionInline(ChildInline):
    model = FormSection
    fields = ("order", "code", "title", "kind", "help_text")
    show_change_link = True


class ValidationRuleInline(ChildInline):
    model = ValidationRule
    fields = ("order", "code", "left", "operator", "right", "message", "severity")


@admin.register(ReportFormVersion)
class ReportFormVersionAdmin(NewDraftMixin, DefinitionAdmin):
    list_display = ("form", "number", "status", "first_year", "last_year", "published_at")
    list_filter = ("status", "form__period_kind")
    search_fields = ("form__code", "form__name", "title")
    list_select_related = ("form",)
    fields = ("form", "number", "title", "status", "first_year", "last_year", "period_from", "period_to", "notes",
              "published_at", "published_by")
    inlines = [FormSectionInline, ValidationRuleInline]
    actions = ["publish", "new_draft", "retire"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is None:
            return ("number", "status", "published_at", "published_by")
        return ("form", "number", "status", "published_at", "published_by")

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "form" and field is not None and not request.user.is_superuser:
            # Only forms the user may give a version to.
            held = Q(owner__in=units_held(request.user, [Role.ADMIN]).values("pk"))
            if services.may_edit(request.user, None):
                held |= Q(owner__isnull=True)
            field.queryset = field.queryset.filter(held)
        return field

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        names = ("title", "first_year", "last_year", "period_from", "period_to", "notes")
        if change:
            saved = services.version_update(version=obj, by=request.user, **self._changes(form, names))
        else:
            saved = services.version_new_draft(data["form"], request.user,
                                               **{name: data.get(name) for name in names if name != "notes"},
                                               notes=data.get("notes") or "")
        self._adopt(obj, saved)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        version = form.instance
        by = request.user
        if formset.model is FormSection:
            _save_children(
                formset, names=services.SECTION_FIELDS,
                add=lambda data: services.section_add(version=version, by=by, **data),
                update=lambda row, data: services.section_update(section=row, by=by, **data),
                delete=lambda row: services.section_delete(section=row, by=by))
        elif formset.model is ValidationRule:
            _save_children(
                formset, names=services.RULE_FIELDS,
                add=lambda data: services.rule_add(version=version, by=by, **data),
                update=lambda row, data: services.rule_update(rule=row, by=by, **data),
                delete=lambda row: services.rule_delete(rule=row, by=by))

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # A draft may be thrown away; a published version carries reports.
        return obj is not None and not obj.is_frozen and services.may_edit(request.user, obj.form.owner)

    def delete_model(self, request: Any, obj: Any) -> None:
        services.version_delete(obj, request.user)

    @admin.action(description=gettext_lazy("Ban hành các phiên bản đã chọn"))
    def publish(self, request: Any, queryset: Any) -> None:
        rows = list(queryset)

        def work() -> None:
            for version in rows:
                services.version_publish(version, request.user)

        _run(self, request, work, _("Đã ban hành %(n)s phiên bản.") % {"n": len(rows)})

    @admin.action(description=gettext_lazy("Ngừng sử dụng các phiên bản đã chọn"))
    def retire(self, request: Any, queryset: Any) -> None:
        rows = list(queryset)

        def work() -> None:
            for version in rows:
                services.version_retire(version, request.user)

        _run(self, request, work, _("Đã ngừng sử dụng %(n)s phiên bản.") % {"n": len(rows)})


class FormFieldInline(ChildInline):
    model = FormField
    fields = ("order", "data_element", "narrative_code", "label", "help_text", "required")
    raw_id_fields = ("data_element",)


@admin.register(FormSection)
class FormSectionAdmin(DefinitionAdmin):
    list_display = ("title", "code", "kind", "version")
    list_select_related = ("version", "version__form")
    fields = ("version", "order", "code", "title", "kind", "help_text")
    inlines = [FormFieldInline]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return ("version",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "version" and field is not None:
            field.queryset = field.queryset.filter(status="draft")
        return field

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = self._changes(form, services.SECTION_FIELDS) if change else {
            name: form.cleaned_data[name] for name in services.SECTION_FIELDS if name in form.cleaned_data}
        if change:
            saved = services.section_update(section=obj, by=request.user, **data)
        else:
            saved = services.section_add(version=form.cleaned_data["version"], by=request.user, **data)
        self._adopt(obj, saved)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        section = form.instance
        by = request.user
        _save_children(
            formset, names=services.FIELD_FIELDS,
            add=lambda data: services.field_add(section=section, by=by, **data),
            update=lambda row, data: services.field_update(field=row, by=by, **data),
            delete=lambda row: services.field_delete(field=row, by=by))


class ReadOnlyDefinitionAdmin(DefinitionAdmin):
    """Parts edited within their parent's page (inlines through the services); here only read, with history."""

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(CategoryOption)
class CategoryOptionAdmin(ReadOnlyDefinitionAdmin):
    list_display = ("category", "code", "name", "order")
    list_select_related = ("category",)


@admin.register(FormField)
class FormFieldAdmin(ReadOnlyDefinitionAdmin):
    list_display = ("__str__", "section", "data_element", "narrative_code", "required")
    list_select_related = ("section", "data_element")


@admin.register(ValidationRule)
class ValidationRuleAdmin(ReadOnlyDefinitionAdmin):
    list_display = ("code", "left", "operator", "right", "severity", "version")
    list_select_related = ("version", "version__form")


# Unit groups have their own admin (helper module, through definitions/groups.py).
from . import admin_groups  # noqa: E402,F401
