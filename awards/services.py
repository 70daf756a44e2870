"""Writes of awards: nominations, the council's sessions and votes, routing, decisions.

Every writer (pages, API, admin, commands, tasks, the demo) goes through here; refusals are DomainError
with a Vietnamese message naming the field.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Phase
from core import files
from core.documents import services as register
from core.documents.models import DocumentKind, IssuingBody
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
    DecidingPower,
    Decision,
    Nomination,
    NominationAttachment,
    NominationStatus,
    NominationStep,
    Occasion,
    OpenVote,
    Outcome,
    Recusal,
    Review,
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
    # Routed to the body holding the deciding power for the form (not to the nearest council).
    power = selectors.power_for(proposer_unit, form)
    if power is None:
        raise DomainError(_("Không có cơ quan nào ở cấp trên được cấu hình thẩm quyền quyết định “%(form)s”.")
                          % {"form": form.name}, field="form")
    if power.review == Review.COUNCIL and not Council.objects.filter(body=power.body, active=True).exists():
        raise DomainError(_("“%(body)s” chưa có Hội đồng Thi đua - Khen thưởng để xét “%(form)s”.")
                          % {"body": power.body.name, "form": form.name}, field="form")
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
        proposer_unit=proposer_unit, body=power.body, achievement_summary=summary, created_by=by, **fk,
    )
    try:
        with transaction.atomic():
            nomination.save()
    except IntegrityError as exc:
        raise DomainError(_("Đối tượng đã được đề nghị hoặc khen thưởng cho thành tích này (cùng dịp, cùng năm)."),
                          field="subject", code="duplicate_nomination") from exc
    nomination.recognitions.set(recognitions)
    nomination.reports.set(reports)
    note = ""
    if power.review == Review.APPRAISAL and power.appraiser_name:
        note = _printed_vi("Hồ sơ được chuyển %(appraiser)s thẩm định") % {"appraiser": power.appraiser_name}
    NominationStep.objects.create(nomination=nomination, action=Step.SUBMITTED, body=power.body, by=by, note=note)
    # The tờ trình is the proposing body's act, numbered in its register (…/TTr-UBND) on the day it is sent.
    register.document_issue(
        kind=DocumentKind.SUBMISSION, issuer=register.issuing_body_for(proposer_unit), subject=nomination,
        date=today(), title=_printed_vi("Về việc đề nghị tặng %(form)s") % {"form": form.name}, by=by)
    return nomination


@transaction.atomic
def nomination_appraise(*, nomination: Nomination, by, note: str = "", revision: int | None = None) -> Nomination:
    """Where the law asks no council vote (DecidingPower.review head/appraisal), the deciding body's
    approver records the dossier examined (or, for the Prime Minister's Bằng khen, the appraisal of the
    appraising agency) and the nomination awaits the decision. A council-reviewed form is refused here."""
    locked = _lock_nomination(nomination, revision)
    require_role(by, locked.body, [Role.APPROVER],
                 action=_("Chỉ người có thẩm quyền của “%(body)s” được ghi nhận kết quả thẩm định.")
                 % {"body": locked.body.name})
    power = selectors.deciding_power(locked.body, locked.form)
    if power is None or power.review == Review.COUNCIL:
        raise DomainError(_("“%(form)s” tại “%(body)s” phải được Hội đồng Thi đua - Khen thưởng xét, bỏ phiếu.")
                          % {"form": locked.form.name, "body": locked.body.name}, field="status", code="wrong_state")
    if locked.status != NominationStatus.SUBMITTED:
        raise DomainError(_("Chỉ thẩm định được đề nghị đang chờ xét."), field="status", code="wrong_state")
    locked.status = NominationStatus.PASSED
    _save_nomination(locked, ["status"], by)
    NominationStep.objects.create(nomination=locked, action=Step.APPRAISED, body=locked.body, by=by,
                                  note=nfc(note) or power.appraiser_name)
    return locked


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


@transaction.atomic
def attachment_add(*, nomination: Nomination, by, uploaded_file) -> NominationAttachment:
    """Add an evidence file to the dossier while the proposer may still change it."""
    locked = _lock_nomination(nomination)
    require_role(by, locked.proposer_unit, [Role.OFFICER])
    if locked.status not in (NominationStatus.SUBMITTED, NominationStatus.RETURNED):
        raise DomainError(_("Hồ sơ đang được xét hoặc đã kết thúc: không thể bổ sung tệp."), field="file",
                          code="wrong_state")
    # One content check for every upload (core/files.py): first bytes of the kind the name claims, no HTML or
    # script inside a PDF/image, a sane Office zip; the type stored is the server's, never the browser's.
    kind = files.check_upload(uploaded_file, allowed=conf.attachment_types(), max_bytes=conf.attachment_max_bytes(),
                              label=_("Tệp minh chứng"), field="file")
    attachment = NominationAttachment(nomination=locked, name=files.display_name(uploaded_file.name, limit=255),
                                      size=uploaded_file.size, content_type=kind.content_type, uploaded_by=by)
    attachment.file.save(f"tep.{kind.ext}", uploaded_file, save=False)
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


@transaction.atomic
def deciding_power_set(*, body: Unit, form: AwardForm, authority: str, by, review: str = Review.COUNCIL,
                       appraiser_name: str = "", authority_name: str = "", signer_title: str = "") -> DecidingPower:
    """Configure who decides `form` at `body` and how nominations are examined there. Refused when the form
    does not allow that authority (Giấy khen is never the provincial chairman's: Luật TĐKT 2022, Điều 80)."""
    require_role(by, body, [Role.ADMIN])
    power = DecidingPower.objects.filter(body=body, form=form).first() or DecidingPower(body=body, form=form)
    power.authority, power.review = authority, review
    power.appraiser_name, power.authority_name = nfc(appraiser_name), nfc(authority_name)
    power.signer_title = nfc(signer_title)
    try:
        power.full_clean(validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    power._history_user = by
    power.save()
    return power


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
        power = selectors.deciding_power(council.body, nomination.form)
        if power is not None and power.review != Review.COUNCIL:
            raise DomainError(_("“%(form)s” tại “%(body)s” không qua Hội đồng bỏ phiếu (%(review)s).")
                              % {"form": nomination.form.name, "body": council.body.name,
                                 "review": power.get_review_display().lower()},
                              field="nominations", code="wrong_state")
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
def session_record_attendance(*, session: ReviewSession, members: Iterable[CouncilMember], by,
                              chair: CouncilMember | None = None) -> int:
    """Record who is present and who chairs, before voting opens. The chair (chủ tọa) must be present;
    left out, it is the present chair, else a present vice-chair (the chair's delegate). Locks the session row."""
    session = _lock_session(session)
    _require_secretary(by, session.council)
    if session.status != ReviewSession.Status.PLANNED:
        raise DomainError(_("Chỉ ghi nhận thành viên có mặt trước khi mở bỏ phiếu."), field="attendance",
                          code="wrong_state")
    members = list(members)
    seated = selectors.seated_member_ids(session.council)
    for member in members:
        if member.council_id != session.council_id or member.pk not in seated:
            raise DomainError(_("“%(m)s” không phải thành viên của hội đồng.") % {"m": member.user}, field="attendance")
    # Corrections replace the whole list, and only until voting opens (the status check above).
    if chair is not None and chair.pk not in {m.pk for m in members}:
        raise DomainError(_("Chủ tọa phải là thành viên có mặt tại phiên họp."), field="chair")
    if chair is None:
        ranked = {CouncilMember.Role.CHAIR: 0, CouncilMember.Role.VICE_CHAIR: 1}
        chairs = sorted((m for m in members if m.role in ranked), key=lambda m: (ranked[m.role], m.pk))
        chair = chairs[0] if chairs else None
    SessionAttendance.objects.filter(session=session).delete()
    SessionAttendance.objects.bulk_create([SessionAttendance(session=session, member=m) for m in members])
    session.chair = chair
    session.save(update_fields=["chair"])
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
    if VoterRoll.objects.filter(session=session, nomination=nomination, member=member, voted=True).exists():
        raise DomainError(_("Thành viên đã bỏ phiếu cho đề nghị này: không thể xin không tham gia biểu quyết."),
                          field="member", code="wrong_state")
    reason = nfc(reason)
    if not reason:
        raise DomainError(_("Lý do không tham gia biểu quyết: không được để trống."), field="reason")
    recusal, created = Recusal.objects.get_or_create(session=session, nomination=nomination, member=member,
                                                     defaults={"reason": reason, "recorded_by": by})
    if not created:
        raise DomainError(_("Thành viên đã được ghi nhận không tham gia biểu quyết đề nghị này."), field="member")
    # Declared during voting: the member leaves the item's roll (its spare slot stays empty, dropped at close).
    VoterRoll.objects.filter(session=session, nomination=nomination, member=member, voted=False).delete()
    return recusal


@transaction.atomic
def session_open(*, session: ReviewSession, by) -> ReviewSession:
    """Open voting: freeze the member count, the attendance, per item the rule of its form, and the roll.

    Refused with no one present or below any item's quorum (issue 12.6): a vote that cannot be valid is
    not opened. The roll — one row per present voting member whose seat still stands on its role, minus the
    recused, per item — is written here in one shuffled batch, with as many sealed "empty" slots per secret
    item (docs/adr/0004-secret-ballot.md): nobody added or seated later can vote in this session.
    """
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
        item.threshold_percent = _legal_threshold(item.nomination.form, rule)
        item.threshold_base = rule.threshold_base
        item.threshold_inclusive = rule.threshold_inclusive
    seated = selectors.seated_member_ids(session.council)
    voting = set(CouncilMember.objects.filter(pk__in=seated, is_voting=True).values_list("pk", flat=True))
    present = set(SessionAttendance.objects.filter(session=session, member_id__in=voting)
                  .values_list("member_id", flat=True))
    if not present:
        raise DomainError(_("Chưa ghi nhận thành viên có quyền biểu quyết nào có mặt: không thể mở bỏ phiếu."),
                          field="attendance", code="no_quorum")
    for item in items:
        if not rules.quorum_met(present=len(present), members_total=len(voting), quorum_percent=item.quorum_percent):
            raise DomainError(
                _("Không đủ số thành viên có mặt để biểu quyết “%(form)s”: có mặt %(present)s/%(total)s, cần từ "
                  "%(quorum)s%% trở lên. Bổ sung danh sách có mặt trước khi mở bỏ phiếu.")
                % {"form": item.nomination.form.name, "present": len(present), "total": len(voting),
                   "quorum": format(item.quorum_percent.normalize(), "f")},
                field="attendance", code="no_quorum")
    AgendaItem.objects.bulk_update(items, ["secret", "quorum_percent", "threshold_percent", "threshold_base",
                                           "threshold_inclusive"])
    recused = set(Recusal.objects.filter(session=session).values_list("nomination_id", "member_id"))
    roll: list[VoterRoll] = []
    slots: list[SealedBallot] = []
    for item in items:
        eligible = [m for m in present if (item.nomination_id, m) not in recused]
        roll.extend(VoterRoll(session=session, nomination_id=item.nomination_id, member_id=m) for m in eligible)
        if item.secret:
            slots.extend(_empty_slot(item) for _m in eligible)
    # Random physical order (rowid/ctid) and one transaction id for the whole roll and all slots.
    rng = secrets.SystemRandom()
    rng.shuffle(roll)
    rng.shuffle(slots)
    VoterRoll.objects.bulk_create(roll)
    SealedBallot.objects.bulk_create(slots)
    session.members_total = len(voting)
    session.present_count = len(present)
    session.status = ReviewSession.Status.OPEN
    session.opened_at = timezone.now()
    session.save(update_fields=["members_total", "present_count", "status", "opened_at"])
    return session


def _legal_threshold(form: AwardForm, rule: VotingRule) -> Decimal:
    """The council's own threshold, raised to the form's legal minimum where the law sets one."""
    legal = form.legal_threshold_percent
    return max(rule.threshold_percent, legal) if legal is not None else rule.threshold_percent


# --- Ballots -------------------------------------------------------------------------------------


EMPTY = ""  # the "choice" sealed into an unused slot


def _seal(item_id: int, nonce: str, choice: str, key: bytes | None = None) -> str:
    message = f"{item_id}:{nonce}:{choice}".encode()
    return hmac.new(key or conf.ballot_seal_key(), message, hashlib.sha256).hexdigest()


def _reseal(slot: SealedBallot, choice: str) -> None:
    """Seal `choice` into the slot under the current key with a fresh nonce (fixed-size hex fields)."""
    key = conf.ballot_seal_key()
    slot.key_id = conf.key_id(key)
    slot.nonce = secrets.token_hex(16)
    slot.seal = _seal(slot.item_id, slot.nonce, choice, key)


def _empty_slot(item: AgendaItem) -> SealedBallot:
    slot = SealedBallot(item=item)
    _reseal(slot, EMPTY)
    return slot


def _unseal(sealed: SealedBallot, keyring: dict[str, bytes] | None = None) -> str:
    """The choice (or EMPTY) a slot hides, under the key its key_id names; the candidates are tried with
    compare_digest. An unknown key id, or a seal matching no candidate, stops the count: a retired key must
    stay in AWARDS_BALLOT_OLD_KEYS until every session sealed under it is closed."""
    keyring = keyring if keyring is not None else conf.ballot_keyring()
    key = keyring.get(sealed.key_id)
    if key is None:
        raise DomainError(_("Không có khóa niêm phong phiếu bầu (mã khóa %(kid)s): thêm khóa cũ vào "
                            "AWARDS_BALLOT_OLD_KEYS rồi thực hiện lại.") % {"kid": sealed.key_id},
                          code="missing_key")
    for choice in (EMPTY, *Choice.values):
        if hmac.compare_digest(_seal(sealed.item_id, sealed.nonce, choice, key), sealed.seal):
            return choice
    raise DomainError(_("Phiếu bầu không hợp lệ (đã bị sửa đổi): không thể kết thúc phiên họp."), code="tampered")


def _refuse_off_roll(session: ReviewSession, nomination: Nomination, member: CouncilMember) -> NoReturn:
    """Say why a member has no open line on the item's roll (the roll was fixed when voting opened)."""
    if not SessionAttendance.objects.filter(session=session, member=member).exists():
        raise DomainError(_("Bạn không có tên trong danh sách thành viên có mặt của phiên họp."), field="member")
    if Recusal.objects.filter(session=session, nomination=nomination, member=member).exists():
        raise DomainError(_("Bạn đã xin không tham gia biểu quyết đề nghị này."), field="member")
    raise DomainError(_("Bạn không có tên trong danh sách biểu quyết được chốt khi mở bỏ phiếu."), field="member")


@transaction.atomic
def ballot_cast(*, session: ReviewSession, nomination: Nomination, by, choice: str) -> None:
    """A member on the item's roll (fixed at opening) whose seat still stands on its role votes once.

    Locks the session row (so that no vote lands after the session closed), the agenda item and the
    member's roll row. A secret vote fills one random empty slot and re-seals EVERY slot of the item with
    fresh nonces, so that the slot that changed — and with it the pairing of this roll row to a seal by
    transaction id or physical position — is not visible in the table (docs/adr/0004-secret-ballot.md).
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
    line = VoterRoll.objects.select_for_update().filter(session=session, nomination=nomination, member=member).first()
    if line is None:
        _refuse_off_roll(session, nomination, member)
    if line.voted:
        raise DomainError(_("Bạn đã bỏ phiếu cho đề nghị này."), field="member", code="already_voted")
    line.voted = True
    line.save(update_fields=["voted"])
    if not item.secret:
        OpenVote.objects.create(session=session, nomination=nomination, member=member, choice=choice)
        return
    keyring = conf.ballot_keyring()
    slots = list(SealedBallot.objects.select_for_update().filter(item=item))
    contents = [_unseal(slot, keyring) for slot in slots]
    empty = [i for i, c in enumerate(contents) if c == EMPTY]
    if not empty:
        raise DomainError(_("Không còn ô phiếu trống cho đề nghị này."), field="member", code="no_slot")
    contents[secrets.choice(empty)] = choice
    for slot, content in zip(slots, contents, strict=True):
        _reseal(slot, content)
    secrets.SystemRandom().shuffle(slots)  # the update order (new tuple positions) is random too
    SealedBallot.objects.bulk_update(slots, ["key_id", "nonce", "seal"])


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
    recusals = list(Recusal.objects.filter(session=session).select_related("member"))
    # Present as frozen at opening: the roll's members plus the recused (who were present too).
    frozen = (set(VoterRoll.objects.filter(session=session).values_list("member_id", flat=True))
              | {r.member_id for r in recusals if r.member.is_voting})
    present_ids = set(SessionAttendance.objects.filter(session=session).values_list("member_id", flat=True)) & frozen
    sealed = list(SealedBallot.objects.filter(item__session=session))
    keyring = conf.ballot_keyring()
    ballots: list[Ballot] = []
    choices_by_item: dict[int, list[str]] = {item.pk: [] for item in items}
    for seal in sealed:
        choice = _unseal(seal, keyring)
        if choice != EMPTY:
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
    # Deleted rows stay in the table's pages and the WAL until VACUUM and checkpoints reclaim them
    # (PostgreSQL); ADR 0004 says what that leaves and why it needs the key anyway.
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
    # The minutes (biên bản) are the council's act; a session that voted on nothing (no quorum) has none
    # to file with the dossiers (issue 12.6).
    if any(item.outcome in (Outcome.PASSED, Outcome.NOT_PASSED) for item in items):
        register.document_issue(
            kind=DocumentKind.MINUTES,
            issuer=register.issuing_body_for(session.council.body, kind=IssuingBody.Kind.COUNCIL),
            subject=session, date=session.held_on,
            title=_printed_vi("Họp xét đề nghị khen thưởng: %(title)s") % {"title": session.title}, by=by)
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
    number, signer_name, signer_title = nfc(number).strip(), nfc(signer_name), nfc(signer_title)
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
        # A phase's interim/final award rewards the phase as reviewed: not before its review year.
        if nomination.occasion != Occasion.YEARLY and date.year < nomination.year:
            raise DomainError(
                _("Khen thưởng dịp “%(occasion)s” chỉ được quyết định từ năm %(year)s (năm sơ kết/tổng kết giai đoạn).")
                % {"occasion": Occasion(nomination.occasion).label, "year": nomination.year},
                field="date", code="before_review_year")
    if number and Decision.objects.filter(body=body, number=number).exists():
        raise DomainError(_("Số quyết định “%(number)s” đã được dùng ở cơ quan này.") % {"number": number},
                          field="number")
    # No number given: the register of the deciding body allocates it (…/QĐ-UBND, restarting each year). A
    # number given is that of a decision signed on paper, recorded as an external act of the register.
    decision = Decision(body=body, form=form, number=number or f"~{secrets.token_hex(8)}", date=date,
                        signer_name=signer_name, signer_title=signer_title or power.signer_title,
                        authority_name=power.authority_name or body.name, created_by=by)
    decision._history_user = by
    decision.save()
    issuer = register.issuing_body_for(body)
    head = power.signer_title or issuer.head_title
    signed = dict(
        kind=DocumentKind.AWARD_DECISION, issuer=issuer, subject=decision, date=date,
        title=_printed_vi("Về việc tặng %(form)s") % {"form": form.name},
        # A deputy signs on behalf of the head: "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" (NĐ 30/2020, Phụ lục I).
        capacity="KT." if decision.signer_title.lower().startswith("phó") else "",
        principal=head if decision.signer_title.lower().startswith("phó") else "",
        signer_title=decision.signer_title, signer_name=signer_name, by=by,
    )
    document = (register.document_register_external(number=number, **signed) if number
                else register.document_issue(**signed))
    if decision.number != document.number:
        decision.number = document.number
        Decision.objects.filter(pk=decision.pk).update(number=document.number)
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
                                      note=_printed_vi("Quyết định số %(number)s") % {"number": decision.number})
    # Each Bằng khen/Giấy khen is numbered in the deciding body's award register (sổ khen thưởng).
    for award in decision.awards.select_related("form").order_by("pk"):
        register.document_issue(kind=DocumentKind.CERTIFICATE, issuer=issuer, subject=award, date=date,
                                title=award.form.name, capacity=signed["capacity"], principal=signed["principal"],
                                signer_title=decision.signer_title, signer_name=signer_name, by=by)
    return decision


@transaction.atomic
def award_annul(*, award: Award, by, reason: str, on: datetime.date | None = None) -> Award:
    """Annul (hủy bỏ) one award, keeping it and its reason on record (Luật Thi đua, khen thưởng 2022,
    Chương VII: false declarations, forged dossiers, unlawful review…). Only the deciding body's approver;
    the public verification page then says it was annulled, when and why. Locks the award row."""
    locked = Award.objects.select_for_update(of=("self",)).select_related("decision__body").get(pk=award.pk)
    require_role(by, locked.decision.body, [Role.APPROVER],
                 action=_("Chỉ người có thẩm quyền của “%(body)s” được hủy bỏ khen thưởng.")
                 % {"body": locked.decision.body.name})
    if locked.annulled_on is not None:
        raise DomainError(_("Khen thưởng này đã bị hủy bỏ ngày %(date)s.")
                          % {"date": locked.annulled_on.strftime("%d/%m/%Y")}, field="award", code="wrong_state")
    reason = nfc(reason)
    if not reason:
        raise DomainError(_("Lý do hủy bỏ: không được để trống."), field="reason")
    on = on or today()
    if on < locked.decision.date or on > today():
        raise DomainError(_("Ngày hủy bỏ phải từ ngày quyết định khen thưởng đến hôm nay."), field="on")
    locked.annulled_on, locked.annulment_reason, locked.annulled_by = on, reason, by
    locked._history_user = by
    locked.save(update_fields=["annulled_on", "annulment_reason", "annulled_by"])
    return locked


def can_issue_decisions(user, body: Unit) -> bool:
    return can_act_on(user, body, [Role.APPROVER])
