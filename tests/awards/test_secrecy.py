"""A secret ballot records THAT a member voted, never HOW: nothing joins a Ballot to a member.

These tests read the models and the database schema itself (connection.introspection), so that a
later change adding a foreign key, a timestamp, an ordered key or a history table to Ballot fails here.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, models

from awards import services
from awards.models import Ballot, SealedBallot, VoterRoll
from tests.awards.conftest import nominate

pytestmark = pytest.mark.django_db

ALLOWED_BALLOT_COLUMNS = {"id", "session_id", "nomination_id", "choice"}
ALLOWED_BALLOT_TARGETS = {"awards_reviewsession", "awards_nomination"}
LINKING_WORDS = ("member", "user", "voter", "roll", "seat", "time", "date", "created", "updated", "order", "seq")
TIME_FIELDS = (models.DateTimeField, models.DateField, models.TimeField, models.DurationField)


def test_ballot_has_only_session_nomination_and_choice():
    names = {field.name for field in Ballot._meta.get_fields()}

    assert names == {"id", "session", "nomination", "choice"}


def test_ballot_has_no_time_field_and_a_random_uuid_key():
    assert not [f for f in Ballot._meta.concrete_fields if isinstance(f, TIME_FIELDS)]
    assert isinstance(Ballot._meta.pk, models.UUIDField)
    assert not isinstance(Ballot._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    assert Ballot._meta.pk.default.__name__ == "uuid4"  # random, not uuid1 (which carries a timestamp)


def test_ballot_foreign_keys_point_only_at_the_session_and_the_nomination():
    targets = {f.related_model._meta.db_table for f in Ballot._meta.concrete_fields if f.is_relation}

    assert targets == ALLOWED_BALLOT_TARGETS


def test_no_model_points_at_a_ballot():
    pointing = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model in (Ballot, SealedBallot)
        and model is not SealedBallot
    ]

    assert pointing == []


def test_database_schema_of_the_ballot_table_cannot_join_a_member():
    table = Ballot._meta.db_table
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, table)
        relations = connection.introspection.get_relations(cursor, table)
        constraints = connection.introspection.get_constraints(cursor, table)
        all_tables = connection.introspection.table_names(cursor)
        incoming = [
            other for other in all_tables if other != table
            and any(target == table for _col, (target_col, target) in
                    connection.introspection.get_relations(cursor, other).items())
        ]

    column_names = {c.name for c in columns}
    assert column_names == ALLOWED_BALLOT_COLUMNS
    assert not [c for c in column_names if any(word in c for word in LINKING_WORDS)]
    assert {target for _col, (_target_col, target) in relations.items()} <= ALLOWED_BALLOT_TARGETS
    pk_column = next(c for c in columns if c.name == "id")
    assert "int" not in connection.introspection.get_field_type(pk_column.type_code, pk_column).lower()
    indexed_columns = {col for c in constraints.values() for col in (c["columns"] or [])}
    assert indexed_columns <= ALLOWED_BALLOT_COLUMNS
    assert incoming == []


def test_ballots_are_not_in_admin_history_or_api():
    assert Ballot not in admin.site._registry and SealedBallot not in admin.site._registry
    assert not [m for m in apps.get_models() if m.__name__ in ("HistoricalBallot", "HistoricalSealedBallot")]
    from config.api_router import router

    for _prefix, viewset, _basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        assert queryset is None or queryset.model not in (Ballot, SealedBallot, VoterRoll)


def test_sealed_ballot_while_open_holds_no_readable_choice_and_nothing_of_the_member():
    names = {field.name for field in SealedBallot._meta.get_fields()}

    assert names == {"id", "item", "key_id", "nonce", "seal"}
    assert not [f for f in SealedBallot._meta.concrete_fields if isinstance(f, TIME_FIELDS)]


def test_choices_are_sealed_while_open_and_become_unlinkable_ballots_at_close(
        tree, forms, province_council, officer, household):
    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    services.session_open(session=session, by=secretary)
    for seat in seats[:3]:
        services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice="yes")

    # While open: who voted is known, the choices are opaque and not yet ballots; the ten slots allocated at
    # opening (three votes, seven empty) all look alike.
    assert VoterRoll.objects.filter(session=session, voted=True).count() == 3
    assert Ballot.objects.count() == 0
    seals = list(SealedBallot.objects.values_list("nonce", "seal"))
    assert len(seals) == 10 and len({s for _n, s in seals}) == 10
    assert not [s for _n, s in seals if "yes" in s]

    services.session_close(session=session, by=secretary)

    assert SealedBallot.objects.count() == 0
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == ["yes", "yes", "yes"]
    assert VoterRoll.objects.filter(session=session, voted=True).count() == 3


def test_a_tampered_seal_stops_the_count(tree, forms, province_council, officer, household):
    from core.errors import DomainError

    council, secretary, seats = province_council.values()
    nomination = nominate(officer, tree, forms, household)
    session = services.session_create(council=council, title="Phiên", held_on=datetime.date(2025, 1, 10),
                                      nominations=[nomination], by=secretary)
    services.session_record_attendance(session=session, members=seats, by=secretary)
    services.session_open(session=session, by=secretary)
    services.ballot_cast(session=session, nomination=nomination, by=seats[0].user, choice="no")
    SealedBallot.objects.update(seal="0" * 64)

    with pytest.raises(DomainError) as err:
        services.session_close(session=session, by=secretary)

    assert "đã bị sửa đổi" in err.value.message
    session.refresh_from_db()
    assert session.status == "open" and Ballot.objects.count() == 0
