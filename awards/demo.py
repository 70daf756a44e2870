"""The demo's awards: Hà Tĩnh's council (hoidong.thuky, hoidong.tv1..3), who decides which form, and
nominations in every state — a Giấy khen at its commune, returned, passed and awaiting a decision, the Prime
Minister's Bằng khen awaiting the Ministry of Home Affairs' appraisal, and one decided award with its
certificate. Everything goes through the services; a second run finds the council in place and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.documents.demo import PROVINCE_HEAD
from core.models import User
from units.models import Household, Unit

from . import services, tasks
from .models import Authority, AwardForm, Council, CouncilMember, DecidingPower, Nomination, Review, ThresholdBase


def _powers(nation: Unit, province: Unit, communes: dict, forms: dict, admin: User) -> None:
    """Who decides what, as Luật Thi đua, khen thưởng 2022 has it: the Prime Minister's Bằng khen after the
    Ministry of Home Affairs' appraisal (no council vote); the provincial chairman's Bằng khen through the
    province's council; Giấy khen by each commune's chairman on the dossier (Điều 80) — not by the province."""
    if DecidingPower.objects.filter(body=province, form=forms["bang-khen-tinh"]).exists():
        return  # already configured: a second run changes nothing (no history rows for unchanged values)
    services.deciding_power_set(body=nation, form=forms["bang-khen-thu-tuong"], authority=Authority.PRIME_MINISTER,
                                review=Review.APPRAISAL, appraiser_name="Bộ Nội vụ",
                                authority_name="Thủ tướng Chính phủ", signer_title="Thủ tướng", by=admin)
    services.deciding_power_set(body=province, form=forms["bang-khen-tinh"], authority=Authority.PROVINCE_CHAIR,
                                review=Review.COUNCIL, authority_name="Ủy ban nhân dân tỉnh Hà Tĩnh",
                                signer_title="Chủ tịch", by=admin)
    for commune in communes.values():
        services.deciding_power_set(body=commune, form=forms["giay-khen"], authority=Authority.COMMUNE_CHAIR,
                                    review=Review.HEAD, authority_name=f"Ủy ban nhân dân {commune.name}",
                                    signer_title="Chủ tịch", by=admin)


def _councils(nation: Unit, province: Unit, forms: dict, admin: User) -> Council:
    council = services.council_create(body=province, name="Hội đồng Thi đua - Khen thưởng tỉnh Hà Tĩnh", by=admin)
    services.council_member_add(council=council, user=User.objects.get(username="hoidong.thuky"),
                                role=CouncilMember.Role.SECRETARY, by=admin)
    for n in range(1, 4):
        services.council_member_add(council=council, user=User.objects.get(username=f"hoidong.tv{n}"),
                                    role=CouncilMember.Role.CHAIR if n == 1 else CouncilMember.Role.MEMBER, by=admin)
    # The council's own rule (illustrative, set by its regulation): more than half of those present, quorum two
    # thirds. No form of this council carries a legal supermajority (AwardForm.legal_threshold_percent).
    services.voting_rule_set(council=council, form=None, quorum_percent=Decimal("66.67"),
                             threshold_percent=Decimal("50"), threshold_base=ThresholdBase.PRESENT,
                             threshold_inclusive=False, secret_ballot=True, by=admin)
    return council


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    province: Unit = context["province"]
    nation = province.parent
    commune: Unit = context["communes"]["thanhsen"]
    forms = {f.slug: f for f in AwardForm.objects.all()}
    admin = User.objects.get(username="admin")
    _powers(nation, province, context["communes"], forms, admin)
    existing = Council.objects.filter(body=province).first()
    if existing is not None:
        # Already loaded: touch nothing (services would add history rows even for unchanged values).
        return {"award_council": existing}
    council = _councils(nation, province, forms, admin)

    officer = User.objects.get(username="xa.thanhsen")
    secretary = User.objects.get(username="hoidong.thuky")
    homes = list(Household.objects.filter(unit__parent=commune).order_by("id")[:3])
    school = Unit.objects.filter(parent=commune, name__startswith="Trường Tiểu học").first()

    def nominate(subject, form: str, occasion: str, year: int, summary: str) -> Nomination:
        return services.nomination_create(by=officer, proposer_unit=commune, form=forms[form], occasion=occasion,
                                          year=year, subject=subject, achievement_summary=summary)

    # Giấy khen: at the commune, examined by its chairman (no vote), waiting for the appraisal.
    nominate(homes[0], "giay-khen", "yearly", 2024,
             "Gia đình ba năm liền đạt danh hiệu Gia đình học tập; các con học giỏi.")
    returned = nominate(homes[1], "bang-khen-tinh", "yearly", 2024, "Gia đình hiếu học tiêu biểu.")
    services.nomination_return(nomination=returned, by=secretary,
                               reason="Bổ sung biên bản bình xét của thôn và xác nhận của Hội Khuyến học xã.")
    waiting = nominate(homes[2], "bang-khen-tinh", "yearly", 2024,
                       "Gia đình tiêu biểu trong phong trào khuyến học, khuyến tài của phường.")
    awarded = nominate(school, "bang-khen-tinh", "interim", 2025,
                       "Nhà trường đạt danh hiệu Đơn vị học tập mức độ 2; 100% giáo viên đạt Công dân học tập.")
    # The Prime Minister's Bằng khen goes to the Ministry of Home Affairs for appraisal: no council votes on it.
    nominate(commune, "bang-khen-thu-tuong", "interim", 2025,
             "Phường dẫn đầu tỉnh về xây dựng Cộng đồng học tập cấp xã giai đoạn 2023–2025.")

    session = services.session_create(council=council, title="Phiên họp xét khen thưởng sơ kết 2023–2025",
                                      held_on=timezone.localdate(), location="Văn phòng UBND tỉnh Hà Tĩnh",
                                      nominations=[waiting, awarded], by=secretary)
    voting = list(council.members.filter(is_voting=True))
    services.session_record_attendance(session=session, members=voting, by=secretary)
    services.session_open(session=session, by=secretary)
    for member in voting:
        for nomination in (waiting, awarded):
            services.ballot_cast(session=session, nomination=nomination, by=member.user, choice="yes")
    services.session_close(session=session, by=secretary)

    # A second session left open: the council members land on a vote to cast, the secretary on a session to
    # close (issue 13.1: every demo account has something to do on its home page).
    lower_secondary = Unit.objects.filter(parent=commune, name__startswith="Trường THCS").first()
    if lower_secondary is not None:
        pending = nominate(lower_secondary, "bang-khen-tinh", "yearly", 2025,
                           "Nhà trường có 95% giáo viên đạt danh hiệu Công dân học tập; thư viện mở cho cộng đồng.")
        open_session = services.session_create(
            council=council, title="Phiên họp xét khen thưởng năm 2025", held_on=timezone.localdate(),
            location="Văn phòng UBND tỉnh Hà Tĩnh", nominations=[pending], by=secretary)
        services.session_record_attendance(session=open_session, members=voting, by=secretary)
        services.session_open(session=open_session, by=secretary)

    # No number typed: the province's register numbers the decision (…/QĐ-UBND) and each certificate. The
    # session and the decision are dated the day the demo runs: the tờ trình they follow is dated that day
    # by nomination_create, and an act never precedes the submission it decides on.
    decision = services.decision_issue(
        body=province, nominations=[awarded], number="", date=timezone.localdate(),
        # The demo's chairman (core.documents.demo), marked DEMO: a demo PDF must never carry a real official's name.
        signer_name=PROVINCE_HEAD, signer_title="Chủ tịch", by=User.objects.get(username="tinh.hatinh"))
    for award_id in decision.awards.values_list("pk", flat=True):
        # Rendered once the demo's transaction commits (at once with eager Celery, else by a worker).
        transaction.on_commit(partial(tasks.render_certificate.delay, award_id))
    return {"award_council": council, "award_decision": decision}
