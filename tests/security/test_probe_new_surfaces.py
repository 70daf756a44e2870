"""H8's probe of this morning's new surfaces, as a hostile user and a careless administrator would use them.

Two provinces, each with a document in the register (its PDF on disk) and the unit administrator's page.
Every role held over the first province (and a user without memberships, a staff account without
memberships, anonymous) against every new endpoint/page and the objects of BOTH provinces:
- nothing of the other province is read or written: 404, the very answer a missing id gets (a 403 would
  confirm it exists), and row counts / states unchanged after every refused POST;
- no 5xx on malformed ids and parameters in the path, the query, forms and JSON;
- the unit administrator cannot escalate (administrator role on own unit, on an ancestor, to self; revoke
  someone above);
- a staff account without memberships reaches no province's objects through Django admin.
"""
# ruff: noqa: F811 (the reports tests' fixtures are imported by name and then requested by name)

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from core.documents import services as document_services
from core.documents.models import Document, DocumentKind, LegalBasis
from core.models import User
from tests import factories as f
from tests.files.helpers import page
from tests.reports.conftest import YEAR, campaign, rounds  # noqa: F401 (fixtures)
from units.models import Membership
from units.roles import Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ROLES = [Role.OFFICER, Role.REVIEWER, Role.APPROVER, Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY, Role.VIEWER,
         Role.ADMIN]
# Who knocks: every role over province 1, an account without memberships, a staff account without
# memberships, and nobody.
ACTORS = [*ROLES, "no_role", "staff", "anonymous"]
DOC_NOT_FOUND = "Không tìm thấy văn bản hoặc bạn không có quyền xem."  # the API's 404
PAGE_NOT_FOUND = "Không tìm thấy trang"  # the pages' one 404, for a foreign object and a missing one alike
MISSING_ID = 987654321
# Malformed values for a number: superscript and circled digits (isdigit() says yes, int() says no), words,
# signs, zero, a number no id column holds, NUL, and a very long string.
MALFORMED = ["²", "①", "abc", "-1", "0", "99999999999999999999", "1e300", "1.5", "\x00", "9" * 5000, "x" * 5000]
PATH_MALFORMED = ["0", "99999999999999999999", "9" * 400]


def _document(unit, title):
    body = document_services.issuing_body_for(unit, kind="council")
    document = document_services.document_issue(kind=DocumentKind.MINUTES, issuer=body, subject=None,
                                                date=datetime.date(2026, 3, 2), title=title, by=None)
    document.pdf.save("bien-ban.pdf", ContentFile(PDF), save=False)
    Document.objects.filter(pk=document.pk).update(pdf=document.pdf.name, render_status="ready")
    document.refresh_from_db()
    return document


