"""The award documents as acts of the register (core.documents): tờ trình, báo cáo thành tích, biên bản,
quyết định khen thưởng and the Bằng khen / Giấy khen with its QR code.

One builder per kind turns a `Document` of the register (and the object it documents) into a
StateDocument laid out by core.documents' templates; the register fills in the number, date and issuer
header. No HTML is built here: the bodies and articles come from templates in awards/documents/, every
field escaped there and sanitised again by the renderer.

The render functions at the end keep the per-object files (nomination.cover_pdf, session.minutes_pdf,
decision.pdf, award.certificate_pdf) that the award pages serve today: they print the registered
Document when the awards services issued one, and otherwise an unnumbered copy ("Số:      /TTr-UBND",
for the văn thư's pen) — never a number made from a row id.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.documents import builders, naming
from core.documents import services as register
from core.documents.legal import legal_bases
from core.documents.models import Document, DocumentKind, IssuingBody, kind_code
from core.documents.renderer import qr_svg as _qr_svg
from core.documents.renderer import render_pdf
from core.documents.types import (
    Annex,
    AnnexTable,
    Certificate,
    Layout,
    Minutes,
    MinutesItem,
    SignatureBlock,
    StateDocument,
    Tally,
)
from core.errors import DomainError
from core.text import nfc
from units.models import Level

from . import conf, selectors
from .models import (
    AgendaItem,
    Award,
    Council,
    CouncilMember,
    Decision,
    Nomination,
    NominationStep,
    Occasion,
    Outcome,
    Recusal,
    ReviewSession,
    SessionAttendance,
    SubjectKind,
    ThresholdBase,
)

MOVEMENT = "“Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học tập suốt đời”"
# Up to this many recipients are named in Điều 1 itself; more go to the annexed list (danh sách kèm theo).
INLINE_RECIPIENTS = 3
SUBJECT_NOUNS = {SubjectKind.UNIT: "tập thể", SubjectKind.CITIZEN: "cá nhân", SubjectKind.HOUSEHOLD: "hộ gia đình",
                 SubjectKind.CLAN: "dòng họ"}


# --- Small helpers --------------------------------------------------------------------------------------


def _dmy(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "…/…/……"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def occasion_text(occasion: str, year: int) -> str:
    """"năm 2024" for a yearly award; the phase for an interim/final one ("sơ kết giai đoạn 2023–2025")."""
    if occasion == Occasion.YEARLY:
        return f"năm {year}"
    return str(Occasion(occasion).label).lower()


def _nouns(kinds) -> str:
    """"tập thể, cá nhân" — who Điều 1 names, in the decree's words."""
    present = set(kinds)
    ordered = [SUBJECT_NOUNS[k] for k in (SubjectKind.UNIT, SubjectKind.HOUSEHOLD, SubjectKind.CLAN,
                                          SubjectKind.CITIZEN) if k in present]
    return ", ".join(ordered) or "tập thể, cá nhân"


def _subject_place(unit, name: str = "") -> str:
    """Where a subject belongs, as printed after its name: "Tổ dân phố 5, Phường Thành Sen". A unit that is
    itself the subject (a school) is placed by the unit above it, not by its own name a second time
    ("Trường Tiểu học Thành Sen (Trường Tiểu học Thành Sen)" is what a văn thư sends back)."""
    if unit is None:
        return ""
    if name and nfc(name).strip().lower() == nfc(unit.name).strip().lower():
        return unit.parent.name if unit.parent_id and unit.parent.level != Level.NATION else ""
    parent = unit.parent if unit.level == Level.HAMLET else None
    return f"{unit.name}, {parent.name}" if parent is not None else unit.name


def _percent(value) -> str:
    number = Decimal(value or 0).normalize()
    text = f"{number:f}"
    return text.replace(".", ",")


def threshold_text(item: AgendaItem) -> str:
    """"từ 90% trở lên tổng số thành viên Hội đồng" / "trên 50% số thành viên có mặt"."""
    if item.threshold_percent is None:
        return "theo quy chế làm việc của Hội đồng"
    base = ("tổng số thành viên Hội đồng" if (item.threshold_base or ThresholdBase.MEMBERS) == ThresholdBase.MEMBERS
            else "số thành viên có mặt")
    if item.threshold_inclusive:
        return f"từ {_percent(item.threshold_percent)}% trở lên {base}"
    return f"trên {_percent(item.threshold_percent)}% {base}"


