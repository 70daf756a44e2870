"""The unit administrator's role page: list, grant and revoke within the subtree, with history; refusals are
404 outside the subtree (same as a unit that does not exist), Vietnamese messages in it, and change nothing."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import PermissionDenied
from core.models import User
from tests import factories as f
from units import services
from units.models import Membership
from units.roles import Role
from units.selectors import visible_units

NOT_FOUND = "Không tìm thấy đơn vị hoặc bạn không có quyền quản trị đơn vị này."


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def main(response) -> str:
    """The page's own content (the header carries a per-request CSRF token)."""
    page = response.content.decode()
    return page[page.index("<main"):page.index("</main>")]


def memberships() -> list[tuple]:
    return list(Membership.objects.order_by("pk").values_list("user_id", "unit_id", "role"))


def history_count() -> int:
    return Membership.history.count()


@pytest.fixture
def province_admin(tree):
    return f.member(tree["p1"], Role.ADMIN, username="quantri.tinh", full_name="Quản Trị Tỉnh")


@pytest.fixture
def commune_admin(tree):
    return f.member(tree["c1"], Role.ADMIN, username="quantri.xa", full_name="Quản Trị Xã")


@pytest.fixture
def people(tree):
    return {
        "c1_officer": f.member(tree["c1"], Role.OFFICER, username="canbo.hoabinh"),
        "h1_viewer": f.member(tree["h1"], Role.VIEWER, username="xem.thonmot"),
        "c3_officer": f.member(tree["c3"], Role.OFFICER, username="canbo.tayson"),
    }


# --- Who reaches the page ---


def test_the_province_administrator_lists_the_memberships_of_its_subtree_only(
        tree, client, province_admin, commune_admin, people):
    client.force_login(province_admin)

    response = client.get(f"/units/{tree['p1'].pk}/roles/")

    assert response.status_code == 200
    listed = {row["m"].user.username for row in response.context["rows"]}
    assert listed == {"quantri.tinh", "quantri.xa", "canbo.hoabinh", "xem.thonmot"}
    assert "canbo.tayson" not in response.content.decode()


def test_the_unit_page_links_to_the_role_page_for_administrators_only(tree, client, commune_admin, people):
    link = f'/units/{tree["c1"].pk}/roles/'
    client.force_login(commune_admin)
    assert link in client.get(f"/units/{tree['c1'].pk}/").content.decode()
    client.force_login(people["c1_officer"])
    assert link not in client.get(f"/units/{tree['c1'].pk}/").content.decode()


def test_outside_the_subtree_the_page_answers_like_a_unit_that_does_not_exist(tree, client, commune_admin, people):
    client.force_login(commune_admin)

    foreign = client.get(f"/units/{tree['c3'].pk}/roles/")
    above = client.get(f"/units/{tree['p1'].pk}/roles/")
    missing = client.get("/units/999999/roles/")
    huge = client.get(f"/units/{'9' * 30}/roles/")

    for response in (foreign, above, missing, huge):
        assert response.status_code == 404
    assert main(foreign) == main(missing) == main(above)


def test_an_officer_who_is_not_an_administrator_gets_404(tree, client, people):
    client.force_login(people["c1_officer"])
    before = memberships()

    assert client.get(f"/units/{tree['c1'].pk}/roles/").status_code == 404
    response = client.post(f"/units/{tree['c1'].pk}/roles/grant/", {"account": "xem.thonmot", "role": Role.ADMIN})
    assert response.status_code == 404
    assert memberships() == before


# --- Granting ---


def test_the_administrator_grants_a_role_in_its_subtree_with_history_and_scope(
        tree, client, commune_admin, django_capture_on_commit_callbacks):
    newcomer = f.UserFactory(username="moi.vao", email="moi.vao@example.test")
    client.force_login(commune_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/units/{tree['h1'].pk}/roles/grant/", {
            "account": "MOI.VAO@example.test", "role": Role.OFFICER, "reason": "Cán bộ mới của thôn"})

    assert response.status_code == 302
    assert texts(response) == [f"Đã giao vai trò “Cán bộ đơn vị” tại Thôn Một cho {newcomer}."]
    membership = Membership.objects.get(user=newcomer)
    assert (membership.unit_id, membership.role) == (tree["h1"].pk, Role.OFFICER)
    record = membership.history.get()
    assert (record.history_user, record.history_change_reason) == (commune_admin, "Cán bộ mới của thôn")
    assert list(visible_units(User.objects.get(pk=newcomer.pk)).values_list("pk", flat=True)) == [tree["h1"].pk]


def test_the_administrator_appoints_an_administrator_below_but_not_beside_itself(tree, client, commune_admin):
    deputy = f.UserFactory(username="pho.quantri")
    client.force_login(commune_admin)
    before, history_before = memberships(), history_count()

    offered = client.get(f"/units/{tree['c1'].pk}/roles/").context["grant_form"].fields["role"].choices
    assert Role.ADMIN not in dict(offered)
    response = client.post(f"/units/{tree['c1'].pk}/roles/grant/", {"account": "pho.quantri", "role": Role.ADMIN})

    assert texts(response) == ["Vai trò: Hãy chọn một lựa chọn hợp lệ. admin không phải là một trong các lựa "
                               "chọn khả thi."]
    assert (memberships(), history_count()) == (before, history_before)
    with pytest.raises(PermissionDenied) as refused:
        services.membership_grant(user=deputy, unit=tree["c1"], role=Role.ADMIN, by=commune_admin)
    assert refused.value.message == ("Chỉ quản trị của đơn vị cấp trên mới được giao vai trò quản trị đơn vị tại "
                                     "“Xã Hòa Bình”.")
    assert memberships() == before

    offered = client.get(f"/units/{tree['h1'].pk}/roles/").context["grant_form"].fields["role"].choices
    assert Role.ADMIN in dict(offered)
    client.post(f"/units/{tree['h1'].pk}/roles/grant/", {"account": "pho.quantri", "role": Role.ADMIN})
    assert Membership.objects.filter(user=deputy, unit=tree["h1"], role=Role.ADMIN).exists()


