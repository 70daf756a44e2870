"""PostgreSQL: statistics taken while a table held only dead rows say "0 rows in N pages", and the planner then
estimates every scan of it at 1 row whatever it holds (ADR 0005). mend_planner_statistics analyses such a table
again once it holds rows, and leaves alone the tables whose statistics are sound or that are really empty."""

import pytest
from django.db import connection, transaction

from reports.aggregation import mend_planner_statistics
from units.models import Household

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")


def _stats(table: str) -> tuple[int, float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()


def _analyze(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def test_a_table_analysed_with_only_dead_rows_is_analysed_again_once_it_holds_rows(db, tree):
    hamlet = tree["h1"]
    try:  # rows written and rolled back: dead pages, as a test run's rolled-back transactions leave them
        with transaction.atomic():
            Household.objects.bulk_create([Household(unit=hamlet, code=f"D{i:05d}", head_name="Chủ hộ")
                                           for i in range(3000)])
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    _analyze("units_household")
    pages, rows = _stats("units_household")
    assert pages > 0 and rows == 0  # the trap: a density of 0 rows per page
    assert "units_household" not in mend_planner_statistics(("units_household",))  # still empty: left alone

    Household.objects.bulk_create([Household(unit=hamlet, code=f"L{i:05d}", head_name="Chủ hộ")
                                   for i in range(2000)])

    assert mend_planner_statistics(("units_household",)) == ["units_household"]
    assert _stats("units_household")[1] >= 1000  # the rows this transaction wrote are counted
    assert mend_planner_statistics(("units_household",)) == []  # sound now: nothing to do
