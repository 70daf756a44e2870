"""Unit groups: units that share a trait the tree does not hold (mountainous communes, disadvantaged areas), so that
a target can apply to them only (campaigns.Target.unit_group, reports/targets.py).

Reads: a national group (no owner) is visible to every signed-in user, a unit's own group to the users whose
memberships lie inside or above the owner's subtree — the rule of every definition (definitions.selectors). The
members listed are those in the caller's scope: a commune officer sees that the province's group exists and which
of its own units belong to it, not the other communes.

Writes: a superuser, or the administrator (units.roles.Role.ADMIN) of the owner unit — of the nation for a
national group (definitions.services.may_edit, the rule of every definition). Members must lie in the owner's
subtree. Each write locks the group row (`SELECT … FOR UPDATE`), so two administrators editing the members of one
group run one after the other; each keeps its history (who, when), members included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError, PermissionDenied
from core.text import nfc
from units import selectors as unit_selectors
from units.models import Unit

from .models import CODE_VALIDATOR, UnitGroup
from .selectors import visibility_q
from .services import may_edit

CODE_LENGTH, NAME_LENGTH = 60, 255  # UnitGroup.code and .name

# --- reads -------------------------------------------------------------------------------------------------------


def groups_visible(user: Any) -> QuerySet[UnitGroup]:
    """Groups the user may read, each with `member_count`: how many of its members lie in the user's scope."""
    in_scope = unit_selectors.scope_filter(user, unit_field="units")
    return (UnitGroup.objects.filter(visibility_q(user))
            .select_related("owner")
            .annotate(member_count=Count("units", filter=in_scope, distinct=True)))


def group_members(user: Any, group: UnitGroup) -> QuerySet[Unit]:
    """The group's members that the user may see, in tree order."""
    return unit_selectors.visible_units(user).filter(groups=group).order_by("path")


def groups_for_scope(unit: Unit) -> QuerySet[UnitGroup]:
    """Groups a target set on `unit` may name: national ones, those of `unit` or of a unit above it, and those
    owned inside its subtree — each with at least one member inside `unit`'s subtree (else it would reach nobody)."""
    ancestors = [int(segment) for segment in unit.path.strip("/").split("/") if segment]
    owners = Q(owner__isnull=True) | Q(owner_id__in=ancestors) | Q(owner__path__startswith=unit.path)
    has_member = UnitGroup.objects.filter(units__path__startswith=unit.path).values("pk")
    return UnitGroup.objects.filter(owners, pk__in=has_member).select_related("owner").order_by("name")


# --- writes ------------------------------------------------------------------------------------------------------


def _require_manager(by: Any, owner: Unit | None) -> None:
    if may_edit(by, owner):
        return
    if owner is None:
        message = _("Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được quản lý nhóm đơn vị dùng chung cả nước.")
    else:
        message = _("Bạn không có quyền quản lý nhóm đơn vị của “%(unit)s”: cần vai trò quản trị của đơn vị này.") % {
            "unit": owner.name}
    raise PermissionDenied(message, code="permission_denied")


def _check_members(owner: Unit | None, units: Iterable[Unit]) -> list[Unit]:
    """The units, once each; refuses the first one outside the owner's subtree, naming it."""
    unique = list({unit.pk: unit for unit in units}.values())
    for unit in unique:
        if not unit.path:
            raise DomainError(_("Đơn vị “%(unit)s” chưa có vị trí trong cây đơn vị.") % {"unit": unit.name},
                              field="units")
        if owner is not None and not unit.path.startswith(owner.path):
            raise DomainError(
                _("Đơn vị “%(unit)s” không thuộc “%(owner)s”: nhóm chỉ gồm các đơn vị thuộc đơn vị định nghĩa nhóm.")
                % {"unit": unit.name, "owner": owner.name},
                field="units",
            )
    return unique


