"""titles_recognition partitioned by year on PostgreSQL (docs/scaling.md, Step 3; core/partitions.py).

Works on a filled table in the migration's transaction (rows copied, names swapped, id sequence continued) and
goes back to a plain table. Django's state does not change: the model keeps `id` as its key. Nothing on SQLite.

The one-to-one to Evaluation cannot stay unique on `evaluation_id` alone in a partitioned table: its key
becomes (evaluation_id, year), and a trigger keeps a recognition of an evaluation in the evaluation's year (as
titles.services.evaluation_approve makes it), so that one evaluation still has at most one recognition. The
model's own validation (validate_unique) still queries by evaluation and gives its message.

The awards nomination ↔ recognitions through table loses its foreign key to recognitions (a partitioned
table's id alone cannot be referenced): deferred constraint triggers check the same (core.partitions).
"""

from django.db import migrations

from core.partitions import partition_by_year, unpartition

TABLE = "titles_recognition"
SAME_YEAR = "xhht_recognition_evaluation_year"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        partition_by_year(cursor, TABLE)
        cursor.execute(f"""
            CREATE OR REPLACE FUNCTION {SAME_YEAR}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.evaluation_id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM titles_evaluation e WHERE e.id = NEW.evaluation_id AND e.year <> NEW.year) THEN
                    RAISE EXCEPTION 'a recognition of evaluation % must be of the evaluation''s year',
                        NEW.evaluation_id USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
            END $$""")  # noqa: S608 - constants only
        cursor.execute(f"CREATE TRIGGER {SAME_YEAR} AFTER INSERT OR UPDATE OF evaluation_id, year ON {TABLE} "
                       f"FOR EACH ROW EXECUTE FUNCTION {SAME_YEAR}()")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        unpartition(cursor, TABLE)  # the trigger goes with the partitioned table
        cursor.execute(f"DROP FUNCTION IF EXISTS {SAME_YEAR}()")


class Migration(migrations.Migration):

    dependencies = [
        ("titles", "0006_decision_legal_basis"),
        # The nomination ↔ recognitions through table, whose foreign key becomes a check.
        ("awards", "0005_session_chair"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
