"""Writes of the reporting definitions: elements, indicators, categories, forms and their versions.

Every writer (the API, admin, commands) goes through these functions, so each rule lives here:

- Who edits: a superuser, or the administrator (units.roles.Role.ADMIN) of the nation for national definitions
  (no owner) or of the owner unit (a province) for a province's own. Refusals are PermissionDenied (403).
- A data element bound to a built-in figure, and a built-in indicator, keep what the statistics API promises:
  only their names and descriptions change. An element's breakdown and value type never change once values were
  entered with it (stored values would no longer partition by the options).
- Expressions parse and name only active elements (and their options) the definition may build on: national
  ones, or the same province's.
- A published form version is frozen: every change of it, its sections, fields or rules is refused (409) and
  a change of the form makes a new version (`version_new_draft`), which reports opened later use.

Locks: a version's parts are added or changed under `SELECT … FOR UPDATE` on the version row, publishing and
opening a new draft under a lock on the form row first (then the version), so two administrators cannot publish
two overlapping versions or open two drafts numbered alike.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.indicators import Indicator
from core.errors import Conflict, DomainError, PermissionDenied
from core.params import MAX_YEAR, MIN_YEAR
from units.models import Kind, Level, Unit
from units.roles import Role
from units.selectors import can_act_on

from . import selectors
from .expressions import ExpressionError, check_references, parse
from .models import (
    Aggregation,
    Category,
    CategoryOption,
    DataElement,
    Direction,
    FormField,
    FormSection,
    IndicatorDefinition,
    PeriodKind,
    ReportForm,
    ReportFormVersion,
    SectionKind,
    Severity,
    ValidationRule,
    ValueType,
    VersionStatus,
)

MAX_FACTOR = 1_000_000
MAX_ORDER = 32_767  # PositiveSmallIntegerField on every database


# --- permission ----------------------------------------------------------------------------------------------


def _nation() -> Unit | None:
    return Unit.objects.filter(level=Level.NATION, parent__isnull=True).order_by("pk").first()


def may_edit(user: Any, owner: Unit | None) -> bool:
    """Whether `user` may change a definition owned by `owner` (None: a national definition)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    unit = owner if owner is not None else _nation()
    return unit is not None and bool(unit.path) and can_act_on(user, unit, [Role.ADMIN])


def require_editor(user: Any, owner: Unit | None) -> None:
    if may_edit(user, owner):
        return
    if owner is None:
        message = _("Chỉ quản trị hệ thống hoặc quản trị cấp quốc gia được sửa định nghĩa dùng chung cả nước.")
    else:
        message = _("Chỉ quản trị của “%(unit)s” được sửa định nghĩa của đơn vị này.") % {"unit": owner.name}
    raise PermissionDenied(message, code="permission_denied")


def _check_owner(owner: Unit | None) -> None:
    if owner is not None and owner.level != Level.PROVINCE:
        raise DomainError(_("Đơn vị định nghĩa phải là một tỉnh, thành phố (để trống: dùng chung cả nước)."),
                          field="owner")


def _same_owner_or_national(owner_id: int | None, used_owner_id: int | None) -> bool:
    return used_owner_id is None or used_owner_id == owner_id


# --- validation helpers --------------------------------------------------------------------------------------