def check_group_fields(*, code: str, name: str) -> tuple[str, str]:
    """The code and the name, normalised; refuses an empty name or a code that is not a lowercase ASCII code."""
    code, name = (code or "").strip(), nfc(name)
    if not code:
        raise DomainError(_("Cần nhập mã nhóm."), field="code")
    try:
        CODE_VALIDATOR(code)
    except Exception:  # noqa: BLE001 - django's ValidationError: the one message below says what is expected
        raise DomainError(_("Mã nhóm “%(code)s” không hợp lệ: chỉ gồm chữ thường không dấu, chữ số và dấu gạch "
                            "dưới, bắt đầu bằng một chữ.") % {"code": code}, field="code") from None
    if len(code) > CODE_LENGTH:
        raise DomainError(_("Mã nhóm quá dài (tối đa 60 ký tự)."), field="code")
    if not name:
        raise DomainError(_("Cần nhập tên nhóm."), field="name")
    if len(name) > NAME_LENGTH:
        raise DomainError(_("Tên nhóm quá dài (tối đa 255 ký tự)."), field="name")
    return code, name


@transaction.atomic
def group_create(*, by: Any, code: str, name: str, owner: Unit | None = None, description: str = "",
                 units: Iterable[Unit] = ()) -> UnitGroup:
    """A new group owned by `owner` (None: national) with its first members. Locks nothing: a new row."""
    _require_manager(by, owner)
    code, name = check_group_fields(code=code, name=name)
    members = _check_members(owner, units)
    if UnitGroup.objects.filter(code=code).exists():
        raise DomainError(_("Mã nhóm “%(code)s” đã được dùng.") % {"code": code}, field="code")
    group = UnitGroup(code=code, name=name, description=nfc(description), owner=owner)
    group._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:  # the same code saved a moment ago by someone else
        raise Conflict(_("Mã nhóm “%(code)s” vừa được người khác dùng.") % {"code": code}) from exc
    if members:
        group.units.add(*members)
    return group


def _lock(group: UnitGroup) -> UnitGroup:
    return UnitGroup.objects.select_for_update(of=("self",)).select_related("owner").get(pk=group.pk)


@transaction.atomic
def group_update(*, group: UnitGroup, by: Any, name: str, description: str = "") -> UnitGroup:
    """Rename or describe a group (its code and owner never change: targets and clients name them). Locks it."""
    locked = _lock(group)
    _require_manager(by, locked.owner)
    _code, name = check_group_fields(code=locked.code, name=name)
    locked.name, locked.description = name, nfc(description)
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def group_add_units(*, group: UnitGroup, units: Iterable[Unit], by: Any) -> UnitGroup:
    """Add members (those already in stay as they are). Locks the group row."""
    locked = _lock(group)
    _require_manager(by, locked.owner)
    members = _check_members(locked.owner, units)
    if not members:
        raise DomainError(_("Cần chọn ít nhất một đơn vị để thêm vào nhóm."), field="units")
    locked._history_user = by  # type: ignore[attr-defined]
    present = set(locked.units.filter(pk__in=[u.pk for u in members]).values_list("pk", flat=True))
    new = [unit for unit in members if unit.pk not in present]
    if new:
        locked.units.add(*new)
    return locked


@transaction.atomic
def group_remove_units(*, group: UnitGroup, units: Iterable[Unit], by: Any) -> UnitGroup:
    """Remove members; refuses a unit that is not a member (naming it). Locks the group row."""
    locked = _lock(group)
    _require_manager(by, locked.owner)
    members = list({unit.pk: unit for unit in units}.values())
    if not members:
        raise DomainError(_("Cần chọn ít nhất một đơn vị để bỏ khỏi nhóm."), field="units")
    current = set(locked.units.filter(pk__in=[u.pk for u in members]).values_list("pk", flat=True))
    for unit in members:
        if unit.pk not in current:
            raise DomainError(_("Đơn vị “%(unit)s” không thuộc nhóm “%(group)s”.") % {
                "unit": unit.name, "group": locked.name}, field="units")
    locked._history_user = by  # type: ignore[attr-defined]
    locked.units.remove(*members)
    return locked
