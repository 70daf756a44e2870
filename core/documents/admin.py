"""Admin: issuing bodies and legal bases are reference data an administrator corrects (with history);
the register itself (documents, counters) is read-only here, because numbers come only from the services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_scope import ReadOnlyInAdminMixin, ScopedAdminMixin

from .models import Document, IssuingBody, LegalBasis, RegisterCounter


@admin.register(IssuingBody)
class IssuingBodyAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "abbreviation", "kind", "unit", "head_title", "head_name", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "abbreviation")
    raw_id_fields = ("unit",)
    list_select_related = ("unit",)


@admin.register(LegalBasis)
class LegalBasisAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "text", "valid_from", "valid_to", "order", "active", "note")
    list_filter = ("active",)
    search_fields = ("slug", "text", "note")


@admin.register(Document)
class DocumentAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    scope_unit_field = "issuer__unit"
    list_display = ("number", "kind", "title", "issuer", "date", "status", "render_status", "external")
    list_filter = ("kind", "status", "render_status", "external", "year")
    search_fields = ("number", "title")
    list_select_related = ("issuer",)


@admin.register(RegisterCounter)
class RegisterCounterAdmin(ScopedAdminMixin, ReadOnlyInAdminMixin, SimpleHistoryAdmin):
    scope_unit_field = "issuer__unit"
    list_display = ("issuer", "kind", "year", "last_seq")
    list_filter = ("kind", "year")
    list_select_related = ("issuer",)