def _full_clean(obj: Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own field rules (lengths, code pattern, choices), as one DomainError naming the field."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = getattr(obj._meta.get_field(field), "verbose_name", "") if field != "__all__" else ""
        message = f"{str(label).capitalize()}: {messages[0]}" if label else messages[0]
        raise DomainError(message, field=None if field == "__all__" else field) from exc


def _save(obj: Model, by: Any, *, conflict: str) -> None:
    """Save under a savepoint: a unique code taken by a concurrent writer is a 409, never a 500."""
    obj._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(conflict) from exc


def _apply(obj: Model, changes: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    changed = []
    for name, value in changes.items():
        if name not in allowed:
            raise DomainError(_("Không thể sửa trường “%(field)s”.") % {"field": name}, field=name)
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


MAX_DEPTH = 100  # nesting of an expression's tree: evaluating and rendering it as SQL both recurse


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:  # iterative: the point is to refuse trees too deep for the recursive walkers
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_expression(text: str, owner_id: int | None, *, field: str, label: str,
                      elements: Mapping[str, set[str]] | None = None) -> None:
    too_complex = _("Biểu thức quá phức tạp (lồng quá %(n)s tầng).") % {"n": MAX_DEPTH}
    try:
        expression = check_references(text, elements if elements is not None else selectors.reference_map(owner_id))
    except ExpressionError as exc:
        raise DomainError(f"{label}: {exc}", field=field) from exc
    except (RecursionError, MemoryError) as exc:  # "-------…1": Python's parser gives up before ours can say why
        raise DomainError(f"{label}: {too_complex}", field=field) from exc
    if _depth(expression.tree) > MAX_DEPTH:
        raise DomainError(f"{label}: {too_complex}", field=field)


def _order(value: int | None, default: int) -> int:
    if value is None:
        return min(default, MAX_ORDER)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ORDER:
        raise DomainError(_("Thứ tự phải là số nguyên từ 0 đến %(max)s.") % {"max": MAX_ORDER}, field="order")
    return value


def _has_values(element: DataElement) -> bool:
    # reports builds on definitions, not the reverse: its model is looked up by name.
    report_value = apps.get_model("reports", "ReportValue")
    return bool(report_value.objects.filter(data_element=element).exists())


def _indicators_using(code: str) -> list[str]:
    slugs = []
    for indicator in IndicatorDefinition.objects.filter(is_active=True).only("slug", "numerator", "denominator"):
        refs = parse(indicator.numerator).refs + parse(indicator.denominator).refs
        if any(ref.element == code for ref in refs):
            slugs.append(indicator.slug)
    return slugs


# --- categories ----------------------------------------------------------------------------------------------


def _clean_options(options: Iterable[Any], existing: Iterable[str] = ()) -> list[tuple[str, str]]:
    seen = set(existing)
    clean = []
    for item in options:
        code, name = (item.get("code"), item.get("name")) if isinstance(item, Mapping) else item
        code, name = str(code or "").strip(), str(name or "").strip()
        if not code or not name:
            raise DomainError(_("Mỗi nhóm của phân tổ cần có mã và tên."), field="options")
        if code in seen:
            raise DomainError(_("Mã nhóm “%(code)s” bị trùng trong phân tổ.") % {"code": code}, field="options")
        seen.add(code)
        clean.append((code, name))
    return clean


def _add_options(category: Category, options: list[tuple[str, str]], by: Any, start: int) -> None:
    for order, (code, name) in enumerate(options, start=start):
        option = CategoryOption(category=category, code=code, name=name, order=min(order, MAX_ORDER))
        try:
            _full_clean(option, exclude=["category"])
        except DomainError as exc:
            raise DomainError(_("Nhóm “%(code)s”: %(message)s") % {"code": code, "message": exc.message},
                              field="options") from exc
        _save(option, by, conflict=_("Mã nhóm “%(code)s” vừa được thêm vào phân tổ.") % {"code": code})


@transaction.atomic
def category_create(*, by: Any, code: str, name: str, options: Iterable[Any], description: str = "",
                    owner: Unit | None = None) -> Category:
    """A breakdown with its options (at least two: `[(code, name), …]` or `[{"code", "name"}, …]`)."""
    require_editor(by, owner)
    _check_owner(owner)
    clean = _clean_options(options)
    if len(clean) < 2:
        raise DomainError(_("Phân tổ cần ít nhất hai nhóm."), field="options")
    category = Category(code=code, name=name, description=description, owner=owner)
    _full_clean(category)
    if Category.objects.filter(code=code).exists():
        raise DomainError(_("Mã phân tổ “%(code)s” đã được dùng.") % {"code": code}, field="code")
    _save(category, by, conflict=_("Mã phân tổ “%(code)s” vừa được dùng.") % {"code": code})
    _add_options(category, clean, by, start=0)
    return category


@transaction.atomic
def category_update(*, category: Category, by: Any, add_options: Iterable[Any] = (),
                    rename_options: Mapping[str, str] | None = None, **changes: Any) -> Category:
    """Name and description; options may be renamed or added (never removed or recoded: values were entered with
    them). `rename_options`: {option code: new name}."""
    locked: Category = _lock(Category, category.pk, "owner")
    require_editor(by, locked.owner)
    if "code" in changes and changes["code"] != locked.code:
        raise DomainError(_("Không thể đổi mã của phân tổ: biểu thức và số liệu đã lưu dùng mã này."), field="code")
    changes.pop("code", None)
    if _apply(locked, changes, ["name", "description"]):
        _full_clean(locked)
        _save(locked, by, conflict=_("Phân tổ vừa bị người khác thay đổi."))
    for code, name in (rename_options or {}).items():
        option = locked.options.filter(code=code).first()
        if option is None or not str(name or "").strip():
            raise DomainError(_("Nhóm “%(code)s” không có trong phân tổ hoặc thiếu tên.") % {"code": code},
                              field="options")
        if option.name != name:
            option.name = str(name).strip()
            _full_clean(option, exclude=["category"])
            _save(option, by, conflict=_("Phân tổ vừa bị người khác thay đổi."))
    existing = list(locked.options.values_list("code", flat=True))
    clean = _clean_options(add_options, existing)
    _add_options(locked, clean, by, start=len(existing))
    return locked


# --- data elements -------------------------------------------------------------------------------------------

ELEMENT_FIELDS = ("name", "short_name", "description", "value_type", "aggregation", "category", "unit_of_measure",
                  "is_active")
BUILTIN_ELEMENT_FIELDS = ("name", "short_name", "description")


def _check_category(category: Category | None, owner_id: int | None) -> None:
    if category is None:
        return
    if not _same_owner_or_national(owner_id, category.owner_id):
        raise DomainError(_("Phân tổ “%(name)s” thuộc đơn vị khác, không dùng được.") % {"name": category.name},
                          field="category")
    if category.options.count() < 2:
        raise DomainError(_("Phân tổ “%(name)s” chưa có đủ hai nhóm.") % {"name": category.name}, field="category")


@transaction.atomic
def element_create(*, by: Any, code: str, name: str, value_type: str = ValueType.INTEGER,
                   aggregation: str = Aggregation.SUM, category: Category | None = None, short_name: str = "",
                   description: str = "", unit_of_measure: str = "", owner: Unit | None = None) -> DataElement:
    require_editor(by, owner)
    _check_owner(owner)
    element = DataElement(code=code, name=name, short_name=short_name, description=description,
                          value_type=value_type, aggregation=aggregation, category=category,
                          unit_of_measure=unit_of_measure, owner=owner)
    _full_clean(element)
    _check_category(category, owner.pk if owner else None)
    if DataElement.objects.filter(code=code).exists():
        raise DomainError(_("Mã phần tử dữ liệu “%(code)s” đã được dùng.") % {"code": code}, field="code")
    _save(element, by, conflict=_("Mã phần tử dữ liệu “%(code)s” vừa được dùng.") % {"code": code})
    return element


@transaction.atomic
def element_update(*, element: DataElement, by: Any, **changes: Any) -> DataElement:
    locked: DataElement = _lock(DataElement, element.pk, "owner", "category")
    require_editor(by, locked.owner)
    if "code" in changes and changes["code"] != locked.code:
        raise DomainError(_("Không thể đổi mã của phần tử dữ liệu: biểu thức và số liệu đã lưu dùng mã này."),
                          field="code")
    changes.pop("code", None)
    if locked.is_builtin or locked.computed:
        for name in changes:
            if name not in BUILTIN_ELEMENT_FIELDS and getattr(locked, name, None) != changes[name]:
                raise DomainError(
                    _("Phần tử “%(code)s” gắn với chỉ tiêu có sẵn: chỉ sửa được tên, tên ngắn và mô tả.")
                    % {"code": locked.code}, field=name)
    old_category_id, old_value_type = locked.category_id, locked.value_type
    changed = _apply(locked, changes, ELEMENT_FIELDS)
    if not changed:
        return locked
    _full_clean(locked)
    if "category" in changed:
        _check_category(locked.category, locked.owner_id)
    if ("category" in changed and locked.category_id != old_category_id) or (
            "value_type" in changed and locked.value_type != old_value_type):
        if _has_values(locked):
            field = "category" if "category" in changed else "value_type"
            raise DomainError(_("Phần tử “%(code)s” đã có số liệu báo cáo: không thể đổi phân tổ hoặc kiểu giá trị."
                                " Hãy tạo phần tử mới.") % {"code": locked.code}, field=field)
    if "is_active" in changed and not locked.is_active:
        using = _indicators_using(locked.code)
        if using:
            raise DomainError(_("Phần tử “%(code)s” đang được dùng trong chỉ tiêu %(slugs)s: không thể ngừng dùng.")
                              % {"code": locked.code, "slugs": ", ".join(using)}, field="is_active")
    _save(locked, by, conflict=_("Phần tử dữ liệu vừa bị người khác thay đổi."))
    return locked


# --- indicators ----------------------------------------------------------------------------------------------

INDICATOR_FIELDS = ("name", "short_name", "description", "numerator", "numerator_label", "denominator",
                    "denominator_label", "factor", "decimals", "unit_of_measure", "direction", "is_active")
BUILTIN_INDICATOR_FIELDS = ("name", "short_name", "description", "numerator_label", "denominator_label")


def _check_indicator(indicator: IndicatorDefinition) -> None:
    _full_clean(indicator)
    if not 1 <= indicator.factor <= MAX_FACTOR:
        raise DomainError(_("Hệ số phải từ 1 đến %(max)s.") % {"max": MAX_FACTOR}, field="factor")
    owner_id = indicator.owner_id
    _check_expression(indicator.numerator, owner_id, field="numerator", label=_("Tử số"))
    _check_expression(indicator.denominator, owner_id, field="denominator", label=_("Mẫu số"))


@transaction.atomic
def indicator_create(*, by: Any, slug: str, name: str, numerator: str, denominator: str, numerator_label: str = "",
                     denominator_label: str = "", short_name: str = "", description: str = "", factor: int = 100,
                     decimals: int = 2, unit_of_measure: str = "%", direction: str = Direction.HIGHER,
                     owner: Unit | None = None) -> IndicatorDefinition:
    require_editor(by, owner)
    _check_owner(owner)
    indicator = IndicatorDefinition(
        slug=slug, name=name, short_name=short_name, description=description, numerator=numerator,
        numerator_label=numerator_label, denominator=denominator, denominator_label=denominator_label,
        factor=factor, decimals=decimals, unit_of_measure=unit_of_measure, direction=direction, owner=owner)
    _full_clean(indicator, exclude=["numerator", "denominator"])
    if slug in Indicator.values:
        raise DomainError(_("Mã chỉ tiêu “%(slug)s” trùng với một chỉ tiêu có sẵn.") % {"slug": slug}, field="slug")
    if IndicatorDefinition.objects.filter(slug=slug).exists():
        raise DomainError(_("Mã chỉ tiêu “%(slug)s” đã được dùng.") % {"slug": slug}, field="slug")
    _check_indicator(indicator)
    _save(indicator, by, conflict=_("Mã chỉ tiêu “%(slug)s” vừa được dùng.") % {"slug": slug})
    return indicator


@transaction.atomic
def indicator_update(*, indicator: IndicatorDefinition, by: Any, **changes: Any) -> IndicatorDefinition:
    locked: IndicatorDefinition = _lock(IndicatorDefinition, indicator.pk, "owner")
    require_editor(by, locked.owner)
    if "slug" in changes and changes["slug"] != locked.slug:
        raise DomainError(_("Không thể đổi mã chỉ tiêu: các hệ thống khác hỏi số liệu theo mã này."), field="slug")
    changes.pop("slug", None)
    if locked.builtin:
        for name in changes:
            if name not in BUILTIN_INDICATOR_FIELDS and getattr(locked, name, None) != changes[name]:
                raise DomainError(
                    _("Chỉ tiêu “%(slug)s” là chỉ tiêu có sẵn: công thức và cách tính không sửa được, chỉ sửa tên và "
                      "mô tả.") % {"slug": locked.slug}, field=name)
    if _apply(locked, changes, INDICATOR_FIELDS):
        if locked.builtin:
            _full_clean(locked, exclude=["numerator", "denominator"])
        else:
            _check_indicator(locked)
        _save(locked, by, conflict=_("Chỉ tiêu vừa bị người khác thay đổi."))
    return locked


# --- report forms and versions -------------------------------------------------------------------------------


def _check_kinds(kinds: Any) -> list[str]:
    if not isinstance(kinds, (list, tuple)) or any(k not in Kind.values for k in kinds):
        raise DomainError(_("Loại đơn vị báo cáo không hợp lệ."), field="kinds")
    return list(dict.fromkeys(kinds))


@transaction.atomic
def form_create(*, by: Any, code: str, name: str, level: str, period_kind: str = PeriodKind.YEARLY,
                kinds: Iterable[str] = (), is_summary: bool = False, description: str = "",
                owner: Unit | None = None) -> ReportForm:
    """A form with no version yet: `version_new_draft` opens its first one."""
    require_editor(by, owner)
    _check_owner(owner)
    form = ReportForm(code=code, name=name, level=level, period_kind=period_kind, kinds=_check_kinds(list(kinds)),
                      is_summary=is_summary, description=description, owner=owner)
    _full_clean(form)
    if ReportForm.objects.filter(code=code).exists():
        raise DomainError(_("Mã biểu mẫu “%(code)s” đã được dùng.") % {"code": code}, field="code")
    _save(form, by, conflict=_("Mã biểu mẫu “%(code)s” vừa được dùng.") % {"code": code})
    return form


@transaction.atomic
def form_update(*, form: ReportForm, by: Any, **changes: Any) -> ReportForm:
    """Name and description always; who reports on it (level, kinds, summary, period) only before a version is
    published, since the reports already made on it were made by those units."""
    locked: ReportForm = _lock(ReportForm, form.pk, "owner")
    require_editor(by, locked.owner)
    if "code" in changes and changes["code"] != locked.code:
        raise DomainError(_("Không thể đổi mã biểu mẫu."), field="code")
    changes.pop("code", None)
    if "kinds" in changes:
        changes["kinds"] = _check_kinds(changes["kinds"])
    changed = _apply(locked, changes, ["name", "description", "level", "kinds", "is_summary", "period_kind"])
    scope = [name for name in changed if name in ("level", "kinds", "is_summary", "period_kind")]
    if scope and locked.versions.exclude(status=VersionStatus.DRAFT).exists():
        raise Conflict(_("Biểu mẫu đã có phiên bản ban hành: không thể đổi cấp, loại đơn vị hay kỳ báo cáo. "
                         "Hãy tạo biểu mẫu mới."), field=scope[0])
    if changed:
        _full_clean(locked)
        _save(locked, by, conflict=_("Biểu mẫu vừa bị người khác thay đổi."))
    return locked


VERSION_FIELDS = ("title", "first_year", "last_year", "period_from", "period_to", "notes")


def _field_label(field: str) -> str:
    """The Vietnamese name of what a refused change touched: a version's part, or one of its own fields."""
    parts = {"sections": _("các mục"), "fields": _("các trường"), "rules": _("các quy tắc kiểm tra"),
             "status": _("trạng thái")}
    if field in parts:
        return parts[field]
    try:
        return str(ReportFormVersion._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - an unknown name is shown as it is
        return field


def _frozen(version: ReportFormVersion, field: str) -> Conflict:
    return Conflict(
        _("Phiên bản %(number)s của biểu mẫu “%(form)s” %(status)s nên không sửa được %(what)s. "
          "Hãy tạo phiên bản mới.") % {
            "number": version.number, "form": version.form.name, "what": _field_label(field),
            "status": _("đã ngừng sử dụng") if version.status == VersionStatus.RETIRED else _("đã ban hành")},
        field=field, code="frozen")


def _lock(model: type[Any], pk: int, *related: str) -> Any:
    # `of=("self",)`: the owner is a nullable foreign key, joined by an outer join PostgreSQL cannot lock.
    return model.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


def _draft_of(version: ReportFormVersion, by: Any, field: str) -> ReportFormVersion:
    """The version, locked, after checking the editor; refused (409, naming `field`) unless it is a draft."""
    locked: ReportFormVersion = _lock(ReportFormVersion, version.pk, "form", "form__owner")
    require_editor(by, locked.form.owner)
    if locked.is_frozen:
        raise _frozen(locked, field)
    return locked


@transaction.atomic
def version_new_draft(form: ReportForm, by: Any, *, title: str | None = None, first_year: int | None = None,
                      last_year: int | None = None, period_from: int | None = None, period_to: int | None = None,
                      notes: str = "") -> ReportFormVersion:
    """Number + 1, as a draft: a copy of the latest version's sections, fields and rules (none for a first
    version). One draft at a time per form. Years default to the latest version's, from the year after its start
    (or this year, if later): publishing closes the older version's years."""
    locked_form: ReportForm = _lock(ReportForm, form.pk, "owner")
    require_editor(by, locked_form.owner)
    draft = locked_form.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        raise Conflict(_("Biểu mẫu đang có phiên bản nháp số %(number)s: hãy sửa và ban hành phiên bản đó.")
                       % {"number": draft.number}, field="versions")
    latest = locked_form.versions.order_by("-number").first()
    if latest is None and (not title or first_year is None):
        raise DomainError(_("Phiên bản đầu tiên cần tiêu đề và năm bắt đầu áp dụng."),
                          field="title" if not title else "first_year")
    if first_year is None:
        first_year = max(latest.first_year + 1, timezone.localdate().year) if latest else MIN_YEAR
    version = ReportFormVersion(
        form=locked_form, number=(latest.number + 1) if latest else 1, status=VersionStatus.DRAFT,
        title=title or (latest.title if latest else ""), first_year=first_year, last_year=last_year,
        period_from=period_from if period_from is not None else (latest.period_from if latest else None),
        period_to=period_to if period_to is not None else (latest.period_to if latest else None),
        notes=notes)
    _full_clean(version, exclude=["form", "published_by"])
    _check_years(version)
    _save(version, by, conflict=_("Một phiên bản mới của biểu mẫu vừa được tạo."))
    if latest is not None:
        _copy_parts(latest, version, by)
    return version


def _copy_parts(source: ReportFormVersion, target: ReportFormVersion, by: Any) -> None:
    for section in source.sections.order_by("order", "id"):
        fields = list(section.fields.order_by("order", "id"))
        section.pk, section.id, section.version = None, None, target  # type: ignore[assignment]
        section._history_user = by  # type: ignore[attr-defined]
        section.save()
        for field in fields:
            field.pk, field.id, field.section = None, None, section  # type: ignore[assignment]
            field._history_user = by  # type: ignore[attr-defined]
            field.save()
    for rule in source.rules.order_by("order", "id"):
        rule.pk, rule.id, rule.version = None, None, target  # type: ignore[assignment]
        rule._history_user = by  # type: ignore[attr-defined]
        rule.save()


def _check_years(version: ReportFormVersion) -> None:
    if not MIN_YEAR <= version.first_year <= MAX_YEAR:
        raise DomainError(_("Năm bắt đầu áp dụng phải từ %(min)s đến %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR},
                          field="first_year")
    if version.last_year is not None and not version.first_year <= version.last_year <= MAX_YEAR:
        raise DomainError(_("Năm kết thúc áp dụng phải từ năm bắt đầu (%(first)s) đến %(max)s.")
                          % {"first": version.first_year, "max": MAX_YEAR}, field="last_year")
    if (version.period_from is None) != (version.period_to is None):
        raise DomainError(_("Giai đoạn cần cả năm bắt đầu và năm kết thúc."), field="period_from")
    if version.period_from is not None and version.period_to is not None and not (
            MIN_YEAR <= version.period_from <= version.period_to <= MAX_YEAR):
        raise DomainError(_("Giai đoạn không hợp lệ: năm bắt đầu phải không lớn hơn năm kết thúc."),
                          field="period_to")


@transaction.atomic
def version_update(*, version: ReportFormVersion, by: Any, **changes: Any) -> ReportFormVersion:
    field = next(iter(changes), "title")
    locked = _draft_of(version, by, field)
    if _apply(locked, changes, VERSION_FIELDS):
        _full_clean(locked, exclude=["form", "published_by"])
        _check_years(locked)
        _save(locked, by, conflict=_("Phiên bản vừa bị người khác thay đổi."))
    return locked


def _years(first: int, last: int | None) -> str:
    return f"{first}–{last}" if last is not None else _("%(first)s trở đi") % {"first": first}


@transaction.atomic
def version_publish(version: ReportFormVersion, by: Any) -> ReportFormVersion:
    """Checks, then freezes the draft: at least one field; fields name active elements; every rule names only
    elements on this version's fields; years sane; no overlap with another published version of the form
    (an older one still open is closed the year before, and its notes say so)."""
    list(ReportForm.objects.select_for_update().filter(pk=version.form_id))  # the form first: see the module
    locked = _draft_of(version, by, "status")
    fields = list(FormField.objects.filter(section__version=locked).select_related("data_element",
                                                                                   "data_element__category"))
    if not fields:
        raise DomainError(_("Phiên bản chưa có trường nào: thêm ít nhất một trường trước khi ban hành."),
                          field="fields")
    on_form: dict[str, set[str]] = {}
    for field in fields:
        element = field.data_element
        if element is None:
            continue
        if not element.is_active:
            raise DomainError(_("Phần tử “%(code)s” trên biểu mẫu đã ngừng dùng.") % {"code": element.code},
                              field="fields")
        category = element.category
        on_form[element.code] = set(category.options.values_list("code", flat=True)) if category else set()
    for rule in locked.rules.all():
        for side, label in (("left", _("vế trái")), ("right", _("vế phải"))):
            _check_expression(getattr(rule, side), None, field=f"rules.{rule.code}.{side}",
                              label=_("Quy tắc “%(code)s”, %(side)s (chỉ dùng phần tử có trên biểu mẫu)")
                              % {"code": rule.code, "side": label}, elements=on_form)
    _check_years(locked)
    last = locked.last_year if locked.last_year is not None else MAX_YEAR + 1
    others = ReportFormVersion.objects.select_for_update().filter(
        form_id=locked.form_id, status=VersionStatus.PUBLISHED).exclude(pk=locked.pk).order_by("number")
    to_close = []
    for other in others:
        other_last = other.last_year if other.last_year is not None else MAX_YEAR + 1
        if other.first_year > last or other_last < locked.first_year:
            continue
        if other.first_year >= locked.first_year:
            raise Conflict(_("Phiên bản %(number)s đang áp dụng cho các năm %(years)s, trùng với %(mine)s.")
                           % {"number": other.number, "years": _years(other.first_year, other.last_year),
                              "mine": _years(locked.first_year, locked.last_year)}, field="first_year")
        to_close.append(other)
    now = timezone.now()
    for other in to_close:
        other.last_year = locked.first_year - 1
        note = _("Áp dụng đến năm %(year)s: phiên bản %(number)s ban hành ngày %(date)s áp dụng từ năm %(first)s.") % {
            "year": other.last_year, "number": locked.number,
            "date": timezone.localtime(now).strftime("%d/%m/%Y"), "first": locked.first_year}
        other.notes = f"{other.notes}\n{note}".strip()
        _save(other, by, conflict=_("Phiên bản cũ vừa bị người khác thay đổi."))
    locked.status, locked.published_at, locked.published_by = VersionStatus.PUBLISHED, now, by
    _save(locked, by, conflict=_("Phiên bản vừa bị người khác thay đổi."))
    return locked


@transaction.atomic
def version_retire(version: ReportFormVersion, by: Any) -> ReportFormVersion:
    """No new report opens on it; reports made on it keep it."""
    locked: ReportFormVersion = _lock(ReportFormVersion, version.pk, "form", "form__owner")
    require_editor(by, locked.form.owner)
    if locked.status != VersionStatus.PUBLISHED:
        message = (_("Phiên bản nháp chưa ban hành: hãy xóa thay vì ngừng sử dụng.")
                   if locked.status == VersionStatus.DRAFT else _("Phiên bản đã ngừng sử dụng."))
        raise Conflict(message, field="status")
    locked.status = VersionStatus.RETIRED
    _save(locked, by, conflict=_("Phiên bản vừa bị người khác thay đổi."))
    return locked


@transaction.atomic
def version_delete(version: ReportFormVersion, by: Any) -> None:
    """Only a draft (no report was ever opened on it)."""
    locked = _draft_of(version, by, "status")
    locked._history_user = by  # type: ignore[attr-defined]
    for rule in locked.rules.all():
        rule._history_user = by  # type: ignore[attr-defined]
        rule.delete()
    for field in FormField.objects.filter(section__version=locked):
        field._history_user = by  # type: ignore[attr-defined]
        field.delete()
    for section in locked.sections.all():
        section._history_user = by  # type: ignore[attr-defined]
        section.delete()
    locked.delete()


# --- sections, fields, rules of a draft ----------------------------------------------------------------------

SECTION_FIELDS = ("code", "title", "kind", "order", "help_text")
FIELD_FIELDS = ("data_element", "narrative_code", "label", "help_text", "required", "order")
RULE_FIELDS = ("code", "left", "operator", "right", "message", "severity", "order")


def _next_order(qs: Any) -> int:
    last = qs.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


def _check_section(section: FormSection) -> None:
    _full_clean(section, exclude=["version"])
    if FormSection.objects.filter(version_id=section.version_id, code=section.code).exclude(pk=section.pk).exists():
        raise DomainError(_("Mã mục “%(code)s” đã có trong phiên bản này.") % {"code": section.code}, field="code")
    if not section.pk:
        return
    if section.kind != SectionKind.NARRATIVE and section.fields.filter(data_element__isnull=True).exists():
        raise DomainError(_("Mục có nội dung văn bản: không đổi thành mục số liệu được."), field="kind")
    if section.kind != SectionKind.FIGURES and section.fields.filter(data_element__isnull=False).exists():
        raise DomainError(_("Mục có phần tử dữ liệu: không đổi thành mục nội dung được."), field="kind")


@transaction.atomic
def section_add(*, version: ReportFormVersion, by: Any, code: str, title: str, kind: str = SectionKind.FIGURES,
                order: int | None = None, help_text: str = "") -> FormSection:
    locked = _draft_of(version, by, "sections")
    section = FormSection(version=locked, code=code, title=title, kind=kind, help_text=help_text,
                          order=_order(order, _next_order(locked.sections)))
    _check_section(section)
    _save(section, by, conflict=_("Mã mục “%(code)s” vừa được dùng.") % {"code": code})
    return section


@transaction.atomic
def section_update(*, section: FormSection, by: Any, **changes: Any) -> FormSection:
    _draft_of(section.version, by, "sections")
    locked = FormSection.objects.select_for_update().get(pk=section.pk)
    if "order" in changes:
        changes["order"] = _order(changes["order"], locked.order)
    if _apply(locked, changes, SECTION_FIELDS):
        _check_section(locked)
        _save(locked, by, conflict=_("Mã mục vừa được dùng."))
    return locked


@transaction.atomic
def section_delete(*, section: FormSection, by: Any) -> None:
    _draft_of(section.version, by, "sections")
    for field in section.fields.all():
        field._history_user = by  # type: ignore[attr-defined]
        field.delete()
    section._history_user = by  # type: ignore[attr-defined]
    section.delete()


def _check_field(field: FormField, version: ReportFormVersion) -> None:
    _full_clean(field, exclude=["section", "data_element"])
    section = field.section
    element = field.data_element
    if (element is None) == (not field.narrative_code):
        raise DomainError(_("Một trường là một phần tử dữ liệu hoặc một mục nội dung, không cả hai."),
                          field="data_element")
    siblings = FormField.objects.filter(section__version=version).exclude(pk=field.pk)
    if element is not None:
        if section.kind != SectionKind.FIGURES:
            raise DomainError(_("Phần tử dữ liệu chỉ đặt trong mục số liệu."), field="data_element")
        if element.computed:
            raise DomainError(_("Phần tử “%(code)s” do hệ thống tính, không nhập trên biểu mẫu.")
                              % {"code": element.code}, field="data_element")
        if not element.is_active:
            raise DomainError(_("Phần tử “%(code)s” đã ngừng dùng.") % {"code": element.code}, field="data_element")
        if not _same_owner_or_national(version.form.owner_id, element.owner_id):
            raise DomainError(_("Phần tử “%(code)s” thuộc đơn vị khác, không dùng được trên biểu mẫu này.")
                              % {"code": element.code}, field="data_element")
        if siblings.filter(data_element=element).exists():
            raise DomainError(_("Phần tử “%(code)s” đã có trên phiên bản này.") % {"code": element.code},
                              field="data_element")
    else:
        if section.kind != SectionKind.NARRATIVE:
            raise DomainError(_("Mục nội dung văn bản chỉ đặt trong mục nội dung."), field="narrative_code")
        if siblings.filter(narrative_code=field.narrative_code).exists():
            raise DomainError(_("Mã nội dung “%(code)s” đã có trên phiên bản này.") % {"code": field.narrative_code},
                              field="narrative_code")


@transaction.atomic
def field_add(*, section: FormSection, by: Any, data_element: DataElement | None = None, narrative_code: str = "",
              label: str = "", help_text: str = "", required: bool = True, order: int | None = None) -> FormField:
    locked = _draft_of(section.version, by, "fields")
    section = FormSection.objects.select_related("version").get(pk=section.pk)
    field = FormField(section=section, data_element=data_element, narrative_code=narrative_code or "", label=label,
                      help_text=help_text, required=required, order=_order(order, _next_order(section.fields)))
    _check_field(field, locked)
    _save(field, by, conflict=_("Trường vừa được thêm."))
    return field


@transaction.atomic
def field_update(*, field: FormField, by: Any, **changes: Any) -> FormField:
    locked_version = _draft_of(field.section.version, by, "fields")
    locked = FormField.objects.select_for_update().select_related("section").get(pk=field.pk)
    if "order" in changes:
        changes["order"] = _order(changes["order"], locked.order)
    if "narrative_code" in changes:
        changes["narrative_code"] = changes["narrative_code"] or ""
    if _apply(locked, changes, FIELD_FIELDS):
        _check_field(locked, locked_version)
        _save(locked, by, conflict=_("Trường vừa bị người khác thay đổi."))
    return locked


@transaction.atomic
def field_delete(*, field: FormField, by: Any) -> None:
    _draft_of(field.section.version, by, "fields")
    field._history_user = by  # type: ignore[attr-defined]
    field.delete()


def _check_rule(rule: ValidationRule, owner_id: int | None) -> None:
    _full_clean(rule, exclude=["version", "left", "right"])
    if ValidationRule.objects.filter(version_id=rule.version_id, code=rule.code).exclude(pk=rule.pk).exists():
        raise DomainError(_("Mã quy tắc “%(code)s” đã có trong phiên bản này.") % {"code": rule.code}, field="code")
    _check_expression(rule.left, owner_id, field="left", label=_("Vế trái"))
    _check_expression(rule.right, owner_id, field="right", label=_("Vế phải"))


@transaction.atomic
def rule_add(*, version: ReportFormVersion, by: Any, code: str, left: str, operator: str, right: str, message: str,
             severity: str = Severity.BLOCKING, order: int | None = None) -> ValidationRule:
    """Expressions name existing active elements here; publishing checks they are all on the version's fields."""
    locked = _draft_of(version, by, "rules")
    rule = ValidationRule(version=locked, code=code, left=left, operator=operator, right=right, message=message,
                          severity=severity, order=_order(order, _next_order(locked.rules)))
    _check_rule(rule, locked.form.owner_id)
    _save(rule, by, conflict=_("Mã quy tắc “%(code)s” vừa được dùng.") % {"code": code})
    return rule


@transaction.atomic
def rule_update(*, rule: ValidationRule, by: Any, **changes: Any) -> ValidationRule:
    locked_version = _draft_of(rule.version, by, "rules")
    locked = ValidationRule.objects.select_for_update().get(pk=rule.pk)
    if "order" in changes:
        changes["order"] = _order(changes["order"], locked.order)
    if _apply(locked, changes, RULE_FIELDS):
        _check_rule(locked, locked_version.form.owner_id)
        _save(locked, by, conflict=_("Mã quy tắc vừa được dùng."))
    return locked


@transaction.atomic
def rule_delete(*, rule: ValidationRule, by: Any) -> None:
    _draft_of(rule.version, by, "rules")
    rule._history_user = by  # type: ignore[attr-defined]
    rule.delete()

