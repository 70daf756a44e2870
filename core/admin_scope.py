"""Django admin through the scoping selector: no way around units.selectors.scope_filter, admin included.

A staff account (is_staff, not a superuser) given view/change permissions used to see every province's rows in
admin: citizens and households, memberships with e-mails, reports, nominations, documents. Permissions say *what*
kind of row a staff member may touch; their memberships say *where*, exactly as on the pages. So every admin of a
unit-owned model lists, opens and edits only rows whose unit lies in the user's scope, and the choice lists of its
forms offer only units (and rows) the user administers, so that nothing is attached to a foreign unit.
Superusers are the national system administrators: they see everything (scope_filter already says so).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import helpers
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _


def _is_national(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


def unit_scope_q(user, fields, *, write: bool) -> Q:
    """Rows whose unit (any of `fields`, "" = the row is a unit) lies in the user's scope.

    Reading uses every membership (and the predecessors of the user's units, as the pages do); writing only the
    units the user administers: an admin form is an administrator's tool.
    """
    from units.roles import Role
    from units.selectors import scope_filter

    roles = (Role.ADMIN,) if write else None
    # Not `Q(pk__in=[]) | ...`: OR-ing with an empty Q() (a superuser's "everything") would drop it.
    terms = [scope_filter(user, roles=roles, unit_field=field)
             for field in ((fields,) if isinstance(fields, str) else fields)]
    q = terms[0]
    for term in terms[1:]:
        q = Q() if not q or not term else q | term
    return q


def scoped_users(user, *, write: bool):
    """Accounts a staff member may see (read) or pick in a form (write): those holding a membership in scope.

    For a form, accounts holding no membership at all are offered too, so a new officer can be given a first
    role (the membership service still checks the unit); superusers are never offered.
    """
    from core.models import User
    from units.models import Membership

    users = User.objects.all()
    if _is_national(user):
        return users
    in_scope = Membership.objects.filter(unit_scope_q(user, "unit", write=write)).values("user_id")
    if write:
        return users.filter(Q(pk__in=in_scope) | Q(memberships__isnull=True)).exclude(is_superuser=True).distinct()
    return users.filter(pk__in=in_scope)


def _choices_for(model_admin, request, db_field, queryset):
    """The scoped queryset for a foreign key's choices (a select, a raw id or an autocomplete value)."""
    from core.models import User
    from units.models import Unit

    user = request.user
    if _is_national(user):
        return queryset
    related = db_field.related_model
    if related is Unit:
        return queryset.filter(unit_scope_q(user, "", write=True))
    if related is User:
        return queryset.filter(pk__in=scoped_users(user, write=True).values("pk"))
    related_admin = model_admin.admin_site._registry.get(related)
    fields = getattr(related_admin, "scope_unit_field", None)
    if fields is not None:
        return queryset.filter(unit_scope_q(user, fields, write=True))
    return queryset


class ScopedFormfieldMixin:
    """Foreign-key choices limited to the scope: a staff user cannot attach a row to a foreign unit. The same
    queryset validates a raw id typed by hand, so a foreign id is refused as an invalid choice."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset") and not _is_national(request.user):
            field.queryset = _choices_for(self, request, db_field, field.queryset)
            # Django's own "not one of the choices" would leave the officer guessing why an id they see is refused.
            field.error_messages["invalid_choice"] = _(
                "Lựa chọn không tồn tại hoặc nằm ngoài phạm vi đơn vị bạn quản lý.")
        return field


class ScopedAdminMixin(ScopedFormfieldMixin):
    """Put first in the bases of the admin of a unit-owned model and set `scope_unit_field` to the path from the
    model to its unit ("unit", "issuer__unit", "" for Unit itself, or a tuple: a row in scope by any of them)."""

    scope_unit_field: str | tuple[str, ...] = "unit"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _is_national(request.user):
            return qs
        return qs.filter(unit_scope_q(request.user, self.scope_unit_field, write=False))

    def response_action(self, request, queryset):
        # Django would run an action on the selected rows it finds in the scoped queryset and silently skip the
        # others (ids posted by hand, or a row that left the scope meanwhile). A bulk action is all or nothing
        # (units/admin.py _run_all): refuse the whole batch, and say why.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not _is_national(request.user) and selected and request.POST.get("select_across") != "1":
            found = self.get_queryset(request).filter(pk__in=selected).count()
            if found < len(set(selected)):
                self.message_user(request, _("Bạn không có quyền thực hiện thao tác này đối với một số mục đã chọn "
                                             "(ngoài phạm vi đơn vị bạn quản lý); không mục nào được xử lý."),
                                  messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def _in_scope(self, request, obj, *, write: bool) -> bool:
        # The changelist is filtered by get_queryset; an object reached another way (its history page falls back
        # to the last historical version of a row get_object no longer finds) is checked here as well.
        if obj is None or obj.pk is None or _is_national(request.user):
            return True
        scoped = self.model._default_manager.filter(unit_scope_q(request.user, self.scope_unit_field, write=write))
        return scoped.filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj, write=False)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj, write=True)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj, write=True)


class NationalOnlyWritesMixin:
    """Rows with no service behind them and no page: a national administrator (superuser) configures them here;
    a staff member reads the ones in their scope."""

    def has_add_permission(self, request, *args):
        return _is_national(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return _is_national(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_national(request.user) and super().has_delete_permission(request, obj)


class ReadOnlyInAdminMixin:
    """Written only through services (and their pages); admin shows the rows, never saves them."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