def _person(user) -> str:
    return (getattr(user, "full_name", "") or user.get_full_name() or user.get_username()).strip()


def _member_line(member: CouncilMember) -> str:
    return f"{_person(member.user)}, {member.get_role_display()}"


def authority_line(issuer: IssuingBody, head_title: str = "") -> str:
    """Who decides an award, in capitals: the head of the body ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH",
    "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH HÀ TĨNH", "BỘ TRƯỞNG BỘ GIÁO DỤC VÀ ĐÀO TẠO"): a Bằng khen or Giấy
    khen is given by a person holding the power (Luật Thi đua, khen thưởng 2022), not by the collective."""
    return f"{head_title or issuer.head_title} {issuer.name}".strip().upper()


def _draft_number(document: Document) -> str:
    """"      /TTr-UBND": the blank the văn thư fills by hand on a copy printed before it is numbered."""
    code = kind_code(document.kind)
    abbreviation = document.issuer.abbreviation if document.issuer_id else ""
    suffix = "-".join(part for part in (code, abbreviation) if part)
    return f"{builders.DRAFT_NUMBER}{suffix}"


def head_signature(*, head_title: str, signer_title: str, signer_name: str, capacity: str = "",
                   principal: str = "") -> SignatureBlock:
    """An act of the head's own power (a Chairman's award decision and Bằng khen): "KT. CHỦ TỊCH" over
    "PHÓ CHỦ TỊCH" when a deputy signs, "CHỦ TỊCH" alone when the head does — never under "TM. ỦY BAN NHÂN
    DÂN", which is for the collective's own acts (NĐ 30/2020, Điều 13)."""
    title = signer_title or head_title
    capacity = capacity if capacity in ("KT.", "Q.", "TL.", "TUQ.") else ""
    if not capacity and title.strip().lower() != head_title.strip().lower() and title.strip().lower().startswith("phó"):
        capacity = "KT."
    return SignatureBlock.for_capacity(capacity=capacity, principal=(principal or head_title) if capacity else "",
                                       signer_title=title, signer_name=signer_name)


def _signature(document: Document, *, head_title: str = "") -> SignatureBlock:
    """The register's signer when the service gave one; otherwise the body's head as its IssuingBody
    names them ("TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH" / the name, if recorded). `head_title` given: an act
    of the head's own power (see head_signature)."""
    issuer = document.issuer
    if head_title:
        principal = document.principal if document.capacity != "TM." else ""
        return head_signature(head_title=head_title, signer_title=document.signer_title,
                              signer_name=document.signer_name, capacity=document.capacity, principal=principal)
    if document.signer_name or document.signer_title or document.capacity:
        return builders.signature_for(document)
    collective = issuer.principal_name if issuer.collective else ""
    return SignatureBlock.for_capacity(collective=collective, signer_title=issuer.head_title,
                                       signer_name=issuer.head_name)


def _base(document: Document, *, kind: str, title: str, **fields) -> StateDocument:
    issuer = document.issuer
    return StateDocument(
        kind=kind, issuing_body=issuer.name, issuer_lines=tuple(issuer.header_lines),
        parent_issuer_lines=tuple(issuer.parent_header_lines), number=document.number or _draft_number(document),
        place=issuer.place_name, date=document.date, type_label=document.type_label,
        title=document.title or title, **fields,
    )


def _recipients(document: Document, *defaults: str) -> tuple[str, ...]:
    return tuple(document.recipients) if document.recipients else defaults


# --- Tờ trình -------------------------------------------------------------------------------------------


_LEVEL_WORDS = ("Tỉnh", "Thành phố", "Phường", "Xã", "Đặc khu", "Huyện", "Quận", "Thị xã", "Thị trấn")


def _sentence_case_level(name: str) -> str:
    """"Ủy ban nhân dân Phường Thành Sen" → "Ủy ban nhân dân phường Thành Sen": inside a body's name the
    level of the territory is a common noun (the unit's own name starts it with a capital)."""
    name = nfc(name or "").strip()
    for prefix in ("Ủy ban nhân dân ", "Hội đồng nhân dân "):
        for word in _LEVEL_WORDS:
            if name.startswith(prefix + word + " "):
                return prefix + word[0].lower() + word[1:] + name[len(prefix + word):]
    return name