@pytest.fixture
def world(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # no render queued while the world is built
        docs = {"ours": _document(tree["p1"], "Họp Hội đồng tỉnh một"),
                "theirs": _document(tree["p2"], "Họp Hội đồng tỉnh hai")}
    actors = {role: f.member(tree["p1"], role, username=f"p1-{role}") for role in ROLES}
    actors["no_role"] = f.UserFactory(username="khong-vai-tro")
    actors["staff"] = f.UserFactory(username="nhan-vien", is_staff=True)
    actors["anonymous"] = None
    # The other province's own administrator and a member there: rows a hostile grant/revoke would touch.
    their_admin = f.member(tree["p2"], Role.ADMIN, username="p2-admin")
    their_officer = f.member(tree["c3"], Role.OFFICER, username="c3-officer")
    return {"tree": tree, "docs": docs, "actors": actors, "their_admin": their_admin,
            "their_officer": their_officer}


def _login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


def _state():
    """Everything a refused write could have changed."""
    return (
        sorted(Membership.objects.values_list("user_id", "unit_id", "role")),
        Membership.history.count(),
        sorted(Document.objects.values_list("pk", "render_status", "pdf", "number")),
        sorted(LegalBasis.objects.values_list("pk", "text", "active")),
    )


def _not_found(response, message=None):
    assert response.status_code == 404, (response.status_code, response.content[:300])
    if message is not None:
        assert message in response.content.decode()


# --- The register: pages and API, every actor × both provinces ---------------------------------------------


def _document_urls(pk):
    return {
        "page": reverse("documents:detail", args=[pk]),
        "page_pdf": reverse("documents:pdf", args=[pk]),
        "api": f"/api/v1/documents/{pk}/",
        "api_pdf": f"/api/v1/documents/{pk}/pdf/",
        "api_status": f"/api/v1/documents/{pk}/pdf/status/",
    }


@pytest.mark.parametrize("actor", ACTORS)
def test_register_reads_stay_in_the_province_for_every_actor(world, client, actor):
    user = world["actors"][actor]
    _login(client, user)
    ours, theirs = world["docs"]["ours"], world["docs"]["theirs"]

    for name, url in _document_urls(theirs.pk).items():
        response = client.get(url)
        if user is None:  # anonymous: sent to the login page (pages) or refused (API), never the object
            assert response.status_code in (302, 401, 403), (name, response.status_code)
            assert theirs.title not in response.content.decode()
            continue
        # Foreign = missing: same status, same message, nothing of the document.
        missing = client.get(url.replace(str(theirs.pk), str(MISSING_ID)))
        _not_found(response)
        assert response.status_code == missing.status_code, name
        assert theirs.title not in response.content.decode()
        if name.startswith("page"):
            assert page(response) == page(missing)
        else:
            assert response.json() == missing.json()

    listed_page = client.get(reverse("documents:list"))
    listed_api = client.get("/api/v1/documents/")
    if user is None:
        assert listed_page.status_code == 302 and listed_api.status_code in (401, 403)
        return
    assert theirs.title not in listed_page.content.decode()
    api_ids = {row["id"] for row in listed_api.json()["results"]}
    assert theirs.pk not in api_ids
    in_province = actor in ROLES
    assert (ours.pk in api_ids) is in_province
    own = client.get(_document_urls(ours.pk)["api_pdf"])
    assert own.status_code == (200 if in_province else 404)
    if in_province:
        assert b"".join(own.streaming_content) == PDF


@pytest.mark.parametrize("actor", ACTORS)
def test_render_requests_on_the_other_province_change_nothing(world, client, actor,
                                                              django_capture_on_commit_callbacks):
    _login(client, world["actors"][actor])
    theirs = world["docs"]["theirs"]
    Document.objects.filter(pk=theirs.pk).update(render_status="failed")
    before = _state()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        on_page = client.post(reverse("documents:render", args=[theirs.pk]))
        api = client.post(f"/api/v1/documents/{theirs.pk}/pdf/")

    assert on_page.status_code in (302, 404) and api.status_code in (401, 403, 404)
    if world["actors"][actor] is not None:
        _not_found(on_page, PAGE_NOT_FOUND)
        _not_found(api, DOC_NOT_FOUND)
    assert callbacks == []
    assert _state() == before


def test_every_download_url_of_the_register_refuses_guessed_ids_of_the_other_province(world, client):
    """Walk ids around both documents on every download URL: only the caller's own document is ever served."""
    _login(client, world["actors"][Role.VIEWER])
    ours, theirs = world["docs"]["ours"], world["docs"]["theirs"]
    served = set()
    for pk in range(1, max(ours.pk, theirs.pk) + 3):
        for url in (reverse("documents:pdf", args=[pk]), f"/api/v1/documents/{pk}/pdf/"):
            response = client.get(url, HTTP_ACCEPT="application/pdf")
            assert response.status_code in (200, 302, 404), (url, response.status_code)
            if response.status_code == 200:
                served.add(pk)
    assert served == {ours.pk}


# --- Malformed input: never a 5xx ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", MALFORMED, ids=lambda v: repr(v)[:20])
def test_register_list_filters_answer_400_or_200_never_500(world, client, value):
    _login(client, world["actors"][Role.VIEWER])
    for param in ("year", "issuer", "number", "kind", "page", "page_size"):
        response = client.get("/api/v1/documents/", {param: value})
        assert response.status_code in (200, 400, 404), (param, response.status_code)
        listed = client.get(reverse("documents:list"), {param: value})
        assert listed.status_code in (200, 400), (param, listed.status_code)


@pytest.mark.parametrize("value", PATH_MALFORMED, ids=lambda v: v[:20])
def test_malformed_ids_in_new_urls_are_a_404(world, client, value):
    """Every new URL with an id, as a superuser (who passes every scope check and reaches the lookup)."""
    _login(client, f.UserFactory(username="root", is_superuser=True, is_staff=True))
    gets = [
        f"/documents/{value}/", f"/documents/{value}/pdf/",
        f"/documents/legal/{value}/",
        f"/api/v1/documents/{value}/", f"/api/v1/documents/{value}/pdf/", f"/api/v1/documents/{value}/pdf/status/",
        f"/units/{value}/roles/", f"/titles/decisions/{value}/pdf/", f"/api/v1/recognitions/{value}/decision-pdf/",
        f"/awards/decisions/{value}/pdf/", f"/awards/awards/{value}/certificate.pdf",
        f"/awards/nominations/{value}/attachments/1/", f"/awards/nominations/1/attachments/{value}/",
        f"/reports/{value}/attachments/1/", f"/reports/1/attachments/{value}/",
        f"/titles/evaluations/{value}/evidence/1/", f"/titles/evaluations/1/evidence/{value}/",
        f"/awards/sessions/{value}/",
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    posts = [
        f"/documents/{value}/pdf/render/", f"/api/v1/documents/{value}/pdf/", f"/units/{value}/roles/grant/",
        f"/units/{value}/roles/1/revoke/", f"/units/1/roles/{value}/revoke/", f"/titles/decisions/{value}/pdf/",
        f"/awards/awards/{value}/annul/", f"/awards/sessions/{value}/attendance/", f"/awards/sessions/{value}/open/",
        f"/reports/{value}/attachments/", f"/titles/evaluations/1/results/{value}/evidence/",
    ]
    before = _state()
    for url in posts:
        response = client.post(url, {"reason": "thử", "account": "p1-viewer", "role": "viewer"})
        assert response.status_code == 404, (url, response.status_code)
    assert _state() == before


# H8 findings in core/documents (the register's filters, the legal-bases page), fixed after the probe.


@pytest.mark.parametrize("params", [{"issuer": "99999999999999999999"}, {"issuer": "1.5"}, {"year": "0"}])
def test_register_filters_refuse_out_of_range_numbers_with_the_one_400(world, client, params):
    _login(client, world["actors"][Role.VIEWER])
    response = client.get("/api/v1/documents/", params)
    # Today: the 30-digit issuer is a 500 (OverflowError on SQLite, out of range on PostgreSQL), the others a
    # 200 filtered by nonsense, where every other list answers the one Vietnamese 400 of core.params.
    assert response.status_code == 400, response.status_code
    message = response.json()["errors"][next(iter(params))][0]  # the field is named, as on every other list
    assert any(char in message for char in "ảạầấậệộớờ"), message  # and the message is Vietnamese


def test_legal_basis_zero_is_a_404_and_a_post_there_adds_nothing(world, client):
    _login(client, f.UserFactory(username="root", is_superuser=True, is_staff=True))
    before = LegalBasis.objects.count()
    response = client.post("/documents/legal/0/", {"slug": "them-trai-phep", "text": "Căn cứ thêm nhầm;",
                                                   "tags": "award_decision", "order": 1, "active": "on"})
    assert response.status_code == 404
    assert LegalBasis.objects.count() == before


def test_a_staff_account_without_the_permission_cannot_edit_legal_bases(world, client):
    """`is_staff` only opens the admin's door; what a staff account may change is its model permissions. The
    admin refuses this account the legal bases (403 above), the page must too: the text is printed on every
    province's decisions."""
    _login(client, world["actors"]["staff"])
    basis = LegalBasis.objects.get(slug="luat-tdkt-2022")
    before = _state()
    response = client.post(reverse("documents:legal_basis_edit", args=[basis.pk]), {
        "slug": basis.slug, "text": "Căn cứ bị sửa trái phép;", "tags": "award_decision", "order": 1,
        "active": "on"})
    assert response.status_code == 403
    assert _state() == before


def test_verify_page_with_hostile_codes_is_a_404(client, db):
    for code in ["²", "①", "abc", "-1", "0", "%00", "9" * 5000, "' OR 1=1 --"]:
        response = client.get(f"/verify/{code}/")
        assert response.status_code == 404, (code, response.status_code)


@pytest.mark.parametrize("value", MALFORMED, ids=lambda v: repr(v)[:20])
def test_roles_page_query_and_forms_never_500(world, client, value):
    tree = world["tree"]
    _login(client, world["actors"][Role.ADMIN])
    url = reverse("units:roles", args=[tree["p1"].pk])
    for param in ("q", "role", "page", "hpage"):
        response = client.get(url, {param: value})
        assert response.status_code in (200, 400), (param, response.status_code)
    before = _state()
    membership = Membership.objects.get(user=world["actors"][Role.VIEWER])
    for data in ({"account": value, "role": "viewer", "reason": ""}, {"account": "p1-viewer", "role": value},
                 {"account": "khong-vai-tro", "role": "viewer", "reason": value * 3}):
        response = client.post(reverse("units:role_grant", args=[tree["p1"].pk]), data)
        assert response.status_code in (302, 400), (data, response.status_code)
    response = client.post(reverse("units:role_revoke", args=[tree["p1"].pk, membership.pk]), {"reason": value})
    assert response.status_code in (302, 400)
    if value.strip("\x00") == "" or len(value) > 100:  # NUL or too long: nothing was revoked
        assert _state() == before


# --- The unit administrator's page: other province, other roles, escalation -----------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_roles_page_of_the_other_province_is_a_404_and_writes_change_nothing(world, client, actor):
    tree = world["tree"]
    user = world["actors"][actor]
    _login(client, user)
    their_membership = Membership.objects.get(user=world["their_officer"])
    before = _state()

    responses = [
        client.get(reverse("units:roles", args=[tree["p2"].pk])),
        client.get(reverse("units:roles", args=[tree["c3"].pk])),
        client.post(reverse("units:role_grant", args=[tree["p2"].pk]),
                    {"account": "khong-vai-tro", "role": Role.VIEWER}),
        client.post(reverse("units:role_revoke", args=[tree["c3"].pk, their_membership.pk]), {"reason": "thử"}),
        # Their membership through our own unit's page: not ours to manage either.
        client.post(reverse("units:role_revoke", args=[tree["p1"].pk, their_membership.pk]), {"reason": "thử"}),
    ]

    for response in responses:
        if user is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif actor == Role.ADMIN:
            _not_found(response, PAGE_NOT_FOUND)
        else:
            _not_found(response, PAGE_NOT_FOUND)
    assert _state() == before


@pytest.mark.parametrize("actor", [a for a in ACTORS if a not in (Role.ADMIN, "anonymous")])
def test_only_an_administrator_opens_or_uses_the_roles_page_of_its_own_province(world, client, actor):
    tree = world["tree"]
    _login(client, world["actors"][actor])
    victim = Membership.objects.get(user=world["actors"][Role.VIEWER])
    before = _state()

    for response in (
        client.get(reverse("units:roles", args=[tree["p1"].pk])),
        client.post(reverse("units:role_grant", args=[tree["p1"].pk]), {"account": "khong-vai-tro", "role": "admin"}),
        client.post(reverse("units:role_revoke", args=[tree["p1"].pk, victim.pk]), {"reason": "thử"}),
    ):
        _not_found(response, PAGE_NOT_FOUND)
    assert _state() == before


@pytest.fixture
def commune_admin(world, client):
    user = f.member(world["tree"]["c1"], Role.ADMIN, username="c1-admin")
    _login(client, user)
    return user


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_commune_administrator_cannot_make_anyone_administrator_of_its_own_commune(world, client, commune_admin):
    c1 = world["tree"]["c1"]
    before = _state()
    for account in ("khong-vai-tro", "c1-admin"):  # someone else, and itself
        response = client.post(reverse("units:role_grant", args=[c1.pk]),
                               {"account": account, "role": Role.ADMIN, "reason": ""}, follow=True)
        assert response.status_code == 200
        assert any(m.startswith("Vai trò:") for m in _messages(response)), _messages(response)
    assert _state() == before
    # Not even through the service with the role forced past the form.
    from core.errors import PermissionDenied
    from units import services

    with pytest.raises(PermissionDenied) as refused:
        services.membership_grant(user=commune_admin, unit=c1, role=Role.ADMIN, by=commune_admin)
    assert "Chỉ quản trị của đơn vị cấp trên mới được giao vai trò quản trị đơn vị tại “Xã Hòa Bình”." in str(
        refused.value.message)
    assert _state() == before


def test_commune_administrator_cannot_grant_on_an_ancestor_or_a_sibling(world, client, commune_admin):
    tree = world["tree"]
    before = _state()
    for unit in ("p1", "c2", "p2"):
        for role in (Role.VIEWER, Role.ADMIN):
            response = client.post(reverse("units:role_grant", args=[tree[unit].pk]),
                                   {"account": "c1-admin", "role": role})
            _not_found(response, PAGE_NOT_FOUND)
    assert _state() == before


def test_commune_administrator_cannot_revoke_anyone_above_or_its_peer(world, client, commune_admin):
    tree = world["tree"]
    above = Membership.objects.get(user=world["actors"][Role.ADMIN])  # the province's administrator
    peer = Membership.objects.create(user=f.UserFactory(username="c1-admin-2"), unit=tree["c1"], role=Role.ADMIN)
    own = Membership.objects.get(user=commune_admin)
    before = _state()

    _not_found(client.post(reverse("units:role_revoke", args=[tree["c1"].pk, above.pk]), {"reason": "thử"}),
               PAGE_NOT_FOUND)
    _not_found(client.post(reverse("units:role_revoke", args=[tree["p1"].pk, above.pk]), {"reason": "thử"}),
               PAGE_NOT_FOUND)
    for membership in (peer, own):
        response = client.post(reverse("units:role_revoke", args=[tree["c1"].pk, membership.pk]),
                                {"reason": "thử"}, follow=True)
        assert response.status_code == 200
        assert any("quản trị" in m for m in _messages(response)), _messages(response)
    assert _state() == before


def test_commune_administrator_manages_roles_below_it(world, client, commune_admin):
    """The control case: what the administrator may do works (otherwise every refusal above proves nothing)."""
    tree = world["tree"]
    response = client.post(reverse("units:role_grant", args=[tree["h1"].pk]),
                           {"account": "khong-vai-tro", "role": Role.ADMIN, "reason": "Trưởng thôn"})
    assert response.status_code == 302
    assert Membership.objects.filter(user__username="khong-vai-tro", unit=tree["h1"], role=Role.ADMIN).exists()


# --- Django admin: a staff account without memberships ---------------------------------------------------


ADMIN_MODELS = ["units/unit", "units/membership", "documents/document", "documents/issuingbody",
                "documents/legalbasis", "reports/report", "titles/recognition", "titles/decision",
                "awards/nomination", "awards/decision", "awards/award", "core/user"]


def test_staff_account_without_memberships_reads_and_changes_nothing_in_admin(world, client):
    tree = world["tree"]
    _login(client, world["actors"]["staff"])
    theirs = world["docs"]["theirs"]
    before = _state()

    for model in ADMIN_MODELS:
        response = client.get(f"/admin/{model}/")
        assert response.status_code == 403, (model, response.status_code)
    assert client.get(f"/admin/documents/document/{theirs.pk}/change/").status_code in (302, 403)
    assert client.get(f"/admin/units/unit/{tree['p2'].pk}/change/").status_code in (302, 403)
    add = client.post("/admin/units/membership/add/", {"user": world["actors"]["staff"].pk, "unit": tree["p2"].pk,
                                                       "role": Role.ADMIN})
    assert add.status_code == 403
    assert _state() == before


def test_staff_account_allowed_to_add_memberships_cannot_give_itself_a_province(world, client):
    """Model permissions open the admin page; the grant still goes through units.services, which asks for
    the administrator role over the unit: a staff account without memberships grants nothing."""
    from django.contrib.auth.models import Permission

    tree = world["tree"]
    staff = world["actors"]["staff"]
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["add_membership", "view_membership"]))
    staff = User.objects.get(pk=staff.pk)
    _login(client, staff)
    before = _state()

    response = client.post("/admin/units/membership/add/",
                           {"user": staff.pk, "unit": tree["p2"].pk, "role": Role.ADMIN}, follow=True)

    assert response.status_code == 200
    # Refused by the scoped unit choices of the admin form (core/admin_scope.py), before the service is reached.
    assert response.context["adminform"].form.errors["unit"] == [
        "Lựa chọn không tồn tại hoặc nằm ngoài phạm vi đơn vị bạn quản lý."]
    assert _state() == before
    assert not Membership.objects.filter(user=staff).exists()


