"""The rollup tables partitioned by year on PostgreSQL (docs/scaling.md, Step 3; core/partitions.py).

`reports_statrollup` and `reports_valuerollup` are rebuilt a year at a time (DELETE … WHERE year = …, then
INSERT … SELECT) and read a year at a time (`/stats/`, dashboards, trend): each year's rows in a partition of
their own. Both tables: ValueRollup has a row per unit, year, data element and option, more rows than
StatRollup as soon as forms carry breakdowns, with the same write and read pattern. Their unique keys already
contain `year`; nothing references them. Works on a filled database and goes back to plain tables; Django's
state does not change; nothing on SQLite.
"""

from django.db import migrations

from core.partitions import partition_by_year, unpartition

TABLES = ("reports_statrollup", "reports_valuerollup")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            partition_by_year(cursor, table)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            unpartition(cursor, table)


class Migration(migrations.Migration):

    dependencies = [("reports", "0004_reports_keep_their_form_version")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