def deciding_authority(nomination: Nomination) -> str:
    """Whom a tờ trình is addressed to: the person holding the power for the nomination's form, as the
    awards data names them ("Chủ tịch Ủy ban nhân dân tỉnh Hà Tĩnh")."""
    power = selectors.power_for(nomination.proposer_unit, nomination.form)
    if power is None:
        power = selectors.deciding_power(nomination.body, nomination.form)
    if power is None:
        return f"Thủ trưởng {register.issuing_body_for(nomination.body).name}"
    # The awards data names the authority ("Thủ tướng Chính phủ"); failing that, the register's name of
    # the body ("Ủy ban nhân dân xã Hòa Bình"), never the bare territory ("Tỉnh Hà Tĩnh").
    name = _sentence_case_level(power.authority_name) or register.issuing_body_for(power.body).name
    return f"{power.signer_title} {name}".strip() if power.signer_title else name


def _vote_sentence(nomination: Nomination) -> str:
    """The council's result that travels with the dossier (aggregates only), when there was a vote."""
    step = nomination.steps.filter(action=NominationStep.Action.PASSED).order_by("-at", "-id").first()
    result = step.vote_result if step is not None else {}
    if not result or result.get("outcome") != Outcome.PASSED:
        return ""
    return (f"Hội đồng Thi đua – Khen thưởng đã xét và thông qua với {result.get('yes', 0)}/"
            f"{result.get('eligible') or result.get('members_total', 0)} phiếu đồng ý.")


def build_submission(document: Document) -> StateDocument:
    nomination: Nomination = document.subject
    issuer = document.issuer
    authority = deciding_authority(nomination)
    day = document.date or timezone.localdate()
    body = render_to_string("awards/documents/submission_body.html", {
        "bases": legal_bases("submission", "awards", on=day),
        "issuer_name": issuer.name, "authority": authority, "form_name": nomination.form.name,
        "subject_name": nomination.subject_name,
        "subject_place": _subject_place(nomination.unit, nomination.subject_name),
        "occasion": occasion_text(nomination.occasion, nomination.year),
        "summary": _lines(nomination.achievement_summary), "vote": _vote_sentence(nomination),
        "enclosed": ["Báo cáo thành tích", "Biên bản họp Hội đồng Thi đua – Khen thưởng (nếu có)"],
    })
    return _base(
        document, kind=Layout.SUBMISSION, title=f"Về việc đề nghị tặng {nomination.form.name}",
        addressees=(authority,), body_html=body, recipients=_recipients(document, "Như trên", "Lưu: VT, TĐKT"),
        signature=_signature(document),
    )


# --- Báo cáo thành tích ---------------------------------------------------------------------------------


def build_achievement_report(document: Document) -> StateDocument:
    nomination: Nomination = document.subject
    runs = selectors.consecutive_title_years(nomination)
    reports = [f"Báo cáo năm {r.year} của {r.unit.name}" for r in nomination.reports.select_related("unit")]
    body = render_to_string("awards/documents/achievement_report_body.html", {
        "subject_noun": SUBJECT_NOUNS.get(nomination.subject_kind, "đối tượng"),
        "subject_name": nomination.subject_name,
        "subject_place": _subject_place(nomination.unit, nomination.subject_name),
        "form_name": nomination.form.name, "occasion": occasion_text(nomination.occasion, nomination.year),
        "summary": _lines(nomination.achievement_summary), "titles": list(runs.items()), "reports": reports,
    })
    return _base(
        document, kind=Layout.REPORT,
        title=f"Đề nghị tặng {nomination.form.name} cho {nomination.subject_name}",
        body_html=body, recipients=_recipients(document, "Hội đồng Thi đua – Khen thưởng", "Lưu: VT"),
        signature=_signature(document),
    )


# --- Biên bản -------------------------------------------------------------------------------------------


def _when(moment: datetime.datetime | None, day: datetime.date) -> str:
    """"lúc 08 giờ 00 phút, ngày 10 tháng 01 năm 2025" (the time when the session recorded it)."""
    local = timezone.localtime(moment) if moment is not None else None
    if local is None or local.date() != day:  # recorded on another day than the meeting's: no hour to tell
        return f"ngày {day:%d} tháng {day:%m} năm {day.year}"
    return f"lúc {local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local.year}"


