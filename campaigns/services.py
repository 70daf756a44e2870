"""Writes of plans and targets, and the plan's PDF. Pages, API, admin, demo and tasks all come here.

Locks: every write of a plan takes `SELECT … FOR UPDATE` on the plan row (and checks `revision`
when the caller sends one), so two officers editing the same draft cannot overwrite each other
silently, and an issue cannot interleave with an edit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.documents import services as register
from core.documents.models import Document, RegisterCounter, format_number, register_of
from core.documents.sanitize import rich_text
from core.documents.services import issuing_body_for
from core.errors import Conflict, DomainError
from core.text import nfc
from definitions.groups import groups_for_scope
from definitions.models import IndicatorDefinition, UnitGroup
from units import selectors as unit_selectors
from units.models import Kind, Level, Unit
from units.roles import Role

from . import selectors
from .models import Campaign, CapacityMark, DocumentKind, PdfStatus, Plan, Target

logger = logging.getLogger(__name__)

EDIT_ROLES = (Role.OFFICER,)  # the unit's administrator is added by the scoping selector
RICH_TEXT_FIELDS = (
    "introduction", "purposes", "contents", "criteria", "solutions", "schedule", "budget", "organisation", "closing",
)
PLAIN_FIELDS = (
    "kind", "number", "issuing_body", "parent_body", "place", "title", "addressees", "recipients",
    "signer_collective", "signer_capacity", "signer_principal", "signer_title", "signer_name", "parent_reference",
)
EDITABLE_FIELDS = (*PLAIN_FIELDS, *RICH_TEXT_FIELDS, "issued_on", "parent")
# What a correction copies from the version it replaces.
COPIED_FIELDS = ("campaign", "unit", *PLAIN_FIELDS, *RICH_TEXT_FIELDS, "issued_on", "parent")
NUMBER_SEQUENCE = re.compile(r"^\s*(\d+)\s*/")
STOP_WORDS = {"và", "của"}
PLACE_WORDS = {"tỉnh", "thành", "huyện", "quận", "thị", "xã", "phường"}


# --- numbering ---------------------------------------------------------------------------------


def suggest_number(*, unit: Unit, kind: str, year: int) -> str:
    """The number the register would give the unit's next plan (or công văn) of `year`: '01/KH-UBND'.
    Only a preview: the number is taken when the plan is issued (document_register.next_seq)."""
    issuer = issuing_body_for(unit)
    counter = (RegisterCounter.objects.filter(issuer=issuer, kind=register_of(kind), year=year)
               .values_list("last_seq", flat=True))
    return format_number(seq=(counter.first() or 0) + 1, kind=kind, abbreviation=issuer.abbreviation)


def _lowercase_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _place_name(province: Unit | None) -> str:
    if province is None:
        return ""
    for prefix in ("Tỉnh ", "Thành phố "):
        if province.name.startswith(prefix):
            return province.name[len(prefix):]
    return province.name


# Organisations whose documents carry the managing People's Committee as cơ quan chủ quản.
MANAGED_KINDS = {Kind.DEPARTMENT, Kind.AGENCY, Kind.SCHOOL, Kind.LEARNING_CENTRE}


def default_header(unit: Unit) -> dict[str, str]:
    """Issuing body, parent body and place a new plan starts from (all editable)."""
    chain = [*unit_selectors.unit_ancestors(unit), unit]
    province = next((u for u in chain if u.level == Level.PROVINCE), None)
    if unit.level == Level.NATION:
        return {"issuing_body": "", "parent_body": "", "place": "Hà Nội"}
    if unit.level != Level.ORGANISATION:
        return {"issuing_body": f"Ủy ban nhân dân {_lowercase_first(unit.name)}", "parent_body": "",
                "place": _place_name(province)}
    manager = unit.parent if unit.parent_id else None
    parent_body = ""
    if unit.kind in MANAGED_KINDS and manager is not None and manager.level not in (Level.ORGANISATION, Level.NATION):
        parent_body = f"Ủy ban nhân dân {_lowercase_first(manager.name)}"
    return {"issuing_body": unit.name, "parent_body": parent_body, "place": _place_name(province)}


# --- validation --------------------------------------------------------------------------------


def _clean_fields(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Trường không được phép sửa: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
                          field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name in RICH_TEXT_FIELDS:
            cleaned[name] = rich_text(value or "")
        elif name in PLAIN_FIELDS:
            cleaned[name] = nfc(value or "") if name not in ("addressees", "recipients") else _clean_lines(value)
        else:
            cleaned[name] = value
    return cleaned


def _clean_lines(value: str | None) -> str:
    lines = [nfc(line).lstrip("-–• ").strip() for line in (value or "").splitlines()]
    return "\n".join(line for line in lines if line)


def _validate_parent(plan: Plan, by) -> None:
    if plan.parent_id is None:
        return
    if plan.parent_id == plan.pk:
        raise DomainError(_("Kế hoạch cấp trên không thể là chính kế hoạch này."), field="parent")
    # Read again: the caller's object may be stale, and the caller must be allowed to see it.
    parent = selectors.visible_plans(by).filter(pk=plan.parent_id).first()
    if parent is None:
        raise DomainError(_("Không tìm thấy kế hoạch cấp trên hoặc bạn không có quyền xem."), field="parent")
    if parent.status != Plan.Status.ISSUED:
        raise DomainError(_("Kế hoạch cấp trên phải là kế hoạch đã ban hành."), field="parent")
    if parent.campaign_id != plan.campaign_id:
        raise DomainError(_("Kế hoạch cấp trên thuộc một phong trào khác."), field="parent")
    ancestor, steps = parent, 0
    while ancestor is not None and steps < selectors.CHAIN_LIMIT:
        if ancestor.pk == plan.pk:
            raise DomainError(_("Kế hoạch cấp trên tạo thành vòng lặp."), field="parent")
        ancestor, steps = ancestor.parent, steps + 1


def _validate_plan(plan: Plan, by) -> None:
    if plan.kind not in DocumentKind.values:
        raise DomainError(_("Loại văn bản không hợp lệ."), field="kind")
    if plan.signer_capacity not in CapacityMark.values:
        raise DomainError(_("Thẩm quyền ký không hợp lệ."), field="signer_capacity")
    signs_for_someone = plan.signer_capacity and plan.signer_capacity != CapacityMark.ON_BEHALF_OF_COLLECTIVE
    if signs_for_someone and not plan.signer_principal:
        raise DomainError(
            _("Ký “%(mark)s” cần ghi rõ ký thay/thừa lệnh cho ai (ví dụ: Chủ tịch).") % {"mark": plan.signer_capacity},
            field="signer_principal",
        )
    if plan.issued_on is not None:
        campaign = plan.campaign
        if not campaign.start_year <= plan.issued_on.year <= campaign.end_year:
            raise DomainError(
                _("Ngày ban hành phải trong thời gian của phong trào (%(start)s–%(end)s).")
                % {"start": campaign.start_year, "end": campaign.end_year},
                field="issued_on",
            )
        if not plan.unit.is_valid_on(plan.issued_on):
            raise DomainError(
                _("Đơn vị “%(unit)s” không còn hiệu lực vào ngày ban hành %(day)s.")
                % {"unit": plan.unit.name, "day": plan.issued_on.strftime("%d/%m/%Y")},
                field="issued_on",
            )
    _validate_parent(plan, by)
    try:
        plan.full_clean(exclude=["pdf_file", "campaign", "unit", "parent", "supersedes", "created_by"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = Plan._meta.get_field(field).verbose_name if field in {f.name for f in Plan._meta.fields} else field
        raise DomainError(f"{str(label).capitalize()}: {messages[0]}", field=field) from exc


def _validate_for_issue(plan: Plan) -> None:
    # No number: the register gives one at issue. A number typed in is an act issued outside the portal.
    required = [("issued_on", plan.issued_on), ("issuing_body", plan.issuing_body),
                ("place", plan.place), ("title", plan.title)]
    for field, value in required:
        if not value:
            label = Plan._meta.get_field(field).verbose_name
            raise DomainError(_("Cần nhập “%(field)s” trước khi ban hành.") % {"field": label}, field=field)
    if plan.number and not NUMBER_SEQUENCE.match(plan.number):
        raise DomainError(
            _("Số văn bản “%(number)s” chưa có số thứ tự (ví dụ: 151/KH-UBND).") % {"number": plan.number},
            field="number",
        )
    if not (plan.signer_title or plan.signer_name):
        raise DomainError(_("Cần nhập chức vụ hoặc họ tên người ký trước khi ban hành."), field="signer_title")
    if not (plan.introduction or any(html for _name, _label, html in plan.sections())):
        raise DomainError(_("Kế hoạch chưa có nội dung."), field="contents")
    if plan.issued_on > timezone.localdate():
        raise DomainError(_("Ngày ban hành không được sau ngày hôm nay."), field="issued_on")
    clash = plan.number and (
        Plan.objects.filter(unit=plan.unit, status=Plan.Status.ISSUED, number=plan.number,
                            issued_on__year=plan.issued_on.year)
        .exclude(pk=plan.pk)
        .exclude(pk=plan.supersedes_id)
    )
    if clash and clash.exists():
        raise DomainError(
            _("Số “%(number)s” đã được dùng cho một văn bản khác của đơn vị trong năm %(year)s.")
            % {"number": plan.number, "year": plan.issued_on.year},
            field="number",
        )


def _lock_for_edit(plan: Plan, by, *, expected_revision: int | None) -> Plan:
    locked = Plan.objects.select_for_update(of=("self",)).select_related("unit", "campaign", "parent").get(pk=plan.pk)
    unit_selectors.require_role(
        by, locked.unit, EDIT_ROLES,
        action=_("Bạn không có quyền sửa kế hoạch của đơn vị “%(unit)s”.") % {"unit": locked.unit.name},
    )
    if locked.status == Plan.Status.ISSUED:
        raise Conflict(
            _("Kế hoạch số %(number)s đã ban hành nên không thể sửa. Hãy tạo bản đính chính (phiên bản mới).")
            % {"number": locked.number},
            code="immutable",
        )
    if expected_revision is not None and int(expected_revision) != locked.revision:
        raise Conflict(_("Kế hoạch đã được người khác sửa đổi. Vui lòng tải lại trang trước khi lưu."), code="stale")
    return locked


# --- plans -------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, unit: Unit, campaign: Campaign, by, fields: Mapping[str, Any]) -> Plan:
    """A new draft of `unit`. Needs the officer (or admin) role over the unit. Locks nothing: a new
    row cannot be edited concurrently."""
    unit_selectors.require_role(
        by, unit, EDIT_ROLES,
        action=_("Bạn không có quyền lập kế hoạch cho đơn vị “%(unit)s”.") % {"unit": unit.name},
    )
    plan = Plan(unit=unit, campaign=campaign, created_by=by if by and by.pk else None,
                **{**default_header(unit), **_clean_fields(fields)})
    _validate_plan(plan, by)
    plan._history_user = by
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, by, changes: Mapping[str, Any], expected_revision: int | None = None) -> Plan:
    """Edit a draft. Locks the plan row; refuses issued plans (409) and stale revisions (409)."""
    locked = _lock_for_edit(plan, by, expected_revision=expected_revision)
    for name, value in _clean_fields(changes).items():
        setattr(locked, name, value)
    _validate_plan(locked, by)
    locked.revision += 1
    locked._history_user = by
    locked.save()
    return locked


@transaction.atomic
def plan_issue(*, plan: Plan, by, expected_revision: int | None = None) -> Plan:
    """Draft → issued: from now on the plan is immutable. Locks the plan row. Queues the PDF."""
    locked = _lock_for_edit(plan, by, expected_revision=expected_revision)
    _validate_plan(locked, by)
    _validate_for_issue(locked)
    document = _register_plan(locked, by)
    locked.number = document.number
    locked.status = Plan.Status.ISSUED
    locked.issued_at = timezone.now()
    locked.revision += 1
    locked._history_user = by
    locked.save()
    return locked


def _document_fields(plan: Plan) -> dict:
    return {
        "kind": plan.kind, "issuer": issuing_body_for(plan.unit), "subject": plan, "title": plan.title,
        "capacity": plan.signer_capacity, "principal": plan.signer_principal, "signer_title": plan.signer_title,
        "signer_name": plan.signer_name, "recipients": [line.strip() for line in plan.recipients.splitlines()],
    }


def _register_plan(plan: Plan, by) -> Document:
    """Number the plan in its issuing body's register (the render is queued on commit); a plan whose
    number was typed in was issued outside the portal and is registered with that number, marked so."""
    if plan.number:
        return register.document_register_external(number=plan.number, date=plan.issued_on, by=by,
                                                   **_document_fields(plan))
    return register.document_issue(date=plan.issued_on, by=by, **_document_fields(plan))


@transaction.atomic
def plan_correct(*, plan: Plan, by) -> Plan:
    """Start a correction of an issued plan: a new draft version linked to the one it replaces, with
    the same content and targets. Locks the issued plan's row so that only one correction is opened."""
    locked = Plan.objects.select_for_update(of=("self",)).select_related("unit").get(pk=plan.pk)
    unit_selectors.require_role(
        by, locked.unit, EDIT_ROLES,
        action=_("Bạn không có quyền đính chính kế hoạch của đơn vị “%(unit)s”.") % {"unit": locked.unit.name},
    )
    if locked.status != Plan.Status.ISSUED:
        raise Conflict(_("Chỉ đính chính được kế hoạch đã ban hành; bản dự thảo thì sửa trực tiếp."),
                       code="not_issued")
    existing = Plan.objects.filter(supersedes=locked).first()
    if existing is not None:
        raise Conflict(
            _("Kế hoạch này đã có phiên bản %(version)s thay thế.") % {"version": existing.version},
            code="already_corrected",
        )
    correction = Plan(**{name: getattr(locked, name) for name in COPIED_FIELDS})
    document = register.document_for(locked, kind=locked.kind)
    if document is not None and not document.external:
        correction.number = ""  # the new version takes its own number from the register when issued
    correction.version = locked.version + 1
    correction.supersedes = locked
    correction.created_by = by if by and by.pk else None
    correction._history_user = by
    try:
        with transaction.atomic():
            correction.save()
    except IntegrityError as exc:  # the OneToOne: someone opened the correction a moment ago
        raise Conflict(_("Kế hoạch này vừa được người khác đính chính."), code="already_corrected") from exc
    Target.objects.bulk_create([
        Target(indicator=t.indicator, unit_id=t.unit_id, unit_group_id=t.unit_group_id, year=t.year,
               percentage=t.percentage, campaign_id=t.campaign_id, plan=correction)
        for t in locked.targets.all()
    ])
    return correction


