"""Issue 11.2 (a council seat follows the role; the roll is fixed when voting opens) and issue 11.3 (the
ballot key: from the environment, required in production, rotate-safe; slots that do not pair with the roll)."""

import datetime
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse

from awards import conf, services
from awards.models import Ballot, ReviewSession, SealedBallot, VoterRoll
from core.errors import DomainError, PermissionDenied
from tests.awards.conftest import nominate
from tests.conftest import PASSWORD
from units.models import Membership
from units.roles import Role
from units.services import membership_grant, membership_revoke

pytestmark = pytest.mark.django_db

KEY_A = "a" * 40
KEY_B = "b" * 40


@pytest.fixture
def nomination(tree, forms, province_council, officer, household):
    return nominate(officer, tree, forms, household)


def open_session(council, secretary, nominations, present):
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=nominations, by=secretary)
    services.session_record_attendance(session=session, members=present, by=secretary)
    return services.session_open(session=session, by=secretary)


def revoke_all(user, root):
    for membership in Membership.objects.filter(user=user):
        membership_revoke(membership=membership, by=root, reason="Thôi làm thành viên Hội đồng")


def state():
    return (VoterRoll.objects.filter(voted=True).count(), Ballot.objects.count(),
            frozenset(SealedBallot.objects.values_list("nonce", "seal")))


# --- 11.2: seats follow the role -----------------------------------------------------------------


def test_a_member_whose_memberships_are_all_revoked_neither_sees_the_session_nor_votes(
        client, root, province_council, nomination):
    council, secretary, seats = province_council.values()
    session = open_session(council, secretary, [nomination], seats)
    seat = seats[0]
    seat.user.set_password(PASSWORD)
    seat.user.save()
    revoke_all(seat.user, root)
    seat.refresh_from_db()
    assert seat.active  # the CouncilMember row is untouched: the role is what ends the seat
    before = state()

    with pytest.raises(PermissionDenied) as err:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")

    assert err.value.message == "Bạn không phải thành viên có quyền biểu quyết của hội đồng này."
    assert state() == before
    client.force_login(seat.user)
    assert client.get(reverse("awards:session_detail", args=[session.pk])).status_code == 404
    assert client.get(reverse("awards:session_vote", args=[session.pk])).status_code == 404
    response = client.post(reverse("awards:session_vote", args=[session.pk]),
                           {"nomination": nomination.pk, "choice": "yes"})
    assert response.status_code == 404
    assert state() == before


def test_a_seat_without_its_role_is_not_counted_nor_put_on_the_roll(root, province_council, nomination):
    council, secretary, seats = province_council.values()
    revoke_all(seats[9].user, root)

    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)

    with pytest.raises(DomainError) as err:
        services.session_record_attendance(session=session, members=seats, by=secretary)

    assert err.value.message == f"“{seats[9].user}” không phải thành viên của hội đồng."
    assert session.attendance.count() == 0

    services.session_record_attendance(session=session, members=seats[:9], by=secretary)
    services.session_open(session=session, by=secretary)
    session.refresh_from_db()
    assert (session.members_total, session.present_count) == (9, 9)
    assert set(VoterRoll.objects.values_list("member_id", flat=True)) == {s.pk for s in seats[:9]}


def test_the_roll_is_fixed_when_voting_opens(root, tree, province_council, nomination):
    """A member off the roll at opening (role revoked then) cannot vote once the role is granted back."""
    council, secretary, seats = province_council.values()
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    revoke_all(seats[0].user, root)
    services.session_open(session=session, by=secretary)
    membership_grant(user=seats[0].user, unit=tree["p1"], role=Role.COUNCIL_MEMBER, by=root)
    before = state()

    with pytest.raises(DomainError) as err:
        services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")

    assert err.value.message == "Bạn không có tên trong danh sách biểu quyết được chốt khi mở bỏ phiếu."
    assert state() == before
    session.refresh_from_db()
    assert session.members_total == 9


def test_a_role_revoked_during_voting_ends_the_vote_but_not_the_frozen_counts(root, province_council, nomination):
    council, secretary, seats = province_council.values()
    session = open_session(council, secretary, [nomination], seats)
    revoke_all(seats[0].user, root)

    with pytest.raises(PermissionDenied):
        services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")
    for seat in seats[1:]:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")
    services.session_close(session=session, by=secretary)

    item = session.items.get()
    assert (item.yes_count, item.eligible, item.outcome) == (9, 10, "passed")  # 9/10 = 90 %


def test_the_roll_carries_no_time_and_is_written_at_opening(province_council, nomination):
    assert not [fld for fld in VoterRoll._meta.concrete_fields
                if isinstance(fld, models.DateTimeField | models.DateField | models.TimeField)]
    council, secretary, seats = province_council.values()
    open_session(council, secretary, [nomination], seats)

    assert VoterRoll.objects.count() == 10 and not VoterRoll.objects.filter(voted=True).exists()
    assert SealedBallot.objects.count() == 10  # one slot per roll line, all sealed "empty"


# --- 11.3: the key -------------------------------------------------------------------------------


