"""A realistic synthetic data set at a chosen scale, on top of the real current tree (benchmarks, load tests).

Under every current commune of the chosen provinces it creates 20–40 hamlets (thôn / tổ dân phố), a few
schools and agencies with their staff, clans, households and their members; then, for each year, what the
communes and the education department decide — Gia đình học tập, Dòng họ học tập, Công dân học tập and
Cộng đồng học tập cấp thôn every year, Cộng đồng học tập cấp xã and Đơn vị học tập for 36 months — at rates
scattered around the targets; and accepted yearly reports from some communes and schools, so that both
sources of the statistics occur (docs/adr/0005-report-rollups.md).

Years before the 2025 reform are counted on the pre-reform tree (titles.selectors.on_year_tree), where the
generated hamlets and schools (registered under today's communes) do not exist yet. For those years the
households' titles are decided by the district of the commune's primary predecessor (the approving level
then), and every predecessor commune sends an accepted report whose figures are its share of what the
generated registry holds for that year: the statistics of 2023–2024 come from the communes of that time.

Reproducible: one seeded generator draws every choice in a fixed order and ids are allocated explicitly, so
the same seed on the same database gives the same rows. The big tables (households, citizens, recognitions)
are streamed: COPY in chunks on PostgreSQL, bulk_create in batches elsewhere. Everything runs in one
transaction: it commits whole or not at all. Rows are written directly (like the tree loader), not through
the services: this is bulk data, not a user's action, and history tables are not written for it.
"""

from __future__ import annotations

import datetime
import io
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.indicators import Indicator
from campaigns.models import Campaign, Target
from core.errors import DomainError
from core.models import User
from titles.catalogue import load_catalogue
from titles.models import CriteriaSet, Decision, Recognition, SubjectKind, TitleType
from titles.selectors import LEARNING_UNIT_KINDS
from titles.services import recognition_period
from units.models import Citizen, Clan, Household, Kind, Level, Succession, Unit, path_segment
from units.selectors import units_valid_on

from . import facts, selectors
from .models import (
    REPORTING_ORGANISATION_KINDS,
    Report,
    ReportFigure,
    ReportingRound,
    ReportStatus,
    ReportTransition,
    StatRollup,
    StatsDirty,
)

CHUNK = 50_000  # rows per COPY (or per bulk_create call): bounded memory whatever the scale
BATCH = 5_000
GENERATOR_USERNAME = "du.lieu.tong.hop"
SOURCE_PREFIX = "syn:"
CAMPAIGN_START = 2023

# Rates the recognitions scatter around (DESIGN.md: 70% households, 65% clans and hamlets, 80% units...).
RATES = {
    "gia-dinh-hoc-tap": 0.70, "dong-ho-hoc-tap": 0.65, "cong-dong-hoc-tap-thon": 0.65,
    "cong-dong-hoc-tap-xa": 0.85, "don-vi-hoc-tap": 0.80,
    "cong-dan-hoc-tap": 0.45, "cong-dan-hoc-tap-staff": 0.62,
}
TARGETS = {
    Indicator.HOUSEHOLDS_LEARNING_FAMILY: 70, Indicator.CLANS_LEARNING_CLAN: 65,
    Indicator.HAMLETS_LEARNING_COMMUNITY: 65, Indicator.COMMUNES_LEARNING_COMMUNITY: 90,
    Indicator.UNITS_LEARNING_UNIT: 80, Indicator.WORKERS_LEARNING_CITIZEN: 40,
    Indicator.OFFICIALS_LEARNING_CITIZEN: 60, Indicator.LEARNING_CENTRES_USING_IT: 70,
}
COMMUNE_INDICATORS = [
    Indicator.HOUSEHOLDS_LEARNING_FAMILY, Indicator.CLANS_LEARNING_CLAN, Indicator.HAMLETS_LEARNING_COMMUNITY,
    Indicator.COMMUNES_LEARNING_COMMUNITY, Indicator.CITIZENS_LEARNING_CITIZEN, Indicator.WORKERS_LEARNING_CITIZEN,
    Indicator.LEARNING_CENTRES_USING_IT,
]
ORGANISATION_INDICATORS = [Indicator.UNITS_LEARNING_UNIT, Indicator.OFFICIALS_LEARNING_CITIZEN]

CLAN_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
              "Dương", "Lý", "Đinh", "Mai", "Trịnh"]