# --- Django admin: a careless superuser cannot delete around the services --------------------------------


def _admin_request(user):
    from django.test import RequestFactory

    request = RequestFactory().post("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", ["awards.Award", "awards.Decision", "awards.Nomination", "titles.Decision",
                                   "titles.Recognition", "documents.Document"])
def test_admin_never_deletes_acts_that_only_a_service_may_end(db, model):
    """An award ends by annulment (the verify page must still say "annulled", with the decision), a
    recognition by revocation with a reason, a decision or a nomination never: the admin's delete page and
    its "delete selected" action would erase them, their register entries and their history's meaning.
    Even a superuser's admin offers no delete for them (it used to, with model permissions alone)."""
    from django.apps import apps
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[apps.get_model(model)]
    root = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    request = _admin_request(root)
    assert model_admin.has_delete_permission(request) is False
    assert "delete_selected" not in model_admin.get_actions(request)


# --- Award and title acts of province 1 against every role held over province 2 ----------------------------
# (the register above probes province 1's roles against province 2's acts; here the other way round, on the
# acts whose fixtures live in province 1: an award with its decision, certificate and dossier file, and a title
# recognition decision)


@pytest.fixture
def acts(tree, rounds, django_capture_on_commit_callbacks):
    from awards import services as award_services
    from awards.models import Award
    from tests.awards.conftest import make_council, nominate
    from tests.awards.conftest import run_session as award_session
    from tests.files import payloads as p
    from tests.titles.helpers import approve, submitted_evaluation
    from titles.catalogue import load_catalogue
    from titles.models import TitleType
    from units.models import Household

    root = User.objects.create_superuser("goc", "goc@example.test", "mat-khau-thu")
    forms = {form.slug: form for form in __import__("awards.models", fromlist=["AwardForm"]).AwardForm.objects.all()}
    from awards.models import DecidingPower

    DecidingPower.objects.create(body=tree["p1"], form=forms["bang-khen-tinh"], authority="province_chair",
                                 authority_name="Ủy ban nhân dân Tỉnh Thử Nghiệm", signer_title="Chủ tịch")
    council, secretary, seats = make_council(tree["p1"], root, members=3)
    officer = f.member(tree["c1"], Role.OFFICER, username="canbo-xa")
    approver = f.member(tree["p1"], Role.APPROVER, username="lanhdao-tinh")
    household = Household.objects.create(unit=tree["h1"], code="HB-001", head_name="Nguyễn Văn Học")
    with django_capture_on_commit_callbacks(execute=False):
        nomination = nominate(officer, tree, forms, household)
        attachment = award_services.attachment_add(nomination=nomination, by=officer,
                                                   uploaded_file=p.upload("minh-chung.pdf", p.PDF))
        award_session(council, secretary, [nomination], present=seats, votes={s: "yes" for s in seats})
        award_services.decision_issue(body=tree["p1"], nominations=[nomination], number="12/QĐ-UBND",
                                      date=datetime.date(2025, 1, 15), signer_name="Lê Văn Ký",
                                      signer_title="Chủ tịch", by=approver)
        award = Award.objects.get()
        load_catalogue()
        title_approver = f.member(tree["c1"], Role.APPROVER, username="lanhdao-xa")
        school_officer = f.member(tree["s1"], Role.OFFICER, username="canbo-truong")
        recognition = approve(submitted_evaluation(TitleType.objects.get(slug="don-vi-hoc-tap"), tree["s1"],
                                                   school_officer, datetime.date.today().year - 1), title_approver)
        from reports import services as report_services
        from titles import services as title_services

        report = report_services.report_create(unit=tree["c1"], year=YEAR, by=officer)
        draft = title_services.evaluation_start(title_type=TitleType.objects.get(slug="don-vi-hoc-tap"),
                                                unit=tree["s2"], year=YEAR - 1, level_sought=1,
                                                by=f.member(tree["s2"], Role.OFFICER, username="canbo-truong-2"))
    outsiders = {role: f.member(tree["p2"], role, username=f"p2-{role}") for role in ROLES}
    outsiders["no_role"] = f.UserFactory(username="khong-vai-tro")
    outsiders["staff"] = f.UserFactory(username="nhan-vien", is_staff=True)
    return {"award": award, "nomination": nomination, "attachment": attachment, "recognition": recognition,
            "approver": approver, "title_approver": title_approver, "outsiders": outsiders, "report": report,
            "draft": draft, "officer": officer}