# --- targets -----------------------------------------------------------------------------------


def _check_indicator(indicator: str) -> IndicatorDefinition:
    """Any active indicator defined as data, or a built-in slug of the API (the void district one stays accepted
    for the history of 2023–2025 plans)."""
    slug = indicator.strip() if isinstance(indicator, str) else ""
    if not slug:
        raise DomainError(_("Cần chọn chỉ tiêu."), field="indicator")
    definition = selectors.target_indicators().filter(slug=slug).first()
    if definition is None:
        raise DomainError(_("Chỉ tiêu “%(slug)s” không tồn tại hoặc đã ngừng sử dụng.") % {"slug": slug},
                          field="indicator")
    return definition


def _check_group(unit_group: UnitGroup | None, unit: Unit) -> None:
    """A group target reaches the group's members inside `unit`: the group must be one a target on `unit` may name
    (national, of `unit` or above, or owned inside it) and have a member there."""
    if unit_group is None:
        return
    if not groups_for_scope(unit).filter(pk=unit_group.pk).exists():
        raise DomainError(
            _("Nhóm đơn vị “%(group)s” không có đơn vị nào thuộc “%(unit)s” hoặc không dùng được ở phạm vi này.")
            % {"group": unit_group.name, "unit": unit.name},
            field="unit_group",
        )


