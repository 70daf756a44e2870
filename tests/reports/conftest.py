import datetime

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from reports.models import REPORTING_ORGANISATION_KINDS, ReportingRound
from tests import factories as f
from units.models import Household, Level
from units.roles import Role

YEAR = 2026

BASE_FIGURES = {
    "households_learning_family": {"numerator": 70, "denominator": 100},
    "clans_learning_clan": {"numerator": 5, "denominator": 8},
    "hamlets_learning_community": {"numerator": 1, "denominator": 1},
    "communes_learning_community": {"numerator": 1, "denominator": 1},
    "citizens_learning_citizen": {"numerator": 300, "denominator": 500},
    "workers_learning_citizen": {"numerator": 40, "denominator": 90},
    "learning_centres_using_it": {"numerator": 1, "denominator": 1},
}
COMMUNE_INDICATORS = list(BASE_FIGURES)
ORGANISATION_INDICATORS = ["units_learning_unit", "officials_learning_citizen"]


def today():
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The debounce marker of the stats refresh lives in the cache: each test starts without one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def campaign(db):
    return Campaign.objects.get(decision_number="1315/QĐ-TTg")


def make_round(campaign, scope, level, *, year=YEAR, deadline=None, opens=None, indicators=None, kinds=None,
               summary=False):
    return ReportingRound.objects.create(
        campaign=campaign, year=year, scope_unit=scope, level=level, kinds=kinds or [],
        indicators=indicators if indicators is not None else [], is_summary=summary,
        opens_on=opens or today() - datetime.timedelta(days=30),
        deadline=deadline or today() + datetime.timedelta(days=10),
    )


@pytest.fixture
def rounds(tree, campaign):
    """Communes and schools of the first province report to its Department of Education, deadline in 10 days."""
    return {
        "commune": make_round(campaign, tree["p1"], Level.COMMUNE, indicators=COMMUNE_INDICATORS),
        "organisation": make_round(campaign, tree["p1"], Level.ORGANISATION, indicators=ORGANISATION_INDICATORS,
                                   kinds=REPORTING_ORGANISATION_KINDS),
    }


@pytest.fixture
def people(tree):
    return {
        "officer1": f.member(tree["c1"], Role.OFFICER, username="xa.hoabinh", full_name="Phạm Thị Hòa",
                             phone="0912000001"),
        "officer2": f.member(tree["c2"], Role.OFFICER, username="phuong.dongha"),
        "school_officer": f.member(tree["s1"], Role.OFFICER, username="truong.hoabinh"),
        "reviewer": f.member(tree["p1"], Role.REVIEWER, username="sogd.duyet"),
        "commune_reviewer": f.member(tree["c1"], Role.REVIEWER, username="xa.duyet"),
        "other_reviewer": f.member(tree["p2"], Role.REVIEWER, username="tinhkhac.duyet"),
        "viewer": f.member(tree["p1"], Role.VIEWER, username="lanhdao.xem"),
    }


@pytest.fixture
def households(tree):
    Household.objects.bulk_create(
        [Household(unit=tree["h1"], code=f"H{i:03d}", head_name=f"Chủ hộ {i}") for i in range(12)])
