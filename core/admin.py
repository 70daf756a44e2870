from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import User

admin.site.site_header = _("Quản trị Cổng thông tin Xây dựng xã hội học tập")
admin.site.site_title = _("Quản trị XHHT")


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Thông tin cán bộ"), {"fields": ("full_name", "phone", "job_title")}),
    )
    list_display = ("username", "full_name", "email", "phone", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "email")

    # System-wide rights are given by a superuser only: a staff account allowed to edit users must not make
    # itself (or anyone) a superuser, which reaches the whole country. Unit roles are memberships, granted
    # through units.services (the unit administrator's page, or the membership admin).
    SYSTEM_WIDE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.SYSTEM_WIDE_FIELDS
