"""The API token → user lookup and the caller's scope are cached (issue 15), and stop working at once when a token
is revoked, a user is deactivated or a membership is removed."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from campaigns.models import Campaign
from core.api.authentication import TOKEN_GENERATION, token_cache_key
from reports import services
from reports.models import Report
from tests import factories as f
from tests.reports.conftest import COMMUNE_INDICATORS, make_round
from units.models import Level, Membership
from units.roles import Role

REPORTS = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def _token_cache_on(settings):
    settings.API_TOKEN_CACHE_SECONDS = 300  # as in production (the test settings turn it off)


@pytest.fixture
def officer(db):
    commune = f.commune(f.province(name="Tỉnh Thử Nghiệm", code="91"), name="Xã Hòa Bình", code="99001")
    return f.member(commune, Role.OFFICER, username="xa.hoabinh", full_name="Phạm Thị Hòa")


@pytest.fixture
def client_of(api_client):
    def make(user):
        token = Token.objects.create(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api_client, token
    return make


def _vi(message):
    with translation.override("vi"):
        return translation.gettext(message)


def _token_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries if '"authtoken_token"' in q["sql"]]


def test_a_second_request_finds_the_token_in_the_cache(client_of, officer):
    client, token = client_of(officer)
    first, first_sql = _token_queries(client, REPORTS)
    again, again_sql = _token_queries(client, REPORTS)
    assert first.status_code == again.status_code == 200
    assert len(first_sql) == 1 and again_sql == []
    assert again.json() == first.json()


def test_a_revoked_token_stops_working_at_once(client_of, officer, django_capture_on_commit_callbacks):
    client, token = client_of(officer)
    assert client.get(REPORTS).status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        token.delete()
    refused = client.get(REPORTS)
    assert refused.status_code == 401
    assert refused.json()["detail"] == _vi("Invalid token.")
    assert not Token.objects.filter(user=officer).exists()


def test_a_revocation_is_seen_before_its_transaction_commits(client_of, officer):
    """The generation is bumped at the delete too, not only at commit: the rest of that transaction (a test, an
    admin action that goes on) never authenticates the revoked key."""
    client, token = client_of(officer)
    assert client.get(REPORTS).status_code == 200
    token.delete()
    assert client.get(REPORTS).status_code == 401


def test_an_entry_stored_from_before_a_revocation_is_never_used(client_of, officer):
    """A request that read the token just before the revocation committed may store it afterwards, but under the
    generation it read first: that entry is never served once the generation moved on."""
    client, token = client_of(officer)
    old_generation = TOKEN_GENERATION.current()
    token.delete()  # bumps the generation
    cache.set(token_cache_key(token.key), (old_generation, token), 300)  # the late write of the racing request
    refused = client.get(REPORTS)
    assert refused.status_code == 401 and refused.json()["detail"] == _vi("Invalid token.")


def test_a_deactivated_user_is_refused_at_once(client_of, officer, django_capture_on_commit_callbacks):
    client, _token = client_of(officer)
    assert client.get(REPORTS).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        officer.is_active = False
        officer.save()
    refused = client.get(REPORTS)
    assert refused.status_code == 401
    assert refused.json()["detail"] == _vi("User inactive or deleted.")


def test_a_login_does_not_drop_the_cached_tokens(client_of, officer):
    """update_last_login saves only last_login, which no API answer reads: the cached entries stay."""
    client, _token = client_of(officer)
    client.get(REPORTS)
    generation = TOKEN_GENERATION.current()
    officer.last_login = timezone.now()
    officer.save(update_fields=["last_login"])
    assert TOKEN_GENERATION.current() == generation
    officer.full_name = "Phạm Thị Hòa Bình"
    officer.save()
    assert TOKEN_GENERATION.current() != generation


def test_a_removed_membership_closes_the_report_at_once(client_of, officer, django_capture_on_commit_callbacks):
    """The token and the scope both cached: removing the membership refuses the next read and the next save
    (404, the same as a report that does not exist), and the report is left as it was."""
    commune = Membership.objects.get(user=officer).unit
    make_round(Campaign.objects.get(decision_number="1315/QĐ-TTg"), commune.parent, Level.COMMUNE,
               indicators=COMMUNE_INDICATORS)
    report = services.report_create(unit=commune, year=2026, by=officer)
    client, _token = client_of(officer)
    url = f"{REPORTS}{report.pk}/"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user=officer).delete()
    message = "Không tìm thấy báo cáo hoặc bạn không có quyền xem."
    read = client.get(url)
    saved = client.patch(url, {"version": 1, "results": "Sau khi bị thu hồi quyền."}, format="json")
    assert read.status_code == saved.status_code == 404
    assert read.json()["detail"] == saved.json()["detail"] == message
    report = Report.objects.get(pk=report.pk)
    assert report.version == 1 and report.results == ""
