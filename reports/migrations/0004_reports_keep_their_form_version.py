"""Reports opened before forms were data were filled on the forms now seeded as version 1 of each yearly form."""

from django.db import migrations

SEED_FORM_BY_LEVEL = {"commune": "yearly_commune", "organisation": "yearly_organisation",
                      "district": "yearly_district_summary", "province": "yearly_province_summary"}


def link(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    ReportFormVersion = apps.get_model("definitions", "ReportFormVersion")
    for level, code in SEED_FORM_BY_LEVEL.items():
        version = ReportFormVersion.objects.filter(form__code=code, number=1).first()
        if version is not None:
            Report.objects.filter(form_version__isnull=True, round__level=level).update(form_version=version)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_forms_as_data"),
        ("definitions", "0002_seed_builtin_definitions"),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
