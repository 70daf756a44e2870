"""Writes of awards: nominations, the council's sessions and votes, routing, decisions.

Every writer (pages, API, admin, commands, tasks, the demo) goes through here; refusals are DomainError
with a Vietnamese message naming the field.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import mimetypes
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Phase
from core.errors import Conflict, DomainError, PermissionDenied
from core.text import nfc
from units.models import Citizen, Clan, Household, Unit
from units.roles import Role
from units.selectors import can_act_on, require_role, today

from . import conf, rules, selectors
from .models import (
    AgendaItem,
    Award,
    AwardForm,
    Ballot,
    Choice,
    Council,
    CouncilMember,
    Decision,
    Nomination,
    NominationAttachment,
    NominationStatus,
    NominationStep,
    Occasion,
    OpenVote,
    Outcome,
    Recusal,
    ReviewSession,
    SealedBallot,
    SessionAttendance,
    SubjectKind,
    ThresholdBase,
    VoterRoll,
    VotingRule,
)

Step = NominationStep.Action
SUMMARY_MAX_CHARS = 20_000


# --- Nominations ---------------------------------------------------------------------------------


def _printed_vi(message: str) -> str:
    """Text stored and later printed on state documents: always Vietnamese, whoever is signed in."""
    with translation.override("vi"):
        return _(message)


def _subject_parts(subject) -> tuple[str, Unit, dict, str]:
    """(kind, the unit that scopes it, the FK fields, its printed name) for any nominable subject."""
    if isinstance(subject, Household):
        printed = _printed_vi("Hộ gia đình ông/bà %(name)s") % {"name": subject.head_name}
        return SubjectKind.HOUSEHOLD, subject.unit, {"household": subject}, printed
    if isinstance(subject, Clan):
        return SubjectKind.CLAN, subject.unit, {"clan": subject}, subject.name
    if isinstance(subject, Citizen):
        return SubjectKind.CITIZEN, subject.unit, {"citizen": subject}, subject.full_name
    if isinstance(subject, Unit):
        return SubjectKind.UNIT, subject, {}, subject.name
    raise DomainError(_("Đối tượng đề nghị không hợp lệ."), field="subject")


def _validate_occasion_year(occasion: str, year: int) -> None:
    if occasion not in Occasion.values:
        raise DomainError(_("Dịp khen thưởng không hợp lệ."), field="occasion")
    if occasion == Occasion.YEARLY:
        if year > today().year:
            raise DomainError(_("Năm %(year)s chưa kết thúc: chưa thể đề nghị khen thưởng hằng năm.") % {"year": year},
                              field="year")
        return
    # The review years are data of the campaign's phases (sơ kết 2025, tổng kết 2030).
    review_years = set(Phase.objects.filter(review=occasion).values_list("review_year", flat=True))
    if review_years and year not in review_years:
        raise DomainError(
            _("Năm không khớp với dịp “%(occasion)s” (năm %(years)s).")
            % {"occasion": Occasion(occasion).label, "years": ", ".join(str(y) for y in sorted(review_years))},
            field="year",
        )


def _achievement_filter(kind: str, unit: Unit, fk: dict, occasion: str, year: int) -> dict:
    key = fk if fk else {"unit": unit}
    return {"subject_kind": kind, "occasion": occasion, "year": year, **key}


def _check_one_achievement(kind: str, unit: Unit, fk: dict, occasion: str, year: int, *, exclude_pk=None) -> None:
    """One achievement, one award: refuse a second live nomination or anything after an award."""
    lookup = _achievement_filter(kind, unit, fk, occasion, year)
    award = Award.objects.filter(**lookup).select_related("decision", "form").first()
    if award is not None:
        raise DomainError(
            _("Thành tích này đã được khen thưởng (%(form)s, Quyết định số %(number)s ngày %(date)s): "
              "một thành tích chỉ được khen thưởng một lần.")
            % {"form": award.form.name, "number": award.decision.number,
               "date": award.decision.date.strftime("%d/%m/%Y")},
            field="subject", code="duplicate_award",
        )
    live = Nomination.objects.filter(**lookup).exclude(status__in=[NominationStatus.NOT_PASSED,
                                                                   NominationStatus.WITHDRAWN])
    if exclude_pk:
        live = live.exclude(pk=exclude_pk)
    existing = live.select_related("form").first()
    if existing is not None:
        raise DomainError(
            _("Đối tượng đã có đề nghị “%(form)s” cho dịp %(occasion)s năm %(year)s (đang ở trạng thái “%(status)s”): "
              "không đề nghị hai lần cho cùng một thành tích.")
            % {"form": existing.form.name, "occasion": Occasion(occasion).label.lower(), "year": year,
               "status": existing.get_status_display()},
            field="subject", code="duplicate_nomination",
        )


def _clean_summary(text: str) -> str:
    text = nfc(text)
    if not text:
        raise DomainError(_("Tóm tắt thành tích: không được để trống."), field="achievement_summary")
    if len(text) > SUMMARY_MAX_CHARS:
        raise DomainError(_("Tóm tắt thành tích: tối đa %(n)s ký tự.") % {"n": SUMMARY_MAX_CHARS},
                          field="achievement_summary")
    return text


@transaction.atomic
def nomination_create(
    *,
    by,
    proposer_unit: Unit,
    form: AwardForm,
    occasion: str,
    year: int,
    subject,
    achievement_summary: str,
    recognitions: Iterable = (),
    reports: Iterable = (),
) -> Nomination:
    """An officer of `proposer_unit` nominates a subject of its subtree; the nomination goes to the
    council of the nearest body at or above the proposer.

    The one-achievement rule is checked here for a clear message and enforced again by the partial
    unique constraints (two officers submitting at once: the second insert fails, same message).
    """
    require_role(by, proposer_unit, [Role.OFFICER],
                 action=_("Chỉ cán bộ đơn vị “%(unit)s” được đề nghị khen thưởng.") % {"unit": proposer_unit.name})
    kind, unit, fk, name = _subject_parts(subject)
    if not unit.path.startswith(proposer_unit.path):
        raise DomainError(_("Đối tượng “%(name)s” không thuộc đơn vị “%(unit)s”.") % {"name": name,
                                                                                       "unit": proposer_unit.name},
                          field="subject")
    if not form.active:
        raise DomainError(_("Hình thức khen thưởng “%(form)s” không còn áp dụng.") % {"form": form.name}, field="form")
    _validate_occasion_year(occasion, year)
    summary = _clean_summary(achievement_summary)
    council = selectors.nearest_council(proposer_unit)
    if council is None:
        raise DomainError(_("Chưa có Hội đồng Thi đua - Khen thưởng ở đơn vị hoặc cấp trên để xét đề nghị."),
                          field="proposer_unit")
    if not selectors.form_decidable_in_chain(proposer_unit, form):
        raise DomainError(_("Không có cơ quan nào ở cấp trên được cấu hình thẩm quyền quyết định “%(form)s”.")
                          % {"form": form.name}, field="form")
    _check_one_achievement(kind, unit, fk, occasion, year)
    recognitions = list(recognitions)
    for rec in recognitions:
        if rec.subject_kind != kind or rec.subject != subject:
            raise DomainError(_("Danh hiệu “%(title)s” không phải của đối tượng được đề nghị.") % {"title": rec},
                              field="recognitions")
    reports = list(reports)
    for report in reports:
        if not report.unit.path.startswith(proposer_unit.path):
            raise DomainError(_("Báo cáo của “%(unit)s” không thuộc đơn vị đề nghị.") % {"unit": report.unit},
                              field="reports")
    nomination = Nomination(
        form=form, occasion=occasion, year=year, subject_kind=kind, unit=unit, subject_name=nfc(name)[:255],
        proposer_unit=proposer_unit, body=council.body, achievement_summary=summary, created_by=by, **fk,
    )
    try:
        with transaction.atomic():
            nomination.save()
    except IntegrityError as exc:
        raise DomainError(_("Đối tượng đã được đề nghị hoặc khen thưởng cho thành tích này (cùng dịp, cùng năm)."),
                          field="subject", code="duplicate_nomination") from exc
    nomination.recognitions.set(recognitions)
    nomination.reports.set(reports)
    NominationStep.objects.create(nomination=nomination, action=Step.SUBMITTED, body=council.body, by=by)
    return nomination


def _lock_nomination(nomination: Nomination, revision: int | None = None) -> Nomination:
    locked = Nomination.objects.select_for_update(of=("self",)).select_related("body", "proposer_unit", "form").get(
        pk=nomination.pk)
    if revision is not None and revision != locked.revision:
        raise Conflict(_("Đề nghị đã được người khác thay đổi. Vui lòng tải lại trang."))
    return locked


def _save_nomination(nomination: Nomination, fields: list[str], by) -> None:
    nomination.revision += 1
    nomination._history_user = by
    nomination.save(update_fields=[*fields, "revision"])


@transaction.atomic
def nomination_return(*, nomination: Nomination, by, reason: str, revision: int | None = None) -> Nomination:
    """The body holding a nomination sends it back to the proposer with reasons (its secretary before
    the vote, or its approver instead of deciding). Locks the nomination row."""
    locked = _lock_nomination(nomination, revision)
    require_role(by, locked.body, [Role.COUNCIL_SECRETARY, Role.APPROVER],
                 action=_("Chỉ thư ký hội đồng hoặc người có thẩm quyền của “%(body)s” được trả lại đề nghị.")
                 % {"body": locked.body.name})
    if locked.status not in (NominationStatus.SUBMITTED, NominationStatus.PASSED):
        raise DomainError(_("Không thể trả lại đề nghị đang ở trạng thái “%(status)s”.")
                          % {"status": locked.get_status_display()}, field="status", code="wrong_state")
    reason = nfc(reason)
    if not reason:
        raise DomainError(_("Lý do trả lại: không được để trống."), field="reason")
    locked.status = NominationStatus.RETURNED
    locked.return_reason = reason
    _save_nomination(locked, ["status", "return_reason"], by)
    NominationStep.objects.create(nomination=locked, action=Step.RETURNED, body=locked.body, by=by, note=reason)
    return locked


@transaction.atomic
def nomination_resubmit(*, nomination: Nomination, by, achievement_summary: str,
                        revision: int | None = None) -> Nomination:
    """The proposer completes a returned nomination and sends it again, to the body that returned it."""
    locked = _lock_nomination(nomination, revision)
    require_role(by, locked.proposer_unit, [Role.OFFICER])
    if locked.status != NominationStatus.RETURNED:
        raise DomainError(_("Chỉ gửi lại được đề nghị đã bị trả lại."), field="status", code="wrong_state")
    locked.achievement_summary = _clean_summary(achievement_summary)
    locked.status = NominationStatus.SUBMITTED
    # The dossier changed: its PDFs are rendered again on the next download.
    locked.cover_pdf = ""
    locked.report_pdf = ""
    _save_nomination(locked, ["achievement_summary", "status", "cover_pdf", "report_pdf"], by)
    NominationStep.objects.create(nomination=locked, action=Step.RESUBMITTED, body=locked.body, by=by)
    return locked


# File signatures: the extension must agree with the first bytes (a renamed executable is refused).
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


@transaction.atomic
def attachment_add(*, nomination: Nomination, by, uploaded_file) -> NominationAttachment:
    """Add an evidence file to the dossier while the proposer may still change it."""
    locked = _lock_nomination(nomination)
    require_role(by, locked.proposer_unit, [Role.OFFICER])
    if locked.status not in (NominationStatus.SUBMITTED, NominationStatus.RETURNED):
        raise DomainError(_("Hồ sơ đang được xét hoặc đã kết thúc: không thể bổ sung tệp."), field="file",
                          code="wrong_state")
    name = Path(uploaded_file.name or "").name[:255]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ext = "jpg" if ext == "jpeg" else ext
    allowed = conf.attachment_types()
    if ext not in allowed:
        raise DomainError(_("Tệp “%(name)s”: chỉ nhận các định dạng %(types)s.") % {"name": name,
                                                                                    "types": ", ".join(allowed)},
                          field="file")
    limit = conf.attachment_max_bytes()
    if uploaded_file.size > limit:
        raise DomainError(_("Tệp “%(name)s” quá lớn: tối đa %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)},
                          field="file")
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    if not any(head.startswith(sig) for sig in _MAGIC.get(ext, ())):
        raise DomainError(_("Tệp “%(name)s”: nội dung không đúng định dạng %(ext)s.") % {"name": name, "ext": ext},
                          field="file")
    attachment = NominationAttachment(nomination=locked, name=name, size=uploaded_file.size,
                                      content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
                                      uploaded_by=by)
    attachment.file.save(f"{secrets.token_hex(8)}.{ext}", uploaded_file, save=False)
    attachment.save()
    return attachment


# --- The council ---------------------------------------------------------------------------------


@transaction.atomic
def council_create(*, body: Unit, name: str, by) -> Council:
    require_role(by, body, [Role.ADMIN])
    council, _created = Council.objects.get_or_create(body=body, defaults={"name": nfc(name)})
    return council


@transaction.atomic
def council_member_add(*, council: Council, user, role: str, by, is_voting: bool | None = None) -> CouncilMember:
    """Seat a user on the council. A secretary needs the council-secretary role over the body, every
    other member the council-member role: the explicit list agrees with the role memberships."""
    require_role(by, council.body, [Role.ADMIN])
    if role not in CouncilMember.Role.values:
        raise DomainError(_("Chức danh trong hội đồng không hợp lệ."), field="role")
    needed = Role.COUNCIL_SECRETARY if role == CouncilMember.Role.SECRETARY else Role.COUNCIL_MEMBER
    if not selectors.holds_role(user, council.body, needed):
        raise DomainError(_("“%(user)s” chưa được phân quyền “%(role)s” tại “%(body)s”.")
                          % {"user": user, "role": Role(needed).label, "body": council.body.name}, field="user")
    if is_voting is None:
        is_voting = role != CouncilMember.Role.SECRETARY
    member, _created = CouncilMember.objects.update_or_create(
        council=council, user=user, defaults={"role": role, "is_voting": is_voting, "active": True})
    return member


@transaction.atomic
def voting_rule_set(*, council: Council, form: AwardForm | None, quorum_percent: Decimal, threshold_percent: Decimal,
                    threshold_base: str, threshold_inclusive: bool, secret_ballot: bool, by) -> VotingRule:
    require_role(by, council.body, [Role.ADMIN])
    rule = VotingRule.objects.filter(council=council, form=form).first() or VotingRule(council=council, form=form)
    rule.quorum_percent = Decimal(quorum_percent)
    rule.threshold_percent = Decimal(threshold_percent)
    rule.threshold_base = threshold_base
    rule.threshold_inclusive = threshold_inclusive
    rule.secret_ballot = secret_ballot
    try:
        rule.full_clean(validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    rule._history_user = by
    rule.save()
    return rule


def rule_for(council: Council, form: AwardForm) -> VotingRule | None:
    rules_by_form = {r.form_id: r for r in VotingRule.objects.filter(council=council)}
    return rules_by_form.get(form.pk) or rules_by_form.get(None)


def _require_secretary(by, council: Council) -> None:
    require_role(by, council.body, [Role.COUNCIL_SECRETARY],
                 action=_("Chỉ thư ký Hội đồng “%(council)s” được thực hiện thao tác này.") % {"council": council.name})


def _lock_session(session: ReviewSession) -> ReviewSession:
    return (
        ReviewSession.objects.select_for_update(of=("self",))
        .select_related("council", "council__body")
        .get(pk=session.pk)
    )


@transaction.atomic
def session_create(*, council: Council, title: str, held_on: datetime.date, nominations: Sequence[Nomination],
                   by, location: str = "") -> ReviewSession:
    """The secretary schedules a session with an agenda of nominations waiting at the council's body.

    Locks the nominations (in id order, so two secretaries cannot deadlock) so that none lands on two agendas.
    """
    _require_secretary(by, council)
    title = nfc(title)
    if not title:
        raise DomainError(_("Tên phiên họp: không được để trống."), field="title")
    if not nominations:
        raise DomainError(_("Chương trình phiên họp: chọn ít nhất một đề nghị."), field="nominations")
    locked = list(Nomination.objects.select_for_update().filter(pk__in=[n.pk for n in nominations]).order_by("pk"))
    for nomination in locked:
        if nomination.body_id != council.body_id or nomination.status != NominationStatus.SUBMITTED:
            raise DomainError(_("Đề nghị “%(n)s” không chờ Hội đồng này xét.") % {"n": nomination}, field="nominations",
                              code="wrong_state")
    session = ReviewSession.objects.create(council=council, title=title, held_on=held_on, location=nfc(location),
                                           created_by=by)
    for order, nomination in enumerate(locked, start=1):
        AgendaItem.objects.create(session=session, nomination=nomination, order=order)
        nomination.status = NominationStatus.IN_REVIEW
        _save_nomination(nomination, ["status"], by)
        NominationStep.objects.create(nomination=nomination, action=Step.SCHEDULED, body=council.body, by=by,
                                      note=str(session))
    return session


@transaction.atomic
def session_record_attendance(*, session: ReviewSession, members: Iterable[CouncilMember], by) -> int:
    """Record who is present, before voting opens. Locks the session row."""
    session = _lock_session(session)
    _require_secretary(by, session.council)
    if session.status != ReviewSession.Status.PLANNED:
        raise DomainError(_("Chỉ ghi nhận thành viên có mặt trước khi mở bỏ phiếu."), field="attendance",
                          code="wrong_state")
    members = list(members)
    for member in members:
        if member.council_id != session.council_id or not member.active:
            raise DomainError(_("“%(m)s” không phải thành viên của hội đồng.") % {"m": member.user}, field="attendance")
    SessionAttendance.objects.filter(session=session).delete()
    SessionAttendance.objects.bulk_create([SessionAttendance(session=session, member=m) for m in members])
    return len(members)


@transaction.atomic
def recusal_record(*, session: ReviewSession, nomination: Nomination, member: CouncilMember, reason: str,
                   by) -> Recusal:
    """A member declares a conflict of interest on one nomination (themself, or through the secretary).

    Locks the agenda item, as a vote does, so a recusal and the member's vote cannot cross.
    """
    session = _lock_session(session)
    if member.council_id != session.council_id or not member.active:
        raise DomainError(_("“%(m)s” không phải thành viên của hội đồng.") % {"m": member.user}, field="member")
    if member.user_id != by.pk:
        _require_secretary(by, session.council)
    if session.status == ReviewSession.Status.CLOSED:
        raise DomainError(_("Phiên họp đã kết thúc."), field="session", code="wrong_state")
    item = AgendaItem.objects.select_for_update().filter(session=session, nomination=nomination).first()
    if item is None:
        raise DomainError(_("Đề nghị không có trong chương trình phiên họp."), field="nomination")
    if VoterRoll.objects.filter(session=session, nomination=nomination, member=member).exists():
        raise DomainError(_("Thành viên đã bỏ phiếu cho đề nghị này: không thể xin không tham gia biểu quyết."),
                          field="member", code="wrong_state")
    reason = nfc(reason)
    if not reason:
        raise DomainError(_("Lý do không tham gia biểu quyết: không được để trống."), field="reason")
    recusal, created = Recusal.objects.get_or_create(session=session, nomination=nomination, member=member,
                                                     defaults={"reason": reason, "recorded_by": by})
    if not created:
        raise DomainError(_("Thành viên đã được ghi nhận không tham gia biểu quyết đề nghị này."), field="member")
    return recusal


@transaction.atomic
def session_open(*, session: ReviewSession, by) -> ReviewSession:
    """Open voting: freeze the member count, the attendance and, per item, the rule of its form."""
    session = _lock_session(session)
    _require_secretary(by, session.council)
    if session.status != ReviewSession.Status.PLANNED:
        raise DomainError(_("Phiên họp không ở trạng thái chờ mở bỏ phiếu."), field="status", code="wrong_state")
    items = list(session.items.select_related("nomination__form"))
    if not items:
        raise DomainError(_("Phiên họp chưa có nội dung."), field="nominations")
    for item in items:
        rule = rule_for(session.council, item.nomination.form)
        if rule is None:
            raise DomainError(_("Hội đồng chưa có quy định biểu quyết cho hình thức “%(form)s”.")
                              % {"form": item.nomination.form.name}, field="rules")
        item.secret = rule.secret_ballot
        item.quorum_percent = rule.quorum_percent
        item.threshold_percent = rule.threshold_percent
        item.threshold_base = rule.threshold_base
        item.threshold_inclusive = rule.threshold_inclusive
    AgendaItem.objects.bulk_update(items, ["secret", "quorum_percent", "threshold_percent", "threshold_base",
                                           "threshold_inclusive"])
    voting = CouncilMember.objects.filter(council=session.council, active=True, is_voting=True)
    session.members_total = voting.count()
    session.present_count = SessionAttendance.objects.filter(session=session, member__in=voting).count()
    session.status = ReviewSession.Status.OPEN
    session.opened_at = timezone.now()
    session.save(update_fields=["members_total", "present_count", "status", "opened_at"])
    return session


# --- Ballots -------------------------------------------------------------------------------------


def _seal(item_id: int, nonce: str, choice: str) -> str:
    message = f"{item_id}:{nonce}:{choice}".encode()
    return hmac.new(conf.ballot_seal_key(), message, hashlib.sha256).hexdigest()


def _unseal(sealed: SealedBallot) -> str:
    """The choice a seal hides: the key is a PRF, so the three candidates are tried in constant time."""
    for choice in Choice.values:
        if hmac.compare_digest(_seal(sealed.item_id, sealed.nonce, choice), sealed.seal):
            return choice
    raise DomainError(_("Phiếu bầu không hợp lệ (đã bị sửa đổi): không thể kết thúc phiên họp."), code="tampered")


@transaction.atomic
def ballot_cast(*, session: ReviewSession, nomination: Nomination, by, choice: str) -> None:
    """A present, non-recused voting member votes once on one agenda item.

    Locks the session row (so that no vote lands after the session closed) and the agenda item; the
    voter roll's unique constraint is the last guard. A secret vote writes the roll and an opaque seal,
    never a readable choice.
    """
    session = _lock_session(session)
    if session.status != ReviewSession.Status.OPEN:
        raise DomainError(_("Phiên họp không trong thời gian bỏ phiếu."), field="session", code="wrong_state")
    member = selectors.council_seat(session.council, by)
    if member is None or not member.is_voting:
        raise PermissionDenied(_("Bạn không phải thành viên có quyền biểu quyết của hội đồng này."),
                               code="permission_denied")
    if choice not in Choice.values:
        raise DomainError(_("Phiếu bầu: lựa chọn không hợp lệ."), field="choice")
    item = AgendaItem.objects.select_for_update().filter(session=session, nomination=nomination).first()
    if item is None:
        raise DomainError(_("Đề nghị không có trong chương trình phiên họp."), field="nomination")
    if not SessionAttendance.objects.filter(session=session, member=member).exists():
        raise DomainError(_("Bạn không có tên trong danh sách thành viên có mặt của phiên họp."), field="member")
    if Recusal.objects.filter(session=session, nomination=nomination, member=member).exists():
        raise DomainError(_("Bạn đã xin không tham gia biểu quyết đề nghị này."), field="member")
    if VoterRoll.objects.filter(session=session, nomination=nomination, member=member).exists():
        raise DomainError(_("Bạn đã bỏ phiếu cho đề nghị này."), field="member", code="already_voted")
    try:
        with transaction.atomic():
            VoterRoll.objects.create(session=session, nomination=nomination, member=member)
    except IntegrityError as exc:
        raise DomainError(_("Bạn đã bỏ phiếu cho đề nghị này."), field="member", code="already_voted") from exc
    if item.secret:
        nonce = secrets.token_hex(16)
        SealedBallot.objects.create(item=item, nonce=nonce, seal=_seal(item.pk, nonce, choice))
    else:
        OpenVote.objects.create(session=session, nomination=nomination, member=member, choice=choice)


def _tally_item(item: AgendaItem, choices: list[str], recusals: list[Recusal], present_ids: set[int],
                session: ReviewSession) -> rules.Result:
    item.yes_count = choices.count(Choice.YES)
    item.no_count = choices.count(Choice.NO)
    item.abstain_count = choices.count(Choice.ABSTAIN)
    item.votes_cast = len(choices)
    recused_ids = {r.member_id for r in recusals if r.nomination_id == item.nomination_id}
    tally = rules.Tally(
        members_total=session.members_total, present=session.present_count,
        recused_members=len(recused_ids), recused_present=len(recused_ids & present_ids),
        yes=item.yes_count, no=item.no_count, abstain=item.abstain_count,
    )
    result = rules.decide(tally, quorum_percent=item.quorum_percent, threshold_percent=item.threshold_percent,
                          threshold_base=item.threshold_base or ThresholdBase.MEMBERS,
                          inclusive=item.threshold_inclusive)
    item.outcome, item.eligible, item.recused = result.outcome, result.eligible, result.recused
    return result


@transaction.atomic
def session_close(*, session: ReviewSession, by) -> ReviewSession:
    """Close voting: unseal the secret ballots into Ballot rows (one batch, shuffled), count, decide each
    item, and route each nomination. Locks the session row, then every agenda item.
    """
    session = _lock_session(session)
    _require_secretary(by, session.council)
    if session.status != ReviewSession.Status.OPEN:
        raise DomainError(_("Phiên họp không trong thời gian bỏ phiếu."), field="status", code="wrong_state")
    items = list(AgendaItem.objects.select_for_update().filter(session=session)
                 .select_related("nomination", "nomination__form", "nomination__body").order_by("order", "id"))
    recusals = list(Recusal.objects.filter(session=session))
    voting_ids = set(CouncilMember.objects.filter(council=session.council, active=True, is_voting=True)
                     .values_list("pk", flat=True))
    attended = SessionAttendance.objects.filter(session=session).values_list("member_id", flat=True)
    present_ids = set(attended) & voting_ids
    sealed = list(SealedBallot.objects.filter(item__session=session))
    ballots: list[Ballot] = []
    choices_by_item: dict[int, list[str]] = {item.pk: [] for item in items}
    for seal in sealed:
        choice = _unseal(seal)
        choices_by_item[seal.item_id].append(choice)
    by_item = {item.pk: item for item in items}
    for item_id, choices in choices_by_item.items():
        nomination_id = by_item[item_id].nomination_id
        ballots.extend(Ballot(session=session, nomination_id=nomination_id, choice=c) for c in choices)
    for vote in OpenVote.objects.filter(session=session):
        for item in items:
            if item.nomination_id == vote.nomination_id:
                choices_by_item[item.pk].append(vote.choice)
    # One batch, in a random order from the OS's CSPRNG: neither the insert order (rowid, ctid) nor the
    # transaction id (xmin, one for all) says which ballot came first.
    secrets.SystemRandom().shuffle(ballots)
    Ballot.objects.bulk_create(ballots)
    SealedBallot.objects.filter(item__session=session).delete()
    for item in items:
        _tally_item(item, choices_by_item[item.pk], recusals, present_ids, session)
    AgendaItem.objects.bulk_update(items, ["yes_count", "no_count", "abstain_count", "votes_cast", "outcome",
                                           "eligible", "recused"])
    session.status = ReviewSession.Status.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    for item in items:
        _route_after_vote(item, by)
    return session


def _route_after_vote(item: AgendaItem, by) -> None:
    """Passed and within the body's power: await the head's decision. Passed and beyond it: up to the
    council of the nearest body above, with the vote result. Not passed: closed. No quorum: back in the queue."""
    nomination = (
        Nomination.objects.select_for_update(of=("self",)).select_related("body", "form").get(pk=item.nomination_id)
    )
    body = nomination.body
    result = item.result_summary()
    if item.outcome == Outcome.NO_QUORUM:
        nomination.status = NominationStatus.SUBMITTED
        action = Step.NO_QUORUM
    elif item.outcome == Outcome.NOT_PASSED:
        nomination.status = NominationStatus.NOT_PASSED
        action = Step.NOT_PASSED
    else:
        nomination.status = NominationStatus.PASSED
        action = Step.PASSED
    _save_nomination(nomination, ["status"], by)
    NominationStep.objects.create(nomination=nomination, action=action, body=body, by=by, vote_result=result)
    if item.outcome == Outcome.PASSED and selectors.deciding_power(body, nomination.form) is None:
        _forward(nomination, by=by, vote_result=result)


def _forward(nomination: Nomination, *, by, vote_result: dict) -> bool:
    """Send a passed nomination beyond its body's power to the council above; False if there is none."""
    upper = selectors.nearest_council(nomination.body, include_self=False)
    if upper is None:
        return False
    from_body = nomination.body
    nomination.body = upper.body
    nomination.status = NominationStatus.SUBMITTED
    # A new cover request (tờ trình) from this body goes up with the dossier.
    nomination.cover_pdf = ""
    _save_nomination(nomination, ["body", "status", "cover_pdf"], by)
    NominationStep.objects.create(nomination=nomination, action=Step.FORWARDED, body=from_body, to_body=upper.body,
                                  by=by, vote_result=vote_result)
    return True


