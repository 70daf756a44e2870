"""The awards demo follows the law's data: who decides which form, numbers from the register, no vote where
the law asks none. Runs the units step and the awards step only (the others are not needed here)."""

import pytest
from django.core.management import call_command

from awards import demo
from awards.models import Award, DecidingPower, Decision, Nomination, NominationStatus, ReviewSession, VotingRule
from core.documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    import io

    from units import demo as units_demo

    call_command("load_admin_units", stdout=io.StringIO())
    context: dict = {}
    context.update(units_demo.load(context, []))
    context.update(demo.load(context, []))
    return context


def test_the_demo_decides_each_form_where_the_law_puts_it(loaded):
    province = loaded["province"]
    powers = {(p.form.slug, p.body.level, p.review) for p in DecidingPower.objects.select_related("form", "body")}

    assert ("bang-khen-tinh", "province", "council") in powers
    assert ("bang-khen-thu-tuong", "nation", "appraisal") in powers
    assert ("giay-khen", "commune", "head") in powers
    assert not [p for p in powers if p[0] == "giay-khen" and p[1] != "commune"]
    assert not VotingRule.objects.filter(threshold_percent__gt=50).exists()  # no supermajority invented
    pm = Nomination.objects.get(form__slug="bang-khen-thu-tuong")
    assert (pm.body.level, pm.status) == ("nation", NominationStatus.SUBMITTED)
    assert not pm.agenda_items.exists()
    decision = Decision.objects.get()
    assert decision.body == province and decision.number.startswith("01/QĐ-")
    assert Document.objects.get(kind="award_decision").number == decision.number
    assert Document.objects.get(kind="certificate").subject == Award.objects.get()
    # Minutes for the closed session only; the second session stays open for the members' votes (issue 13.1).
    assert Document.objects.filter(kind="minutes").count() == ReviewSession.objects.filter(status="closed").count() == 1
    assert ReviewSession.objects.filter(status="open").count() == 1


def test_a_second_run_changes_nothing(loaded):
    counts = (Nomination.objects.count(), DecidingPower.objects.count(), Decision.objects.count(),
              Document.objects.count(), DecidingPower.history.count())

    demo.load(loaded, [])

    assert (Nomination.objects.count(), DecidingPower.objects.count(), Decision.objects.count(),
            Document.objects.count(), DecidingPower.history.count()) == counts
