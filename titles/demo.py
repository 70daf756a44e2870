"""The demo's titles in Hà Tĩnh: the catalogue, recognised units and households, and one school's
self-assessment waiting for its ward's chairman (chutich.thanhsen). Every approval is a decision numbered in
the recognising body's register: the Sở GD&ĐT's for the university and Xã Cẩm Xuyên (signed by its deputy
director, KT. GIÁM ĐỐC), UBND phường Thành Sen's and UBND xã Cẩm Xuyên's for their households and schools.
Safe to run again: every step checks what is already there. Everything goes through the services."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from core.models import User
from units.models import Household, Level, Unit

from . import services
from .catalogue import load_catalogue
from .models import Criterion, Evaluation, EvaluationList, ListEntry, TitleType


def _answers(evaluation: Evaluation) -> dict:
    return {
        c.pk: ({"passed": True, "explanation": "Có văn bản, sổ sách minh chứng lưu tại đơn vị."}
               if c.kind == Criterion.Kind.PASS_FAIL else {"points": str(c.max_points), "explanation": ""})
        for c in evaluation.criteria_set.criteria.all()
    }


def _submitted(title: TitleType, unit: Unit, officer: User, year: int, level: int) -> Evaluation | None:
    if Evaluation.objects.filter(title_type=title, unit=unit, year=year).exists():
        return None
    evaluation = services.evaluation_start(title_type=title, unit=unit, year=year, level_sought=level, by=officer)
    evaluation = services.evaluation_save_results(
        evaluation=evaluation, by=officer, criteria_set_version=evaluation.criteria_set.version,
        revision=evaluation.revision, results=_answers(evaluation))
    return services.evaluation_submit(evaluation=evaluation, by=officer,
                                      criteria_set_version=evaluation.criteria_set.version,
                                      revision=evaluation.revision)


def _recognised(title, unit, officer, approver, year, level, day, signed_as="deputy") -> None:
    evaluation = _submitted(title, unit, officer, year, level)
    if evaluation is not None:
        services.evaluation_approve(
            evaluation=evaluation, by=approver, criteria_set_version=evaluation.criteria_set.version, level=level,
            decision_date=day, signer=approver.full_name, signed_as=signed_as)


def _household_list(commune: Unit, title: TitleType, year: int, officer: User, approver: User) -> None:
    evaluation_list = services.evaluation_list_open(commune=commune, title_type=title, year=year, by=officer)
    if evaluation_list.status != EvaluationList.Status.OPEN:
        return
    if not evaluation_list.entries.exists():
        rng = random.Random(f"{commune.code}-{year}")  # noqa: S311 - demo data
        households = Household.objects.filter(unit__parent=commune).order_by("id")
        ListEntry.objects.bulk_create(
            ListEntry(evaluation_list=evaluation_list, hamlet_id=h.unit_id, household=h, passed=rng.random() < 0.75,
                      review_date=datetime.date(year, 11, 10))
            for h in households
        )
    services.evaluation_list_recognise(
        evaluation_list=evaluation_list, by=approver, decision_date=datetime.date(year, 12, 15),
        signer=approver.full_name, signed_as="head")


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    load_catalogue()
    titles = {t.slug: t for t in TitleType.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__in=[
        "sogd.congnhan", "truong.dhht", "xa.thanhsen", "xa.camxuyen", "chutich.thanhsen", "chutich.camxuyen"])}
    communes = context["communes"]
    approver = users["sogd.congnhan"]
    year = timezone.localdate().year - 1

    # Trường Đại học Hà Tĩnh (managed by the province, TT 24/2023): Đơn vị học tập level 1, then level 2 once
    # level 1 has been held 12 months; decided by the Sở GD&ĐT.
    university = context["university"]
    for y, level in ((year - 1, 1), (year, 2)):
        _recognised(titles["don-vi-hoc-tap"], university, users["truong.dhht"], approver, y, level,
                    datetime.date(y, 12, 20))
    # Xã Cẩm Xuyên: Cộng đồng học tập cấp xã, level 1.
    _recognised(titles["cong-dong-hoc-tap-xa"], communes["camxuyen"], users["xa.camxuyen"], approver, year - 1, 1,
                datetime.date(year - 1, 12, 20))
    # Households of both communes: the yearly list, recognised by the commune chairman (one decision each,
    # the list annexed).
    for slug in ("thanhsen", "camxuyen"):
        _household_list(communes[slug], titles["gia-dinh-hoc-tap"], year, users[f"xa.{slug}"],
                        users[f"chutich.{slug}"])
    schools = {s.name.split(" ", 2)[1]: s for s in Unit.objects.filter(
        parent=communes["thanhsen"], level=Level.ORGANISATION, name__startswith="Trường ")}
    # A school the ward manages (QĐ 448/QĐ-KHVN regime) recognised by its chairman: the ward's next number.
    if "Tiểu" in schools:
        _recognised(titles["don-vi-hoc-tap"], schools["Tiểu"], users["xa.thanhsen"], users["chutich.thanhsen"],
                    year, 1, datetime.date(year, 12, 22), signed_as="head")
    # Waiting for chutich.thanhsen: the ward's lower-secondary school has submitted its self-assessment.
    if "THCS" in schools:
        _submitted(titles["don-vi-hoc-tap"], schools["THCS"], users["xa.thanhsen"], year, 1)
    # And for chutich.camxuyen: the commune's primary school (issue 13.1: every demo account has something to do).
    camxuyen_primary = Unit.objects.filter(parent=communes["camxuyen"], name__startswith="Trường Tiểu học").first()
    if camxuyen_primary is not None:
        _submitted(titles["don-vi-hoc-tap"], camxuyen_primary, users["xa.camxuyen"], year, 1)
    return {"title_types": titles}
