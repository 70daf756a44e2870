"""Admin of awards. Ballot, SealedBallot and VoterRoll are deliberately absent (docs/adr/0004-secret-ballot.md)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AwardForm, Council, CouncilMember, DecidingPower, Decision, Nomination, VotingRule


@admin.register(AwardForm)
class AwardFormAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "certificate_title", "rank", "active")


@admin.register(DecidingPower)
class DecidingPowerAdmin(admin.ModelAdmin):
    list_display = ("body", "form", "authority_name", "signer_title")
    raw_id_fields = ("body",)
    list_select_related = ("body", "form")


class CouncilMemberInline(admin.TabularInline):
    model = CouncilMember
    raw_id_fields = ("user",)
    extra = 0


class VotingRuleInline(admin.TabularInline):
    model = VotingRule
    extra = 0


@admin.register(Council)
class CouncilAdmin(SimpleHistoryAdmin):
    list_display = ("name", "body", "active")
    raw_id_fields = ("body",)
    inlines = [CouncilMemberInline, VotingRuleInline]


@admin.register(Nomination)
class NominationAdmin(SimpleHistoryAdmin):
    """Read-mostly: every change of state goes through the services (the pages)."""

    list_display = ("subject_name", "form", "occasion", "year", "status", "body")
    list_filter = ("status", "occasion", "form")
    search_fields = ("subject_name",)
    list_select_related = ("form", "body")
    readonly_fields = [f.name for f in Nomination._meta.concrete_fields]
    exclude = ("recognitions", "reports")


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ("number", "date", "body", "form", "signer_name")
    list_select_related = ("body", "form")
    readonly_fields = [f.name for f in Decision._meta.concrete_fields]
