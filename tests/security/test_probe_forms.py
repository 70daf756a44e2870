"""H8's probe of the new award forms with ids no column can hold.

The council secretary's "new session" form and the approver's "new decision" form take their agenda /
nominations as checkboxes of ids (ModelMultipleChoiceField). Django looks those up with `pk__in=[…]`, which,
unlike `pk=…`, sends a 20-digit id to the driver: OverflowError on SQLite, "out of range" on PostgreSQL, a 500.
A forged checkbox must be the form's own Vietnamese error (400 page, or the form again), nothing created.
"""
# ruff: noqa: F811 (the awards tests' fixtures are imported by name and then requested by name)

import pytest
from django.urls import reverse

from awards.models import Decision, ReviewSession
from core.documents.models import Document
from tests.awards.conftest import (  # noqa: F401 (fixtures)
    approver,
    forms,
    household,
    nation,
    nominate,
    officer,
    province_council,
    root,
)

pytestmark = pytest.mark.django_db

FORGED = ["99999999999999999999", "-99999999999999999999", "9" * 400, "²", "①", "abc", "0", "1.5"]


def _invalid(value: str) -> str:
    """The checkbox field's own Vietnamese errors: a value that is not a number, or not one of the choices."""
    if value.lstrip("-").isascii() and value.lstrip("-").isdigit():
        shown = value if len(value) <= 20 else value[:20] + "…"
        return f"Hãy chọn một lựa chọn hợp lệ. {shown} không phải là một trong các lựa chọn khả thi."
    return f"“{value}” không phải là giá trị hợp lệ."


def _counts():
    return ReviewSession.objects.count(), Decision.objects.count(), Document.objects.count()


@pytest.fixture
def nomination(officer, tree, forms, province_council, household):
    return nominate(officer, tree, forms, household)


@pytest.mark.parametrize("forged", FORGED, ids=lambda v: v[:20])
def test_a_forged_agenda_id_is_the_forms_error_and_no_session_is_created(client, province_council, nomination,
                                                                        forged):
    client.force_login(province_council["secretary"])
    before = _counts()

    response = client.post(reverse("awards:session_create", args=[province_council["council"].pk]), {
        "title": "Phiên họp", "held_on": "10/01/2025", "nominations": [str(nomination.pk), forged]})

    assert response.status_code in (200, 400)
    assert response.context["form"].errors["nominations"] == [_invalid(forged)]
    assert _counts() == before


@pytest.mark.parametrize("forged", FORGED, ids=lambda v: v[:20])
def test_a_forged_nomination_id_is_the_forms_error_and_no_decision_is_issued(client, approver, nomination, forged):
    client.force_login(approver)
    before = _counts()

    response = client.post(reverse("awards:decision_create"), {
        "nominations": [forged], "date": "15/01/2025", "signer_name": "Lê Văn Ký", "signer_title": "Chủ tịch"})

    assert response.status_code in (200, 400)
    assert response.context["form"].errors["nominations"] == [_invalid(forged)]
    assert _counts() == before
