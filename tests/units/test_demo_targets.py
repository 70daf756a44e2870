"""Issue 12, point 7: the national 2030 targets of QĐ 677/QĐ-TTg in the demo, and a re-run that corrects them."""

from decimal import Decimal

from campaigns.demo import _national_targets
from campaigns.demo_data import NATIONAL_TARGETS
from campaigns.indicators import Indicator
from campaigns.models import Campaign, Target
from tests import factories as f
from units.loader import NATION_KEY
from units.models import Kind, Level


def test_the_2030_learning_citizen_targets_are_those_of_qd_677():
    targets = {(indicator, year): value for indicator, year, value in NATIONAL_TARGETS}

    # 60 % of adults in learning families, clans and communities; 80 % of officials in learning units.
    assert targets[(Indicator.WORKERS_LEARNING_CITIZEN, 2030)] == Decimal("60")
    assert targets[(Indicator.OFFICIALS_LEARNING_CITIZEN, 2030)] == Decimal("80")
    assert targets[(Indicator.WORKERS_LEARNING_CITIZEN, 2025)] == Decimal("40")
    assert targets[(Indicator.OFFICIALS_LEARNING_CITIZEN, 2025)] == Decimal("60")
    assert all(indicator in Indicator.values for indicator, _year, _value in NATIONAL_TARGETS)


def test_loading_the_demo_again_corrects_a_target_loaded_wrong_and_writes_nothing_else(db):
    nation = f.UnitFactory(level=Level.NATION, kind=Kind.NATION, code="VN", name="Việt Nam", source_key=NATION_KEY)
    campaign = Campaign.objects.first()
    wrong = Target.objects.create(plan=None, unit=nation, campaign=campaign, year=2030, percentage=Decimal("70"),
                                  indicator=Indicator.WORKERS_LEARNING_CITIZEN)

    _national_targets(campaign)

    wrong.refresh_from_db()
    assert wrong.percentage == Decimal("60")
    assert Target.objects.filter(unit=nation, plan=None).count() == len(NATIONAL_TARGETS)
    history = Target.history.count()
    _national_targets(campaign)
    assert Target.history.count() == history
