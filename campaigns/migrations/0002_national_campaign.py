"""The national campaign exists in every database, production included (QĐ 1315/QĐ-TTg)."""

import datetime

from django.db import migrations


def create_campaign(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    Phase = apps.get_model("campaigns", "Phase")
    campaign, _ = Campaign.objects.get_or_create(
        decision_number="1315/QĐ-TTg",
        defaults={
            "name": "Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời giai đoạn 2023 - 2030",
            "decision_date": datetime.date(2023, 11, 9),
            "start_year": 2023,
            "end_year": 2030,
        },
    )
    Phase.objects.get_or_create(campaign=campaign, number=1, defaults={
        "start_year": 2023, "end_year": 2025, "review": "interim", "review_year": 2025})
    Phase.objects.get_or_create(campaign=campaign, number=2, defaults={
        "start_year": 2026, "end_year": 2030, "review": "final", "review_year": 2030})


def remove_campaign(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.filter(decision_number="1315/QĐ-TTg").delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial_campaign_targets")]
    operations = [migrations.RunPython(create_campaign, remove_campaign)]
