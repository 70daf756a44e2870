"""Fixtures of the awards tests: a province council, a commune officer, the forms of the data migration."""

from decimal import Decimal

import pytest

from awards import services
from awards.models import AwardForm, CouncilMember, DecidingPower, Review, ThresholdBase
from core.models import User
from tests import factories as f
from units.models import Household
from units.roles import Role


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded and rendered files go to a temporary folder, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("goc", "goc@example.test", "mat-khau-thu")


@pytest.fixture
def forms(db):
    return {form.slug: form for form in AwardForm.objects.all()}


@pytest.fixture
def nation(db):
    from units.models import Kind, Level

    return f.UnitFactory(level=Level.NATION, kind=Kind.NATION, name="Việt Nam", code="VN")


def make_council(body, root, *, members: int, base=ThresholdBase.MEMBERS, threshold="90", inclusive=True,
                 quorum="50", secret=True, form=None, prefix="tv"):
    """A council over `body` with a secretary and `members` voting members, and one default rule."""
    council = services.council_create(body=body, name=f"Hội đồng TĐKT {body.name}", by=root)
    secretary = f.member(body, Role.COUNCIL_SECRETARY, username=f"{prefix}-thuky-{body.pk}")
    services.council_member_add(council=council, user=secretary, role=CouncilMember.Role.SECRETARY, by=root)
    seats = []
    for n in range(members):
        user = f.member(body, Role.COUNCIL_MEMBER, username=f"{prefix}-{body.pk}-{n}")
        seats.append(services.council_member_add(council=council, user=user, role=CouncilMember.Role.MEMBER, by=root))
    services.voting_rule_set(council=council, form=form, quorum_percent=Decimal(quorum),
                             threshold_percent=Decimal(threshold), threshold_base=base, threshold_inclusive=inclusive,
                             secret_ballot=secret, by=root)
    return council, secretary, seats


@pytest.fixture
def province_council(tree, root, forms, nation):
    """Tỉnh Thử Nghiệm (under the nation) decides its chairman's Bằng khen through its council (10 voting
    members, ≥ 90% of all); commune c1's chairman gives Giấy khen on the dossier; the nation decides the
    Prime Minister's form after the Ministry of Home Affairs' appraisal."""
    from units.models import Unit

    for key in ("p1", "p2"):
        Unit.objects.filter(pk=tree[key].pk).update(parent=nation, path=f"{nation.path}{tree[key].path}")
    from units.services import unit_paths_repair

    unit_paths_repair()
    for unit in tree.values():
        unit.refresh_from_db()
    DecidingPower.objects.create(body=tree["p1"], form=forms["bang-khen-tinh"], authority="province_chair",
                                 authority_name="Ủy ban nhân dân Tỉnh Thử Nghiệm", signer_title="Chủ tịch")
    # Giấy khen: the commune chairman's (Luật TĐKT 2022, Điều 80), on the dossier, no council vote.
    DecidingPower.objects.create(body=tree["c1"], form=forms["giay-khen"], authority="commune_chair",
                                 review=Review.HEAD, signer_title="Chủ tịch")
    # The Prime Minister's: appraised by the Ministry of Home Affairs, no national council vote.
    DecidingPower.objects.create(body=nation, form=forms["bang-khen-thu-tuong"], authority="prime_minister",
                                 review=Review.APPRAISAL, appraiser_name="Bộ Nội vụ",
                                 authority_name="Thủ tướng Chính phủ")
    council, secretary, seats = make_council(tree["p1"], root, members=10)
    return {"council": council, "secretary": secretary, "seats": seats}


@pytest.fixture
def officer(tree):
    return f.member(tree["c1"], Role.OFFICER, username="canbo-xa")


@pytest.fixture
def approver(tree):
    return f.member(tree["p1"], Role.APPROVER, username="lanhdao-tinh")


@pytest.fixture
def household(tree):
    return Household.objects.create(unit=tree["h1"], code="HB-001", head_name="Nguyễn Văn Học")


def nominate(officer, tree, forms, subject, *, form="bang-khen-tinh", occasion="yearly", year=2024, **kw):
    return services.nomination_create(
        by=officer, proposer_unit=tree["c1"], form=forms[form], occasion=occasion, year=year, subject=subject,
        achievement_summary=kw.pop("summary", "Gia đình nhiều năm liền đạt danh hiệu Gia đình học tập."), **kw,
    )


def run_session(council, secretary, nominations, *, present, votes, recused=()):
    """Schedule, record attendance and recusals, open, cast `votes` ({seat: choice} per nomination or
    one dict for all), close. Returns the closed session."""
    import datetime

    session = services.session_create(council=council, title="Phiên họp xét khen thưởng",
                                      held_on=datetime.date(2025, 1, 10), nominations=nominations, by=secretary)
    services.session_record_attendance(session=session, members=present, by=secretary)
    for nomination in nominations:
        for seat in recused:
            services.recusal_record(session=session, nomination=nomination, member=seat, reason="Người thân",
                                    by=secretary)
    services.session_open(session=session, by=secretary)
    for nomination in nominations:
        for seat, choice in votes.items():
            services.ballot_cast(session=session, nomination=nomination, by=seat.user, choice=choice)
    return services.session_close(session=session, by=secretary)