@transaction.atomic
def nomination_forward(*, nomination: Nomination, by) -> Nomination:
    """Forward by hand a passed nomination that could not go up at close (no council above then)."""
    locked = _lock_nomination(nomination)
    council = Council.objects.filter(body=locked.body).first()
    if council is None:
        raise DomainError(_("Cấp này không có Hội đồng Thi đua - Khen thưởng."), field="body")
    _require_secretary(by, council)
    if locked.status != NominationStatus.PASSED or selectors.deciding_power(locked.body, locked.form) is not None:
        raise DomainError(_("Chỉ trình cấp trên đề nghị đã được thông qua và vượt thẩm quyền của cấp này."),
                          field="status", code="wrong_state")
    last = locked.steps.filter(action=Step.PASSED).order_by("-at", "-id").first()
    if not _forward(locked, by=by, vote_result=last.vote_result if last else {}):
        raise DomainError(_("Không có Hội đồng Thi đua - Khen thưởng ở cấp trên để trình."), field="body")
    return locked


# --- Decisions and certificates ------------------------------------------------------------------


# Letters and digits only, without look-alikes (0/O, 1/l/I): people read the code off paper and type it,
# and punctuation such as "-" breaks where a PDF line wraps.
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_verification_code() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(24))  # ~139 random bits