def _act_state(acts):
    from awards.models import Award, NominationAttachment
    from reports.models import ReportAttachment
    from titles.models import Evidence, Recognition

    return (
        ReportAttachment.objects.count(), Evidence.objects.count(), NominationAttachment.objects.count(),
        list(Award.objects.values_list("pk", "annulled_on", "annulment_reason", "verification_code")),
        list(Recognition.objects.values_list("pk", "revoked_at", "decision_id")),
        sorted(Document.objects.values_list("pk", "render_status", "pdf", "number", "status")),
        Membership.objects.count(),
    )


def _act_urls(acts):
    award, nomination, recognition = acts["award"], acts["nomination"], acts["recognition"]
    from core.documents.models import Document as Doc

    documents = list(Doc.objects.values_list("pk", flat=True))
    from awards.models import ReviewSession
    return {
        "gets": [
            reverse("awards:decision_detail", args=[award.decision_id]),
            reverse("awards:decision_pdf", args=[award.decision_id]),
            reverse("awards:certificate", args=[award.pk]),
            reverse("awards:nomination_detail", args=[nomination.pk]),
            reverse("awards:attachment_download", args=[nomination.pk, acts["attachment"].pk]),
            *[reverse("awards:nomination_document", args=[nomination.pk, part])
              for part in ("to-trinh", "bao-cao-thanh-tich", "cover", "report", "x" * 300)],
            *[reverse(name, args=[pk]) for pk in ReviewSession.objects.values_list("pk", flat=True)
              for name in ("awards:session_minutes", "awards:session_detail")],
            reverse("titles:decision_pdf", args=[recognition.decision_id]),
            reverse("titles:recognition", args=[recognition.pk]),
            f"/api/v1/recognitions/{recognition.pk}/decision-pdf/",
            f"/api/v1/decisions/{award.decision_id}/",
            f"/api/v1/nominations/{nomination.pk}/",
            *[u for pk in documents for u in (f"/documents/{pk}/", f"/documents/{pk}/pdf/",
                                              f"/api/v1/documents/{pk}/", f"/api/v1/documents/{pk}/pdf/")],
        ],
        "posts": [
            (reverse("awards:award_annul", args=[award.pk]), {"reason": "Hủy trái phép"}),
            (reverse("titles:decision_pdf", args=[recognition.decision_id]), {}),
            *[(f"/documents/{pk}/pdf/render/", {}) for pk in documents],
            *[(f"/api/v1/documents/{pk}/pdf/", {}) for pk in documents],
            # Uploads: each a valid PDF, so that only the scope can refuse it.
            (f"/reports/{acts['report'].pk}/attachments/", "file"),
            (f"/api/v1/reports/{acts['report'].pk}/attachments/", "file"),
            (f"/titles/evaluations/{acts['draft'].pk}/results/{acts['draft'].results.first().pk}/evidence/", "file"),
            (reverse("awards:nomination_attach", args=[nomination.pk]), "file"),
        ],
    }


