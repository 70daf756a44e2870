"""The award forms of the campaign (DESIGN.md, Law on Emulation and Commendation 2022): data, so that a
form can be added or retired without a deploy. Who may decide each form is DecidingPower, per body."""

from django.db import migrations

FORMS = [
    # slug, name, certificate title, rank
    ("bang-khen-thu-tuong", "Bằng khen của Thủ tướng Chính phủ", "BẰNG KHEN", 30),
    ("bang-khen-bo-tinh", "Bằng khen cấp bộ, ban, ngành, tỉnh, đoàn thể trung ương", "BẰNG KHEN", 20),
    ("giay-khen", "Giấy khen", "GIẤY KHEN", 10),
]


def load_forms(apps, schema_editor):
    AwardForm = apps.get_model("awards", "AwardForm")
    for slug, name, certificate_title, rank in FORMS:
        AwardForm.objects.update_or_create(
            slug=slug, defaults={"name": name, "certificate_title": certificate_title, "rank": rank, "active": True}
        )


def unload_forms(apps, schema_editor):
    AwardForm = apps.get_model("awards", "AwardForm")
    AwardForm.objects.filter(slug__in=[f[0] for f in FORMS], nominations__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [("awards", "0001_initial_awards")]

    operations = [migrations.RunPython(load_forms, unload_forms)]