@transaction.atomic
def decision_issue(*, body: Unit, nominations: Sequence[Nomination], number: str, date: datetime.date,
                   signer_name: str, signer_title: str, by) -> Decision:
    """The head of `body` grants the passed nominations one form by a decision (number, date, signer).

    Locks the nominations in id order; the award table's constraints are the last guard of the
    one-achievement rule.
    """
    require_role(by, body, [Role.APPROVER],
                 action=_("Chỉ người có thẩm quyền của “%(body)s” được ban hành quyết định khen thưởng.")
                 % {"body": body.name})
    number, signer_name, signer_title = nfc(number), nfc(signer_name), nfc(signer_title)
    if not number:
        raise DomainError(_("Số quyết định: không được để trống."), field="number")
    if not signer_name:
        raise DomainError(_("Người ký: không được để trống."), field="signer_name")
    if date > today():
        raise DomainError(_("Ngày quyết định không được sau ngày hôm nay."), field="date")
    if not nominations:
        raise DomainError(_("Chọn ít nhất một đề nghị đã được hội đồng thông qua."), field="nominations")
    locked = list(Nomination.objects.select_for_update().filter(pk__in=[n.pk for n in nominations])
                  .select_related("form").order_by("pk"))
    forms = {n.form_id for n in locked}
    if len(forms) != 1:
        raise DomainError(_("Một quyết định chỉ khen một hình thức."), field="nominations")
    form = locked[0].form
    power = selectors.deciding_power(body, form)
    if power is None:
        raise DomainError(_("“%(body)s” không có thẩm quyền quyết định “%(form)s”.")
                          % {"body": body.name, "form": form.name}, field="form")
    for nomination in locked:
        if nomination.body_id != body.pk or nomination.status != NominationStatus.PASSED:
            raise DomainError(_("Đề nghị “%(n)s” chưa được Hội đồng cấp này thông qua.") % {"n": nomination},
                              field="nominations", code="wrong_state")
    if Decision.objects.filter(body=body, number=number).exists():
        raise DomainError(_("Số quyết định “%(number)s” đã được dùng ở cơ quan này.") % {"number": number},
                          field="number")
    decision = Decision(body=body, form=form, number=number, date=date, signer_name=signer_name,
                        signer_title=signer_title or power.signer_title,
                        authority_name=power.authority_name or body.name, created_by=by)
    decision._history_user = by
    decision.save()
    for nomination in locked:
        fk = {k: getattr(nomination, k) for k in ("household", "clan", "citizen") if getattr(nomination, f"{k}_id")}
        _check_one_achievement(nomination.subject_kind, nomination.unit, fk, nomination.occasion, nomination.year,
                               exclude_pk=nomination.pk)
        try:
            with transaction.atomic():
                Award.objects.create(
                    decision=decision, nomination=nomination, form=form, occasion=nomination.occasion,
                    year=nomination.year, subject_kind=nomination.subject_kind, unit=nomination.unit,
                    household=nomination.household, clan=nomination.clan, citizen=nomination.citizen,
                    recipient_name=nomination.subject_name, verification_code=new_verification_code(),
                )
        except IntegrityError as exc:
            raise DomainError(_("Thành tích của “%(name)s” đã được khen thưởng: một thành tích chỉ được khen "
                                "thưởng một lần.") % {"name": nomination.subject_name},
                              field="nominations", code="duplicate_award") from exc
        nomination.status = NominationStatus.AWARDED
        _save_nomination(nomination, ["status"], by)
        NominationStep.objects.create(nomination=nomination, action=Step.AWARDED, body=body, by=by,
                                      note=_printed_vi("Quyết định số %(number)s") % {"number": number})
    return decision


def can_issue_decisions(user, body: Unit) -> bool:
    return can_act_on(user, body, [Role.APPROVER])
