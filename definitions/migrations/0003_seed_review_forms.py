from django.db import migrations

from definitions.seed_reviews import load


class Migration(migrations.Migration):
    """The interim (2025) and final (2030) review forms, their own data elements and rules (issue 14, item 3)."""

    dependencies = [
        ("definitions", "0002_seed_builtin_definitions"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