def test_the_acts_probe_has_something_to_find(acts, client):
    """Control: the acts exist, are in the register, and their own authority reads and annuls them."""
    assert Document.objects.filter(kind=DocumentKind.TITLE_DECISION).exists()
    assert Document.objects.filter(kind=DocumentKind.AWARD_DECISION).exists()
    client.force_login(acts["approver"])
    assert client.get(reverse("awards:decision_detail", args=[acts["award"].decision_id])).status_code == 200
    assert client.get(reverse("awards:attachment_download", args=[acts["nomination"].pk, acts["attachment"].pk])
                      ).status_code == 200
    client.force_login(acts["title_approver"])
    assert client.get(reverse("titles:recognition", args=[acts["recognition"].pk])).status_code == 200
    from reports.models import ReportAttachment
    from tests.files import payloads as p

    client.force_login(acts["officer"])
    client.post(f"/reports/{acts['report'].pk}/attachments/", {"file": p.upload("minh-chung.pdf", p.PDF)})
    assert ReportAttachment.objects.filter(report=acts["report"]).count() == 1  # the same upload, from inside


@pytest.mark.parametrize("actor", [*ROLES, "no_role", "staff"])
def test_no_role_of_the_other_province_reads_or_changes_the_acts(acts, client, actor,
                                                                 django_capture_on_commit_callbacks):
    client.force_login(acts["outsiders"][actor])
    urls = _act_urls(acts)
    before = _act_state(acts)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for url in urls["gets"]:
            response = client.get(url)
            assert response.status_code == 404, (url, response.status_code)
            assert acts["award"].recipient_name not in response.content.decode(), url
        for url, data in urls["posts"]:
            if data == "file":
                from tests.files import payloads as p

                data = {"file": p.upload("minh-chung.pdf", p.PDF)}
            response = client.post(url, data)
            assert response.status_code == 404, (url, response.status_code)

    assert callbacks == []  # nothing queued (no render of a foreign act)
    assert _act_state(acts) == before
    listed = client.get("/api/v1/documents/").json()["results"]
    assert listed == []


