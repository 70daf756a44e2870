"""The council session's pages read member and nomination ids from their forms: a malformed one is a
Vietnamese 400 that records nothing (each was a 500: `filter(pk="abc")` and `int("²")`)."""

import datetime

import pytest
from django.urls import reverse

from awards import services
from awards.models import Recusal
from tests.awards.conftest import nominate

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(province_council, officer, tree, forms, household):
    nomination = nominate(officer, tree, forms, household)
    return services.session_create(council=province_council["council"], title="Phiên họp xét khen thưởng",
                                   held_on=datetime.date(2025, 1, 10), nominations=[nomination],
                                   by=province_council["secretary"])


@pytest.mark.parametrize(("action", "data", "field"), [
    ("awards:session_attendance", {"present": ["²"]}, "present"),
    ("awards:session_recuse", {"member": "abc", "nomination": "1", "reason": "Người thân"}, "member"),
    ("awards:session_recuse", {"member": "1", "nomination": "①", "reason": "Người thân"}, "nomination"),
])
def test_a_malformed_id_in_a_session_form_is_a_400_and_records_nothing(client, province_council, session,
                                                                        action, data, field):
    client.force_login(province_council["secretary"])
    response = client.post(reverse(action, args=[session.pk]), data)
    assert response.status_code == 400
    assert f"Tham số “{field}” phải là số nguyên." in response.content.decode()
    assert not session.attendance.exists()
    assert not Recusal.objects.filter(session=session).exists()


def test_a_malformed_nomination_on_the_ballot_is_a_400(client, province_council, session):
    seat = province_council["seats"][0]
    client.force_login(seat.user)
    response = client.post(reverse("awards:session_vote", args=[session.pk]), {"nomination": "²", "choice": "yes"})
    assert response.status_code == 400
