"""Admin of awards. Ballot, SealedBallot and VoterRoll are deliberately absent (docs/adr/0004-secret-ballot.md)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Award, AwardForm, Council, CouncilMember, DecidingPower, Decision, Nomination, VotingRule


@admin.register(AwardForm)
class AwardFormAdmin(SimpleHistoryAdmin):
    """The law as data: an administrator corrects a form, its authorities, its legal basis or a legal threshold
    here, with history (who changed what, when)."""

    list_display = ("name", "slug", "certificate_title", "rank", "legal_basis", "legal_threshold_percent", "active")


@admin.register(DecidingPower)
class DecidingPowerAdmin(SimpleHistoryAdmin):
    """Who decides a form at a body and how it is examined; the model's clean() refuses an authority the form
    does not allow (e.g. Giấy khen for the provincial chairman)."""

    list_display = ("body", "form", "authority", "review", "appraiser_name", "authority_name", "signer_title")
    list_filter = ("review", "authority", "form")
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a nomination is withdrawn or refused through the services; deleting erases its dossier


@admin.register(Decision)
class DecisionAdmin(SimpleHistoryAdmin):
    list_display = ("number", "date", "body", "form", "signer_name")
    list_select_related = ("body", "form")
    readonly_fields = [f.name for f in Decision._meta.concrete_fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an issued decision keeps its register number; its awards are annulled, never erased


@admin.register(Award)
class AwardAdmin(SimpleHistoryAdmin):
    """Read-only: an award is annulled through the decision page (services.award_annul), never edited."""

    list_display = ("recipient_name", "form", "decision", "annulled_on")
    list_filter = ("form",)
    search_fields = ("recipient_name",)
    list_select_related = ("form", "decision")
    readonly_fields = [f.name for f in Award._meta.concrete_fields if f.name != "verification_code"]
    exclude = ("verification_code",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting would make the public verify page answer "not found" for a printed certificate instead of
        # "annulled on … because …" (services.award_annul).
        return False
