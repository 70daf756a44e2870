"""Admin of awards. Ballot, SealedBallot and VoterRoll are deliberately absent (docs/adr/0004-secret-ballot.md)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ReadOnlyInAdminMixin, ScopedAdminMixin, ScopedFormfieldMixin
from units.admin import ServiceAdminMixin

from . import services
from .models import Award, AwardForm, Council, CouncilMember, DecidingPower, Decision, Nomination, VotingRule


@admin.register(AwardForm)
class AwardFormAdmin(SimpleHistoryAdmin):
    """The law as data: an administrator corrects a form, its authorities, its legal basis or a legal threshold
    here, with history (who changed what, when)."""

    list_display = ("name", "slug", "certificate_title", "rank", "legal_basis", "legal_threshold_percent", "active")


@admin.register(DecidingPower)
class DecidingPowerAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Who decides a form at a body and how it is examined; the model's clean() refuses an authority the form
    does not allow (e.g. Giấy khen for the provincial chairman)."""

    scope_unit_field = "body"
    list_display = ("body", "form", "authority", "review", "appraiser_name", "authority_name", "signer_title")
    list_filter = ("review", "authority", "form")
    raw_id_fields = ("body",)
    list_select_related = ("body", "form")


# A council seat needs the matching role over the body (services.council_member_add) and a voting rule the
# legal threshold (services.voting_rule_set): saved here they would skip both, so admin shows them read-only.
class CouncilMemberInline(ScopedFormfieldMixin, ReadOnlyInAdminMixin, admin.TabularInline):
    model = CouncilMember
    raw_id_fields = ("user",)
    extra = 0


class VotingRuleInline(ScopedFormfieldMixin, ReadOnlyInAdminMixin, admin.TabularInline):
    model = VotingRule
    extra = 0


@admin.register(Council)
class CouncilAdmin(ScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """A council is created through services.council_create (the administrator role over the body); after that
    its body is fixed and its members and rules are read-only here."""

    scope_unit_field = "body"
    list_display = ("name", "body", "active")
    raw_id_fields = ("body",)
    inlines = [CouncilMemberInline, VotingRuleInline]

    def get_readonly_fields(self, request, obj=None):
        return ("body", "name", "active") if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # The change page is read-only; the add page still needs the permission.
        return super().has_change_permission(request, obj) if obj is None else False

    def has_delete_permission(self, request, obj=None):
        return False  # its sessions, attendance and votes point at it

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = services.council_create(body=form.cleaned_data["body"], name=form.cleaned_data["name"],
                                        by=request.user)
        obj.pk = saved.pk
        obj.__dict__.update({f.attname: getattr(saved, f.attname) for f in Council._meta.concrete_fields})
        obj._state.adding = False


@admin.register(Nomination)
class NominationAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Read-mostly: every change of state goes through the services (the pages). In scope for the nominating
    side (its unit) and for the body examining it."""

    scope_unit_field = ("unit", "body")

    list_display = ("subject_name", "form", "occasion", "year", "status", "body")
    list_filter = ("status", "occasion", "form")
    search_fields = ("subject_name",)
    list_select_related = ("form", "body")
    readonly_fields = [f.name for f in Nomination._meta.concrete_fields]
    exclude = ("recognitions", "reports")

    def has_add_permission(self, request) -> bool:
        return False  # a dossier is opened on the nomination page (services), never as a blank row here

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a nomination is withdrawn or refused through the services; deleting erases its dossier


@admin.register(Decision)
class DecisionAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    scope_unit_field = "body"
    list_display = ("number", "date", "body", "form", "signer_name")
    list_select_related = ("body", "form")
    readonly_fields = [f.name for f in Decision._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False  # issued through the services, which take its number from the register

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an issued decision keeps its register number; its awards are annulled, never erased


@admin.register(Award)
class AwardAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Read-only: an award is annulled through the decision page (services.award_annul), never edited."""

    scope_unit_field = ("unit", "decision__body")

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
