"""The demo's yearly reports: rounds 2023–2026, Hà Tĩnh's communes and organisations in every state, rollups.

Everything goes through the services, with the calendar day passed in (`today=`), so the demo walks the
same rules as users do; only the stored timestamps are moved back to the simulated days afterwards.
Deterministic (seeded) and idempotent: a unit that already has its report for a year is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from campaigns.indicators import Indicator
from campaigns.models import Campaign, Target
from core.models import User
from units.models import Level, Succession, Unit
from units.roles import Role
from units.selectors import units_valid_on

from . import aggregation, reviews, services
from .models import (
    REPORTING_ORGANISATION_KINDS,
    DeadlineExtension,
    Report,
    ReportingRound,
    ReportStatus,
    ReportTransition,
)
from .selectors import trend

YEARS = (2023, 2024, 2025, 2026)
COMMUNE_INDICATORS = [
    Indicator.HOUSEHOLDS_LEARNING_FAMILY, Indicator.CLANS_LEARNING_CLAN, Indicator.HAMLETS_LEARNING_COMMUNITY,
    Indicator.COMMUNES_LEARNING_COMMUNITY, Indicator.CITIZENS_LEARNING_CITIZEN, Indicator.WORKERS_LEARNING_CITIZEN,
    Indicator.LEARNING_CENTRES_USING_IT,
]
ORGANISATION_INDICATORS = [Indicator.UNITS_LEARNING_UNIT, Indicator.OFFICIALS_LEARNING_CITIZEN]
# Hà Tĩnh's own yearly targets (%), rising towards the national 2025 targets of QĐ 387/QĐ-TTg and QĐ 677/QĐ-TTg.
HATINH_TARGETS = {
    Indicator.HOUSEHOLDS_LEARNING_FAMILY: (62, 66, 70, 72),
    Indicator.CLANS_LEARNING_CLAN: (55, 60, 65, 67),
    Indicator.HAMLETS_LEARNING_COMMUNITY: (55, 60, 65, 67),
    Indicator.COMMUNES_LEARNING_COMMUNITY: (80, 85, 90, 90),
    Indicator.UNITS_LEARNING_UNIT: (70, 75, 80, 82),
    Indicator.WORKERS_LEARNING_CITIZEN: (30, 35, 40, 45),
    Indicator.OFFICIALS_LEARNING_CITIZEN: (50, 55, 60, 64),
    Indicator.LEARNING_CENTRES_USING_IT: (55, 62, 70, 75),
}
DEMO_COMMUNES = ("18073", "18673")  # Phường Thành Sen, Xã Cẩm Xuyên


def _round(campaign, year, scope, level, *, deadline, recipient, indicators=(), kinds=(), summary=False):
    round_, _created = ReportingRound.objects.get_or_create(
        year=year, scope_unit=scope, level=level, period_kind="yearly",  # the review rounds share year and level
        defaults={"campaign": campaign, "deadline": deadline, "opens_on": datetime.date(year, 9, 1),
                  "recipient": recipient, "indicators": list(indicators), "kinds": list(kinds),
                  "is_summary": summary},
    )
    return round_


# Before the reform a commune reported to its district, which summed its communes for the Sở by 20/11 (the Bình
# Dương plan): the communes' date is the district's, set in its own plan. Demo data (verify per province).
DISTRICT_COLLECTS_BY = (11, 10)  # (month, day): communes to the district People's Committee, 2023–2024


def commune_deadline(year: int) -> datetime.date:
    """The demo communes' deadline of `year`: the district's collection date before the reform, then 20/11."""
    if year < settings.ADMIN_REFORM_DATE.year:
        return datetime.date(year, *DISTRICT_COLLECTS_BY)
    return datetime.date(year, 11, 20)


def _rounds(campaign: Campaign, nation: Unit) -> None:
    """The seeds' defaults, cascading: before the reform communes to the district (commune_deadline), districts to
    the Sở before 20/11; after it communes to the Sở before 20/11; organisations and provinces before 15/12."""
    for year in YEARS:
        nov20, dec15 = datetime.date(year, 11, 20), datetime.date(year, 12, 15)
        pre_reform = year < settings.ADMIN_REFORM_DATE.year
        _round(campaign, year, nation, Level.COMMUNE, deadline=commune_deadline(year),
               recipient="Ủy ban nhân dân cấp huyện" if pre_reform else "Sở Giáo dục và Đào tạo",
               indicators=COMMUNE_INDICATORS)
        if pre_reform:  # no districts after the reform
            _round(campaign, year, nation, Level.DISTRICT, deadline=nov20, recipient="Sở Giáo dục và Đào tạo",
                   summary=True)
        _round(campaign, year, nation, Level.ORGANISATION, deadline=dec15, recipient="Cơ quan quản lý cấp trên",
               indicators=ORGANISATION_INDICATORS, kinds=REPORTING_ORGANISATION_KINDS)
        _round(campaign, year, nation, Level.PROVINCE, deadline=dec15, recipient="Bộ Giáo dục và Đào tạo",
               summary=True)
    reviews.demo_review_rounds(campaign, nation)  # the 2025 interim and 2030 final reviews, their own dates


def _targets(campaign: Campaign, province: Unit) -> None:
    for indicator, values in HATINH_TARGETS.items():
        for year, pct in zip(YEARS, values, strict=True):
            Target.objects.get_or_create(plan=None, indicator=indicator, unit=province, year=year,
                                         defaults={"percentage": Decimal(pct), "campaign": campaign})


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _near(rng: random.Random, total: int, target: float, spread: float = 8) -> int:
    share = min(max(rng.gauss(target, spread / 2), 0), 100) / 100
    return min(total, round(total * share))


def _previous_total(unit: Unit, indicator: str, year: int) -> int | None:
    """Last year's total of the unit (or of its predecessors across the reform), so trends stay continuous."""
    row = trend(unit, indicator, year - 1, year - 1)[0]
    return row.denominator or None


