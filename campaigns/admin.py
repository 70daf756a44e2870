"""Admin: campaigns are reference data; plans and targets are read-only here, because every change of
a plan goes through the services (issue rules, immutability, row locks)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ReadOnlyInAdminMixin, ScopedAdminMixin

from .models import Campaign, Phase, Plan, Target


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ("decision_number", "name", "start_year", "end_year")
    inlines = [PhaseInline]


@admin.register(Plan)
class PlanAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "title", "unit", "status", "issued_on", "version")
    list_filter = ("status", "kind")
    search_fields = ("number", "title", "issuing_body")
    list_select_related = ("unit",)
    raw_id_fields = ("unit", "parent", "supersedes")


@admin.register(Target)
class TargetAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    list_display = ("indicator", "unit", "year", "percentage", "plan")
    list_filter = ("indicator", "year")
    list_select_related = ("unit", "plan")
    raw_id_fields = ("unit", "plan")
