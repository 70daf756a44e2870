"""The rollup reads back stored rows (kept children of the incremental path, the dissolved units' continuation,
successors' derived targets) of its own built-in indicators only: rows of indicators defined as data, and the
rows of a breakdown (category option), are another module's and never enter its sums."""

from definitions.models import Category, CategoryOption
from reports import aggregation
from reports.models import StatRollup
from units.models import Level

from .conftest import YEAR
from .test_aggregation import generated  # noqa: F401 - the fixture, shared with the rollup's tests


def _built_in_rows() -> list:
    return sorted(StatRollup.objects.filter(year=YEAR, option__isnull=True,
                                            indicator__in=aggregation.BUILT_IN).values_list(
        "unit_id", "indicator", "numerator", "denominator", "target", "on_track"))


def test_incremental_rebuild_sums_no_stored_row_of_another_module(generated, django_user_model):  # noqa: F811
    aggregation.stats_rebuild(year=YEAR)
    full = _built_in_rows()
    communes = [u for u in generated["units"] if u.level == Level.COMMUNE]
    kept, changed = communes[0], communes[1]  # same district: `kept` is summed from its stored rows
    assert kept.parent_id == changed.parent_id
    option = CategoryOption.objects.create(
        category=Category.objects.create(code="gioi_tinh_thu", name="Giới tính (thử)"), code="nu", name="Nữ")
    now = StatRollup.objects.filter(year=YEAR).first().computed_at
    StatRollup.objects.create(unit=kept, year=YEAR, indicator="so_lop_hoc_xoa_mu_chu", numerator=10**6,
                              denominator=10**6, computed_at=now)
    StatRollup.objects.create(unit=kept, year=YEAR, indicator="households_learning_family", option=option,
                              numerator=10**6, denominator=10**6, computed_at=now)

    aggregation.stats_rebuild(year=YEAR, unit_ids=[int(s) for s in changed.path.strip("/").split("/")])

    assert _built_in_rows() == full  # neither million reached the district, the province or the nation
    assert not StatRollup.objects.filter(year=YEAR, indicator="so_lop_hoc_xoa_mu_chu").exclude(unit=kept).exists()
