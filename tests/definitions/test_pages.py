"""The read-only page "Chỉ tiêu và biểu mẫu" and the version page: formulas in words, scoped, constant queries."""

import pytest

from definitions import services
from definitions.models import ReportFormVersion

pytestmark = pytest.mark.django_db


def test_sign_in_required(client):
    response = client.get("/definitions/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_index_lists_indicators_in_words_elements_with_breakdowns_and_forms(client, people, learners):
    client.force_login(people["c1_officer"])
    html = client.get("/definitions/").content.decode()
    assert "Chỉ tiêu và biểu mẫu" in html
    assert "[Số hộ gia đình đạt danh hiệu Gia đình học tập] ÷ [Tổng số hộ gia đình] × 100" in html
    assert "Giới tính: Nam; Nữ" in html  # the element's breakdown
    assert "Báo cáo hằng năm của xã, phường, đặc khu" in html
    version = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    assert f'href="/definitions/versions/{version.pk}/"' in html
    assert 'href="/definitions/"' in html  # the navigation link


def test_version_page_shows_sections_fields_and_rules_in_words(client, people):
    client.force_login(people["c1_officer"])
    version = ReportFormVersion.objects.get(form__code="yearly_commune", number=1)
    html = client.get(f"/definitions/versions/{version.pk}/").content.decode()
    assert "Kết quả thực hiện các chỉ tiêu" in html and "Đánh giá chung" in html
    assert "[Số hộ gia đình đạt danh hiệu Gia đình học tập] &lt;= [Tổng số hộ gia đình]" in html
    assert "Số đạt danh hiệu không được lớn hơn tổng số." in html
    assert "Chặn gửi báo cáo" in html


def test_another_provinces_version_is_404(client, tree, people):
    form = services.form_create(by=people["p1_admin"], code="rieng", name="Riêng", level="commune",
                                owner=tree["p1"])
    draft = services.version_new_draft(form, people["p1_admin"], title="Riêng", first_year=2026)
    client.force_login(people["c3_officer"])
    response = client.get(f"/definitions/versions/{draft.pk}/")
    assert response.status_code == 404
    assert "Riêng" not in client.get("/definitions/").content.decode()
    client.force_login(people["c1_officer"])
    assert client.get(f"/definitions/versions/{draft.pk}/").status_code == 200


def test_index_queries_do_not_grow_with_rows(client, people, root, sex, django_assert_max_num_queries):
    client.force_login(people["c1_officer"])
    client.get("/definitions/")
    with django_assert_max_num_queries(30) as captured:
        client.get("/definitions/")
    for n in range(4):
        services.element_create(by=root, code=f"moi_{n}", name=f"Mới {n}", category=sex)
        services.indicator_create(by=root, slug=f"chi_tieu_{n}", name="X", numerator=f"#{{moi_{n}}}",
                                  denominator="1")
        form = services.form_create(by=root, code=f"bieu_{n}", name="Mới", level="commune")
        services.version_new_draft(form, root, title="Mới", first_year=2026)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get("/definitions/")