def _seat(session: ReviewSession, attribute: str, roles) -> CouncilMember | None:
    chosen = getattr(session, attribute, None)
    if isinstance(chosen, CouncilMember):
        return chosen
    seats = {m.role: m for m in session.council.members.filter(active=True, role__in=roles).select_related("user")
             .order_by("id")}
    return next((seats[r] for r in roles if r in seats), None)


def _present_seat(attended: list[CouncilMember], roles) -> CouncilMember | None:
    """The first present member holding one of `roles`, in the order of `roles` then of seats."""
    present = sorted((m for m in attended if m.role in roles), key=lambda m: (list(roles).index(m.role), m.pk))
    return present[0] if present else None


def _minutes_item(item: AgendaItem, recusals: list[Recusal]) -> MinutesItem:
    nomination = item.nomination
    names = tuple(f"{_person(r.member.user)} (lý do: {r.reason.strip()})" if r.reason.strip()
                  else _person(r.member.user) for r in recusals if r.nomination_id == nomination.pk)
    voted = item.outcome in (Outcome.PASSED, Outcome.NOT_PASSED)
    tally = Tally(eligible=item.eligible, cast=item.votes_cast, yes=item.yes_count, no=item.no_count,
                  abstain=item.abstain_count, threshold=threshold_text(item), outcome=item.get_outcome_display(),
                  secret=item.secret) if voted else None
    note = "" if voted else f"Không biểu quyết: {item.get_outcome_display().lower()}."
    return MinutesItem(title=f"Đề nghị tặng {nomination.form.name} cho {nomination.subject_name}",
                       recusals=names, tally=tally, note=note)


def _conclusion(item: AgendaItem) -> str:
    nomination = item.nomination
    what = f"đề nghị tặng {nomination.form.name} cho {nomination.subject_name}"
    if item.outcome == Outcome.PASSED:
        return f"Thông qua {what} ({item.yes_count}/{item.eligible} phiếu đồng ý)."
    if item.outcome == Outcome.NOT_PASSED:
        return f"Không thông qua {what} ({item.yes_count}/{item.eligible} phiếu đồng ý)."
    return f"Chưa xét {what}: {item.get_outcome_display().lower()}; đề nghị được đưa vào phiên họp sau."


def build_minutes(document: Document) -> StateDocument:
    session: ReviewSession = document.subject
    council = session.council
    items = list(selectors.session_items(session).select_related("nomination__form", "nomination__unit"))
    recusals = list(Recusal.objects.filter(session=session).select_related("member__user").order_by("id"))
    # Present: as the secretary recorded them (even a member whose seat ended since); absent: the voting
    # members of the council who were not recorded. Chair first, then vice-chairs, members, secretary.
    rank = {CouncilMember.Role.CHAIR: 0, CouncilMember.Role.VICE_CHAIR: 1, CouncilMember.Role.MEMBER: 2,
            CouncilMember.Role.SECRETARY: 3}
    attended = [a.member for a in SessionAttendance.objects.filter(session=session).select_related("member__user")]
    present = sorted((m for m in attended if m.is_voting), key=lambda m: (rank.get(m.role, 9), m.pk))
    present_ids = {m.pk for m in present}
    voting = sorted(council.members.filter(active=True, is_voting=True).select_related("user"),
                    key=lambda m: (rank.get(m.role, 9), m.pk))
    # The chair is who chaired this session (recorded with the attendance), else the present chair or
    # vice-chair — never a chair's seat whose holder was absent. The secretary is the council's secretary
    # (present, or the seat: the secretary keeps the minutes without voting), else who ran the session.
    chair = session.chair or _present_seat(attended, (CouncilMember.Role.CHAIR, CouncilMember.Role.VICE_CHAIR))
    secretary = (_present_seat(attended, (CouncilMember.Role.SECRETARY,))
                 or _seat(session, "secretary", (CouncilMember.Role.SECRETARY,)))
    chair_text = _member_line(chair) if chair else "(chưa ghi nhận)"
    secretary_text = _member_line(secretary) if secretary else _person(session.created_by)
    minutes = Minutes(
        opened=f"Vào {_when(session.opened_at, session.held_on)}", location=session.location or council.body.name,
        chair=chair_text, secretary=secretary_text,
        present=tuple(_member_line(m) for m in present),
        absent=tuple(_member_line(m) for m in voting if m.pk not in present_ids),
        members_total=session.members_total or len(voting),
        agenda=f"{council.name} họp xét đề nghị khen thưởng: {session.title}.",
        items=tuple(_minutes_item(i, recusals) for i in items),
        conclusions=tuple(_conclusion(i) for i in items if i.outcome != Outcome.PENDING),
        closed=f"Phiên họp kết thúc vào {_when(session.closed_at, session.held_on)}." if session.closed_at else "",
        chair_signature=SignatureBlock((), "Chủ tọa", _person(chair.user) if chair else ""),
        secretary_signature=SignatureBlock((), "Thư ký", _person(secretary.user) if secretary
                                           else _person(session.created_by)),
    )
    return _base(
        document, kind=Layout.MINUTES, title=f"Họp {council.name} — {session.title}", body_html="",
        minutes=minutes, recipients=_recipients(document, "Thành viên Hội đồng", "Lưu: VT, TĐKT"),
    )