@transaction.atomic
def target_add(*, plan: Plan, by, indicator: str, year: int, percentage, unit: Unit | None = None,
               unit_group: UnitGroup | None = None) -> Target:
    """Add a target to a draft plan: for the whole of `unit` (default: the plan's area), or with `unit_group` for
    the group's members inside it only. Locks the plan row (targets are part of the plan's content)."""
    locked = _lock_for_edit(plan, by, expected_revision=None)
    scope = selectors.administrative_scope(locked.unit)
    unit = unit or scope
    definition = _check_indicator(indicator)
    indicator = definition.slug
    if not unit.path.startswith(scope.path):
        raise DomainError(
            _("Phạm vi của chỉ tiêu phải thuộc “%(scope)s”.") % {"scope": scope.name}, field="unit"
        )
    _check_group(unit_group, unit)
    campaign = locked.campaign
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Năm không hợp lệ."), field="year") from None
    if not campaign.start_year <= year <= campaign.end_year:
        raise DomainError(
            _("Năm của chỉ tiêu phải trong thời gian của phong trào (%(start)s–%(end)s).")
            % {"start": campaign.start_year, "end": campaign.end_year},
            field="year",
        )
    # A percentage (factor 100) lies in 0..100; an indicator per 1,000 or per 10,000 may go higher, up to what the
    # column holds.
    highest = Decimal(100) if definition.factor == 100 else Decimal("999.99")
    message = _("Tỷ lệ phải là một số từ 0 đến %(max)s.") % {"max": "100" if highest == 100 else "999,99"}
    try:
        value = Decimal(str(percentage).replace(",", "."))
    except InvalidOperation:
        raise DomainError(message, field="percentage") from None
    if not value.is_finite() or not Decimal(0) <= value <= highest:
        raise DomainError(message, field="percentage")
    if Target.objects.filter(plan=locked, indicator=indicator, unit=unit, year=year, unit_group=unit_group).exists():
        message = (_("Kế hoạch đã có chỉ tiêu này của nhóm “%(group)s” cho năm %(year)s.")
                   % {"group": unit_group.name, "year": year} if unit_group is not None
                   else _("Kế hoạch đã có chỉ tiêu này cho năm %(year)s.") % {"year": year})
        raise DomainError(message, field="indicator")
    target = Target(plan=locked, campaign=campaign, indicator=indicator, unit=unit, year=year, unit_group=unit_group,
                    percentage=value.quantize(Decimal("0.01")))
    target._history_user = by
    target.save()
    Plan.objects.filter(pk=locked.pk).update(revision=locked.revision + 1)
    return target


