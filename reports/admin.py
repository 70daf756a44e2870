"""Admin: rounds are configured here; reports are read-only (their writes go through the workflow)."""

from django.contrib import admin

from core.admin_scope import NationalOnlyWritesMixin, ReadOnlyInAdminMixin, ScopedAdminMixin

from .models import DeadlineExtension, ReminderDigest, Report, ReportFigure, ReportingRound, ReportTransition


@admin.register(ReportingRound)
class ReportingRoundAdmin(ScopedAdminMixin, NationalOnlyWritesMixin, admin.ModelAdmin):
    """Rounds have no service and no page: the national administrators configure them here. A staff member
    only reads the rounds of their scope (a round set for another province is not theirs to move)."""

    scope_unit_field = "scope_unit"
    list_display = ["year", "scope_unit", "level", "opens_on", "deadline", "is_summary", "recipient"]
    list_filter = ["year", "level", "is_summary"]
    raw_id_fields = ["scope_unit"]


class FigureInline(admin.TabularInline):
    model = ReportFigure
    extra = 0
    can_delete = False
    readonly_fields = ["indicator", "numerator", "denominator"]

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = ReportTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "comment", "field_comments"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "year", "status", "on_time", "submitted_at", "accepted_at"]
    list_filter = ["year", "status", "on_time", "is_summary"]
    search_fields = ["unit__name", "unit__code"]
    inlines = [FigureInline, TransitionInline]
    list_select_related = ["unit"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, admin.ModelAdmin):
    """Read-only: an extension is granted (or a request decided) on the completeness page through
    reports.services.extension_grant / extension_request_decide, which check the granting unit, lock and keep
    who and why; an edit here would move a deadline with none of that."""

    list_display = ["unit", "year", "new_deadline", "granted_by", "granted_at"]
    raw_id_fields = ["unit"]
    readonly_fields = ["granted_by", "granted_at"]


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ["user", "day", "subject", "emailed"]
    list_filter = ["day"]

    def get_queryset(self, request):
        # A digest lists another officer's overdue units: a staff member reads only their own.
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)
