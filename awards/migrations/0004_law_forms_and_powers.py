"""The award forms as Luật Thi đua, khen thưởng 2022 has them, each with the authorities that may give it.

Verified against the law's text (Công báo số 571+572 ngày 15/7/2022): Điều 80 — Giấy khen is given by the
heads of agencies with legal personality under ministries and of the provincial People's Committee's
specialised agencies, by commune People's Committee chairmen and by enterprise/cooperative heads. The article
numbers of the Bằng khen authorities (Thủ tướng; Bộ trưởng/Chủ tịch UBND tỉnh) and the Ministry of Home
Affairs' appraisal under Nghị định 152/2025/NĐ-CP are marked "(cần kiểm chứng)": not checked against the text.
Administrators correct every row in the admin (with history).
"""

from django.db import migrations

FORMS = [
    # slug, name, certificate title, rank, authorities, legal basis
    ("bang-khen-thu-tuong", "Bằng khen của Thủ tướng Chính phủ", "BẰNG KHEN", 30, ["prime_minister"],
     "Luật Thi đua, khen thưởng 2022, Chương IV; Bộ Nội vụ thẩm định trình Thủ tướng (cần kiểm chứng điều, khoản)"),
    ("bang-khen-bo", "Bằng khen của Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan thuộc Chính phủ", "BẰNG KHEN",
     20, ["minister"], "Luật Thi đua, khen thưởng 2022, Điều 79 (cần kiểm chứng)"),
    ("bang-khen-trung-uong", "Bằng khen của cơ quan, tổ chức ở trung ương", "BẰNG KHEN", 20, ["central_org"],
     "Luật Thi đua, khen thưởng 2022, Điều 79 (cần kiểm chứng)"),
    ("bang-khen-tinh", "Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh", "BẰNG KHEN", 20, ["province_chair"],
     "Luật Thi đua, khen thưởng 2022, Điều 79 (cần kiểm chứng)"),
    ("giay-khen", "Giấy khen", "GIẤY KHEN", 10, ["agency_head", "commune_chair", "enterprise_head"],
     "Luật Thi đua, khen thưởng 2022, Điều 80"),
]

AUTHORITY_BY_LEVEL = {"nation": "prime_minister", "province": "province_chair", "commune": "commune_chair",
                      "organisation": "agency_head"}


def load(apps, schema_editor):
    AwardForm = apps.get_model("awards", "AwardForm")
    DecidingPower = apps.get_model("awards", "DecidingPower")
    # The former "Bằng khen cấp bộ, ban, ngành, tỉnh…" mixed separate forms of separate authorities: its rows
    # (and their nominations) become the provincial chairman's Bằng khen, the one the portal's provinces give.
    if not AwardForm.objects.filter(slug="bang-khen-tinh").exists():
        AwardForm.objects.filter(slug="bang-khen-bo-tinh").update(slug="bang-khen-tinh")
    for slug, name, title, rank, authorities, basis in FORMS:
        AwardForm.objects.update_or_create(slug=slug, defaults={
            "name": name, "certificate_title": title, "rank": rank, "authorities": authorities,
            "legal_basis": basis, "active": True})
    for power in DecidingPower.objects.select_related("body", "form"):
        authority = AUTHORITY_BY_LEVEL.get(power.body.level, "")
        review = "appraisal" if power.form.slug == "bang-khen-thu-tuong" else power.review
        appraiser = "Bộ Nội vụ" if review == "appraisal" and not power.appraiser_name else power.appraiser_name
        DecidingPower.objects.filter(pk=power.pk).update(authority=authority, review=review,
                                                         appraiser_name=appraiser)
    # Giấy khen is not the provincial chairman's (Điều 80): such powers are removed (the admin can add an
    # agency-head power to the body that really holds it).
    DecidingPower.objects.filter(form__slug="giay-khen", body__level="province").delete()


class Migration(migrations.Migration):

    dependencies = [("awards", "0003_roll_slots_key_law_annulment")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