# --- Quyết định khen thưởng -------------------------------------------------------------------------------


def _head_title(decision: Decision, issuer: IssuingBody) -> str:
    power = selectors.deciding_power(decision.body, decision.form)
    return (power.signer_title if power is not None and power.signer_title else "") or issuer.head_title


def _executors(issuer: IssuingBody) -> str:
    """Who carries the decision out, as the decree's execution article names them."""
    unit = issuer.unit
    if issuer.kind == IssuingBody.Kind.PEOPLE_COMMITTEE:
        if unit.level == Level.NATION:
            return "Bộ trưởng Bộ Nội vụ"
        word = naming.TERRITORY_WORDS.get(unit.kind, "").lower()  # "tỉnh", "thành phố", "xã", "phường"
        if unit.level == Level.PROVINCE:
            return " ".join(filter(None, ("Chánh Văn phòng Ủy ban nhân dân", word))) + ", Giám đốc Sở Nội vụ"
        return " ".join(filter(None, ("Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân", word)))
    return f"Chánh Văn phòng {issuer.name}"


def _submissions(awards: list[Award]) -> list[Document]:
    ct = ContentType.objects.get_for_model(Nomination)
    return list(Document.objects.filter(kind=DocumentKind.SUBMISSION, subject_type=ct, status=Document.Status.ISSUED,
                                        subject_id__in=[a.nomination_id for a in awards]).select_related("issuer"))


def _considering(awards: list[Award], decision: Decision) -> tuple[str, ...]:
    submissions = _submissions(awards)
    if len(submissions) == 1 and submissions[0].date and submissions[0].date <= decision.date:
        s = submissions[0]
        return (f"Xét đề nghị của {s.issuer.name} tại Tờ trình số {s.number} ngày {_dmy(s.date)}",)
    council = Council.objects.filter(body=decision.body).first()
    if council is not None:
        return (f"Xét đề nghị của {council.name}",)
    return ("Xét đề nghị của các cơ quan, đơn vị",)


def _award_bases(issuer: IssuingBody, day: datetime.date) -> list[str]:
    """The căn cứ of an award decision from the LegalBasis data: a People's Committee also cites the law
    on local government; an agency's head cites the awards law and its decree only."""
    if issuer.kind == IssuingBody.Kind.PEOPLE_COMMITTEE:
        return legal_bases("award_decision", on=day)
    return legal_bases("awards", on=day)


