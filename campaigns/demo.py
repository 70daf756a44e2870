"""The demo's plans: the five seed documents in their real places, the national and Bình Dương targets,
a Hà Tĩnh draft to edit, and users for the issuing bodies. Safe to run again (it changes nothing).

Everything goes through the services, as a user would: the issuing organisations are created with
units.services.unit_create (under a legacy province they end when it ends), plans with plan_create,
targets with target_add, and issuing with plan_issue (which also queues each plan's PDF).
"""

from __future__ import annotations

from django.db import transaction

from core.models import User
from definitions import groups
from definitions.models import UnitGroup
from units.demo import DEMO_PASSWORD
from units.loader import NATION_KEY
from units.models import Level, Membership, Unit
from units.roles import Role
from units.services import unit_create

from . import services
from .demo_data import HATINH_DRAFT, NATIONAL_TARGETS, PLANS, sections
from .models import Campaign, Plan, Target

CAMPAIGN_DECISION = "1315/QĐ-TTg"
HEADER_FIELDS = (
    "kind", "number", "parent_body", "issuing_body", "place", "issued_on", "title", "addressees", "parent_reference",
    "recipients", "signer_collective", "signer_capacity", "signer_principal", "signer_title", "signer_name",
)

# Officers of the issuing bodies: (username, full name, job title, organisation key or province key).
DEMO_OFFICERS = [
    ("binhduong.ubnd", "Lê Thị Bình", "Chuyên viên Văn phòng UBND tỉnh Bình Dương", "province:old:tinhbinhduong"),
    ("binhduong.hkh", "Trương Văn Khuyến", "Cán bộ Văn phòng Hội Khuyến học tỉnh", "binhduong_association_letter"),
    ("bacgiang.khcn", "Nguyễn Văn Giang", "Chuyên viên Văn phòng Sở KH&CN", "bacgiang_science_plan"),
    ("dongnai.thanhtra", "Phạm Thị Nai", "Chuyên viên Văn phòng Thanh tra tỉnh", "dongnai_inspectorate_plan"),
    ("travinh.ubnd", "Thạch Văn Vinh", "Chuyên viên Văn phòng UBND tỉnh Trà Vinh", "travinh_province_criteria"),
    ("hatinh.kehoach", "Hồ Thị Hoạch", "Chuyên viên Văn phòng UBND tỉnh Hà Tĩnh", "hatinh_province_draft"),
]


def _organisation(province: Unit, name: str, kind: str, by) -> Unit:
    unit = Unit.objects.filter(parent=province, name=name).first()
    if unit is None:
        unit = unit_create(parent=province, name=name, level=Level.ORGANISATION, kind=kind, by=by,
                           valid_from=province.valid_from)
    return unit


def _national_targets(campaign: Campaign) -> None:
    nation = Unit.objects.get(source_key=NATION_KEY)
    for indicator, year, percentage in NATIONAL_TARGETS:
        target, created = Target.objects.get_or_create(
            plan=None, indicator=indicator, unit=nation, year=year,
            defaults={"percentage": percentage, "campaign": campaign},
        )
        if not created and target.percentage != percentage:
            # A re-run corrects a value loaded wrong before (issue 12, 7), and writes nothing otherwise.
            target.percentage = percentage
            target.save(update_fields=["percentage"])


def _seed_plan(spec: dict, campaign: Campaign, by, made: dict[str, Plan]) -> Plan:
    province = Unit.objects.get(source_key=spec["province"])
    unit = _organisation(province, *spec["organisation"], by=by)
    existing = Plan.objects.filter(unit=unit, number=spec["number"], version=1).first()
    if existing is not None:
        return existing
    fields = {name: spec[name] for name in HEADER_FIELDS if name in spec}
    fields.update(sections(spec["key"]))
    if spec.get("parent"):
        fields["parent"] = made[spec["parent"]]
    plan = services.plan_create(unit=unit, campaign=campaign, by=by, fields=fields)
    for indicator, year, percentage in spec.get("targets", []):
        services.target_add(plan=plan, by=by, indicator=indicator, year=year, percentage=percentage)
    return services.plan_issue(plan=plan, by=by)


