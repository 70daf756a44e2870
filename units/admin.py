from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Citizen, Clan, Household, Membership, Succession, Unit


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("search_name", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "depth", "source_key")
    list_select_related = ("parent",)


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin):
    list_display = ("predecessor", "successor", "kind", "partial", "primary", "date")
    list_filter = ("kind", "partial")
    raw_id_fields = ("predecessor", "successor")
    list_select_related = ("predecessor", "successor")


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "unit")
    list_filter = ("role",)
    raw_id_fields = ("user", "unit")
    search_fields = ("user__username", "unit__search_name")
    list_select_related = ("user", "unit")


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ("code", "head_name", "unit")
    raw_id_fields = ("unit",)
    search_fields = ("code", "head_name")


@admin.register(Clan)
class ClanAdmin(SimpleHistoryAdmin):
    list_display = ("name", "unit")
    raw_id_fields = ("unit",)


@admin.register(Citizen)
class CitizenAdmin(SimpleHistoryAdmin):
    list_display = ("full_name", "birth_year", "unit", "household")
    raw_id_fields = ("unit", "household")
    search_fields = ("full_name",)
