"""Django admin goes through the scoping selector (issue 11): a staff account of province A, given every view/change/
delete permission, lists, opens and edits only A's rows, picks only A's units, and sees and changes only A's users.
A superuser (a national system administrator) still sees everything. Driven through the real admin views."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from awards.models import AwardForm, Council, Nomination
from campaigns.models import Campaign
from core.documents.models import Document, IssuingBody
from core.models import User
from reports.models import DeadlineExtension, Report, ReportingRound
from tests import factories as f
from units.models import Citizen, Clan, Household, Level, Membership, Unit
from units.roles import Role

OUT_OF_SCOPE = "Lựa chọn không tồn tại hoặc nằm ngoài phạm vi đơn vị bạn quản lý."


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def build_side(province: Unit, commune: Unit, hamlet: Unit, tag: str) -> dict:
    """One province's rows of every unit-owned model admin shows."""
    officer = f.member(commune, Role.OFFICER, email=f"canbo.{tag}@example.vn")
    household = Household.objects.create(unit=hamlet, code=f"{tag}-001", head_name=f"Chủ hộ {tag}")
    campaign = Campaign.objects.order_by("pk").first()
    round_ = ReportingRound.objects.create(
        campaign=campaign, year=2025, scope_unit=province, level=Level.COMMUNE,
        opens_on=datetime.date(2025, 10, 1), deadline=datetime.date(2025, 11, 20))
    body = IssuingBody.objects.create(unit=commune, name=f"Ủy ban nhân dân {commune.name}", abbreviation="UBND",
                                      place_name=tag)
    return {
        "officer": officer,
        "membership": officer.memberships.get(),
        "household": household,
        "clan": Clan.objects.create(unit=hamlet, name=f"Dòng họ {tag}"),
        "citizen": Citizen.objects.create(unit=hamlet, household=household, full_name=f"Công dân {tag}"),
        "round": round_,
        "report": Report.objects.create(unit=commune, year=2025, round=round_, created_by=officer),
        "extension": DeadlineExtension.objects.create(unit=commune, year=2025, new_deadline=datetime.date(2025, 12, 1),
                                                      reason="Lũ lụt", granted_by=officer),
        "nomination": Nomination.objects.create(
            form=AwardForm.objects.order_by("pk").first(), occasion="yearly", year=2025, subject_kind="household",
            unit=hamlet, household=household, subject_name=household.head_name, proposer_unit=commune,
            body=commune, achievement_summary="Gia đình học tập tiêu biểu.", created_by=officer),
        "council": Council.objects.create(body=commune, name=f"Hội đồng {tag}"),
        "issuing_body": body,
        "document": Document.objects.create(kind="plan", issuer=body, year=2025, title=f"Kế hoạch {tag}"),
    }


@pytest.fixture
def sides(tree):
    h3 = f.hamlet(tree["c3"], name="Thôn Ba", code="")
    return {"A": build_side(tree["p1"], tree["c1"], tree["h1"], "A"),
            "B": build_side(tree["p2"], tree["c3"], h3, "B")}


ADMIN_APPS = ["units", "reports", "awards", "documents", "campaigns", "titles", "core"]


