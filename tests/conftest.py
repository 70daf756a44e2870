import os

import pytest
from django.utils import translation

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard would refuse it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "mat-khau-thu"


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    """Tests see what users see: Vietnamese messages."""
    settings.LANGUAGE_CODE = "vi"
    with translation.override("vi"):
        yield


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def tree(db):
    """Two provinces; the first with two communes, each with a hamlet and a school."""
    from tests import factories as f

    p1 = f.province(name="Tỉnh Thử Nghiệm", code="91")
    p2 = f.province(name="Tỉnh Bên Cạnh", code="92")
    c1 = f.commune(p1, name="Xã Hòa Bình", code="99001")
    c2 = f.commune(p1, name="Phường Đông Hà", code="99002")
    c3 = f.commune(p2, name="Xã Tây Sơn", code="99003")
    return {
        "p1": p1, "p2": p2, "c1": c1, "c2": c2, "c3": c3,
        "h1": f.hamlet(c1, name="Thôn Một", code=""),
        "h2": f.hamlet(c2, name="Tổ dân phố Hai", code=""),
        "s1": f.organisation(c1, name="Trường Tiểu học Hòa Bình"),
        "s2": f.organisation(c2, name="Trường Tiểu học Đông Hà"),
    }