FAMILY_NAMES = ["Nguyễn"] * 7 + ["Trần"] * 2 + ["Lê"] + CLAN_NAMES  # drawn as often as in the population
MALE_MIDDLE = ["Văn", "Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Xuân", "Thanh", "Đình", "Ngọc"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Minh", "Hồng", "Phương"]
MALE_GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khánh", "Long", "Minh", "Nam",
              "Phong", "Phúc", "Quân", "Sơn", "Thành", "Thắng", "Trung", "Tuấn", "Việt", "Vinh"]
FEMALE_GIVEN = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
                "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Trang", "Vân", "Yến"]
# Organisations of every commune: (kind, name pattern, staff range); learning centres have no staff list.
ORGANISATIONS = [
    (Kind.PEOPLES_COMMITTEE, "Ủy ban nhân dân {commune}", (15, 30)),
    (Kind.SCHOOL, "Trường Mầm non {place}", (15, 35)),
    (Kind.SCHOOL, "Trường Tiểu học {place}", (20, 45)),
    (Kind.SCHOOL, "Trường Trung học cơ sở {place}", (20, 50)),
    (Kind.AGENCY, "Trạm Y tế {commune}", (6, 15)),
    (Kind.LEARNING_CENTRE, "Trung tâm học tập cộng đồng {commune}", None),
]
WORKPLACES = ["Hợp tác xã nông nghiệp {place}", "Công ty TNHH May {province}", "Chợ {place}",
              "Công ty Cổ phần Xây dựng {province}", "Bệnh viện Đa khoa {province}", "Tự kinh doanh tại {place}"]


@dataclass
class SyntheticResult:
    provinces: list[str] = field(default_factory=list)
    communes: int = 0
    hamlets: int = 0
    organisations: int = 0
    clans: int = 0
    households: int = 0
    citizens: int = 0
    recognitions: int = 0
    reports: int = 0


# --- writing big tables ----------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": " ", "\n": " ", "\r": " "})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)  # numbers, dates ("2026-11-05"), aware datetimes ("2026-11-05 09:00:00+07:00")


class _Stream:
    """Rows of one table with explicit ids, written in chunks: COPY on PostgreSQL, bulk_create elsewhere.

    The table is locked until commit (PostgreSQL) so that nobody else takes the ids handed out here; SQLite
    locks the whole database for the write transaction anyway.
    """

    def __init__(self, model: type[Model], fields: list[str]):
        self.model, self.fields = model, ["id", *fields]
        self.table = model._meta.db_table
        self.columns = [model._meta.get_field(f).column for f in fields]
        self.copy = connection.vendor == "postgresql"
        self.rows: list[tuple] = []
        self.written = 0
        with connection.cursor() as cursor:
            if self.copy:
                cursor.execute(f'LOCK TABLE "{self.table}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')  # noqa: S608 - a model's table
            self.last_id = cursor.fetchone()[0]

    def add(self, *values) -> int:
        self.last_id += 1
        self.rows.append((self.last_id, *values))
        if len(self.rows) >= CHUNK:
            self.flush()
        return self.last_id

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy:
            buffer = io.StringIO()
            buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in self.rows)
            buffer.seek(0)
            columns = ", ".join(f'"{c}"' for c in ["id", *self.columns])
            with connection.cursor() as cursor:
                cursor.copy_expert(f'COPY "{self.table}" ({columns}) FROM STDIN', buffer)
        else:
            self.model.objects.bulk_create(
                [self.model(**dict(zip(self.fields, row, strict=True))) for row in self.rows], batch_size=BATCH)
        self.written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        """Write what is left and move the id sequence past the ids written here."""
        self.flush()
        if self.copy and self.written:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM \"{self.table}\"))",  # noqa: S608
                    [self.table])