def build_award_decision(document: Document) -> StateDocument:
    decision: Decision = document.subject
    issuer = document.issuer
    awards = list(decision.awards.select_related("unit", "unit__parent").order_by("id"))
    head = _head_title(decision, issuer)
    day = document.date or decision.date
    occasions = {(a.occasion, a.year) for a in awards}
    occasion = occasion_text(*occasions.pop()) if len(occasions) == 1 else ""
    nouns = _nouns(a.subject_kind for a in awards)
    recipients = [f"{a.recipient_name} ({_subject_place(a.unit, a.recipient_name)})"
                  if a.unit_id and _subject_place(a.unit, a.recipient_name) else a.recipient_name for a in awards]
    annexed = len(awards) > INLINE_RECIPIENTS
    articles = [render_to_string("awards/documents/decision_article_award.html", {
        "form_name": decision.form.name, "annexed": annexed, "count": len(awards), "nouns": nouns,
        "recipients": recipients, "occasion": occasion,
    })]
    # Điều 2 only when the data says what goes with the form (money, benefits); otherwise it is omitted
    # and the execution article follows Điều 1.
    benefit = (getattr(decision.form, "benefit_text", "") or "").strip()
    if benefit:
        articles.append(render_to_string("awards/documents/decision_article_benefit.html", {"text": benefit}))
    articles.append(render_to_string("awards/documents/decision_article_execution.html", {
        "executors": _executors(issuer), "nouns": nouns,
    }))
    annexes: tuple[Annex, ...] = ()
    if annexed:
        annexes = (Annex(
            title=(f"DANH SÁCH {nouns.upper()} ĐƯỢC TẶNG {decision.form.name.upper()}\n(Kèm theo Quyết định số "
                   f"{document.number or decision.number} ngày {_dmy(day)} của {head} {issuer.name})"),
            table=AnnexTable(columns=("TT", "Tập thể, cá nhân", "Đơn vị"),
                             rows=tuple((str(i), a.recipient_name, _subject_place(a.unit, a.recipient_name))
                                        for i, a in enumerate(awards, 1)), widths=(8, 52, 40)),
        ),)
    execution = len(articles)
    return _base(
        document, kind=Layout.DECISION, title=f"Về việc tặng {decision.form.name}", body_html="",
        authority_line=authority_line(issuer, head),
        legal_bases=tuple(_award_bases(issuer, day)),
        considering=_considering(awards, decision), articles=tuple(articles), annexes=annexes,
        recipients=_recipients(document, f"Như Điều {execution}", "Lưu: VT, TĐKT"),
        signature=_signature(document, head_title=head),
    )


# --- Bằng khen / Giấy khen ------------------------------------------------------------------------------