def _hatinh_draft(campaign: Campaign, by) -> Plan:
    province = Unit.objects.get(source_key="both:tinhhatinh")
    unit = _organisation(province, "Ủy ban nhân dân tỉnh Hà Tĩnh", "ubnd", by=by)
    existing = Plan.objects.filter(unit=unit, title=HATINH_DRAFT["title"]).first()
    if existing is not None:
        return existing
    fields = {k: v for k, v in HATINH_DRAFT.items() if k not in ("key", "targets")}
    # No number: the register gives it when the draft is issued (the seeds above keep their printed ones).
    plan = services.plan_create(unit=unit, campaign=campaign, by=by, fields=fields)
    for indicator, year, percentage in HATINH_DRAFT["targets"]:
        services.target_add(plan=plan, by=by, indicator=indicator, year=year, percentage=percentage)
    return plan


def _officer(username: str, full_name: str, job_title: str, unit: Unit, credentials: list) -> None:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "job_title": job_title, "email": f"{username}@demo.xhht.local"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.OFFICER)
    credentials.append((username, DEMO_PASSWORD, f"{Role.OFFICER.label} — {unit.name}"))


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    campaign = Campaign.objects.get(decision_number=CAMPAIGN_DECISION)
    by = User.objects.filter(is_superuser=True).order_by("pk").first()
    _national_targets(campaign)
    made: dict[str, Plan] = {}
    for spec in PLANS:
        made[spec["key"]] = _seed_plan(spec, campaign, by, made)
    made[HATINH_DRAFT["key"]] = _hatinh_draft(campaign, by)
    for username, full_name, job_title, where in DEMO_OFFICERS:
        if where.startswith("province:"):
            unit = Unit.objects.get(source_key=where.removeprefix("province:"))
        else:
            unit = made[where].unit
        _officer(username, full_name, job_title, unit, credentials)
    load_mountain_communes()
    return {"campaign": campaign, "plans": made}


# Mountainous communes of Hà Tĩnh (post-2025 communes of the former Hương Sơn, Vũ Quang and Hương Khê districts) and
# the target the province's draft plan sets for them (issue 14, item 6).
MOUNTAIN_GROUP = {"code": "ha_tinh_xa_mien_nui", "name": "Xã miền núi",
                  "description": "Các xã miền núi của tỉnh Hà Tĩnh (vùng Hương Sơn, Vũ Quang, Hương Khê)."}
MOUNTAIN_COMMUNES = ("xahuongson", "xasonkim1", "xasonkim2", "xavuquang", "xahuongkhe", "xaphuctrach")
MOUNTAIN_TARGET = ("households_learning_family", 2026, 60)


@transaction.atomic
def load_mountain_communes() -> UnitGroup | None:
    """The demo's unit group "Xã miền núi" of Hà Tĩnh with a group target in the Hà Tĩnh draft plan. Runs after
    `load` (it needs that draft); safe to run again. Through the services, as an administrator would."""
    province = Unit.objects.filter(source_key="both:tinhhatinh").first()
    draft = Plan.objects.filter(title=HATINH_DRAFT["title"], status=Plan.Status.DRAFT).first()
    by = User.objects.filter(is_superuser=True).order_by("pk").first()
    if province is None or by is None:
        return None
    group = UnitGroup.objects.filter(code=MOUNTAIN_GROUP["code"]).first()
    if group is None:
        communes = list(Unit.objects.filter(source_key__in=[f"new:tinhhatinh_{key}" for key in MOUNTAIN_COMMUNES]))
        if not communes:  # a tree without Hà Tĩnh's real communes (a test's small tree): no group to make
            return None
        group = groups.group_create(by=by, owner=province, units=communes, **MOUNTAIN_GROUP)
    indicator, year, percentage = MOUNTAIN_TARGET
    if draft is not None and not draft.targets.filter(unit_group=group, indicator=indicator, year=year).exists():
        services.target_add(plan=draft, by=by, indicator=indicator, year=year, percentage=percentage,
                            unit_group=group)
    return group