# --- Grant to self: an administrator does not hand itself roles -------------------------------------------

SELF_GRANT = "Bạn không thể tự giao vai trò cho chính mình; hãy đề nghị một quản trị đơn vị khác."


@pytest.mark.parametrize(("unit", "role"), [("p1", Role.COUNCIL_MEMBER), ("p1", Role.APPROVER),
                                            ("c1", Role.ADMIN), ("h1", Role.VIEWER)])
def test_an_administrator_cannot_grant_itself_a_role_not_even_below_its_unit(world, client, unit, role):
    """The administrator's own role reaches its subtree, but a role handed to itself would outlive the
    revocation of its administration (a back door), and the council-member role is what a council seat and a
    counted ballot stand on (awards.selectors.holds_role: "no administrator shortcut"): an administrator
    could seat itself (council_member_add needs only the administrator role) and vote. Someone else grants."""
    tree = world["tree"]
    province_admin = world["actors"][Role.ADMIN]
    _login(client, province_admin)
    before = _state()

    response = client.post(reverse("units:role_grant", args=[tree[unit].pk]),
                           {"account": province_admin.username, "role": role, "reason": ""}, follow=True)

    assert response.status_code == 200
    assert SELF_GRANT in _messages(response)
    assert _state() == before


def test_self_grant_is_refused_by_the_service_too_and_a_superuser_still_grants_itself(world):
    from core.errors import PermissionDenied
    from units import services

    tree = world["tree"]
    province_admin = world["actors"][Role.ADMIN]
    before = _state()
    with pytest.raises(PermissionDenied) as refused:
        services.membership_grant(user=province_admin, unit=tree["p1"], role=Role.COUNCIL_MEMBER,
                                  by=province_admin)
    assert refused.value.message == SELF_GRANT
    assert _state() == before

    root = f.UserFactory(username="root", is_superuser=True, is_staff=True)
    services.membership_grant(user=root, unit=tree["p1"], role=Role.VIEWER, by=root)
    assert Membership.objects.filter(user=root, unit=tree["p1"], role=Role.VIEWER).exists()