def verify_url(award: Award) -> str:
    return conf.public_base_url() + reverse("award-verify", args=[award.verification_code])


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (see core.documents.renderer.qr_svg)."""
    return _qr_svg(url)


def _decision_number(decision: Decision) -> tuple[str, datetime.date]:
    registered = register.document_for(decision, kind=DocumentKind.AWARD_DECISION)
    if registered is not None and registered.number:
        return registered.number, registered.date or decision.date
    return decision.number, decision.date


def build_certificate(document: Document) -> StateDocument:
    award: Award = document.subject
    decision = award.decision
    issuer = document.issuer
    head = _head_title(decision, issuer)
    number, day = _decision_number(decision)
    form_title = award.form.certificate_title or award.form.name
    register_label = "Số sổ vàng" if form_title.strip().upper() == "BẰNG KHEN" else "Số"
    certificate = Certificate(
        authority_lines=(authority_line(issuer, head),),
        form_title=form_title, recipient=award.recipient_name,
        recipient_detail=_subject_place(award.unit, award.recipient_name),
        achievement=(f"Đã có thành tích xuất sắc trong phong trào thi đua {MOVEMENT} "
                     f"{occasion_text(award.occasion, award.year)}."),
        decision_ref=f"Quyết định số {number} ngày {_dmy(day)}",
        register_number=f"{register_label}: {document.number}" if document.number else "",
        verify_url=verify_url(award), verify_code=award.verification_code,
    )
    # Signed by whoever signed the decision it carries out.
    signed = register.document_for(decision, kind=DocumentKind.AWARD_DECISION)
    if signed is not None and signed.signer_name:
        signature = _signature(signed, head_title=head)
    elif document.signer_name:
        signature = _signature(document, head_title=head)
    else:
        signature = head_signature(head_title=head, signer_title=decision.signer_title,
                                   signer_name=decision.signer_name)
    return StateDocument(
        kind=Layout.CERTIFICATE, issuing_body=issuer.name, number=document.number, place=issuer.place_name,
        date=document.date or day, type_label=form_title.upper(), title=award.form.name, body_html="",
        certificate=certificate, signature=signature,
    )


# --- Registration (awards' AppConfig.ready) --------------------------------------------------------------


def _readers(model, visible):
    def readers(user) -> Q:
        ct = ContentType.objects.get_for_model(model)
        return Q(subject_type=ct, subject_id__in=visible(user).values("pk"))
    return readers


def register_builders() -> None:
    """The register prints the award acts with these builders; readers add who may read each beyond the
    issuer's subtree (the commune that proposed reads the province's decision about its nomination)."""
    nominations = _readers(Nomination, selectors.visible_nominations)
    builders.register_builder(DocumentKind.SUBMISSION, build_submission, readers=nominations)
    builders.register_builder(DocumentKind.ACHIEVEMENT_REPORT, build_achievement_report, readers=nominations)
    builders.register_builder(DocumentKind.MINUTES, build_minutes,
                              readers=_readers(ReviewSession, selectors.visible_sessions))
    builders.register_builder(DocumentKind.AWARD_DECISION, build_award_decision,
                              readers=_readers(Decision, selectors.visible_decisions))
    builders.register_builder(DocumentKind.CERTIFICATE, build_certificate,
                              readers=_readers(Award, selectors.visible_awards))


# --- The per-object files the award pages serve (called by awards.tasks) -----------------------------------


def _issuer_of(kind: str, subject) -> IssuingBody:
    """Who issues an award act when the services have not registered it yet."""
    if kind in (DocumentKind.SUBMISSION, DocumentKind.ACHIEVEMENT_REPORT):
        return register.issuing_body_for(subject.proposer_unit)
    if kind == DocumentKind.MINUTES:
        return register.issuing_body_for(subject.council.body, kind=IssuingBody.Kind.COUNCIL)
    if kind == DocumentKind.AWARD_DECISION:
        return register.issuing_body_for(subject.body)
    return register.issuing_body_for(subject.decision.body)


def state_for(kind: str, subject, *, date: datetime.date | None = None) -> StateDocument:
    """The StateDocument of `subject`'s act: the registered Document when there is one (numbered,
    dated, signed as issued), otherwise an unsaved, unnumbered one of the right issuing body."""
    document = register.document_for(subject, kind=kind)
    if document is None:
        issuer = _issuer_of(kind, subject)
        document = Document(kind=kind, issuer=issuer, year=(date or timezone.localdate()).year, number="",
                            date=date, title="", status=Document.Status.ISSUED)
        if kind == DocumentKind.AWARD_DECISION:
            document.number = subject.number
            document.signer_name, document.signer_title = subject.signer_name, subject.signer_title
        document.subject = subject
    return builders.state_document(document)


def _decision_signed(decision: Decision) -> dict:
    """The signer of a decision as services.decision_issue records it: a deputy signs "KT. <head>"."""
    deputy = (decision.signer_title or "").strip().lower().startswith("phó")
    issuer = register.issuing_body_for(decision.body)
    return {"capacity": "KT." if deputy else "", "principal": issuer.head_title if deputy else "",
            "signer_title": decision.signer_title, "signer_name": decision.signer_name}


@transaction.atomic
def document_record(*, kind: str, subject, by) -> Document:
    """The subject's act in the register; recorded now, as the services would have recorded it, when the
    subject predates the register (its per-object file columns are all it had) or the act is only made on
    request (the báo cáo thành tích). A decision keeps the number it was printed with (external); nothing
    that is already recorded changes. Locks the subject's live document row (document_issue)."""
    existing = register.document_for(subject, kind=kind)
    if existing is not None:
        return existing
    issuer = _issuer_of(kind, subject)
    if kind in (DocumentKind.SUBMISSION, DocumentKind.ACHIEVEMENT_REPORT):
        day = timezone.localtime(subject.created_at).date() if subject.created_at else timezone.localdate()
        title = (f"Về việc đề nghị tặng {subject.form.name}" if kind == DocumentKind.SUBMISSION
                 # the tên loại "BÁO CÁO THÀNH TÍCH" is printed above: the trích yếu does not repeat it
                 else f"Đề nghị tặng {subject.form.name} cho {subject.subject_name}")
        return register.document_issue(kind=kind, issuer=issuer, subject=subject, date=day, title=title, by=by)
    if kind == DocumentKind.MINUTES:
        # A session closed without quorum voted on nothing: it has no minutes to file (issue 12.6).
        voted = AgendaItem.objects.filter(session=subject, outcome__in=[Outcome.PASSED, Outcome.NOT_PASSED])
        if subject.status != ReviewSession.Status.CLOSED or not voted.exists():
            raise DomainError(_("Phiên họp chưa biểu quyết nội dung nào nên không có biên bản."), code="no_minutes")
        return register.document_issue(kind=kind, issuer=issuer, subject=subject, date=subject.held_on,
                                       title=f"Họp xét đề nghị khen thưởng: {subject.title}", by=by)
    if kind == DocumentKind.AWARD_DECISION:
        signed = dict(kind=kind, issuer=issuer, subject=subject, date=subject.date,
                      title=f"Về việc tặng {subject.form.name}", by=by, **_decision_signed(subject))
        if subject.number and not subject.number.startswith("~"):
            return register.document_register_external(number=subject.number, **signed)
        return register.document_issue(**signed)
    decision = subject.decision  # a certificate, numbered in the deciding body's award register
    return register.document_issue(kind=kind, issuer=issuer, subject=subject, date=decision.date,
                                   title=subject.form.name, by=by, **_decision_signed(decision))