def test_granting_outside_the_subtree_is_404_and_changes_nothing(tree, client, commune_admin, people):
    client.force_login(commune_admin)
    before, history_before = memberships(), history_count()

    for unit in ("c3", "p1", "c2"):
        response = client.post(f"/units/{tree[unit].pk}/roles/grant/", {"account": "xem.thonmot",
                                                                         "role": Role.OFFICER})
        assert response.status_code == 404, unit

    assert (memberships(), history_count()) == (before, history_before)


@pytest.mark.parametrize(("account", "message"), [
    ("khong.co.ai", "Tài khoản (tên đăng nhập hoặc thư điện tử): Không tìm thấy tài khoản “khong.co.ai”."),
    ("da.khoa", "Tài khoản “da.khoa” đã bị khóa."),
])
def test_an_unknown_or_locked_account_is_refused(tree, client, commune_admin, account, message):
    f.UserFactory(username="da.khoa", is_active=False)
    client.force_login(commune_admin)
    before, history_before = memberships(), history_count()

    response = client.post(f"/units/{tree['c1'].pk}/roles/grant/", {"account": account, "role": Role.VIEWER})

    assert texts(response) == [message]
    assert (memberships(), history_count()) == (before, history_before)


def test_granting_a_role_already_held_says_so_and_writes_nothing(tree, client, commune_admin, people):
    client.force_login(commune_admin)
    history_before = history_count()

    response = client.post(f"/units/{tree['c1'].pk}/roles/grant/", {"account": "canbo.hoabinh",
                                                                     "role": Role.OFFICER})

    assert texts(response) == [f"{people['c1_officer']} đã có vai trò “Cán bộ đơn vị” tại Xã Hòa Bình."]
    assert history_count() == history_before


# --- Revoking ---


def test_the_administrator_revokes_a_role_with_a_reason_kept_in_history(
        tree, client, commune_admin, people, django_capture_on_commit_callbacks):
    membership = people["h1_viewer"].memberships.get()
    client.force_login(commune_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/units/{tree['c1'].pk}/roles/{membership.pk}/revoke/",
                               {"reason": "Chuyển công tác"})

    assert texts(response) == [f"Đã thu hồi vai trò “Người xem” tại Thôn Một của {people['h1_viewer']}."]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not visible_units(User.objects.get(pk=people["h1_viewer"].pk)).exists()
    page = client.get(f"/units/{tree['c1'].pk}/roles/").content.decode()
    assert "thu hồi" in page and "Chuyển công tác" in page and "Quản Trị Xã" in page


def test_a_revocation_without_a_reason_is_refused(tree, client, commune_admin, people):
    membership = people["h1_viewer"].memberships.get()
    client.force_login(commune_admin)
    before, history_before = memberships(), history_count()

    response = client.post(f"/units/{tree['c1'].pk}/roles/{membership.pk}/revoke/", {"reason": "   "})

    assert texts(response) == ["Cần nêu lý do thu hồi (tối đa 100 ký tự)."]
    assert (memberships(), history_count()) == (before, history_before)


def test_revoking_a_membership_outside_the_subtree_is_404(tree, client, commune_admin, people):
    foreign = people["c3_officer"].memberships.get()
    client.force_login(commune_admin)
    before, history_before = memberships(), history_count()

    through_own = client.post(f"/units/{tree['c1'].pk}/roles/{foreign.pk}/revoke/", {"reason": "Thử"})
    through_theirs = client.post(f"/units/{tree['c3'].pk}/roles/{foreign.pk}/revoke/", {"reason": "Thử"})

    assert through_own.status_code == through_theirs.status_code == 404
    assert (memberships(), history_count()) == (before, history_before)


def test_an_administrator_cannot_revoke_its_own_administration(tree, client, commune_admin):
    own = commune_admin.memberships.get()
    client.force_login(commune_admin)
    before, history_before = memberships(), history_count()

    page = client.get(f"/units/{tree['c1'].pk}/roles/")
    assert [row["can_revoke"] for row in page.context["rows"] if row["m"].pk == own.pk] == [False]
    response = client.post(f"/units/{tree['c1'].pk}/roles/{own.pk}/revoke/", {"reason": "Nhầm"})

    assert texts(response) == ["Bạn không thể tự thu hồi quyền quản trị của mình tại “Xã Hòa Bình”; hãy đề nghị "
                               "quản trị đơn vị cấp trên."]
    assert (memberships(), history_count()) == (before, history_before)


def test_the_administrator_above_revokes_a_commune_administrator(tree, client, province_admin, commune_admin):
    membership = commune_admin.memberships.get()
    client.force_login(province_admin)

    client.post(f"/units/{tree['c1'].pk}/roles/{membership.pk}/revoke/", {"reason": "Hết nhiệm kỳ"})

    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_page_reads_a_fixed_number_of_queries(tree, client, province_admin, people):
    client.force_login(province_admin)
    url = f"/units/{tree['p1'].pk}/roles/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        f.member(tree["h1"], Role.VIEWER, username=f"them{n}")
        f.member(tree["s1"], Role.OFFICER, username=f"truong{n}")
    client.get(url)  # the new memberships gave this test's transaction a new scope generation: warm it as above
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)