@transaction.atomic
def target_remove(*, target: Target, by) -> None:
    """Remove a target from a draft plan. Locks the plan row."""
    if target.plan_id is None:
        raise DomainError(_("Chỉ tiêu quốc gia không thể xóa ở đây."), field="target")
    locked = _lock_for_edit(target.plan, by, expected_revision=None)
    Target.objects.filter(pk=target.pk, plan=locked).delete()
    Plan.objects.filter(pk=locked.pk).update(revision=locked.revision + 1)


# --- the PDF -----------------------------------------------------------------------------------


def plan_record(plan: Plan, *, by=None) -> Document:
    """The plan's Document in the register: the issued one, or its draft brought up to date (an issued
    plan from before the register is recorded with its printed number). Locks the document row."""
    if plan.is_issued:
        return register.document_for(plan, kind=plan.kind) or _register_plan(plan, by or plan.created_by)
    return register.document_draft(year=(plan.issued_on or timezone.localdate()).year, date=plan.issued_on,
                                   by=by or plan.created_by, **_document_fields(plan))


def plan_pdf_is_fresh(plan: Plan, fingerprint: str | None = None) -> bool:
    """True when the register holds a PDF of the plan's current content. Reads only (pages call it)."""
    document = register.document_for(plan, kind=plan.kind)
    if document is None or not document.pdf_ready:
        return False
    try:
        fingerprint = fingerprint or plan_fingerprint(plan, document)
    except Exception:  # noqa: BLE001 - a draft that cannot be built has no fresh PDF; the render says why
        return False
    return document.content_hash == fingerprint and document.pdf.storage.exists(document.pdf.name)


