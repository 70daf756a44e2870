import pytest


@pytest.mark.django_db
def test_login_page_speaks_vietnamese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
