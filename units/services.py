"""Writes of units and memberships. Every writer (pages, API, admin, commands) goes through here."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from core.text import nfc, search_key

from .models import ORGANISATION_KINDS, Citizen, Clan, Household, Level, Membership, Unit, path_segment
from .roles import Role
from .selectors import require_role, today

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


def _validate_unit(unit: Unit) -> None:
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
) -> Unit:
    """Create a unit under `parent`. Needs the admin or officer role over the parent.

    Locks the parent row so that its subtree paths cannot be rewritten while the child is added.
    """
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
        require_role(by, parent, [Role.ADMIN, Role.OFFICER])
    elif not by.is_superuser:
        raise DomainError(_("Chỉ quản trị hệ thống được tạo đơn vị gốc."), code="permission_denied")
    if level == Level.ORGANISATION and kind not in ORGANISATION_KINDS:
        raise DomainError(_("Loại đơn vị không phù hợp với cấp cơ quan/tổ chức."), field="kind")
    unit = Unit(
        parent=parent, name=name, level=level, kind=kind, code=code.strip(),
        valid_from=valid_from, valid_to=valid_to, email=email, phone=phone,
    )
    if parent is not None and parent.valid_to and (unit.valid_to is None or unit.valid_to > parent.valid_to):
        unit.valid_to = parent.valid_to  # nothing outlives the unit that manages it
    _validate_unit(unit)
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


@transaction.atomic
def membership_grant(*, user, unit: Unit, role: str, by) -> Membership:
    """Give `user` the `role` over `unit`'s subtree. Needs the admin role over the unit."""
    require_role(by, unit, [Role.ADMIN])
    if role not in Role.values:
        raise DomainError(_("Vai trò không hợp lệ."), field="role")
    membership, _created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return membership


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
