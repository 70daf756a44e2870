"""Admin: where an administrator adds a criteria version without code. A published version is read-only;
"new version" copies it into a draft, "publish" freezes a draft. Both go through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ScopedAdminMixin
from core.errors import DomainError

from . import services
from .models import ApprovalRule, CriteriaSet, Criterion, Decision, LevelThreshold, Recognition, TitleType


class ApprovalRuleInline(admin.TabularInline):
    model = ApprovalRule
    extra = 0


@admin.register(TitleType)
class TitleTypeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "subject_kind", "unit_level", "max_level", "validity_months",
                    "higher_level_after_months", "reevaluate_while_valid", "valid_to"]
    inlines = [ApprovalRuleInline]


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(SimpleHistoryAdmin):
    """Who recognises which title for which subjects, and when: corrected here, each change kept in history."""

    list_display = ["title_type", "level", "subject_unit_level", "subject_parent_level", "authority_level", "issuer",
                    "authority_name", "valid_from", "valid_to", "note"]
    list_filter = ["title_type", "authority_level", "issuer"]
    list_select_related = ["title_type"]


class _FrozenWhenPublished:
    """Inline rows of a published set can be neither added, changed nor deleted."""

    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class CriterionInline(_FrozenWhenPublished, admin.TabularInline):
    model = Criterion
    extra = 0


class LevelThresholdInline(_FrozenWhenPublished, admin.TabularInline):
    model = LevelThreshold
    extra = 0


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["name", "title_type", "version", "status", "published_at"]
    list_filter = ["title_type", "status"]
    inlines = [CriterionInline, LevelThresholdInline]
    actions = ["new_version", "publish"]
    readonly_fields = ["status", "published_at"]

    def has_change_permission(self, request, obj=None):
        return (obj is None or not obj.is_published) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.is_published) and super().has_delete_permission(request, obj)

    @admin.action(description=_("Tạo phiên bản mới (bản sao dự thảo)"))
    def new_version(self, request, queryset):
        for criteria_set in queryset:
            try:
                draft = services.criteria_set_new_version(source=criteria_set, by=request.user)
                self.message_user(request, _("Đã tạo %(name)s.") % {"name": draft}, messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Ban hành (không sửa được nữa)"))
    def publish(self, request, queryset):
        for criteria_set in queryset:
            try:
                services.criteria_set_publish(criteria_set=criteria_set, by=request.user)
                self.message_user(request, _("Đã ban hành %(name)s.") % {"name": criteria_set}, messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)


@admin.register(Decision)
class DecisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_unit_field = "authority"
    list_display = ["number", "date", "title_type", "authority", "signer"]
    list_select_related = ["title_type", "authority"]
    search_fields = ["number"]

    def has_add_permission(self, request):
        return False  # issued through the services (register number, the recognitions it carries)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an issued decision keeps its register number and the recognitions it carries


@admin.register(Recognition)
class RecognitionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title_type", "unit", "year", "level", "decision", "revoked_at"]
    list_select_related = ["title_type", "unit", "decision"]
    list_filter = ["title_type", "year"]
    raw_id_fields = ["unit", "household", "clan", "citizen", "decision", "evaluation", "criteria_set"]

    def has_add_permission(self, request):
        return False  # a recognition comes with its decision (services), its waiting and validity rules checked

    def has_change_permission(self, request, obj=None):
        return False  # revocation goes through the page (with a reason), never an edit

    def has_delete_permission(self, request, obj=None):
        return False  # nor a deletion: it would erase the history the waiting and validity rules read
