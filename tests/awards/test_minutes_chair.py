"""The minutes name who chaired and who kept them, from the session's attendance (issue 12, minutes): the
chair recorded with the attendance, else the present chair or vice-chair — never an absent chair's seat,
and no "(chưa ghi nhận)" when the secretary named the chair."""

import datetime

import pytest
from django.contrib.messages import get_messages

from awards import documents, services
from awards.models import CouncilMember, ReviewSession, SessionAttendance
from core.documents.models import DocumentKind
from core.errors import DomainError
from tests import factories as f
from tests.awards.conftest import nominate
from units.roles import Role

pytestmark = pytest.mark.django_db


person = documents._person


def minutes_of(session):
    session = ReviewSession.objects.get(pk=session.pk)
    return documents.state_for(DocumentKind.MINUTES, session, date=session.held_on).minutes


def planned(council, secretary, nominations):
    return services.session_create(council=council, title="Phiên họp", held_on=datetime.date(2025, 1, 10),
                                   nominations=nominations, by=secretary)


def seat(council, tree, root, role, name):
    user = f.member(tree["p1"], Role.COUNCIL_MEMBER, username=name)
    return services.council_member_add(council=council, user=user, role=role, by=root)


def test_an_absent_chairs_seat_is_not_named_the_present_vice_chair_chairs(
        tree, root, forms, province_council, officer, household):
    council, secretary, seats = province_council.values()
    chair = seat(council, tree, root, CouncilMember.Role.CHAIR, "ChuTich")
    vice = seat(council, tree, root, CouncilMember.Role.VICE_CHAIR, "PhoChuTich")
    session = planned(council, secretary, [nominate(officer, tree, forms, household)])
    services.session_record_attendance(session=session, members=[vice, *seats], by=secretary)
    minutes = minutes_of(session)
    # Before: "ChuTich, Chủ tịch Hội đồng" — the seat of a chair who was not there.
    assert minutes.chair == f"{person(vice.user)}, Phó Chủ tịch Hội đồng" != f"{person(chair.user)}, Chủ tịch Hội đồng"
    assert minutes.chair_signature.signer_name == person(vice.user)
    assert chair.pk not in [a.member_id for a in SessionAttendance.objects.filter(session=session)]


def test_the_chair_named_with_the_attendance_is_printed_and_signs(tree, root, forms, province_council, officer,
                                                                  household):
    council, secretary, seats = province_council.values()  # a council with no chair's seat
    session = planned(council, secretary, [nominate(officer, tree, forms, household)])
    services.session_record_attendance(session=session, members=seats, by=secretary, chair=seats[2])
    minutes = minutes_of(session)
    name = person(seats[2].user)
    # Before: "(chưa ghi nhận)" and an unnamed chair's signature.
    assert minutes.chair == f"{name}, Ủy viên" and minutes.chair_signature.signer_name == name
    secretary_seat = council.members.get(role=CouncilMember.Role.SECRETARY)
    assert minutes.secretary == f"{person(secretary_seat.user)}, Thư ký"


def test_a_chair_who_is_not_present_is_refused_and_nothing_changes(tree, root, forms, province_council, officer,
                                                                    household):
    council, secretary, seats = province_council.values()
    session = planned(council, secretary, [nominate(officer, tree, forms, household)])
    services.session_record_attendance(session=session, members=seats[:8], by=secretary, chair=seats[0])
    with pytest.raises(DomainError) as refused:
        services.session_record_attendance(session=session, members=seats[1:], by=secretary, chair=seats[0])
    assert str(refused.value.message) == "Chủ tọa phải là thành viên có mặt tại phiên họp."
    session.refresh_from_db()
    assert session.chair_id == seats[0].pk
    assert sorted(SessionAttendance.objects.filter(session=session).values_list("member_id", flat=True)) == sorted(
        s.pk for s in seats[:8])


def test_the_attendance_page_records_the_chair(client, tree, root, forms, province_council, officer, household):
    council, secretary, seats = province_council.values()
    session = planned(council, secretary, [nominate(officer, tree, forms, household)])
    client.force_login(secretary)
    page = client.get(f"/awards/sessions/{session.pk}/")
    assert 'name="chair"' in page.content.decode()
    response = client.post(f"/awards/sessions/{session.pk}/attendance/",
                           {"present": [s.pk for s in seats], "chair": seats[1].pk})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.chair_id == seats[1].pk
    outsider = client.post(f"/awards/sessions/{session.pk}/attendance/",
                           {"present": [s.pk for s in seats[2:]], "chair": seats[1].pk}, follow=True)
    assert "Chủ tọa phải là thành viên có mặt tại phiên họp." in [str(m) for m in get_messages(outsider.wsgi_request)] \
        or "Chủ tọa phải là thành viên có mặt tại phiên họp." in outsider.content.decode()
    session.refresh_from_db()
    assert session.chair_id == seats[1].pk and SessionAttendance.objects.filter(session=session).count() == len(seats)
