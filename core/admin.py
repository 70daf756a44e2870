from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_scope import scoped_users, unit_scope_q
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

    # A staff member sees only the accounts holding a membership in their scope (e-mails, phones are personal
    # data), and changes (password included: user_change_password asks has_change_permission) only accounts
    # that are wholly theirs: never a superuser, never an account with a role outside the units they administer
    # (resetting its password would hand them that other province).
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=scoped_users(request.user, write=False).values("pk"))

    def _wholly_in_scope(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser or obj.pk == request.user.pk:
            return True  # one's own account: the system-wide fields above stay read-only
        if obj.is_superuser:
            return False
        from django.db.models import Q

        from units.models import Membership
        from units.roles import Role

        theirs = Membership.objects.filter(user=obj)
        mine = unit_scope_q(request.user, "unit", write=True)
        if not theirs.filter(mine).exists() or theirs.exclude(mine).exists():
            return False
        # As for revoking a role (units.services.membership_revoke): an administrator's account is in the hands
        # of the administrators strictly above, never of a peer on the same unit.
        above = Q(pk__in=[])
        for path in Membership.objects.filter(user=request.user, role=Role.ADMIN).values_list("unit__path", flat=True):
            if path:
                above |= Q(unit__path__startswith=path) & ~Q(unit__path=path)
        return not theirs.filter(role=Role.ADMIN).exclude(above).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or request.user.is_superuser
            or scoped_users(request.user, write=False).filter(pk=obj.pk).exists())

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._wholly_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._wholly_in_scope(request, obj)
