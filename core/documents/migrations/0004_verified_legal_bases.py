"""Legal bases checked after the seed (0002) against public secondary sources: the issue date of Nghị định
152/2025/NĐ-CP (14/6/2025; in force 01/07/2025 by its Điều 59, ending 98/2023 and 28/2024), the date of
Luật Tổ chức chính quyền địa phương 2025 and of Nghị định 98/2023 and 30/2020. A row an administrator has
changed since the seed is left alone."""

from django.db import migrations

UPDATES = {
    # slug: (seeded text, new text or None, seeded note, new note)
    "nd-152-2025": (
        "Căn cứ Nghị định số 152/2025/NĐ-CP của Chính phủ quy định chi tiết một số điều của Luật Thi đua, "
        "khen thưởng;",
        "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ;",
        "Hiệu lực 01/07/2025, thay Nghị định 98/2023/NĐ-CP; bổ sung ngày ban hành vào nội dung. (cần kiểm chứng)",
        "Ban hành 14/6/2025, hiệu lực 01/07/2025 (Điều 59), thay Nghị định 98/2023/NĐ-CP và 28/2024/NĐ-CP "
        "(đối chiếu nguồn thứ cấp công khai). Trích yếu đầy đủ: (cần kiểm chứng)",
    ),
    "luat-tccqdp-2025": (
        None, None,
        "Luật số 72/2025/QH15, hiệu lực 01/07/2025. (cần kiểm chứng)",
        "Ngày 16/6/2025 đối chiếu qua các văn bản năm 2025–2026 dẫn căn cứ này. Số hiệu 72/2025/QH15: "
        "(cần kiểm chứng)",
    ),
    "nd-98-2023": (
        None, None,
        "Bị thay thế bởi Nghị định 152/2025/NĐ-CP từ 01/07/2025. (cần kiểm chứng)",
        "Hết hiệu lực từ 01/07/2025 (Điều 59 Nghị định 152/2025/NĐ-CP); ngày và trích yếu đã đối chiếu.",
    ),
    "nd-30-2020": (
        None, None,
        "Thể thức và kỹ thuật trình bày văn bản; thường không viện dẫn trong quyết định. (cần kiểm chứng)",
        "Thể thức và kỹ thuật trình bày văn bản; thường không viện dẫn trong quyết định. Ngày đã đối chiếu.",
    ),
}


def apply(apps, schema_editor):
    LegalBasis = apps.get_model("documents", "LegalBasis")
    for slug, (old_text, new_text, old_note, new_note) in UPDATES.items():
        basis = LegalBasis.objects.filter(slug=slug).first()
        if basis is None:
            continue
        if new_text and basis.text == old_text:
            basis.text = new_text
        if basis.note == old_note:
            basis.note = new_note
        basis.save()


def revert(apps, schema_editor):
    LegalBasis = apps.get_model("documents", "LegalBasis")
    for slug, (old_text, new_text, old_note, new_note) in UPDATES.items():
        basis = LegalBasis.objects.filter(slug=slug).first()
        if basis is None:
            continue
        if new_text and basis.text == new_text:
            basis.text = old_text
        if basis.note == new_note:
            basis.note = old_note
        basis.save()


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_letters")]

    operations = [migrations.RunPython(apply, revert)]