def _commune_figures(rng: random.Random, report: Report, year_index: int) -> dict:
    """Totals follow last year's (the registries of the demo communes are only a sample: the form shows the
    difference); recognised shares scatter around Hà Tĩnh's targets."""
    goal = {k: v[year_index] for k, v in HATINH_TARGETS.items()}
    unit, year = report.unit, report.year
    grow = rng.uniform(0.995, 1.02)
    households = round((_previous_total(unit, Indicator.HOUSEHOLDS_LEARNING_FAMILY, year) or rng.randint(900, 2600))
                       * grow)
    hamlets = _previous_total(unit, Indicator.HAMLETS_LEARNING_COMMUNITY, year) or rng.randint(8, 22)
    clans = _previous_total(unit, Indicator.CLANS_LEARNING_CLAN, year) or rng.randint(8, 40)
    citizens = round(households * rng.uniform(3.2, 3.9))
    workers = max(1, citizens * rng.randint(35, 50) // 100)
    figures = {
        Indicator.HOUSEHOLDS_LEARNING_FAMILY: (_near(rng, households, goal[Indicator.HOUSEHOLDS_LEARNING_FAMILY] + 2),
                                               households),
        Indicator.CLANS_LEARNING_CLAN: (_near(rng, clans, goal[Indicator.CLANS_LEARNING_CLAN] + 2), clans),
        Indicator.HAMLETS_LEARNING_COMMUNITY: (_near(rng, hamlets, goal[Indicator.HAMLETS_LEARNING_COMMUNITY]),
                                               hamlets),
        Indicator.COMMUNES_LEARNING_COMMUNITY: (int(rng.random() < 0.88), 1),
        Indicator.CITIZENS_LEARNING_CITIZEN: (_near(rng, citizens, 45), citizens),
        Indicator.WORKERS_LEARNING_CITIZEN: (_near(rng, workers, goal[Indicator.WORKERS_LEARNING_CITIZEN] + 3),
                                             workers),
        Indicator.LEARNING_CENTRES_USING_IT: (int(rng.random() < goal[Indicator.LEARNING_CENTRES_USING_IT] / 100), 1),
    }
    return {str(k): {"numerator": n, "denominator": d} for k, (n, d) in figures.items()}


def _organisation_figures(rng: random.Random, year_index: int) -> dict:
    officials = rng.randint(25, 180)
    goal = HATINH_TARGETS[Indicator.OFFICIALS_LEARNING_CITIZEN][year_index] + 4
    return {Indicator.UNITS_LEARNING_UNIT.value: {"numerator": int(rng.random() < 0.82), "denominator": 1},
            Indicator.OFFICIALS_LEARNING_CITIZEN.value: {"numerator": _near(rng, officials, goal),
                                                          "denominator": officials}}


NARRATIVE = {
    "results": "Phong trào được triển khai đồng bộ đến các thôn, tổ dân phố; tỷ lệ hộ gia đình đạt danh hiệu "
               "Gia đình học tập tăng so với năm trước; Trung tâm học tập cộng đồng duy trì hoạt động thường xuyên.",
    "limitations": "Một số thôn chưa cập nhật kịp thời danh sách hộ gia đình; việc ứng dụng công nghệ thông tin "
                   "trong quản lý còn hạn chế.",
    "proposals": "Đề nghị cấp trên hỗ trợ kinh phí bồi dưỡng cán bộ Trung tâm học tập cộng đồng.",
}


class _Walk:
    """One unit's report through the workflow on simulated days; `until` is the last state it reaches."""

    def __init__(self, officer: User, reviewer: User, rng: random.Random):
        self.officer, self.reviewer, self.rng = officer, reviewer, rng

    def run(self, unit: Unit, year: int, figures_for, *, until: str, submit_day: datetime.date,
            comments: dict | None = None, officer: User | None = None) -> Report | None:
        if Report.objects.filter(unit=unit, year=year, period_kind="yearly").exists():
            return None
        round_ = services.selectors.round_for(unit, year)
        if round_ is None:
            return None
        officer = officer or self.officer
        opened = round_.opens_on + datetime.timedelta(days=self.rng.randint(10, 40))
        report = services.report_create(unit=unit, year=year, by=officer, today=opened)
        report = services.report_update(report=report, by=officer, version=report.version,
                                        figures=figures_for(report), narrative=NARRATIVE, today=opened)
        stamps = {ReportStatus.DRAFT: opened}
        if until != ReportStatus.DRAFT:
            if submit_day >= round_.deadline:
                services.extension_grant(unit=unit, year=year, new_deadline=submit_day + datetime.timedelta(days=5),
                                         reason="Đơn vị đề nghị gia hạn do ảnh hưởng của mưa lũ.",
                                         by=self.reviewer, today=round_.deadline)
            report = services.report_submit(report=report, by=officer, today=submit_day)
            stamps[ReportStatus.SUBMITTED] = submit_day
        if until == ReportStatus.RETURNED:
            report = services.report_return(report=report, by=self.reviewer, comments=comments or {
                Indicator.HOUSEHOLDS_LEARNING_FAMILY: "Tổng số hộ chưa khớp với sổ theo dõi của xã, đề nghị rà soát."})
            stamps[ReportStatus.RETURNED] = submit_day + datetime.timedelta(days=2)
        if until == ReportStatus.ACCEPTED:
            report = services.report_accept(report=report, by=self.reviewer)
            stamps[ReportStatus.ACCEPTED] = submit_day + datetime.timedelta(days=3)
        self._backdate(report, stamps)
        return report

    @staticmethod
    def _backdate(report: Report, stamps: dict) -> None:
        for status, day in stamps.items():
            ReportTransition.objects.filter(report=report, to_status=status).update(at=_at(day))
        Report.objects.filter(pk=report.pk).update(
            first_submitted_at=_at(stamps[ReportStatus.SUBMITTED]) if ReportStatus.SUBMITTED in stamps else None,
            submitted_at=_at(stamps[ReportStatus.SUBMITTED]) if ReportStatus.SUBMITTED in stamps else None,
            accepted_at=_at(stamps[ReportStatus.ACCEPTED]) if ReportStatus.ACCEPTED in stamps else None,
        )


def _seeded(walk: _Walk, unit: Unit, year: int) -> random.Random:
    """A generator per unit and year: a second run draws the same numbers whatever already exists."""
    walk.rng = random.Random(f"{year}:{unit.source_key or unit.pk}")  # noqa: S311 - demo data, not security
    return walk.rng


def _communes(province: Unit, day: datetime.date):
    return units_valid_on(Unit.objects.filter(path__startswith=province.path, level=Level.COMMUNE), day).order_by(
        "path")


def _organisations(province: Unit, day: datetime.date):
    return units_valid_on(Unit.objects.filter(path__startswith=province.path, level=Level.ORGANISATION,
                                              kind__in=REPORTING_ORGANISATION_KINDS), day).order_by("path")


def _past_year(walk: _Walk, province: Unit, year: int, always: set[int]) -> None:
    """A finished year: nearly every commune accepted, a few late with an extension, one or two missing."""
    index = YEARS.index(year)
    deadline = commune_deadline(year)
    for commune in _communes(province, datetime.date(year, 11, 20)):
        rng = _seeded(walk, commune, year)
        draw = rng.random()
        if draw < 0.03 and commune.pk not in always:
            continue  # never reported (the demo communes and their predecessors always did)
        late = draw > 0.9
        # Days around the commune's own deadline (the district's date before the reform): 1–6 days late, or
        # 1–15 days early (the draws 20/11 ± took before, so the demo keeps its shape).
        offset = rng.randint(1, 6) if late else -rng.randint(1, 15)
        day = deadline + datetime.timedelta(days=offset)
        walk.run(commune, year, lambda r, i=index, g=rng: _commune_figures(g, r, i), until=ReportStatus.ACCEPTED,
                 submit_day=day)
    for organisation in _organisations(province, datetime.date(year, 12, 15)):
        rng = _seeded(walk, organisation, year)
        walk.run(organisation, year, lambda r, i=index, g=rng: _organisation_figures(g, i),
                 until=ReportStatus.ACCEPTED, submit_day=datetime.date(year, 12, rng.randint(1, 14)))


def _current_year(walk: _Walk, province: Unit, year: int, demo: dict[str, Unit], officers: dict[str, User]) -> None:
    """The running year (the demo's today is after 20/11): every state a reviewer meets before a deadline."""
    index = YEARS.index(year)
    thanhsen, camxuyen = demo["18073"], demo["18673"]
    rng = _seeded(walk, thanhsen, year)
    walk.run(thanhsen, year, lambda r: _commune_figures(rng, r, index), until=ReportStatus.ACCEPTED,
             submit_day=datetime.date(year, 11, 12), officer=officers.get("xa.thanhsen"))
    rng2 = _seeded(walk, camxuyen, year)
    walk.run(camxuyen, year, lambda r: _commune_figures(rng2, r, index), until=ReportStatus.RETURNED,
             submit_day=datetime.date(year, 11, 18), officer=officers.get("xa.camxuyen"))
    for commune in _communes(province, datetime.date(year, 11, 20)).exclude(pk__in=[thanhsen.pk, camxuyen.pk]):
        g = _seeded(walk, commune, year)
        draw = g.random()
        if draw < 0.15:
            continue  # still missing: the completeness page lists it with its officers
        until = (ReportStatus.DRAFT if draw < 0.22 else ReportStatus.SUBMITTED if draw < 0.35
                 else ReportStatus.ACCEPTED)
        walk.run(commune, year, lambda r, g=g: _commune_figures(g, r, index), until=until,
                 submit_day=datetime.date(year, 11, g.randint(3, 19)))
    for organisation in _organisations(province, datetime.date(year, 12, 15)):
        g = _seeded(walk, organisation, year)
        under_thanhsen = organisation.path.startswith(thanhsen.path)
        state = (ReportStatus.ACCEPTED if under_thanhsen else
                 # Returned with a comment: its officer (truong.dhht) lands on a report to fix (issue 13.1).
                 ReportStatus.RETURNED if organisation.kind == "university" else
                 ReportStatus.DRAFT if organisation.path.startswith(camxuyen.path) or organisation.kind == "department"
                 else None)
        if state:
            officer = officers.get("truong.dhht") if organisation.kind == "university" else None
            walk.run(organisation, year, lambda r, g=g: _organisation_figures(g, index), until=state,
                     submit_day=datetime.date(year, 11, 15), officer=officer,
                     comments={Indicator.OFFICIALS_LEARNING_CITIZEN: "Tổng số cán bộ, viên chức chưa khớp với danh "
                               "sách của Phòng Tổ chức - Hành chính, đề nghị rà soát."})


def _district_summaries(province: Unit, year: int, officer: User, reviewer: User) -> None:
    """Before the reform: each district sums its communes (prefilled from the rollup) and sends it to the Sở
    before 20/11, which accepts it: the second step of the cascade. Needs the year's rollup built."""
    if year >= settings.ADMIN_REFORM_DATE.year:
        return
    districts = units_valid_on(Unit.objects.filter(parent=province, level=Level.DISTRICT),
                               datetime.date(year, 11, 20)).order_by("path")
    for district in districts:
        if Report.objects.filter(unit=district, year=year).exists():
            continue
        day = datetime.date(year, 11, 18)
        report = _summary(district, year, officer, day)
        report = services.report_accept(report=report, by=reviewer)
        _Walk._backdate(report, {ReportStatus.DRAFT: day, ReportStatus.SUBMITTED: day,
                                 ReportStatus.ACCEPTED: day + datetime.timedelta(days=1)})


def _province_summaries(province: Unit, officer: User) -> None:
    """Hà Tĩnh's report to the ministry for finished years: a summary prefilled from the rollup, then sent."""
    for year in YEARS[:-1]:
        if Report.objects.filter(unit=province, year=year).exists():
            continue
        day = datetime.date(year, 12, 10)
        report = _summary(province, year, officer, day)
        _Walk._backdate(report, {ReportStatus.DRAFT: day, ReportStatus.SUBMITTED: day})


def _summary(unit: Unit, year: int, officer: User, day: datetime.date) -> Report:
    """A summary report prefilled from the rollup, the indicators it lacks at 0/0, sent on `day`."""
    report = services.report_create(unit=unit, year=year, by=officer, today=day)
    report = services.report_update(report=report, by=officer, version=report.version, narrative=NARRATIVE,
                                    figures={f.indicator: {"numerator": f.numerator, "denominator": f.denominator}
                                             for f in report.figures.all()}, today=day)
    present = set(report.figures.values_list("indicator", flat=True))
    missing = {i: {"numerator": 0, "denominator": 0} for i in report.round.required_indicators()
               if i not in present}
    if missing:
        report = services.report_update(report=report, by=officer, version=report.version, figures=missing,
                                        today=day)
    return services.report_submit(report=report, by=officer, today=day)


def _binhduong_successors(year: int) -> None:
    """2025 reports of the communes that succeeded Bình Dương's (TP Hồ Chí Minh), accepted: so the statistics of
    the dissolved province for 2025 are computed over its successors against plan 151/KH-UBND's targets (issue
    13, point 4). Walked by a demo account of the city's Sở with the officer and reviewer roles over the city."""
    from units.demo import _user

    binhduong = Unit.objects.filter(source_key="old:tinhbinhduong").first()
    if binhduong is None or year < settings.ADMIN_REFORM_DATE.year:
        return
    successors = list(Unit.objects.filter(
        level=Level.COMMUNE, successions_in__predecessor__path__startswith=binhduong.path,
        successions_in__predecessor__level=Level.COMMUNE).distinct().order_by("path"))
    if not successors:
        return
    city = successors[0].parent
    user = _user("tphcm.sogd", "Võ Thị Minh", "Chuyên viên Sở GD&ĐT Thành phố Hồ Chí Minh",
                 [(city, Role.OFFICER), (city, Role.REVIEWER)], [])
    walk = _Walk(user, user, random.Random(year))  # noqa: S311 - demo data, not security
    index = YEARS.index(year)
    for commune in successors:
        rng = _seeded(walk, commune, year)
        walk.run(commune, year, lambda r, g=rng: _commune_figures(g, r, index), until=ReportStatus.ACCEPTED,
                 submit_day=datetime.date(year, 11, rng.randint(5, 19)))


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    nation = Unit.objects.get(level=Level.NATION, parent__isnull=True)
    province = Unit.objects.get(source_key="both:tinhhatinh")
    _rounds(campaign, nation)
    _targets(campaign, province)
    users = {u.username: u for u in User.objects.filter(
        username__in=["tinh.hatinh", "sogd.duyet", "xa.thanhsen", "xa.camxuyen", "truong.dhht"])}
    admin, reviewer = users["tinh.hatinh"], users["sogd.duyet"]
    today = timezone.localdate()
    demo = {code: units_valid_on(Unit.objects.filter(level=Level.COMMUNE, code=code), today).get()
            for code in DEMO_COMMUNES}
    demo_lineage = {u.pk for u in demo.values()} | set(
        Succession.objects.filter(successor__in=demo.values()).values_list("predecessor_id", flat=True))
    walk = _Walk(admin, reviewer, random.Random(2026))  # noqa: S311 - demo data, not security
    _refresh_planner_statistics()
    for year in YEARS:
        if year < today.year:
            _past_year(walk, province, year, demo_lineage)
        elif year == today.year:
            _current_year(walk, province, year, demo, users)
        aggregation.stats_rebuild(year=year)
        if year < today.year:
            _district_summaries(province, year, admin, reviewer)
            _binhduong_successors(year)
    _province_summaries(province, admin)
    _interim_reviews(demo, users, reviewer, today)
    # One late commune of the running year gets an extension, so the completeness page shows one.
    missing = _communes(province, datetime.date(today.year, 11, 20)).exclude(reports__year=today.year).first()
    if missing and not DeadlineExtension.objects.filter(unit=missing, year=today.year).exists() \
            and datetime.date(today.year, 11, 20) <= today:
        services.extension_grant(unit=missing, year=today.year, new_deadline=today + datetime.timedelta(days=7),
                                 reason="Xã bị ảnh hưởng của bão số 5, đề nghị gia hạn.", by=reviewer, today=today)
    _refresh_planner_statistics()
    for year in YEARS:
        aggregation.stats_rebuild(year=year)
    return {"report_years": YEARS}


# What the demo communes wrote in their 2025 interim review (sơ kết giai đoạn 2023 - 2025): demo text.
REVIEW_NARRATIVE = {
    "results": "Phong trào được triển khai đến 100% thôn, tổ dân phố; tỷ lệ hộ đạt Gia đình học tập tăng qua "
               "từng năm; trung tâm học tập cộng đồng duy trì lớp học chuyên đề hằng tháng.",
    "limitations": "Một số dòng họ chưa đăng ký xây dựng Dòng họ học tập; việc ứng dụng công nghệ thông tin ở "
                   "trung tâm học tập cộng đồng còn hạn chế.",
    "causes": "Nguồn lực cho trung tâm học tập cộng đồng còn ít; việc sắp xếp đơn vị hành chính năm 2025 làm thay "
              "đổi đầu mối theo dõi.",
    "lessons": "Gắn phong trào với cuộc vận động xây dựng nông thôn mới, đô thị văn minh; phát huy vai trò của "
               "Hội Khuyến học cơ sở.",
    "proposals": "Đề nghị cấp trên hỗ trợ thiết bị cho trung tâm học tập cộng đồng và tập huấn cán bộ phụ trách.",
}


def _interim_reviews(demo: dict, users: dict, reviewer: User, today: datetime.date) -> None:
    """The demo communes filed their 2025 interim review before its deadline and the Sở accepted it, so their
    home pages do not list a year-old review as overdue. Every figure through the services, like an officer."""
    from definitions.models import PeriodKind

    from . import form_versions

    officers = {"18073": users.get("xa.thanhsen"), "18673": users.get("xa.camxuyen")}
    for code, commune in demo.items():
        officer = officers.get(code)
        round_ = services.selectors.round_for(commune, 2025, period_kind=PeriodKind.INTERIM_REVIEW)
        if officer is None or round_ is None or today < round_.deadline or Report.objects.filter(
                unit=commune, year=2025, period_kind=PeriodKind.INTERIM_REVIEW).exists():
            continue
        day = round_.deadline - datetime.timedelta(days=10)
        report = services.report_create(unit=commune, year=2025, by=officer, period_kind=PeriodKind.INTERIM_REVIEW,
                                        today=day)
        if report.form_version is None:  # report_create always stores one; a guard for the type checker
            continue
        fields = [f for section in form_versions.layout(report.form_version).sections for f in section.fields]
        values = {}
        for field in fields:
            element = field.element
            if element is None or element.is_builtin or element.computed:
                continue
            keys = [f"{element.code}.{option}" for option in element.option_codes] or [element.code]
            values.update({key: 0 for key in keys})
        narrative = {f.narrative_code: REVIEW_NARRATIVE.get(f.narrative_code, "") for f in fields
                     if not f.element}
        stored = {f.indicator: f for f in report.figures.all()}
        figures = {slug: {"numerator": stored[slug].numerator if slug in stored else 0,
                          "denominator": stored[slug].denominator if slug in stored else 0}
                   for slug in form_versions.required_indicators(report.form_version)}
        report = services.report_update(report=report, by=officer, version=report.version, values=values,
                                        figures=figures, narrative=narrative, today=day)
        report = services.report_submit(report=report, by=officer, version=report.version, today=day)
        services.report_accept(report=report, by=reviewer, comment="Tiếp nhận báo cáo sơ kết.")


def _refresh_planner_statistics() -> None:
    """PostgreSQL: the demo has just written the country's registries, titles and reports; without fresh
    statistics the planner may still believe the tables hold what an earlier ANALYZE saw (a handful of rows)
    and choose nested loops that make one rollup take minutes. ANALYZE counts the rows this transaction wrote.
    Every other table whose statistics read "no row" while it has pages is analysed too
    (aggregation.mend_planner_statistics: memberships and successions read by every scoped query)."""
    if connection.vendor != "postgresql":
        return
    aggregation.mend_planner_statistics()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE units_unit, units_succession, units_household, units_clan, units_citizen, "
                       "titles_recognition, reports_report, reports_reportfigure, reports_statrollup, campaigns_target")