# --- Format-suffix routes: `/api/v1/documents/1/pdf.pdf` ---------------------------------------------------


def _suffixed_urls(pk):
    """Every API route of the router with the id filled in, as `<route>.json` and `<route>.pdf`."""
    from config.api_router import router

    urls = set()
    for prefix, viewset, _basename in router.registry:
        urls.add(f"/api/v1/{prefix}")
        urls.add(f"/api/v1/{prefix}/{pk}")
        for action in viewset.get_extra_actions():
            path = action.url_path.replace("(?P<attachment_pk>[0-9]+)", "1")
            urls.add(f"/api/v1/{prefix}/{pk}/{path}" if action.detail else f"/api/v1/{prefix}/{path}")
    return sorted(f"{url}.{suffix}" for url in urls for suffix in ("json", "pdf"))


def test_format_suffix_routes_are_a_404_never_a_500(world, client):
    """DefaultRouter added `<route>.<format>` twins of every route. The extra actions (pdf, pdf/status,
    decision-pdf, attachments…) do not take the `format` argument those pass: every one was a TypeError, a
    500, for any id, a foreign or a malformed one included. Nobody uses the suffixes (API.md: `?format=`)."""
    _login(client, world["actors"][Role.VIEWER])
    client.raise_request_exception = False
    theirs = world["docs"]["theirs"].pk
    failures = []
    for url in [*_suffixed_urls(world["docs"]["ours"].pk), *_suffixed_urls(theirs), *_suffixed_urls("abc")]:
        response = client.get(url, HTTP_ACCEPT="application/pdf")
        if response.status_code >= 500 or (str(theirs) in url and response.status_code == 200):
            failures.append((url, response.status_code))
    assert failures == [], failures
    assert client.get(f"/api/v1/documents/{theirs}/pdf.pdf").status_code == 404


