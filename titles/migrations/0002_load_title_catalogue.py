"""Title types and the criteria sets shipped in titles/criteria/: every database gets them."""

from django.db import migrations


def load(apps, schema_editor):
    from titles.catalogue import load_catalogue

    load_catalogue(apps)


def unload(apps, schema_editor):
    # Only the shipped catalogue, and only where nothing refers to it yet (PROTECT would refuse).
    apps.get_model("titles", "CriteriaSet").objects.filter(evaluations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("titles", "0001_initial_titles")]

    operations = [migrations.RunPython(load, unload)]
