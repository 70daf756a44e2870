"""No open redirect through `next`: a URL of another site lands on the view's own page instead."""

import pytest
from django.test import RequestFactory

from campaigns.models import Campaign
from core.redirects import safe_next_url
from tests import factories as f
from tests.reports.conftest import YEAR, make_round
from units.models import Level
from units.roles import Role

FALLBACK = "/reports/completeness/"

OUTSIDE = [
    "https://lua-dao.example/dang-nhap",
    "//lua-dao.example/",
    "/\\lua-dao.example/",
    "\\\\lua-dao.example",
    "http:/\\lua-dao.example",
    "https:lua-dao.example",
    "javascript:alert(1)",
    "\x00https://lua-dao.example",
    " //lua-dao.example",
]


@pytest.mark.parametrize("target", OUTSIDE)
def test_a_next_outside_the_site_falls_back(target):
    request = RequestFactory().post("/reports/extensions/", {"next": target})
    assert safe_next_url(request, FALLBACK) == FALLBACK


@pytest.mark.parametrize("target", ["/reports/completeness/?unit=5&year=2026", "http://testserver/reports/"])
def test_a_next_on_this_site_is_followed(target):
    assert safe_next_url(RequestFactory().post("/x/", {"next": target}), FALLBACK) == target


def test_a_plain_http_next_is_refused_on_an_https_request():
    request = RequestFactory().post("/x/", {"next": "http://testserver/reports/"}, secure=True)
    assert safe_next_url(request, FALLBACK) == FALLBACK


@pytest.fixture
def extension_setup(tree):
    campaign = Campaign.objects.get(decision_number="1315/QĐ-TTg")
    make_round(campaign, tree["p1"], Level.COMMUNE)
    return f.member(tree["p1"], Role.REVIEWER)


def post_extension(client, tree, next_url):
    return client.post("/reports/extensions/", {"unit": tree["c2"].pk, "year": YEAR, "new_deadline": "2099-01-01",
                                                "reason": "Mất điện", "next": next_url})


def test_extension_page_does_not_redirect_to_another_site(client, tree, extension_setup):
    client.force_login(extension_setup)
    response = post_extension(client, tree, "https://lua-dao.example/dang-nhap")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}"
    assert tree["c2"].report_extensions.get().reason == "Mất điện"  # the grant itself still happened


def test_extension_page_goes_back_to_the_page_it_came_from(client, tree, extension_setup):
    client.force_login(extension_setup)
    back = f"/reports/completeness/?unit={tree['p1'].pk}&year={YEAR}&page=2"
    response = post_extension(client, tree, back)
    assert response["Location"] == back


@pytest.mark.django_db
def test_login_does_not_redirect_to_another_site(client, tree):
    from tests.conftest import PASSWORD

    user = f.member(tree["c1"], Role.OFFICER)
    response = client.post("/accounts/login/?next=https://lua-dao.example/",
                           {"username": user.username, "password": PASSWORD,
                            "next": "https://lua-dao.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_language_switch_does_not_redirect_to_another_site(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://lua-dao.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