@pytest.fixture
def staff_a(tree, client):
    """Province A's administrator, a staff account given every admin permission by a superuser."""
    user = f.member(tree["p1"], Role.ADMIN, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    client.force_login(user)
    return user


CHANGELISTS = [
    ("units/household", "household"), ("units/clan", "clan"), ("units/citizen", "citizen"),
    ("units/membership", "membership"), ("reports/report", "report"), ("reports/reportinground", "round"),
    ("reports/deadlineextension", "extension"), ("awards/nomination", "nomination"), ("awards/council", "council"),
    ("documents/issuingbody", "issuing_body"), ("documents/document", "document"),
]


def listed(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize(("path", "key"), CHANGELISTS)
def test_a_staff_member_lists_only_their_provinces_rows(sides, client, staff_a, path, key):
    model = type(sides["A"][key])
    response = client.get(f"/admin/{path}/")

    assert response.status_code == 200
    mine = listed(response)
    assert sides["A"][key].pk in mine
    assert sides["B"][key].pk not in mine
    assert response.context["cl"].result_count == len(mine) < model.objects.count()


@pytest.mark.parametrize(("path", "key"), CHANGELISTS)
def test_a_foreign_rows_pages_are_not_found_and_a_post_changes_nothing(sides, client, staff_a, path, key):
    theirs = sides["B"][key]
    model = type(theirs)
    before = list(model.objects.filter(pk=theirs.pk).values())

    page = client.get(f"/admin/{path}/{theirs.pk}/change/")
    posted = client.post(f"/admin/{path}/{theirs.pk}/change/", {"name": "Đã sửa", "head_name": "Đã sửa"})
    deleted = client.post(f"/admin/{path}/{theirs.pk}/delete/", {"post": "yes"})
    history = client.get(f"/admin/{path}/{theirs.pk}/history/")

    # Not found: Django admin redirects to its index ("… không tồn tại"); a model nobody may change or delete here
    # refuses the POST itself (403) before looking the row up. Never the row's page, never a 5xx.
    assert page.status_code == 302 and page.url == "/admin/"
    for response in (posted, deleted):
        assert (response.status_code, getattr(response, "url", None)) in ((302, "/admin/"), (403, None))
    # simple_history's page falls back to the row's last version (checked by has_view_permission too: 403);
    # Django's own history page redirects like the change page.
    assert (history.status_code, getattr(history, "url", None)) in ((302, "/admin/"), (403, None))
    assert list(model.objects.filter(pk=theirs.pk).values()) == before


def test_a_superuser_still_sees_every_province(sides, admin_client):
    for path, key in CHANGELISTS:
        response = admin_client.get(f"/admin/{path}/")
        assert {sides["A"][key].pk, sides["B"][key].pk} <= listed(response), path


def test_unit_choices_exclude_the_other_province(tree, sides, client, staff_a):
    form = client.get("/admin/documents/issuingbody/add/").context["adminform"].form
    offered = set(form.fields["unit"].queryset.values_list("pk", flat=True))
    assert {tree["p1"].pk, tree["c1"].pk, tree["h1"].pk} <= offered
    assert not offered & {tree["p2"].pk, tree["c3"].pk}

    units = client.get("/admin/units/unit/")
    assert tree["c3"].pk not in listed(units) and tree["c1"].pk in listed(units)  # the raw-id lookup popup


def test_a_staff_member_cannot_attach_a_row_to_a_foreign_unit(tree, sides, client, staff_a):
    before = IssuingBody.objects.count()

    response = client.post("/admin/documents/issuingbody/add/", {
        "unit": tree["c3"].pk, "kind": "people_committee", "name": "Ủy ban lấn sân", "abbreviation": "UBND",
        "place_name": "Tây Sơn", "header_lines": "[]", "parent_header_lines": "[]", "_save": "Lưu"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"] == [OUT_OF_SCOPE]
    assert IssuingBody.objects.count() == before


def test_a_foreign_user_is_hidden_and_their_password_cannot_be_reset(sides, client, staff_a):
    foreign = sides["B"]["officer"]
    before = foreign.password

    users = client.get("/admin/core/user/")
    page = client.get(f"/admin/core/user/{foreign.pk}/change/")
    reset = client.post(f"/admin/core/user/{foreign.pk}/password/",
                        {"password1": "MatKhauMoi#2026", "password2": "MatKhauMoi#2026"})

    assert sides["A"]["officer"].pk in listed(users)
    assert foreign.pk not in listed(users)
    assert page.status_code == 302
    assert reset.status_code == 404
    foreign.refresh_from_db()
    assert foreign.password == before


@pytest.mark.parametrize("who", ["superuser", "two_provinces", "peer_administrator"])
def test_an_account_not_wholly_in_scope_is_shown_but_not_changed(tree, sides, client, staff_a, who):
    """A superuser holding a role in A, an officer of both provinces, or another administrator of province A:
    resetting their password would hand A's staff the whole country, province B, or a peer's account."""
    if who == "peer_administrator":
        target = f.member(tree["p1"], Role.ADMIN)
    else:
        target = f.member(tree["c1"], Role.OFFICER, is_superuser=(who == "superuser"))
    if who == "two_provinces":
        Membership.objects.create(user=target, unit=tree["c3"], role=Role.OFFICER)
    before = User.objects.filter(pk=target.pk).values().get()

    page = client.get(f"/admin/core/user/{target.pk}/change/")
    reset = client.post(f"/admin/core/user/{target.pk}/password/",
                        {"password1": "MatKhauMoi#2026", "password2": "MatKhauMoi#2026"})

    assert page.status_code == 200
    assert 'name="username"' not in page.content.decode()  # read-only
    assert reset.status_code == 403
    assert User.objects.filter(pk=target.pk).values().get() == before


@pytest.mark.parametrize("who", ["officer", "commune_administrator"])
def test_a_staff_member_resets_the_password_of_their_own_officer(tree, sides, client, staff_a, who):
    """The control case: an account wholly below the staff member's administration is theirs to help."""
    mine = sides["A"]["officer"] if who == "officer" else f.member(tree["c1"], Role.ADMIN)

    reset = client.post(f"/admin/core/user/{mine.pk}/password/",
                        {"password1": "MatKhauMoi#2026", "password2": "MatKhauMoi#2026"})

    assert reset.status_code == 302
    mine.refresh_from_db()
    assert mine.check_password("MatKhauMoi#2026")


@pytest.mark.parametrize(("path", "key", "data"), [
    ("units/household", "household", {"code": "A-999", "head_name": "Đã sửa", "unit": ""}),
    ("units/clan", "clan", {"name": "Đã sửa", "unit": ""}),
    ("units/citizen", "citizen", {"full_name": "Đã sửa", "unit": ""}),
    ("reports/deadlineextension", "extension", {"new_deadline": "2026-06-01", "year": "2025", "reason": "x",
                                                "unit": ""}),
])
def test_registry_rows_and_extensions_are_read_only_in_admin(tree, sides, admin_client, path, key, data):
    """Written only through their services (units.services household_*…, reports.services extension_*), so not
    even a superuser saves them here."""
    row = sides["A"][key]
    model = type(row)
    before = list(model.objects.filter(pk=row.pk).values())
    data["unit"] = tree["h1"].pk

    posted = admin_client.post(f"/admin/{path}/{row.pk}/change/", data)
    added = admin_client.get(f"/admin/{path}/add/")
    deleted = admin_client.post(f"/admin/{path}/{row.pk}/delete/", {"post": "yes"})

    assert posted.status_code == 403 and added.status_code == 403 and deleted.status_code == 403
    assert list(model.objects.filter(pk=row.pk).values()) == before


def test_a_staff_member_reads_but_does_not_move_their_provinces_round(sides, client, staff_a):
    round_ = sides["A"]["round"]
    before = list(ReportingRound.objects.filter(pk=round_.pk).values())

    page = client.get(f"/admin/reports/reportinground/{round_.pk}/change/")
    posted = client.post(f"/admin/reports/reportinground/{round_.pk}/change/", {"deadline": "2026-12-31"})

    assert page.status_code == 200
    assert posted.status_code == 403
    assert list(ReportingRound.objects.filter(pk=round_.pk).values()) == before


def council_form(body, name) -> dict:
    data = {"body": body.pk, "name": name, "active": "on", "_save": "Lưu"}
    for prefix in ("members", "rules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def test_a_council_is_created_through_the_service_and_only_in_scope(tree, sides, client, staff_a):
    before = Council.objects.count()

    foreign = client.post("/admin/awards/council/add/", council_form(tree["c3"], "Hội đồng lấn sân"))
    assert foreign.status_code == 200
    assert foreign.context["adminform"].form.errors["body"] == [OUT_OF_SCOPE]
    assert Council.objects.count() == before

    created = client.post("/admin/awards/council/add/", council_form(tree["c2"], "Hội đồng Đông Hà"))
    assert created.status_code == 302, texts(created)
    council = Council.objects.get(body=tree["c2"])
    assert council.name == "Hội đồng Đông Hà"
    assert council.history.get().history_user == staff_a


def test_a_councils_members_and_rules_are_not_edited_in_admin(tree, sides, client, staff_a):
    """Seats need the matching role over the body (services.council_member_add): admin only shows them."""
    council = sides["A"]["council"]
    outsider = f.UserFactory()
    data = council_form(tree["c1"], "Đổi tên")
    data.update({"members-TOTAL_FORMS": "1", "members-0-user": outsider.pk, "members-0-role": "member",
                 "members-0-is_voting": "on", "members-0-active": "on"})

    page = client.get(f"/admin/awards/council/{council.pk}/change/")
    posted = client.post(f"/admin/awards/council/{council.pk}/change/", data)

    assert page.status_code == 200 and 'name="members-0-user"' not in page.content.decode()
    assert posted.status_code == 403
    council.refresh_from_db()
    assert council.name == "Hội đồng A" and not council.members.exists()


def test_a_bulk_action_naming_a_foreign_row_is_refused_whole(sides, client, staff_a):
    """Django would quietly run the action on the rows it finds in scope: the batch is all or nothing."""
    ours, theirs = sides["A"]["membership"], sides["B"]["membership"]
    before = list(Membership.objects.order_by("pk").values_list("pk", flat=True))

    response = client.post("/admin/units/membership/", {
        "action": "revoke_memberships", "_selected_action": [ours.pk, theirs.pk]})

    assert texts(response) == ["Bạn không có quyền thực hiện thao tác này đối với một số mục đã chọn "
                               "(ngoài phạm vi đơn vị bạn quản lý); không mục nào được xử lý."]
    assert list(Membership.objects.order_by("pk").values_list("pk", flat=True)) == before

    response = client.post("/admin/units/membership/", {
        "action": "revoke_memberships", "_selected_action": [ours.pk]})
    assert texts(response)[-1] == "Đã thu hồi 1 phân quyền."  # the control case
    assert not Membership.objects.filter(pk=ours.pk).exists()


def test_a_staff_account_without_memberships_sees_no_row(tree, sides, client):
    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    client.force_login(user)

    for path, _key in CHANGELISTS + [("units/unit", None), ("core/user", None)]:
        response = client.get(f"/admin/{path}/")
        assert response.status_code == 200 and response.context["cl"].result_count == 0, path


@pytest.mark.parametrize("path", ["awards/nomination", "awards/decision", "titles/decision", "titles/recognition"])
def test_rows_made_only_by_the_services_cannot_be_added_in_admin(admin_client, path):
    """Every field of these is read-only here: the add page saved an empty row (or failed on its constraints)."""
    assert admin_client.get(f"/admin/{path}/add/").status_code == 403
    assert admin_client.post(f"/admin/{path}/add/", {"_save": "Lưu"}).status_code == 403