@contextmanager
def _foreign_keys_validated_at_the_end(models: list[type[Model]]):
    """PostgreSQL: drop the foreign keys of the streamed tables for the load and add them back after it, in
    the same transaction. Added back, each key is validated by one set-based query, instead of a check per
    inserted row that also locks the referenced row: 25 million such checks for a million households, which
    took most of a load's time at commit. A failure rolls the constraints back with the data. Other sessions
    wait for these tables until commit (a generator is for benchmark and development databases)."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY conrelid::regclass::text, conname",
            [tables])
        constraints = cursor.fetchall()
        # PostgreSQL alters no table with pending trigger events: deferred checks run as rows are written until
        # the keys are back (few rows: units, decisions, reports), then the usual deferral again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- small helpers ---------------------------------------------------------------------------------


def _clamp(value: float, low: float = 0.02, high: float = 0.98) -> float:
    return min(max(value, low), high)


def _name(rng: random.Random, family: str, male: bool) -> str:
    if male:
        return f"{family} {rng.choice(MALE_MIDDLE)} {rng.choice(MALE_GIVEN)}"
    return f"{family} {rng.choice(FEMALE_MIDDLE)} {rng.choice(FEMALE_GIVEN)}"


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights`, exactly (largest remainders)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    rest = total - sum(counts)
    for i in sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])[:rest]:
        counts[i] += 1
    return counts


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _parse_years(years: Iterable[int]) -> list[int]:
    years = sorted(set(years))
    today = timezone.localdate()
    if not years or years[0] < CAMPAIGN_START or years[-1] > today.year:
        raise DomainError(_("Năm phải trong khoảng %(start)s–%(end)s.") % {"start": CAMPAIGN_START, "end": today.year},
                          field="years")
    return years


# --- the generator ---------------------------------------------------------------------------------


class _Generator:
    def __init__(self, *, seed: int, years: list[int], citizens_per_household: float, report_share: float,
                 progress: Callable[[str], None]):
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.years, self.last_year = years, years[-1]
        self.citizens_per_household, self.report_share = citizens_per_household, report_share
        self.progress = progress
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.reform = settings.ADMIN_REFORM_DATE
        # Pre-reform years: what the registry holds per (today's commune, indicator, year) → [numerator, denominator]
        self.tally: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0])
        self.user, _created = User.objects.get_or_create(
            username=GENERATOR_USERNAME, defaults={"full_name": "Dữ liệu tổng hợp", "is_active": False})
        load_catalogue()
        self.titles = {t.slug: t for t in TitleType.objects.all()}
        self.criteria = {
            slug: CriteriaSet.objects.filter(title_type=t, status=CriteriaSet.Status.PUBLISHED)
            .order_by("-version").values_list("id", flat=True).first()
            for slug, t in self.titles.items()
        }
        self.result = SyntheticResult()

    # Dates of the decisions: yearly titles before the communes' report deadline (20/11), 36-month titles in
    # December; never after today. A yearly recognition is in force on 31/12 of its year, not of the next.
    def _decision_day(self, year: int, month: int, first: int, last: int) -> datetime.date:
        return min(datetime.date(year, month, self.rng.randint(first, last)), self.today)

    def _pre_reform(self, year: int) -> bool:
        return datetime.date(year, 12, 31) < self.reform

    def _count(self, commune_id: int, indicator: str, year: int, recognised: bool) -> None:
        if self._pre_reform(year):
            pair = self.tally[commune_id, indicator, year]
            pair[0] += recognised
            pair[1] += 1

    def run(self, provinces: list[Unit], households: int) -> SyntheticResult:
        communes_by_province = {p.pk: list(units_valid_on(
            Unit.objects.filter(path__startswith=p.path, level=Level.COMMUNE), self.today)
            .select_related("parent").order_by("path"))
            for p in provinces}
        communes = [c for p in provinces for c in communes_by_province[p.pk]]
        if not communes:
            raise DomainError(_("Tỉnh đã chọn không có xã/phường nào đang có hiệu lực."), field="province")
        # The communes each of today's communes was formed from (primary edges: one successor per predecessor).
        self.predecessors: dict[int, list[Unit]] = defaultdict(list)
        for edge in (Succession.objects.filter(successor__in=communes, primary=True, predecessor__level=Level.COMMUNE)
                     .select_related("predecessor__parent").order_by("predecessor__path")):
            self.predecessors[edge.successor_id].append(edge.predecessor)
        self.result.provinces = [p.name for p in provinces]
        self.result.communes = len(communes)
        per_commune = _allocate(households, [self.rng.uniform(0.5, 1.5) for _c in communes])
        layout = self._create_units(communes)
        self.progress(_("Đã tạo %(hamlets)s thôn/tổ dân phố và %(organisations)s cơ quan, trường học.") % {
            "hamlets": self.result.hamlets, "organisations": self.result.organisations})
        self.streams = {
            "clan": _Stream(Clan, ["unit_id", "name"]),
            "household": _Stream(Household, ["unit_id", "code", "head_name", "address"]),
            "citizen": _Stream(Citizen, ["unit_id", "household_id", "full_name", "birth_year", "workplace"]),
            "recognition": _Stream(Recognition, [
                "title_type_id", "decision_id", "subject_kind", "unit_id", "household_id", "clan_id", "citizen_id",
                "year", "level", "valid_from", "valid_to", "criteria_set_id", "revoked_reason", "revoked_act",
                "created_at"]),
        }
        for province in provinces:
            self._province_unit_titles(province, [layout[c.pk] for c in communes_by_province[province.pk]])
        for index, commune in enumerate(communes):
            self._commune(commune, layout[commune.pk], per_commune[index])
            if (index + 1) % 20 == 0:
                self.progress(_("%(done)s/%(total)s xã/phường") % {"done": index + 1, "total": len(communes)})
        for stream in self.streams.values():
            stream.close()
        self.progress(_("Đã ghi hộ gia đình, công dân, dòng họ và công nhận danh hiệu."))
        self.result.clans = self.streams["clan"].written
        self.result.households = self.streams["household"].written
        self.result.citizens = self.streams["citizen"].written
        self.result.recognitions = self.streams["recognition"].written
        _analyze()
        campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
        for province in provinces:
            self._targets(campaign, province)
            self._reports(campaign, province, communes_by_province[province.pk], layout)
        self.progress(_("Đã tạo chỉ tiêu và báo cáo đã tiếp nhận; đang ghi vào cơ sở dữ liệu."))
        return self.result

    # --- units -------------------------------------------------------------------------------------

    def _create_units(self, communes: list[Unit]) -> dict[int, dict]:
        """Hamlets and organisations under each commune (one bulk insert, then their paths)."""
        layout, new = {}, []
        for commune in communes:
            place = commune.short_name or commune.name
            ward = commune.kind == Kind.WARD
            hamlets = [Unit(parent=commune, level=Level.HAMLET, kind=Kind.RESIDENTIAL_GROUP if ward else Kind.HAMLET,
                            name=f"{'Tổ dân phố' if ward else 'Thôn'} {i}",
                            source_key=f"{SOURCE_PREFIX}{commune.pk}:h{i}")
                       for i in range(1, self.rng.randint(20, 40) + 1)]
            organisations = [
                (Unit(parent=commune, level=Level.ORGANISATION, kind=kind,
                      name=pattern.format(commune=commune.name, place=place),
                      source_key=f"{SOURCE_PREFIX}{commune.pk}:o{i}"), staff)
                for i, (kind, pattern, staff) in enumerate(ORGANISATIONS, 1)
            ]
            layout[commune.pk] = {"commune": commune, "place": place, "hamlets": hamlets,
                                  "organisations": organisations, "quality": self.rng.gauss(0, 1)}
            new += hamlets + [o for o, _s in organisations]
        for unit in new:
            unit.refresh_derived_fields()
        Unit.objects.bulk_create(new, batch_size=BATCH)
        for unit in new:
            unit.path, unit.depth = unit.parent.path + path_segment(unit.pk), unit.parent.depth + 1
        Unit.objects.bulk_update(new, ["path", "depth"], batch_size=BATCH)
        self.result.hamlets = sum(len(v["hamlets"]) for v in layout.values())
        self.result.organisations = sum(len(v["organisations"]) for v in layout.values())
        return layout

    # --- decisions and recognitions ----------------------------------------------------------------

    def _rate(self, slug: str, quality: float, year: int) -> float:
        """Around the target, better in better communes, rising two points a year."""
        return _clamp(RATES[slug] + 0.06 * quality + 0.02 * (year - 2025) + self.rng.uniform(-0.03, 0.03))

    def _decision(self, slug: str, authority: Unit, year: int, day: datetime.date, number: str, signer_title: str):
        return Decision(title_type=self.titles[slug], authority=authority, year=year, number=number, date=day,
                        signer=_name(self.rng, self.rng.choice(FAMILY_NAMES), True), signer_title=signer_title,
                        created_by=self.user)

    def _grant(self, decision: Decision) -> tuple:
        """What every recognition of one decision shares: title, decision, validity, criteria set."""
        title = decision.title_type
        valid_from, valid_to = recognition_period(title, decision.date)
        return title.pk, decision.pk, valid_from, valid_to, self.criteria[title.slug]

    def _recognise(self, grant: tuple, kind: str, unit_id: int, year: int, *, household=None, clan=None,
                   citizen=None, level: int = 1) -> None:
        title_id, decision_id, valid_from, valid_to, criteria_id = grant
        self.streams["recognition"].add(title_id, decision_id, kind, unit_id, household, clan, citizen, year, level,
                                        valid_from, valid_to, criteria_id, "", "", self.now)

    def _cycle_years(self) -> list[list[int]]:
        """36-month titles are renewed every third year: three staggered cycles since the campaign started."""
        first = max(CAMPAIGN_START, self.years[0] - 2)
        return [[y for y in range(first, self.last_year + 1) if (y - CAMPAIGN_START) % 3 == offset]
                for offset in range(3)]

    def _province_unit_titles(self, province: Unit, layouts: list[dict]) -> None:
        """Cộng đồng học tập cấp xã and Đơn vị học tập: decided by the Department of Education for 36 months."""
        cycles = self._cycle_years()
        decisions: dict[tuple[str, int], Decision] = {}
        for slug in ("cong-dong-hoc-tap-xa", "don-vi-hoc-tap"):
            for year in sorted({y for c in cycles for y in c}):
                decisions[slug, year] = self._decision(
                    slug, province, year, self._decision_day(year, 12, 1, 10),
                    f"{self.rng.randint(1000, 3999)}/QĐ-SGDĐT", "Giám đốc Sở Giáo dục và Đào tạo")
        Decision.objects.bulk_create(decisions.values())
        grants = {key: self._grant(decision) for key, decision in decisions.items()}
        for layout in layouts:
            subjects = [("cong-dong-hoc-tap-xa", layout["commune"])] + [
                ("don-vi-hoc-tap", o) for o, _s in layout["organisations"] if o.kind in LEARNING_UNIT_KINDS]
            for slug, unit in subjects:
                cycle = cycles[self.rng.randrange(3)]
                if self.rng.random() >= RATES[slug] + 0.05 * layout["quality"]:
                    continue
                for year in cycle:
                    self._recognise(grants[slug, year], SubjectKind.UNIT, unit.pk, year,
                                    level=2 if self.rng.random() < 0.3 else 1)

    def _commune(self, commune: Unit, layout: dict, households: int) -> None:
        """Clans, households, members, staff, and the commune's yearly decisions with their recognitions."""
        rng, place = self.rng, layout["place"]
        decisions = {
            (slug, year): self._decision(slug, authority, year, self._decision_day(year, 11, 1, 15),
                                         f"{rng.randint(100, 999)}/QĐ-UBND",
                                         f"Chủ tịch Ủy ban nhân dân {authority.name}")
            for year in self.years
            for authority in [self._deciding_body(commune, year)]
            for slug in ("gia-dinh-hoc-tap", "dong-ho-hoc-tap", "cong-dan-hoc-tap", "cong-dong-hoc-tap-thon")
        }
        Decision.objects.bulk_create(decisions.values())
        grants = {key: self._grant(decision) for key, decision in decisions.items()}
        quality = layout["quality"]
        rates = {(slug, year): self._rate(slug, quality, year) for slug, year in [*decisions, *(
            ("cong-dan-hoc-tap-staff", y) for y in self.years)]}
        province_name = (commune.parent.short_name or commune.parent.name) if commune.parent_id else ""
        workplaces = [w.format(place=place, province=province_name) for w in WORKPLACES]
        hamlets = layout["hamlets"]
        per_hamlet = _allocate(households, [rng.uniform(0.6, 1.4) for _h in hamlets])
        for hamlet, count in zip(hamlets, per_hamlet, strict=True):
            self._hamlet(hamlet, count, grants, rates, workplaces)
        for organisation, staff in layout["organisations"]:
            if staff is None:
                continue
            for _i in range(rng.randint(*staff)):
                birth = self.last_year - rng.randint(22, 60)
                citizen = self.streams["citizen"].add(
                    organisation.pk, None, _name(rng, rng.choice(FAMILY_NAMES), rng.random() < 0.5), birth,
                    organisation.name)
                for year in self.years:
                    if rng.random() < rates["cong-dan-hoc-tap-staff", year]:
                        self._recognise(grants["cong-dan-hoc-tap", year], SubjectKind.CITIZEN, organisation.pk, year,
                                        citizen=citizen)

    def _deciding_body(self, commune: Unit, year: int) -> Unit:
        """Who recognised households, clans, citizens and hamlets: the commune; before the reform, the district
        of the commune's (first) primary predecessor."""
        before = self.predecessors.get(commune.pk) if self._pre_reform(year) else None
        return before[0].parent if before and before[0].parent_id else commune

    def _hamlet(self, hamlet: Unit, households: int, grants: dict, rates: dict, workplaces: list[str]) -> None:
        rng, streams, years = self.rng, self.streams, self.years
        commune_id = hamlet.parent_id
        for year in years:
            recognised = rng.random() < rates["cong-dong-hoc-tap-thon", year]
            if recognised:
                self._recognise(grants["cong-dong-hoc-tap-thon", year], SubjectKind.UNIT, hamlet.pk, year)
            self._count(commune_id, Indicator.HAMLETS_LEARNING_COMMUNITY, year, recognised)
        families = rng.sample(CLAN_NAMES, rng.randint(2, 6))
        for family in families:
            clan = streams["clan"].add(hamlet.pk, f"Dòng họ {family}")
            for year in years:
                recognised = rng.random() < rates["dong-ho-hoc-tap", year]
                if recognised:
                    self._recognise(grants["dong-ho-hoc-tap", year], SubjectKind.CLAN, hamlet.pk, year, clan=clan)
                self._count(commune_id, Indicator.CLANS_LEARNING_CLAN, year, recognised)
        whole, fraction = divmod(self.citizens_per_household, 1)
        address = f"{hamlet.name}, {hamlet.parent.name}"
        for number in range(1, households + 1):
            family = rng.choice(families) if rng.random() < 0.8 else rng.choice(FAMILY_NAMES)
            male_head = rng.random() < 0.75
            head = _name(rng, family, male_head)
            household = streams["household"].add(hamlet.pk, f"H{number:05d}", head, address)
            for year in years:
                recognised = rng.random() < rates["gia-dinh-hoc-tap", year]
                if recognised:
                    self._recognise(grants["gia-dinh-hoc-tap", year], SubjectKind.HOUSEHOLD, hamlet.pk, year,
                                    household=household)
                self._count(commune_id, Indicator.HOUSEHOLDS_LEARNING_FAMILY, year, recognised)
            members = int(whole) + (1 if rng.random() < fraction else 0)
            head_age = rng.randint(28, 75)
            for m in range(members):
                if m == 0:
                    name, age = head, head_age
                elif m == 1:
                    name, age = _name(rng, rng.choice(FAMILY_NAMES), not male_head), head_age + rng.randint(-5, 5)
                else:
                    name, age = _name(rng, family, rng.random() < 0.5), rng.randint(0, max(head_age - 20, 1))
                workplace = rng.choice(workplaces) if 18 <= age <= 60 and rng.random() < 0.8 else ""
                citizen = streams["citizen"].add(hamlet.pk, household, name, self.last_year - age, workplace)
                for year in years:
                    # Children under 15 are not assessed; people at work a little more often than others.
                    age_then = age - (self.last_year - year)
                    share = 0 if age_then < 15 else rates["cong-dan-hoc-tap", year] + (0.08 if workplace else -0.05)
                    recognised = rng.random() < share
                    if recognised:
                        self._recognise(grants["cong-dan-hoc-tap", year], SubjectKind.CITIZEN, hamlet.pk, year,
                                        citizen=citizen)
                    self._count(commune_id, Indicator.CITIZENS_LEARNING_CITIZEN, year, recognised)
                    if workplace:
                        self._count(commune_id, Indicator.WORKERS_LEARNING_CITIZEN, year, recognised)

    # --- targets, rounds and reports ---------------------------------------------------------------

    def _targets(self, campaign: Campaign, province: Unit) -> None:
        for year in self.years:
            for indicator, percentage in TARGETS.items():
                Target.objects.get_or_create(plan=None, indicator=indicator, unit=province, year=year,
                                             defaults={"percentage": Decimal(percentage), "campaign": campaign})

    def _round(self, campaign: Campaign, province: Unit, year: int, level: str) -> ReportingRound:
        """The round the province's units report under; a province-scoped base round when none covers them."""
        probe = Unit(level=level, kind=Kind.SCHOOL if level == Level.ORGANISATION else Kind.COMMUNE,
                     path=province.path + "x", valid_from=None, valid_to=None)
        existing = selectors.round_for(probe, year)
        if existing is not None and not existing.is_summary:
            return existing
        deadline = datetime.date(year, 11, 20) if level == Level.COMMUNE else datetime.date(year, 12, 15)
        round_, _created = ReportingRound.objects.get_or_create(
            year=year, scope_unit=province, level=level,
            defaults={"campaign": campaign, "opens_on": datetime.date(year, 9, 1), "deadline": deadline,
                      "recipient": "Sở Giáo dục và Đào tạo",
                      "indicators": COMMUNE_INDICATORS if level == Level.COMMUNE else ORGANISATION_INDICATORS,
                      "kinds": [] if level == Level.COMMUNE else REPORTING_ORGANISATION_KINDS},
        )
        return round_

    def _reports(self, campaign: Campaign, province: Unit, communes: list[Unit], layout: dict) -> None:
        """Accepted base reports from a share of communes and schools: the registry figures of their area,
        as an officer counts them (a few households more or less), so both fact sources occur."""
        for year in self.years:
            if self._pre_reform(year):
                self._pre_reform_reports(campaign, communes, layout, year)
                continue
            rounds = {level: self._round(campaign, province, year, level) for level in (Level.COMMUNE,
                                                                                         Level.ORGANISATION)}
            reporting = []
            for commune in communes:
                if self.rng.random() < self.report_share:
                    reporting.append((commune, rounds[Level.COMMUNE]))
                for organisation, _staff in layout[commune.pk]["organisations"]:
                    if organisation.kind in REPORTING_ORGANISATION_KINDS and self.rng.random() < self.report_share:
                        reporting.append((organisation, rounds[Level.ORGANISATION]))
            registries = _registries_by_reporter(year, province)
            for unit, round_ in reporting:
                if not Report.objects.filter(unit=unit, year=year, period_kind="yearly").exists():
                    self._accepted_report(unit, round_, year, registries.get(unit.pk, {}))

    def _pre_reform_reports(self, campaign: Campaign, communes: list[Unit], layout: dict, year: int) -> None:
        """Every predecessor commune valid at the year's deadline reports, under its own (pre-reform) province's
        round; its figures are its share (by weight) of its successor's registry tally for the year."""
        deadline = datetime.date(year, 11, 20)
        provinces: dict[str, Unit] = {}  # each predecessor's own (pre-reform) province, looked up once
        for commune in communes:
            before = [p for p in self.predecessors.get(commune.pk, [])
                      if (p.valid_from is None or p.valid_from <= deadline)
                      and (p.valid_to is None or p.valid_to >= deadline)]
            if not before:
                continue
            weights = [self.rng.uniform(0.5, 1.5) for _p in before]
            shares: list[dict[str, tuple[int, int]]] = [{} for _p in before]
            for indicator in COMMUNE_INDICATORS:
                numerator, denominator = self.tally.get((commune.pk, indicator, year), (0, 0))
                if indicator == Indicator.COMMUNES_LEARNING_COMMUNITY:
                    for share in shares:
                        share[indicator] = (int(self.rng.random() < RATES["cong-dong-hoc-tap-xa"]
                                                + 0.05 * layout[commune.pk]["quality"]), 1)
                    continue
                dens = _allocate(denominator, weights)
                nums = _allocate(numerator, weights)
                for share, n, d in zip(shares, nums, dens, strict=True):
                    share[indicator] = (min(n, d), d)
            for predecessor, share in zip(before, shares, strict=True):
                if Report.objects.filter(unit=predecessor, year=year, period_kind="yearly").exists():
                    continue
                path = predecessor.path[:2 * facts.SEGMENT]
                province = provinces.get(path) or provinces.setdefault(path, Unit.objects.get(path=path))
                self._accepted_report(predecessor, self._round(campaign, province, year, Level.COMMUNE), year, share,
                                      exact=True)

    def _accepted_report(self, unit: Unit, round_: ReportingRound, year: int, registry: dict, *,
                         exact: bool = False) -> None:
        """`exact`: the figures as given (pre-reform shares, which are the only source of their year);
        otherwise as an officer counts the registry, a few more or less."""
        figures = []
        for indicator in round_.required_indicators():
            numerator, denominator = registry.get(indicator, (0, 0))
            if indicator == Indicator.LEARNING_CENTRES_USING_IT:
                numerator, denominator = int(self.rng.random() < 0.7), 1
            elif denominator > 20 and not exact:
                denominator += self.rng.randint(-(denominator // 50), denominator // 50)
                numerator = min(max(numerator + self.rng.randint(-(numerator // 50), numerator // 50), 0), denominator)
            figures.append((indicator, numerator, denominator))
        sent = min(round_.deadline - datetime.timedelta(days=self.rng.randint(-3, 20)), self.today)
        report = Report.objects.create(
            unit=unit, year=year, round=round_, status=ReportStatus.ACCEPTED, is_summary=False, created_by=self.user,
            first_submitted_at=_at(sent), submitted_at=_at(sent), on_time=sent < round_.deadline,
            accepted_at=_at(min(sent + datetime.timedelta(days=3), self.today), 15),
            results="Số liệu tổng hợp từ sổ theo dõi của đơn vị.")
        ReportFigure.objects.bulk_create(ReportFigure(report=report, indicator=i, numerator=n, denominator=d)
                                         for i, n, d in figures)
        ReportTransition.objects.bulk_create([
            ReportTransition(report=report, from_status=a, to_status=b, by=self.user)
            for a, b in (("", ReportStatus.DRAFT), (ReportStatus.DRAFT, ReportStatus.SUBMITTED),
                         (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED))])
        self.result.reports += 1


def _registries_by_reporter(year: int, province: Unit) -> dict[int, dict[str, tuple[int, int]]]:
    """What selectors.registry_facts gives each reporting unit of the province, in one query."""
    sql, params = facts.registry_by_reporter_sql(year, facts.Scope(prefixes=(province.path,)))
    by_reporter: dict[int, dict[str, tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(facts.with_depths() + sql, params)
        for unit_id, indicator, numerator, denominator in cursor.fetchall():
            by_reporter.setdefault(unit_id, {})[indicator] = (int(numerator), int(denominator))
    return by_reporter


def synthetic_units(province: Unit):
    return Unit.objects.filter(path__startswith=province.path, source_key__startswith=SOURCE_PREFIX)


def _delete(model: type[Model], column: str, among) -> None:
    """DELETE rows whose `column` is in the queryset `among`, in one statement.

    QuerySet.delete() would load every row first (the registries keep a history, so their deletes send
    signals): unthinkable for millions of synthetic rows, which never had history rows anyway.
    """
    sql, params = among.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE "{column}" IN ({sql})', params)  # noqa: S608


def _clear(province: Unit) -> None:
    """Remove an earlier synthetic data set of the province, children before parents."""
    generated = synthetic_units(province).values("id")
    # The pre-reform province(s) too: the generator's reports of 2023–2024 come from their communes.
    paths = [province.path, *Succession.objects.filter(successor=province).values_list("predecessor__path", flat=True)]
    era = Q()
    for path in paths:
        era |= Q(path__startswith=path)
    in_province = Unit.objects.filter(era).values("id")
    user = User.objects.filter(username=GENERATOR_USERNAME).first()
    if user is not None:
        reports = Report.objects.filter(created_by=user, unit__in=in_province).values("id")
        _delete(ReportFigure, "report_id", reports)
        _delete(ReportTransition, "report_id", reports)
        _delete(Report, "id", reports.values("id"))
        decisions = Decision.objects.filter(created_by=user, authority__in=in_province).values("id")
        _delete(Recognition, "decision_id", decisions)
        _delete(Decision, "id", decisions.values("id"))
    for model in (Citizen, Household, Clan, StatRollup, StatsDirty):
        _delete(model, "unit_id", generated)
    _delete(Unit, "id", generated.values("id"))


@transaction.atomic
def generate_synthetic(
    *,
    provinces: list[Unit],
    households: int,
    years: Iterable[int],
    seed: int = 2026,
    citizens_per_household: float = 3,
    report_share: float = 0.3,
    replace: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> SyntheticResult:
    """Generate the synthetic data set under `provinces` (current province units). One transaction.

    Refuses a province that already holds a synthetic data set unless `replace` (which removes it first).
    Locks the tables it streams into (PostgreSQL: SHARE ROW EXCLUSIVE until commit) to own the ids it writes.
    """
    if households < 0 or citizens_per_household < 0 or not 0 <= report_share <= 1:
        raise DomainError(_("Số hộ, số người mỗi hộ và tỷ lệ đơn vị báo cáo phải không âm (tỷ lệ không quá 1)."),
                          field="households")
    years = _parse_years(years)
    for province in provinces:
        if synthetic_units(province).exists() and not replace:
            raise DomainError(_("Tỉnh “%(province)s” đã có dữ liệu tổng hợp; dùng --replace để tạo lại.")
                              % {"province": province.name}, field="province")
    with _foreign_keys_validated_at_the_end(STREAMED):
        for province in provinces:
            _clear(province)
        generator = _Generator(seed=seed, years=years, citizens_per_household=citizens_per_household,
                               report_share=report_share, progress=progress)
        result = generator.run(provinces, households)
    progress(_("Đã kiểm tra khóa ngoại của các bảng lớn."))
    _analyze()
    return result


STREAMED = [Clan, Household, Citizen, Recognition]


def _analyze() -> None:
    """Fresh planner statistics (PostgreSQL), or the planner guesses its way through a million new rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Unit, Clan, Household, Citizen, Recognition, Decision, Report, ReportFigure):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
