"""Admin: rounds are configured here; reports are read-only (their writes go through the workflow)."""

from django.contrib import admin

from .models import DeadlineExtension, ReminderDigest, Report, ReportFigure, ReportingRound, ReportTransition


@admin.register(ReportingRound)
class ReportingRoundAdmin(admin.ModelAdmin):
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
class ReportAdmin(admin.ModelAdmin):
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
class DeadlineExtensionAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "new_deadline", "granted_by", "granted_at"]
    raw_id_fields = ["unit"]
    readonly_fields = ["granted_by", "granted_at"]

    def has_add_permission(self, request):
        return False  # granted from the completeness page, through the service


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ["user", "day", "subject", "emailed"]
    list_filter = ["day"]