def document_is_current(document: Document | None) -> bool:
    """True when the stored PDF is of the act's current content (a returned dossier sent again is a new
    content: its old file is not served). Reads only."""
    if document is None or not document.pdf_ready:
        return False
    try:
        return builders.fingerprint(document) == document.content_hash
    except Exception:  # noqa: BLE001 - a document that cannot be built has no current file; the render says why
        return False


def document_request(*, kind: str, subject, by) -> Document:
    """A page's POST: record the act if it predates the register, then queue its PDF (on commit; a no-op
    when the file of the current content is there; a failed render is retried)."""
    with transaction.atomic():
        document = document_record(kind=kind, subject=subject, by=by)
        register.document_request_render(document=document,
                                         force=document.render_status == Document.RenderStatus.FAILED)
    document.refresh_from_db()
    return document


def _store(instance, field: str, data: bytes, name: str) -> None:
    getattr(instance, field).save(name, ContentFile(data), save=False)
    type(instance).objects.filter(pk=instance.pk).update(**{field: getattr(instance, field).name})


@transaction.atomic
@translation.override("vi")  # state documents are Vietnamese whatever the reader's language
def nomination_render(*, nomination_id: int, part: str) -> None:
    """Render the tờ trình ("cover") or the báo cáo thành tích ("report"); idempotent (kept once rendered)."""
    nomination = Nomination.objects.select_related("form", "body", "proposer_unit", "unit").get(pk=nomination_id)
    field = f"{part}_pdf"
    if getattr(nomination, field):
        return
    kind = DocumentKind.SUBMISSION if part == "cover" else DocumentKind.ACHIEVEMENT_REPORT
    _store(nomination, field, render_pdf(state_for(kind, nomination)).data, f"de-nghi-{nomination.pk}-{part}.pdf")


@transaction.atomic
@translation.override("vi")
def session_render_minutes(*, session_id: int) -> None:
    """The minutes of a closed session in which something was voted on: a session closed without quorum
    votes on nothing, and its nominations' dossiers get no minutes with results (issue 12.6)."""
    session = ReviewSession.objects.select_related("council", "council__body", "created_by").get(pk=session_id)
    if session.minutes_pdf or session.status != ReviewSession.Status.CLOSED:
        return
    if not AgendaItem.objects.filter(session=session, outcome__in=[Outcome.PASSED, Outcome.NOT_PASSED]).exists():
        return
    state = state_for(DocumentKind.MINUTES, session, date=session.held_on)
    _store(session, "minutes_pdf", render_pdf(state).data, f"bien-ban-{session.pk}.pdf")


@transaction.atomic
@translation.override("vi")
def decision_render(*, decision_id: int) -> None:
    decision = Decision.objects.select_related("body", "form").get(pk=decision_id)
    if decision.pdf:
        return
    state = state_for(DocumentKind.AWARD_DECISION, decision, date=decision.date)
    _store(decision, "pdf", render_pdf(state).data, f"quyet-dinh-{decision.pk}.pdf")


@transaction.atomic
@translation.override("vi")
def award_render_certificate(*, award_id: int) -> None:
    award = Award.objects.select_related("decision", "decision__body", "form", "unit").get(pk=award_id)
    if award.certificate_pdf:
        return
    state = state_for(DocumentKind.CERTIFICATE, award, date=award.decision.date)
    _store(award, "certificate_pdf", render_pdf(state).data, f"bang-khen-{award.pk}.pdf")


def render_certificate_pdf(award: Award) -> bytes:
    """The certificate as PDF bytes (kept for callers of the former API)."""
    with translation.override("vi"):
        return render_pdf(state_for(DocumentKind.CERTIFICATE, award, date=award.decision.date)).data