# --- Cross-site requests: the new writes need the CSRF token -----------------------------------------------


def test_new_writes_without_a_csrf_token_change_nothing(world):
    """A page on another site cannot make a logged-in administrator grant or revoke, nor a reader re-render:
    the session alone is not enough (Django's CSRF check on pages, DRF's on session-authenticated writes)."""
    from django.test import Client

    tree = world["tree"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["actors"][Role.ADMIN])
    victim = Membership.objects.get(user=world["actors"][Role.VIEWER])
    ours = world["docs"]["ours"]
    Document.objects.filter(pk=ours.pk).update(render_status="failed")
    before = _state()

    for url, data in [
        (reverse("units:role_grant", args=[tree["p1"].pk]), {"account": "khong-vai-tro", "role": Role.VIEWER}),
        (reverse("units:role_revoke", args=[tree["p1"].pk, victim.pk]), {"reason": "thử"}),
        (reverse("documents:render", args=[ours.pk]), {}),
        (f"/api/v1/documents/{ours.pk}/pdf/", {}),
    ]:
        assert browser.post(url, data).status_code == 403, url
    assert _state() == before


def test_a_province_administrator_with_admin_rights_cannot_revoke_the_other_provinces_roles_in_bulk(world, client):
    """The membership admin's bulk action goes through membership_revoke row by row, all or nothing: a staff
    account that administers province 1 and ticks one of its own rows and one of province 2 revokes neither."""
    from django.contrib.auth.models import Permission

    admin_user = world["actors"][Role.ADMIN]
    User.objects.filter(pk=admin_user.pk).update(is_staff=True)
    admin_user.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_membership", "change_membership", "delete_membership"]))
    _login(client, User.objects.get(pk=admin_user.pk))
    ours = Membership.objects.get(user=world["actors"][Role.VIEWER])
    theirs = Membership.objects.get(user=world["their_officer"])
    before = _state()

    response = client.post("/admin/units/membership/", {
        "action": "revoke_memberships", "_selected_action": [ours.pk, theirs.pk]}, follow=True)

    assert response.status_code == 200
    assert any("Bạn không có quyền" in m for m in _messages(response)), _messages(response)
    assert _state() == before
