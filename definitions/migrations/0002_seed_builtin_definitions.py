from django.db import migrations

from definitions.seed import load


class Migration(migrations.Migration):
    dependencies = [
        ("definitions", "0001_definitions"),
        ("campaigns", "0004_plan_pdf_in_register"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
