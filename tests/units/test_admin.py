"""Django admin writes units and memberships only through the services: correct paths, or a refusal that
changes nothing. Driven through the real admin views."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from core.models import User
from tests import factories as f
from units.models import Kind, Level, Membership, Succession, Unit, path_segment
from units.roles import Role
from units.selectors import SCOPE_GENERATION, visible_units


def unit_form(**values) -> dict:
    data = {"name": "", "short_name": "", "code": "", "level": "", "kind": "", "parent": "",
            "valid_from": "", "valid_to": "", "email": "", "phone": "", "_save": "Lưu"}
    data.update(values)
    return data


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot() -> list[tuple]:
    return list(Unit.objects.order_by("pk").values_list("pk", "parent_id", "name", "path", "depth"))


def memberships() -> list[tuple]:
    return list(Membership.objects.order_by("pk").values_list("user_id", "unit_id", "role"))


@pytest.fixture
def staff_admin(tree, client):
    """A staff account with admin rights on the models but the administrator role on commune c1 only."""
    user = f.member(tree["c1"], Role.ADMIN, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="units"))
    client.force_login(user)
    return user


# --- Units ---


def test_a_unit_added_in_admin_gets_its_place_in_the_tree(tree, admin_client, admin_user):
    response = admin_client.post("/admin/units/unit/add/", unit_form(
        name="Thôn Mới", level=Level.HAMLET, kind=Kind.HAMLET, parent=tree["c1"].pk))

    assert response.status_code == 302, texts(response)
    unit = Unit.objects.get(name="Thôn Mới")
    assert unit.path == tree["c1"].path + path_segment(unit.pk)
    assert unit.depth == tree["c1"].depth + 1
    assert unit.history.get().history_user == admin_user


def test_a_unit_added_in_admin_at_a_wrong_level_is_refused(tree, admin_client):
    before = snapshot()

    response = admin_client.post("/admin/units/unit/add/", unit_form(
        name="Thôn Lạc Chỗ", level=Level.HAMLET, kind=Kind.HAMLET, parent=tree["p1"].pk))

    assert response.status_code == 200  # the form again, with what was typed and the error beside the field
    assert response.context["adminform"].form.errors["parent"] == [
        "Đơn vị cấp “Thôn/Ấp/Khu phố/Tổ dân phố” không thể trực thuộc đơn vị cấp “Tỉnh/Thành phố”."]
    assert snapshot() == before


def test_a_staff_administrator_cannot_add_a_unit_outside_their_subtree(tree, client, staff_admin):
    before = snapshot()

    response = client.post("/admin/units/unit/add/", unit_form(
        name="Thôn Lấn Sân", level=Level.HAMLET, kind=Kind.HAMLET, parent=tree["c3"].pk))

    # The parent choices are scoped (core/admin_scope.py): the foreign unit is refused beside the field, before
    # the service (which would refuse it too) is reached.
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [
        "Lựa chọn không tồn tại hoặc nằm ngoài phạm vi đơn vị bạn quản lý."]
    assert snapshot() == before


def test_no_unit_is_added_under_a_unit_that_has_no_place_in_the_tree(tree, admin_client):
    Unit.objects.filter(pk=tree["c2"].pk).update(path="")  # as a write around the services left it
    before = snapshot()

    response = admin_client.post("/admin/units/unit/add/", unit_form(
        name="Thôn Mồ Côi", level=Level.HAMLET, kind=Kind.HAMLET, parent=tree["c2"].pk))

    assert texts(response) == ["Đơn vị “Phường Đông Hà” chưa có vị trí trong cây đơn vị."]
    assert snapshot() == before


def test_changing_a_units_parent_in_admin_moves_nothing(tree, admin_client, admin_user):
    hamlet = tree["h1"]
    response = admin_client.post(f"/admin/units/unit/{hamlet.pk}/change/", unit_form(
        name="Thôn Một Mới", level=Level.HAMLET, kind=Kind.HAMLET, parent=tree["c3"].pk))

    assert response.status_code == 302, texts(response)
    hamlet = Unit.objects.get(pk=hamlet.pk)
    assert (hamlet.name, hamlet.parent_id) == ("Thôn Một Mới", tree["c1"].pk)
    assert hamlet.path == tree["c1"].path + path_segment(hamlet.pk)
    assert hamlet.history.latest().history_user == admin_user
    page = admin_client.get(f"/admin/units/unit/{hamlet.pk}/change/").content.decode()
    assert 'name="parent"' not in page and 'name="level"' not in page


def test_an_admin_edit_that_breaks_the_code_rule_is_refused(tree, admin_client):
    before = snapshot()

    response = admin_client.post(f"/admin/units/unit/{tree['c2'].pk}/change/", unit_form(
        name="Phường Đông Hà", code="99001", level=Level.COMMUNE, kind=Kind.WARD))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "Mã “99001” đã được dùng cho đơn vị “Xã Hòa Bình” trong cùng thời gian hiệu lực."]
    assert snapshot() == before


def test_bulk_deleting_units_in_use_is_refused_whole(tree, admin_client):
    spare = f.hamlet(tree["c2"], name="Thôn Thừa", code="")
    before = snapshot()

    response = admin_client.post("/admin/units/unit/", {
        "action": "delete_units", "_selected_action": [spare.pk, tree["c1"].pk]})

    assert texts(response) == ["Không thể xóa đơn vị “Xã Hòa Bình” vì còn đơn vị trực thuộc hoặc người được "
                               "phân quyền; hãy đặt ngày hết hiệu lực."]
    assert snapshot() == before


def test_bulk_deleting_unused_units_goes_through_the_service(tree, admin_client):
    spare = f.hamlet(tree["c2"], name="Thôn Thừa", code="")

    response = admin_client.post("/admin/units/unit/", {"action": "delete_units", "_selected_action": [spare.pk]})

    assert texts(response) == ["Đã xóa 1 đơn vị."]
    assert not Unit.objects.filter(pk=spare.pk).exists()


def test_the_plain_delete_selected_action_is_gone(tree, admin_client):
    f.member(tree["c1"], Role.OFFICER)
    before = snapshot(), memberships()

    for model, pk in (("unit", tree["s2"].pk), ("membership", Membership.objects.first().pk)):
        response = admin_client.post(f"/admin/units/{model}/", {
            "action": "delete_selected", "_selected_action": [pk], "post": "yes"})
        assert response.status_code == 302  # back to the changelist: no such action
        assert "delete_selected" not in admin_client.get(f"/admin/units/{model}/").content.decode()
    assert (snapshot(), memberships()) == before


def test_reverting_a_unit_from_its_history_is_refused(tree, admin_client):
    unit = tree["c1"]
    Unit.objects.filter(pk=unit.pk).update(name="Xã Đổi Tên")
    version = unit.history.earliest()
    before = snapshot()

    response = admin_client.post(f"/admin/units/unit/{unit.pk}/history/{version.history_id}/", unit_form(
        name="Xã Hòa Bình", level=Level.COMMUNE, kind=Kind.COMMUNE))

    assert texts(response) == ["Không thể khôi phục phiên bản cũ từ trang quản trị."]
    assert snapshot() == before


def test_successions_are_read_only_in_admin(tree, admin_client):
    assert admin_client.get("/admin/units/succession/add/").status_code == 403
    response = admin_client.post("/admin/units/succession/add/", {
        "predecessor": tree["c3"].pk, "successor": tree["c1"].pk, "kind": "merge", "date": "01/07/2025",
        "primary": "on"})
    assert response.status_code == 403
    assert not Succession.objects.exists()


# --- Memberships ---


def test_a_membership_added_in_admin_is_granted_with_history_and_its_scope(
        tree, admin_client, admin_user, django_capture_on_commit_callbacks):
    user = f.UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/units/membership/add/", {
            "user": user.pk, "unit": tree["c1"].pk, "role": Role.OFFICER, "_save": "Lưu"})

    assert response.status_code == 302, texts(response)
    membership = Membership.objects.get(user=user)
    assert membership.history.get().history_user == admin_user
    assert set(visible_units(User.objects.get(pk=user.pk)).values_list("pk", flat=True)) == {
        tree["c1"].pk, tree["h1"].pk, tree["s1"].pk}


def test_a_staff_administrator_cannot_grant_outside_their_subtree_in_admin(tree, client, staff_admin):
    user = f.UserFactory()
    before = memberships()

    response = client.post("/admin/units/membership/add/", {
        "user": user.pk, "unit": tree["c3"].pk, "role": Role.ADMIN, "_save": "Lưu"})

    # The unit choices are scoped (core/admin_scope.py): refused beside the field before the service is reached.
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"] == [
        "Lựa chọn không tồn tại hoặc nằm ngoài phạm vi đơn vị bạn quản lý."]
    assert memberships() == before


def test_a_membership_cannot_be_edited_into_another_in_admin(tree, admin_client):
    membership = Membership.objects.create(user=f.UserFactory(), unit=tree["c1"], role=Role.VIEWER)
    before = memberships()

    response = admin_client.post(f"/admin/units/membership/{membership.pk}/change/", {
        "user": membership.user_id, "unit": tree["p2"].pk, "role": Role.ADMIN, "_save": "Lưu"})

    assert response.status_code == 403
    assert memberships() == before


def test_deleting_a_membership_in_admin_revokes_it_with_who_and_why(
        tree, admin_client, admin_user, django_capture_on_commit_callbacks):
    officer = f.member(tree["c1"], Role.OFFICER)
    membership = officer.memberships.get()
    assert visible_units(User.objects.get(pk=officer.pk)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/units/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    gone = Membership.history.filter(id=membership.pk).latest()
    assert (gone.history_type, gone.history_user, gone.history_change_reason) == (
        "-", admin_user, "Thu hồi trong trang quản trị hệ thống")
    assert not visible_units(User.objects.get(pk=officer.pk)).exists()


def test_bulk_revoking_memberships_is_all_or_nothing(tree, client, staff_admin):
    # A foreign membership is no longer in the staff member's changelist at all (tests/core/test_admin_scope.py):
    # the refusal that rolls the batch back is now their own administrator role, which they may not revoke.
    mine = f.member(tree["h1"], Role.OFFICER).memberships.get()
    own = staff_admin.memberships.get()
    before = memberships()
    generation = SCOPE_GENERATION.current()

    response = client.post("/admin/units/membership/", {
        "action": "revoke_memberships", "_selected_action": [mine.pk, own.pk]})

    assert texts(response) == ["Bạn không thể tự thu hồi quyền quản trị của mình tại “Xã Hòa Bình”; "
                               "hãy đề nghị quản trị đơn vị cấp trên."]
    assert memberships() == before
    assert SCOPE_GENERATION.current() == generation

    response = client.post("/admin/units/membership/", {
        "action": "revoke_memberships", "_selected_action": [mine.pk]})
    assert texts(response)[-1] == "Đã thu hồi 1 phân quyền."
    assert not Membership.objects.filter(pk=mine.pk).exists()


# --- Users: system-wide rights only from a superuser ---


def test_a_staff_account_cannot_make_itself_a_superuser_in_admin(tree, client, staff_admin):
    staff_admin.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    page = client.get(f"/admin/core/user/{staff_admin.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields
            if name != "date_joined" and form[name].value() not in (None, "", [], False)}
    data.update({"date_joined_0": "01/01/2026", "date_joined_1": "08:00:00",
                 "is_superuser": "on", "is_staff": "on", "_save": "Lưu"})

    response = client.post(f"/admin/core/user/{staff_admin.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    staff_admin.refresh_from_db()
    assert not staff_admin.is_superuser
    assert 'name="is_superuser"' not in page.content.decode()
