"""Writes of units and memberships. Every writer (pages, API, admin, commands) goes through here."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, PermissionDenied
from core.text import nfc, search_key

from .models import ORGANISATION_KINDS, Citizen, Clan, Household, Level, Membership, Unit, path_segment
from .roles import Role
from .selectors import SCOPE_GENERATION, require_role, today

# Which level may stand under which: the tree of both eras (districts only before the reform).
ALLOWED_PARENT_LEVELS = {
    Level.NATION: {None},
    Level.PROVINCE: {Level.NATION},
    Level.DISTRICT: {Level.PROVINCE},
    Level.COMMUNE: {Level.DISTRICT, Level.PROVINCE},
    Level.HAMLET: {Level.COMMUNE},
    Level.ORGANISATION: {Level.NATION, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE, Level.ORGANISATION},
}


def _overlapping_validity(valid_from, valid_to) -> Q:
    q = Q()
    if valid_to is not None:
        q &= Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to)
    if valid_from is not None:
        q &= Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    return q


def unit_validate(unit: Unit) -> None:
    """The rules of a unit's own fields and place (no writes, no permission check): the services run it under
    their lock; admin forms run it first so that an error shows on the form with what was typed."""
    if unit.level == Level.ORGANISATION and unit.kind not in ORGANISATION_KINDS:
        raise DomainError(_("Loại đơn vị không phù hợp với cấp cơ quan/tổ chức."), field="kind")
    parent_level = unit.parent.level if unit.parent_id else None
    if parent_level not in ALLOWED_PARENT_LEVELS[unit.level]:
        raise DomainError(
            _("Đơn vị cấp “%(level)s” không thể trực thuộc đơn vị cấp “%(parent)s”.")
            % {"level": unit.get_level_display(), "parent": unit.parent.get_level_display() if unit.parent_id else "—"},
            field="parent",
        )
    if unit.code:
        clash = (
            Unit.objects.filter(level=unit.level, code=unit.code)
            .filter(_overlapping_validity(unit.valid_from, unit.valid_to))
            .exclude(pk=unit.pk)
        )
        if clash.exists():
            raise DomainError(
                _("Mã “%(code)s” đã được dùng cho đơn vị “%(other)s” trong cùng thời gian hiệu lực.")
                % {"code": unit.code, "other": clash.first().name},
                field="code",
            )
    try:
        unit.full_clean(exclude=["path", "depth", "search_name"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(f"{messages[0]}", field=field) from exc


@transaction.atomic
def unit_create(
    *,
    parent: Unit | None,
    name: str,
    level: str,
    kind: str,
    by,
    code: str = "",
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    email: str = "",
    phone: str = "",
    short_name: str = "",
) -> Unit:
    """Create a unit under `parent`. Needs the admin or officer role over the parent.

    Locks the parent row so that its subtree paths cannot be rewritten while the child is added.
    """
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
        require_role(by, parent, [Role.ADMIN, Role.OFFICER])
        if not parent.path:
            # A child of a unit with no path would get a path of its own alone: a root nobody placed.
            raise DomainError(_("Đơn vị “%(unit)s” chưa có vị trí trong cây đơn vị.") % {"unit": parent.name},
                              field="parent")
    elif not by.is_superuser:
        raise DomainError(_("Chỉ quản trị hệ thống được tạo đơn vị gốc."), code="permission_denied")
    unit = Unit(
        parent=parent, name=name, short_name=short_name, level=level, kind=kind, code=code.strip(),
        valid_from=valid_from, valid_to=valid_to, email=email, phone=phone,
    )
    if parent is not None and parent.valid_to and (unit.valid_to is None or unit.valid_to > parent.valid_to):
        unit.valid_to = parent.valid_to  # nothing outlives the unit that manages it
    unit_validate(unit)
    unit._history_user = by
    unit.save()
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    unit.depth = parent.depth + 1 if parent else 0
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    return unit


@transaction.atomic
def unit_update_contact(*, unit: Unit, by, email: str, phone: str, expected_name: str | None = None) -> Unit:
    """Update a unit's contact details (what reviewers use to chase late reports).

    Needs the admin or officer role over the unit. Takes a row lock on the unit.
    """
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    require_role(by, locked, [Role.ADMIN, Role.OFFICER])
    if expected_name is not None and expected_name != locked.name:
        raise Conflict(_("Đơn vị đã được người khác sửa đổi. Vui lòng tải lại trang."))
    locked.email = email.strip()
    locked.phone = phone.strip()
    try:
        locked.full_clean(exclude=["path", "depth", "search_name"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    locked._history_user = by
    locked.save(update_fields=["email", "phone"])
    return locked


REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column


def _admin_units_over(by, unit: Unit) -> list[Unit]:
    """The units at or above `unit` on which `by` holds the administrator role directly."""
    return list(Unit.objects.filter(
        pk__in=[int(seg) for seg in unit.path.strip("/").split("/") if seg],
        memberships__user=by, memberships__role=Role.ADMIN,
    ))


def _require_role_admin(by, unit: Unit, role: str, *, verb: str) -> None:
    """Who may hand out or take back a role on `unit`.

    Any role but the administrator's: an administrator of the unit or of a unit above it (require_role).
    The administrator role itself: only from strictly above. A provincial administrator appoints its communes'
    administrators; a second provincial administrator is appointed from above (the national administrator,
    a superuser). So nobody widens or ends their own level's administration from inside it, which also means
    nobody can take away their own last administrator membership by a slip.
    """
    require_role(by, unit, [Role.ADMIN])
    if role != Role.ADMIN or by.is_superuser:
        return
    if not any(held.pk != unit.pk for held in _admin_units_over(by, unit)):
        raise PermissionDenied(
            _("Chỉ quản trị của đơn vị cấp trên mới được %(verb)s vai trò quản trị đơn vị tại “%(unit)s”.")
            % {"verb": verb, "unit": unit.name},
            code="permission_denied",
        )


def _reason(reason: str, *, required: bool) -> str:
    reason = nfc(reason or "").strip()
    if required and not reason:
        raise DomainError(_("Cần nêu lý do thu hồi."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(_("Lý do không được dài quá %(n)s ký tự.") % {"n": REASON_MAX_LENGTH}, field="reason")
    return reason


@transaction.atomic
def membership_grant(*, user, unit: Unit, role: str, by, reason: str = "") -> Membership:
    """Give `user` the `role` over `unit`'s subtree; idempotent (an existing membership is returned as is).

    Needs the admin role over the unit, from strictly above for the admin role itself (_require_role_admin).
    Refused for an inactive account and a unit no longer valid. Locks the unit row: a grant and a unit
    change do not interleave. History records who granted it (and why, if said). The scope cache is dropped
    when the transaction commits (units/signals.py).
    """
    if role not in Role.values:
        raise DomainError(_("Vai trò không hợp lệ."), field="role")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_role_admin(by, unit, role, verb=_("giao"))
    if user.pk == by.pk and not by.is_superuser:
        # A role an administrator hands itself outlives the revocation of its administration (a back door),
        # and the council-member role is what a seat and a counted ballot stand on (awards: no administrator
        # shortcut): granting it to oneself would turn an administrator into a voter. Someone else grants.
        raise PermissionDenied(
            _("Bạn không thể tự giao vai trò cho chính mình; hãy đề nghị một quản trị đơn vị khác."),
            code="permission_denied",
        )
    if not unit.path:
        raise DomainError(_("Đơn vị “%(unit)s” chưa có vị trí trong cây đơn vị.") % {"unit": unit.name}, field="unit")
    if not unit.is_valid_on(today()):
        raise DomainError(_("Đơn vị “%(unit)s” đã hết hiệu lực.") % {"unit": unit.name}, field="unit")
    if not user.is_active:
        raise DomainError(_("Tài khoản “%(user)s” đã bị khóa.") % {"user": user.get_username()}, field="user")
    reason = _reason(reason, required=False)
    membership = Membership.objects.filter(user=user, unit=unit, role=role).first()
    if membership is None:
        membership = Membership(user=user, unit=unit, role=role)
        membership._history_user = by
        membership._change_reason = reason or None
        membership.save()
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by, reason: str) -> None:
    """Take a role back; `reason` is required and kept in the membership's history with who revoked it.

    Same rule as granting (_require_role_admin): an administrator membership is revoked from strictly above,
    so an administrator never removes their own (last) administration by accident. Locks the membership row;
    revoking one already gone is refused, not repeated. The scope cache is dropped on commit (units/signals.py).
    """
    locked = Membership.objects.select_for_update().select_related("unit", "user").filter(pk=membership.pk).first()
    if locked is None:
        raise Conflict(_("Phân quyền này đã được thu hồi."), code="stale")
    if locked.role == Role.ADMIN and locked.user_id == by.pk and not by.is_superuser:
        require_role(by, locked.unit, [Role.ADMIN])
        if not any(held.pk != locked.unit_id for held in _admin_units_over(by, locked.unit)):
            raise PermissionDenied(
                _("Bạn không thể tự thu hồi quyền quản trị của mình tại “%(unit)s”; "
                  "hãy đề nghị quản trị đơn vị cấp trên.") % {"unit": locked.unit.name},
                code="permission_denied",
            )
    _require_role_admin(by, locked.unit, locked.role, verb=_("thu hồi"))
    reason = _reason(reason, required=True)
    locked._history_user = by
    locked._change_reason = reason
    locked.delete()


@transaction.atomic
def unit_update(*, unit: Unit, by, name: str, short_name: str = "", code: str = "", kind: str,
                valid_from: datetime.date | None = None, valid_to: datetime.date | None = None,
                email: str = "", phone: str = "") -> Unit:
    """Edit a unit's own fields (admin). Its place in the tree (parent, level, path, depth) is not editable:
    reports, titles, plans and stored rollups of past years hang on that place, and the 2025 reform shows how
    the tree really changes: a new unit with a succession, never a unit moved under another parent.

    Needs the admin or officer role over the unit. Locks the unit row.
    """
    locked = Unit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=unit.pk)
    require_role(by, locked, [Role.ADMIN, Role.OFFICER])
    locked.name, locked.short_name, locked.code, locked.kind = name, short_name, code.strip(), kind
    locked.valid_from, locked.valid_to = valid_from, valid_to
    locked.email, locked.phone = email.strip(), phone.strip()
    unit_validate(locked)
    locked._history_user = by
    locked.save()
    return locked


@transaction.atomic
def unit_delete(*, unit: Unit, by) -> None:
    """Delete a unit entered by mistake. Refused while anything hangs on it (sub-units, memberships,
    registries, reports…): a unit that was used is ended with `valid_to`, never deleted. Needs the admin
    role over its parent (a root: a superuser). Locks the unit row."""
    locked = Unit.objects.select_for_update(of=("self",)).select_related("parent").filter(pk=unit.pk).first()
    if locked is None:
        raise Conflict(_("Đơn vị này đã bị xóa."), code="stale")
    if locked.parent_id:
        require_role(by, locked.parent, [Role.ADMIN])
    elif not by.is_superuser:
        raise PermissionDenied(_("Chỉ quản trị hệ thống được xóa đơn vị gốc."), code="permission_denied")
    if locked.children.exists() or locked.memberships.exists():
        raise DomainError(_("Không thể xóa đơn vị “%(unit)s” vì còn đơn vị trực thuộc hoặc người được phân quyền; "
                            "hãy đặt ngày hết hiệu lực.") % {"unit": locked.name}, code="in_use")
    locked._history_user = by
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError as exc:
        raise DomainError(_("Không thể xóa đơn vị “%(unit)s” vì đã có dữ liệu gắn với đơn vị; "
                            "hãy đặt ngày hết hiệu lực.") % {"unit": locked.name}, code="in_use") from exc


@transaction.atomic
def unit_paths_repair() -> int:
    """Recompute every unit's path and depth from its parent chain; returns how many rows changed.

    Idempotent: a second run changes nothing. Used nightly as a check, and after bulk edits in admin.
    """
    units = list(Unit.objects.order_by("depth", "id").values("id", "parent_id", "path", "depth"))
    by_id = {u["id"]: u for u in units}
    computed: dict[int, tuple[str, int]] = {}

    def resolve(uid: int) -> tuple[str, int]:
        chain = []
        cur = uid
        while cur is not None and cur not in computed:
            chain.append(cur)
            cur = by_id[cur]["parent_id"]
        base_path, base_depth = computed[cur] if cur is not None else ("", -1)
        for node in reversed(chain):
            base_path, base_depth = base_path + path_segment(node), base_depth + 1
            computed[node] = (base_path, base_depth)
        return computed[uid]

    changed = []
    for u in units:
        path, depth = resolve(u["id"])
        if (path, depth) != (u["path"], u["depth"]):
            changed.append(Unit(id=u["id"], path=path, depth=depth))
    Unit.objects.bulk_update(changed, ["path", "depth"], batch_size=2000)
    if changed:
        # Cached scopes hold membership paths: drop them once the repaired paths are visible to other requests.
        transaction.on_commit(SCOPE_GENERATION.bump)
    return len(changed)


# --- Registries of a hamlet: households, clans, citizens (commune officers keep them) ---------------

REGISTRY_FIELDS = {
    Household: ("unit_id", "code", "head_name", "address"),
    Clan: ("unit_id", "name"),
    Citizen: ("unit_id", "household_id", "full_name", "birth_year", "workplace"),
}


def registry_version(row: Household | Clan | Citizen) -> str:
    """A fingerprint of a registry row's values. An edit form carries it; a save from a form opened
    before someone else changed the row (on a page or by an Excel import) is refused, not applied."""
    values = [getattr(row, field) for field in REGISTRY_FIELDS[type(row)]]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def _registry_hamlet(hamlet: Unit, by) -> Unit:
    """Lock the hamlet (Excel list imports lock the commune's hamlets too) and check the officer role."""
    locked = Unit.objects.select_for_update().get(pk=hamlet.pk)
    require_role(by, locked, [Role.OFFICER])
    if locked.level != Level.HAMLET:
        raise DomainError(_("Sổ đăng ký được lập theo thôn/tổ dân phố."), field="unit")
    return locked


def _locked_registry_row(model, row, by, version: str | None):
    """Lock the row's hamlet, then the row: the order an Excel import takes, so neither waits on the other."""
    hamlet = _registry_hamlet(Unit(pk=row.unit_id), by)
    locked = model.objects.select_for_update().get(pk=row.pk)
    if version is not None and version != registry_version(locked):
        raise Conflict(_("Bản ghi đã được người khác sửa đổi. Vui lòng tải lại trang."), code="stale")
    return locked, hamlet


def _registry_save(row, by) -> None:
    try:
        row.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
    row._history_user = by
    row.save()


def _household_fields(row: Household, hamlet: Unit, code: str, head_name: str, address: str) -> None:
    row.code, row.head_name, row.address = nfc(code), nfc(head_name), nfc(address)
    if not row.code:
        raise DomainError(_("Cần nhập mã hộ."), field="code")
    if not row.head_name:
        raise DomainError(_("Cần nhập họ tên chủ hộ."), field="head_name")
    if Household.objects.filter(unit=hamlet, code=row.code).exclude(pk=row.pk).exists():
        raise DomainError(_("Mã hộ “%(code)s” đã có trong %(hamlet)s.") % {"code": row.code, "hamlet": hamlet.name},
                          field="code")


@transaction.atomic
def household_create(*, hamlet: Unit, code: str, head_name: str, address: str = "", by) -> Household:
    """Add a household to a hamlet's registry. Needs the officer role over the hamlet. Locks the hamlet row."""
    hamlet = _registry_hamlet(hamlet, by)
    household = Household(unit=hamlet)
    _household_fields(household, hamlet, code, head_name, address)
    _registry_save(household, by)
    return household


@transaction.atomic
def household_update(*, household: Household, code: str, head_name: str, address: str = "", by,
                     version: str | None = None) -> Household:
    """Edit a household. Needs the officer role over its hamlet and the version the editor saw (409
    otherwise). Locks the hamlet row, then the household's."""
    household, hamlet = _locked_registry_row(Household, household, by, version)
    _household_fields(household, hamlet, code, head_name, address)
    _registry_save(household, by)
    return household


def _clan_fields(row: Clan, hamlet: Unit, name: str) -> None:
    row.name = nfc(name)
    if not row.name:
        raise DomainError(_("Cần nhập tên dòng họ."), field="name")
    key = search_key(row.name)
    others = Clan.objects.filter(unit=hamlet).exclude(pk=row.pk).values_list("name", flat=True)
    if any(search_key(other) == key for other in others):  # "Họ Lê" and "họ Lê" are one clan
        raise DomainError(_("Dòng họ “%(name)s” đã có trong %(hamlet)s.") % {"name": row.name, "hamlet": hamlet.name},
                          field="name")


@transaction.atomic
def clan_create(*, hamlet: Unit, name: str, by) -> Clan:
    """Add a clan to a hamlet's registry. Needs the officer role over the hamlet. Locks the hamlet row."""
    hamlet = _registry_hamlet(hamlet, by)
    clan = Clan(unit=hamlet)
    _clan_fields(clan, hamlet, name)
    _registry_save(clan, by)
    return clan


@transaction.atomic
def clan_update(*, clan: Clan, name: str, by, version: str | None = None) -> Clan:
    """Rename a clan. Needs the officer role over its hamlet and the version the editor saw (409
    otherwise). Locks the hamlet row, then the clan's."""
    clan, hamlet = _locked_registry_row(Clan, clan, by, version)
    _clan_fields(clan, hamlet, name)
    _registry_save(clan, by)
    return clan


def _citizen_fields(row: Citizen, hamlet: Unit, full_name: str, birth_year: int | None, household_code: str,
                    workplace: str) -> None:
    row.full_name, row.workplace = nfc(full_name), nfc(workplace)
    if not row.full_name:
        raise DomainError(_("Cần nhập họ và tên."), field="full_name")
    if birth_year is not None and not 1900 <= int(birth_year) <= today().year:
        raise DomainError(_("Năm sinh phải từ 1900 đến %(year)s.") % {"year": today().year}, field="birth_year")
    row.birth_year = birth_year
    code = nfc(household_code)
    row.household = Household.objects.filter(unit=hamlet, code=code).first() if code else None
    if code and row.household is None:
        raise DomainError(_("Mã hộ “%(code)s” không có trong %(hamlet)s.") % {"code": code, "hamlet": hamlet.name},
                          field="household_code")


@transaction.atomic
def citizen_create(*, hamlet: Unit, full_name: str, birth_year: int | None = None, household_code: str = "",
                   workplace: str = "", by) -> Citizen:
    """Add a citizen (name, birth year, household by its code in the hamlet, workplace; no ID number).
    Needs the officer role over the hamlet. Locks the hamlet row."""
    hamlet = _registry_hamlet(hamlet, by)
    citizen = Citizen(unit=hamlet)
    _citizen_fields(citizen, hamlet, full_name, birth_year, household_code, workplace)
    _registry_save(citizen, by)
    return citizen


@transaction.atomic
def citizen_update(*, citizen: Citizen, full_name: str, birth_year: int | None = None, household_code: str = "",
                   workplace: str = "", by, version: str | None = None) -> Citizen:
    """Edit a citizen. Needs the officer role over their hamlet and the version the editor saw (409
    otherwise). Locks the hamlet row, then the citizen's."""
    citizen, hamlet = _locked_registry_row(Citizen, citizen, by, version)
    _citizen_fields(citizen, hamlet, full_name, birth_year, household_code, workplace)
    _registry_save(citizen, by)
    return citizen
