"""Seed who recognises each title and issues its decision (per subject and era), the waiting period before
a higher level and the re-evaluation rule, from titles/criteria/title_types.json."""

from django.db import migrations


def forwards(apps, schema_editor):
    from titles.catalogue import sync_title_rules

    sync_title_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("titles", "0004_authority_rules_and_title_rules")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
