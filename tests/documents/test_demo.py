"""The demo's issuing bodies: the real agencies of Hà Tĩnh, heads marked DEMO, idempotent."""

import pytest

from core.documents import demo
from core.documents.models import IssuingBody
from tests import factories as f
from units.models import Kind, Level

pytestmark = pytest.mark.django_db


def test_demo_bodies_are_agencies_with_demo_heads_and_a_second_run_changes_nothing():
    province = f.province(name="Tỉnh Hà Tĩnh", code="42")
    context = {
        "province": province,
        "sogd": f.organisation(province, kind=Kind.DEPARTMENT, name="Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh"),
        "university": f.organisation(province, kind=Kind.UNIVERSITY, name="Trường Đại học Hà Tĩnh"),
        "communes": {"thanhsen": f.UnitFactory(level=Level.COMMUNE, kind=Kind.WARD, parent=province,
                                               name="Phường Thành Sen")},
    }
    demo.load(context, [])
    rows = list(IssuingBody.objects.order_by("pk").values_list("name", "abbreviation", "head_name"))
    demo.load(context, [])
    assert list(IssuingBody.objects.order_by("pk").values_list("name", "abbreviation", "head_name")) == rows
    assert rows == [
        ("Ủy ban nhân dân tỉnh Hà Tĩnh", "UBND", "Nguyễn Văn Tỉnh (DEMO)"),
        ("Hội đồng Thi đua – Khen thưởng tỉnh Hà Tĩnh", "HĐTĐKT", "Nguyễn Văn Tỉnh (DEMO)"),
        ("Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh", "SGDĐT", "Lê Văn Giám (DEMO)"),
        ("Trường Đại học Hà Tĩnh", "ĐHHT", "Võ Văn Hiệu (DEMO)"),
        ("Ủy ban nhân dân phường Thành Sen", "UBND", "Hoàng Văn Thanhsen (DEMO)"),
    ]
    ward = IssuingBody.objects.get(unit=context["communes"]["thanhsen"])
    assert (ward.header_lines, ward.place_name) == (["ỦY BAN NHÂN DÂN", "PHƯỜNG THÀNH SEN"], "Thành Sen")