def plan_fingerprint(plan: Plan, document: Document) -> str:
    """The content hash the draft's PDF would have now: the register's document with the draft's
    current fields (without writing them)."""
    from core.documents import builders

    if not plan.is_issued:  # an issued plan's document is what was registered; a draft's follows the draft
        for name, value in _document_fields(plan).items():
            if name not in ("subject", "issuer"):
                setattr(document, name, value)
        document.date = plan.issued_on
    document.subject = plan  # the draft as it is now, not as stored
    return builders.fingerprint(document)


@transaction.atomic
def plan_pdf_request(*, plan: Plan) -> str:
    """Ask for the plan's PDF (a POST, or issuing): 'ready' when a file of the current content exists,
    otherwise the render is queued on commit through the register's pipeline (once: a render already
    queued or running is not queued again). Locks the plan row, then its document's."""
    locked = Plan.objects.select_for_update(of=("self",)).select_related("unit", "campaign").get(pk=plan.pk)
    document = plan_record(locked)
    if plan_pdf_is_fresh(locked):
        return PdfStatus.READY
    register.document_request_render(document=document, force=document.render_status == PdfStatus.READY)
    return Document.objects.values_list("render_status", flat=True).get(pk=document.pk)


def plan_pdf_render(*, plan_id: int) -> str:
    """What campaigns.tasks.render_plan_pdf runs: the plan's document rendered by the register's
    pipeline (idempotent: an unchanged plan is not rendered again)."""
    plan = Plan.objects.select_related("unit", "campaign").filter(pk=plan_id).first()
    if plan is None:
        return "missing"
    with transaction.atomic():
        document = plan_record(plan)
    outcome = register.document_render(document_id=document.pk)
    return {"cached": PdfStatus.READY, "rendered": PdfStatus.READY}.get(outcome, outcome)