def test_every_vote_reseals_every_slot_of_the_item(settings, province_council, nomination):
    settings.AWARDS_BALLOT_KEY = KEY_A
    council, secretary, seats = province_council.values()
    session = open_session(council, secretary, [nomination], seats)
    before = dict(SealedBallot.objects.values_list("id", "nonce"))

    services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="no")

    after = dict(SealedBallot.objects.values_list("id", "nonce"))
    assert after.keys() == before.keys()  # same slots, none added
    assert all(after[k] != before[k] for k in before)  # all re-sealed: the one that took the vote is hidden
    assert set(SealedBallot.objects.values_list("key_id", flat=True)) == {conf.key_id(KEY_A.encode())}


def test_a_session_sealed_under_a_retired_key_is_counted_after_rotation(settings, province_council, nomination):
    settings.AWARDS_BALLOT_KEY = KEY_A
    council, secretary, seats = province_council.values()
    session = open_session(council, secretary, [nomination], seats)
    for seat in seats[:5]:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")

    settings.AWARDS_BALLOT_KEY, settings.AWARDS_BALLOT_OLD_KEYS = KEY_B, [KEY_A]
    for seat in seats[5:]:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")
    services.session_close(session=session, by=secretary)

    item = session.items.get()
    assert (item.votes_cast, item.yes_count, item.outcome) == (10, 10, "passed")
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == ["yes"] * 10


def test_closing_without_the_key_that_sealed_is_refused_and_changes_nothing(settings, province_council, nomination):
    settings.AWARDS_BALLOT_KEY = KEY_A
    council, secretary, seats = province_council.values()
    session = open_session(council, secretary, [nomination], seats)
    services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="yes")
    settings.AWARDS_BALLOT_KEY, settings.AWARDS_BALLOT_OLD_KEYS = KEY_B, []
    before = state()

    with pytest.raises(DomainError) as err:
        services.session_close(session=session, by=secretary)

    assert err.value.message == (f"Không có khóa niêm phong phiếu bầu (mã khóa {conf.key_id(KEY_A.encode())}): thêm "
                                 "khóa cũ vào AWARDS_BALLOT_OLD_KEYS rồi thực hiện lại.")
    assert state() == before
    session.refresh_from_db()
    assert session.status == ReviewSession.Status.OPEN


def test_the_key_id_names_a_key_without_revealing_it():
    assert conf.key_id(KEY_A.encode()) != conf.key_id(KEY_B.encode())
    assert len(conf.key_id(KEY_A.encode())) == 16 and "a" * 8 not in conf.key_id(KEY_A.encode())


@pytest.mark.parametrize(("ballot_key", "url", "message"), [
    ("", "https://xhht.gov.vn", "AWARDS_BALLOT_KEY is required in production"),
    ("short", "https://xhht.gov.vn", "at least 32 characters"),
    ("s" * 40, "https://xhht.gov.vn", "must differ from DJANGO_SECRET_KEY"),
    (KEY_A, "http://127.0.0.1:8000", "PORTAL_PUBLIC_URL must be the portal's public address"),
    (KEY_A, "", "PORTAL_PUBLIC_URL must be the portal's public address"),
])
def test_production_refuses_a_missing_or_reused_ballot_key_and_a_local_public_url(ballot_key, url, message):
    with pytest.raises(ImproperlyConfigured) as err:
        conf.check_production_secrets(secret_key="s" * 40, ballot_key=ballot_key, public_url=url)

    assert message in str(err.value)


def test_production_settings_do_not_load_without_the_ballot_key():
    env = {k: v for k, v in os.environ.items() if k not in ("AWARDS_BALLOT_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SECRET_KEY="s" * 50, DJANGO_ALLOWED_HOSTS="xhht.gov.vn", PORTAL_PUBLIC_URL="https://xhht.gov.vn",
               DATABASE_URL="sqlite:////tmp/h4-unused.sqlite3")
    code = "import config.settings.production"
    failed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    env["AWARDS_BALLOT_KEY"] = KEY_A
    loaded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)

    assert failed.returncode != 0 and "AWARDS_BALLOT_KEY" in failed.stderr
    assert loaded.returncode == 0, loaded.stderr


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_vote_does_not_pair_a_roll_row_with_one_slot_by_transaction_id(
        tree, forms, province_council, officer, household):
    """Measured on PostgreSQL (skipped elsewhere): after each vote, the voter's roll row and EVERY slot of the
    item carry the vote's transaction id (xmin), so xmin names the voter's row but no particular slot; the
    slots' physical order (ctid) is a fresh shuffle. What a reader with snapshots between votes AND the key
    could still learn is stated in docs/adr/0004."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("xmin/ctid are PostgreSQL's")
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = open_session(council, secretary, [nomination], seats)

    def snapshot():
        with connection.cursor() as cursor:
            cursor.execute("SELECT xmin::text, ctid::text FROM awards_sealedballot")
            slots = cursor.fetchall()
            cursor.execute("SELECT member_id, xmin::text FROM awards_voterroll WHERE voted")
            roll = dict(cursor.fetchall())
        return slots, roll

    for seat in seats[:3]:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")
        slots, roll = snapshot()
        assert len({xmin for xmin, _ctid in slots}) == 1  # one transaction id over all ten slots
        assert roll[seat.pk] == slots[0][0]  # ...which is the voter's: nothing singles a slot out
