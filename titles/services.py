"""Writes of titles: criteria versions, self-assessments, approval, recognitions, lists and imports.

Every writer (pages, API, admin, tasks, the demo) goes through here. Each service names the row lock it
takes; refusals are DomainError (PermissionDenied 403, Conflict 409) with Vietnamese messages.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import files
from core.errors import Conflict, DomainError
from units.models import Level, Unit
from units.roles import Role
from units.selectors import require_role

from . import selectors
from .models import (
    CriteriaSet,
    Criterion,
    CriterionResult,
    Decision,
    Evaluation,
    EvaluationList,
    Evidence,
    ImportJob,
    ListEntry,
    Recognition,
    SubjectKind,
    TitleType,
)

# Evidence: what an officer may attach. The content check (first bytes, no HTML inside, sane Office zips) is the
# one every upload goes through (core/files.py): never trust the name.
EVIDENCE_TYPES = ("pdf", "jpg", "png", "docx", "xlsx")


# --- helpers -------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def recognition_period(title_type: TitleType, valid_from: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A recognition lasts `validity_months` from its first day (36 months: 01/01/2025–31/12/2027)."""
    return valid_from, add_months(valid_from, title_type.validity_months) - datetime.timedelta(days=1)


def _check_criteria_version(criteria_set: CriteriaSet, criteria_set_version: int | None) -> None:
    if criteria_set_version is not None and int(criteria_set_version) != criteria_set.version:
        raise Conflict(
            _("Phiên bản bộ tiêu chí không khớp: hồ sơ dùng phiên bản %(used)s, yêu cầu gửi theo phiên bản "
              "%(sent)s (version mismatch).") % {"used": criteria_set.version, "sent": criteria_set_version},
            code="version_mismatch",
        )


def _check_revision(evaluation: Evaluation, revision: int | None) -> None:
    if revision is not None and int(revision) != evaluation.revision:
        raise Conflict(_("Hồ sơ đã được người khác sửa đổi. Vui lòng tải lại trang."), code="stale")


def _locked_evaluation(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("title_type", "criteria_set", "unit")
        .get(pk=evaluation.pk)
    )


def _require_text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Cần nhập %(label)s.") % {"label": label}, field=field)
    return value


def _full_clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc


def level_met(criteria_set: CriteriaSet, results: dict[int, CriterionResult], level: int) -> bool:
    """Every applicable pass/fail criterion passed and the applicable points reach the threshold."""
    threshold = next((t for t in criteria_set.thresholds.all() if t.level == level), None)
    if threshold is None:
        return False
    points = Decimal(0)
    for criterion in criteria_set.criteria.all():
        if not criterion.applies_to(level):
            continue
        result = results.get(criterion.pk)
        if criterion.kind == Criterion.Kind.PASS_FAIL:
            if result is None or result.passed is not True:
                return False
        elif result is None or result.points is None:
            return False
        else:
            points += result.points
    return points >= threshold.min_points


def _dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def check_level_rules(*, title_type: TitleType, unit: Unit, level: int, on: datetime.date) -> None:
    """The title's rules on levels and validity, as data on the title type (TT 25/2023 for communities):

    - a multi-year recognition (`reevaluate_while_valid` off) is not evaluated again while it is in force at
      the same or a higher level: only a higher level may be sought;
    - a level above 1 (`higher_level_after_months` set) needs the level below, unrevoked and in force on
      `on`, held for at least that many months.
    Raises DomainError (field "level_sought") with the date from which the subject qualifies, where known.
    """
    live = Recognition.objects.filter(title_type=title_type, subject_kind=SubjectKind.UNIT, unit=unit,
                                      revoked_at__isnull=True, valid_from__lte=on, valid_to__gte=on)
    if not title_type.reevaluate_while_valid:
        held = live.filter(level__gte=level).select_related("decision").order_by("-level", "-valid_to").first()
        if held is not None:
            raise DomainError(
                _("“%(unit)s” đang được công nhận “%(title)s” mức độ %(held)s đến hết ngày %(until)s (Quyết định "
                  "số %(number)s): chưa được đánh giá lại trong thời hạn công nhận, chỉ được đề nghị mức độ cao "
                  "hơn.") % {"unit": unit.name, "title": title_type.name, "held": held.level,
                             "until": _dmy(held.valid_to), "number": held.decision.number},
                field="level_sought", code="still_valid",
            )
    months = title_type.higher_level_after_months
    if level > 1 and months is not None:
        lower = live.filter(level=level - 1).order_by("valid_from").first()
        if lower is None:
            raise DomainError(
                _("Mức độ %(level)s chỉ được xét khi “%(unit)s” đang được công nhận “%(title)s” mức độ %(lower)s "
                  "(còn hiệu lực) từ ít nhất %(months)s tháng.")
                % {"level": level, "unit": unit.name, "title": title_type.name, "lower": level - 1,
                   "months": months},
                field="level_sought", code="level_wait",
            )
        ready = add_months(lower.valid_from, months)
        if ready > on:
            raise DomainError(
                _("Mức độ %(level)s chỉ được xét sau ít nhất %(months)s tháng đạt mức độ %(lower)s: “%(unit)s” được "
                  "công nhận mức độ %(lower)s từ ngày %(since)s, đủ điều kiện từ ngày %(ready)s.")
                % {"level": level, "months": months, "lower": level - 1, "unit": unit.name,
                   "since": _dmy(lower.valid_from), "ready": _dmy(ready)},
                field="level_sought", code="level_wait",
            )


# --- criteria versions ---------------------------------------------------------------------------


@transaction.atomic
def criteria_set_publish(*, criteria_set: CriteriaSet, by) -> CriteriaSet:
    """Publish a draft: from now on it is immutable. Locks the criteria set row."""
    locked = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if not by.is_superuser:
        raise DomainError(_("Chỉ quản trị hệ thống được ban hành bộ tiêu chí."), code="permission_denied")
    if locked.is_published:
        raise Conflict(_("Bộ tiêu chí đã được ban hành."))
    if not locked.criteria.exists():
        raise DomainError(_("Bộ tiêu chí chưa có tiêu chí nào."), field="criteria")
    levels = set(locked.thresholds.values_list("level", flat=True))
    missing = set(range(1, locked.title_type.max_level + 1)) - levels
    if missing:
        raise DomainError(
            _("Thiếu ngưỡng đạt cho mức độ %(levels)s.") % {"levels": ", ".join(map(str, sorted(missing)))},
            field="thresholds",
        )
    locked.status = CriteriaSet.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at"])
    return locked


@transaction.atomic
def criteria_set_new_version(*, source: CriteriaSet, by) -> CriteriaSet:
    """Copy a criteria set into a new draft version (the way to change published criteria).

    Locks the title type so that two administrators cannot take the same version number.
    """
    if not by.is_superuser:
        raise DomainError(_("Chỉ quản trị hệ thống được tạo phiên bản bộ tiêu chí."), code="permission_denied")
    TitleType.objects.select_for_update().get(pk=source.title_type_id)
    last = CriteriaSet.objects.filter(title_type_id=source.title_type_id).order_by("-version").first()
    draft = CriteriaSet.objects.create(
        title_type_id=source.title_type_id, version=last.version + 1, name=source.name,
        legal_basis=source.legal_basis, status=CriteriaSet.Status.DRAFT,
    )
    Criterion.objects.bulk_create(
        Criterion(criteria_set=draft, group=c.group, code=c.code, text=c.text, kind=c.kind,
                  max_points=c.max_points, levels=c.levels, order=c.order)
        for c in source.criteria.all()
    )
    for t in source.thresholds.all():
        draft.thresholds.create(level=t.level, min_points=t.min_points, description=t.description)
    return draft


# --- self-assessment -----------------------------------------------------------------------------


@transaction.atomic
def evaluation_start(*, title_type: TitleType, unit: Unit, year: int, level_sought: int, by) -> Evaluation:
    """Open a self-assessment of `unit` for `title_type` and `year`, on the current criteria version.

    Needs the officer role over the unit. Locks the unit row so that two officers cannot open two.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    require_role(by, unit, [Role.OFFICER])
    if not selectors.title_applies_to(title_type, unit):
        raise DomainError(
            _("Danh hiệu “%(title)s” không áp dụng cho đơn vị “%(unit)s”.") % {"title": title_type, "unit": unit},
            field="title_type",
        )
    if not 1 <= int(level_sought) <= title_type.max_level:
        raise DomainError(_("Mức độ đề nghị không hợp lệ."), field="level_sought")
    check_level_rules(title_type=title_type, unit=unit, level=int(level_sought), on=selectors.today())
    this_year = selectors.today().year
    if not 2023 <= int(year) <= this_year:
        raise DomainError(_("Năm đánh giá phải từ 2023 đến %(year)s.") % {"year": this_year}, field="year")
    criteria_set = selectors.current_criteria_set(title_type)
    if criteria_set is None:
        raise DomainError(_("Danh hiệu này chưa có bộ tiêu chí được ban hành."), field="title_type")
    if Evaluation.objects.filter(title_type=title_type, unit=unit, year=year).exclude(
        status=Evaluation.Status.REJECTED
    ).exists():
        raise Conflict(_("Đơn vị đã có hồ sơ tự đánh giá danh hiệu này trong năm %(year)s.") % {"year": year})
    evaluation = Evaluation.objects.create(
        title_type=title_type, criteria_set=criteria_set, unit=unit, year=year,
        level_sought=level_sought, created_by=by,
    )
    CriterionResult.objects.bulk_create(
        CriterionResult(evaluation=evaluation, criterion=c) for c in criteria_set.criteria.all()
    )
    return evaluation


def _parse_points(raw, criterion: Criterion) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        points = Decimal(str(raw).replace(",", "."))
        if not points.is_finite():  # 'NaN' and 'Infinity' parse, then fail every comparison (a 500)
            raise InvalidOperation
    except InvalidOperation as exc:
        raise DomainError(
            _("Tiêu chí %(code)s: điểm phải là một số.") % {"code": criterion.code}, field="points"
        ) from exc
    if points < 0 or (criterion.max_points is not None and points > criterion.max_points):
        raise DomainError(
            _("Tiêu chí %(code)s: điểm phải từ 0 đến %(max)s.") % {"code": criterion.code, "max": criterion.max_points},
            field="points",
        )
    return points


@transaction.atomic
def evaluation_save_results(
    *, evaluation: Evaluation, by, criteria_set_version: int | None, revision: int | None,
    results: dict[int, dict], level_sought: int | None = None,
) -> Evaluation:
    """Record the officer's result, explanation per criterion. `results` maps criterion id to
    {"passed": bool|None, "points": str|None, "explanation": str}.

    Needs the officer role over the unit, an editable evaluation, the same criteria version and
    revision as the caller saw. Locks the evaluation row.
    """
    evaluation = _locked_evaluation(evaluation)
    require_role(by, evaluation.unit, [Role.OFFICER])
    if not evaluation.is_editable:
        raise Conflict(_("Hồ sơ đã gửi, không thể sửa."), code="wrong_state")
    _check_criteria_version(evaluation.criteria_set, criteria_set_version)
    _check_revision(evaluation, revision)
    rows = {r.criterion_id: r for r in evaluation.results.select_related("criterion")}
    unknown = set(map(int, results)) - set(rows)
    if unknown:
        raise DomainError(
            _("Tiêu chí không thuộc bộ tiêu chí của hồ sơ (version mismatch)."),
            field="results", code="version_mismatch",
        )
    for criterion_id, values in results.items():
        row = rows[int(criterion_id)]
        criterion = row.criterion
        if criterion.kind == Criterion.Kind.PASS_FAIL:
            row.passed = values.get("passed")
            row.points = None
        else:
            row.points = _parse_points(values.get("points"), criterion)
            row.passed = None
        row.explanation = (values.get("explanation") or "").strip()[:5000]
    CriterionResult.objects.bulk_update(rows.values(), ["passed", "points", "explanation"])
    if level_sought is not None:
        if not 1 <= int(level_sought) <= evaluation.title_type.max_level:
            raise DomainError(_("Mức độ đề nghị không hợp lệ."), field="level_sought")
        if int(level_sought) != evaluation.level_sought:
            check_level_rules(title_type=evaluation.title_type, unit=evaluation.unit, level=int(level_sought),
                              on=selectors.today())
        evaluation.level_sought = int(level_sought)
    evaluation.revision += 1
    evaluation.save(update_fields=["level_sought", "revision"])
    return evaluation


@transaction.atomic
def evidence_add(*, result: CriterionResult, by, upload) -> Evidence:
    """Attach an evidence file to a criterion's result. Size and type limited (settings).

    Needs the officer role and an editable evaluation. Locks the evaluation row.
    """
    evaluation = _locked_evaluation(result.evaluation)
    require_role(by, evaluation.unit, [Role.OFFICER])
    if not evaluation.is_editable:
        raise Conflict(_("Hồ sơ đã gửi, không thể sửa."), code="wrong_state")
    kind = files.check_upload(upload, allowed=EVIDENCE_TYPES, max_bytes=settings.TITLES_EVIDENCE_MAX_BYTES,
                              label=_("Tệp minh chứng"), field="file")
    evidence = Evidence(result=result, name=files.display_name(upload.name, limit=255), size=upload.size,
                        content_type=kind.content_type, uploaded_by=by)
    evidence.file.save(f"minh-chung.{kind.ext}", upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def evaluation_submit(*, evaluation: Evaluation, by, criteria_set_version: int | None, revision: int | None
                      ) -> Evaluation:
    """Send the self-assessment to the approving level. Every criterion of the sought level must be
    answered and the level met. Needs the officer role. Locks the evaluation row."""
    evaluation = _locked_evaluation(evaluation)
    require_role(by, evaluation.unit, [Role.OFFICER])
    if not evaluation.is_editable:
        raise Conflict(_("Hồ sơ đã được gửi."), code="wrong_state")
    _check_criteria_version(evaluation.criteria_set, criteria_set_version)
    _check_revision(evaluation, revision)
    results = {r.criterion_id: r for r in evaluation.results.all()}
    if not level_met(evaluation.criteria_set, results, evaluation.level_sought):
        raise DomainError(
            _("Kết quả tự đánh giá chưa đạt mức độ %(level)s: cần trả lời và đạt mọi tiêu chí của mức độ này.")
            % {"level": evaluation.level_sought},
            field="results",
        )
    evaluation.status = Evaluation.Status.SUBMITTED
    evaluation.submitted_at = timezone.now()
    evaluation.submitted_by = by
    evaluation.revision += 1
    evaluation.save(update_fields=["status", "submitted_at", "submitted_by", "revision"])
    return evaluation


def _require_approver(by, evaluation: Evaluation, level: int) -> Unit:
    authority = selectors.approval_authority(
        title_type=evaluation.title_type, level=level, unit=evaluation.unit, on=selectors.today()
    )
    require_role(by, authority, [Role.APPROVER], action=_(
        "Chỉ cán bộ công nhận danh hiệu của “%(authority)s” được thẩm định hồ sơ này.") % {"authority": authority})
    return authority


def _require_submitted(evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.SUBMITTED:
        raise Conflict(_("Hồ sơ không ở trạng thái chờ thẩm định."), code="wrong_state")


@transaction.atomic
def evaluation_return(*, evaluation: Evaluation, by, comment: str) -> Evaluation:
    """Send the self-assessment back for more (bổ sung). Needs the approver role of the approving
    level. Locks the evaluation row."""
    evaluation = _locked_evaluation(evaluation)
    _require_approver(by, evaluation, evaluation.level_sought)
    _require_submitted(evaluation)
    evaluation.review_comment = _require_text(comment, "comment", _("nội dung yêu cầu bổ sung"))
    evaluation.status = Evaluation.Status.RETURNED
    evaluation.reviewed_by, evaluation.reviewed_at = by, timezone.now()
    evaluation.revision += 1
    evaluation.save(update_fields=["review_comment", "status", "reviewed_by", "reviewed_at", "revision"])
    return evaluation


@transaction.atomic
def evaluation_reject(*, evaluation: Evaluation, by, reason: str) -> Evaluation:
    """Refuse the title with reasons. Needs the approver role. Locks the evaluation row."""
    evaluation = _locked_evaluation(evaluation)
    _require_approver(by, evaluation, evaluation.level_sought)
    _require_submitted(evaluation)
    evaluation.review_comment = _require_text(reason, "reason", _("lý do không công nhận"))
    evaluation.status = Evaluation.Status.REJECTED
    evaluation.reviewed_by, evaluation.reviewed_at = by, timezone.now()
    evaluation.revision += 1
    evaluation.save(update_fields=["review_comment", "status", "reviewed_by", "reviewed_at", "revision"])
    return evaluation


def _check_decision_date(date: datetime.date | None, year: int) -> datetime.date:
    if date is None:
        raise DomainError(_("Cần nhập ngày quyết định."), field="decision_date")
    if date > selectors.today():
        raise DomainError(_("Ngày quyết định không được sau ngày hôm nay."), field="decision_date")
    if date.year < year:
        raise DomainError(_("Ngày quyết định phải trong hoặc sau năm đánh giá."), field="decision_date")
    return date


def _decision_create(*, title_type: TitleType, authority: selectors.Authority, year: int, date: datetime.date,
                     signer: str, signed_as: str, level: int | None, count: int, by) -> Decision:
    """Record the decision and issue it in the register of the authority's body, which gives its number
    ("03/QĐ-UBND"); the signer signs as the body's head or as a deputy (KT.)."""
    from core.documents.services import issuing_body_for

    from . import documents

    if signed_as not in (documents.SIGNED_AS_HEAD, documents.SIGNED_AS_DEPUTY):
        raise DomainError(_("Thẩm quyền ký không hợp lệ."), field="signed_as")
    issuer = issuing_body_for(authority.unit)
    signer = (signer or "").strip() or (issuer.head_name if signed_as == documents.SIGNED_AS_HEAD else "")
    signer = _require_text(signer, "signer", _("họ tên người ký"))
    fields = documents.signature_fields(issuer, signed_as)
    decision = Decision(
        title_type=title_type, authority=authority.unit, year=year, number="", date=date, signer=signer,
        signer_title=fields["signer_title"], legal_basis=authority.rule.legal_basis or title_type.legal_basis,
        created_by=by,
    )
    _full_clean(decision, exclude=["authority", "title_type", "created_by", "number"])
    decision.save()
    document = documents.issue_decision_document(decision=decision, issuer=issuer, signed_as=signed_as,
                                                 signer_name=signer, level=level, count=count, by=by)
    decision.number = document.number
    decision.save(update_fields=["number"])
    return decision


@transaction.atomic
def evaluation_approve(
    *, evaluation: Evaluation, by, criteria_set_version: int | None, level: int,
    decision_date: datetime.date, signer: str, signed_as: str = "head",
) -> Recognition:
    """Recognise the unit: the decision is issued in the register of the recognising authority's body
    (numbered there), the recognition recorded (level, valid from/to).

    The approver states the criteria version they reviewed against; another version is refused. The level
    rules of the title (waiting period, no re-evaluation while valid) hold on the decision date. Needs the
    approver role of the recognising authority. Locks the evaluation row and the register's counter row.
    """
    evaluation = _locked_evaluation(evaluation)
    _require_approver(by, evaluation, level)
    _require_submitted(evaluation)
    _check_criteria_version(evaluation.criteria_set, criteria_set_version)
    if not 1 <= int(level) <= evaluation.level_sought:
        raise DomainError(_("Mức độ công nhận không được cao hơn mức độ đề nghị."), field="level")
    results = {r.criterion_id: r for r in evaluation.results.all()}
    if not level_met(evaluation.criteria_set, results, int(level)):
        raise DomainError(_("Hồ sơ chưa đạt các tiêu chí của mức độ %(level)s.") % {"level": level}, field="level")
    decision_date = _check_decision_date(decision_date, evaluation.year)
    check_level_rules(title_type=evaluation.title_type, unit=evaluation.unit, level=int(level), on=decision_date)
    authority = selectors.recognising_authority(title_type=evaluation.title_type, level=int(level),
                                                unit=evaluation.unit, on=decision_date)
    require_role(by, authority.unit, [Role.APPROVER], action=_(
        "Chỉ cán bộ công nhận danh hiệu của “%(authority)s” được công nhận hồ sơ này.") % {"authority": authority.unit})
    decision = _decision_create(
        title_type=evaluation.title_type, authority=authority, year=evaluation.year, date=decision_date,
        signer=signer, signed_as=signed_as, level=int(level), count=1, by=by,
    )
    valid_from, valid_to = recognition_period(evaluation.title_type, decision_date)
    try:
        with transaction.atomic():
            recognition = Recognition.objects.create(
                title_type=evaluation.title_type, decision=decision, subject_kind=SubjectKind.UNIT,
                unit=evaluation.unit, year=evaluation.year, level=int(level), valid_from=valid_from,
                valid_to=valid_to, criteria_set=evaluation.criteria_set, evaluation=evaluation,
            )
    except IntegrityError as exc:
        raise Conflict(_("Đơn vị đã được công nhận danh hiệu này trong năm %(year)s.") % {"year": evaluation.year}
                       ) from exc
    evaluation.status = Evaluation.Status.APPROVED
    evaluation.reviewed_by, evaluation.reviewed_at = by, timezone.now()
    evaluation.revision += 1
    evaluation.save(update_fields=["status", "reviewed_by", "reviewed_at", "revision"])
    return recognition


@transaction.atomic
def recognition_revoke(*, recognition: Recognition, by, reason: str, act: str) -> Recognition:
    """Revoke a recognition with a reason and the act that revokes it ("Quyết định số 07/QĐ-UBND ngày
    02/3/2026"), which the recognition then names. Needs the approver role over the deciding authority.
    Locks the recognition row."""
    recognition = Recognition.objects.select_for_update(of=("self",)).select_related("decision__authority").get(
        pk=recognition.pk
    )
    require_role(by, recognition.decision.authority, [Role.APPROVER])
    if recognition.revoked_at is not None:
        raise Conflict(_("Công nhận này đã bị thu hồi."), code="wrong_state")
    recognition.revoked_reason = _require_text(reason, "reason", _("lý do thu hồi"))
    recognition.revoked_act = _require_text(act, "act", _("số, ngày văn bản thu hồi"))[:200]
    recognition.revoked_at, recognition.revoked_by = timezone.now(), by
    recognition.save(update_fields=["revoked_reason", "revoked_act", "revoked_at", "revoked_by"])
    return recognition


# --- yearly lists (households, clans, hamlets, citizens) ----------------------------------------------


@transaction.atomic
def evaluation_list_open(*, commune: Unit, title_type: TitleType, year: int, by) -> EvaluationList:
    """The commune's list for a title and year, created on first use. Needs the officer role over the
    commune. Locks the commune row (two officers opening the same list get the same one)."""
    commune = Unit.objects.select_for_update().get(pk=commune.pk)
    require_role(by, commune, [Role.OFFICER])
    if commune.level != Level.COMMUNE:
        raise DomainError(_("Danh sách bình xét được lập ở cấp xã."), field="unit")
    if title_type.subject_kind == SubjectKind.UNIT and title_type.unit_level != Level.HAMLET:
        raise DomainError(_("Danh hiệu này được xét qua hồ sơ tự đánh giá, không qua danh sách."),
                          field="title_type")
    this_year = selectors.today().year
    if not 2023 <= int(year) <= this_year:
        raise DomainError(_("Năm đánh giá phải từ 2023 đến %(year)s.") % {"year": this_year}, field="year")
    existing = EvaluationList.objects.filter(unit=commune, title_type=title_type, year=year).first()
    if existing:
        return existing
    criteria_set = selectors.current_criteria_set(title_type)
    if criteria_set is None:
        raise DomainError(_("Danh hiệu này chưa có bộ tiêu chí được ban hành."), field="title_type")
    return EvaluationList.objects.create(
        unit=commune, title_type=title_type, year=year, criteria_set=criteria_set, created_by=by
    )


def _locked_open_list(evaluation_list: EvaluationList, by) -> EvaluationList:
    locked = EvaluationList.objects.select_for_update(of=("self",)).select_related("unit", "title_type").get(
        pk=evaluation_list.pk
    )
    require_role(by, locked.unit, [Role.OFFICER])
    if locked.status != EvaluationList.Status.OPEN:
        raise Conflict(_("Danh sách đã được công nhận, không thể sửa."), code="wrong_state")
    return locked


@transaction.atomic
def list_entry_update(*, entry: ListEntry, by, passed: bool, note: str, review_date: datetime.date | None
                      ) -> ListEntry:
    """Edit one row of an open list. Needs the officer role over the commune. Locks the list row."""
    evaluation_list = _locked_open_list(entry.evaluation_list, by)
    entry = ListEntry.objects.get(pk=entry.pk, evaluation_list=evaluation_list)
    if review_date is not None and review_date.year != evaluation_list.year:
        raise DomainError(_("Ngày bình xét phải trong năm %(year)s.") % {"year": evaluation_list.year},
                          field="review_date")
    entry.passed, entry.note, entry.review_date = bool(passed), (note or "").strip()[:500], review_date
    entry.save(update_fields=["passed", "note", "review_date"])
    return entry


@transaction.atomic
def list_entry_delete(*, entry: ListEntry, by) -> None:
    """Remove a row from an open list. Needs the officer role. Locks the list row."""
    evaluation_list = _locked_open_list(entry.evaluation_list, by)
    ListEntry.objects.filter(pk=entry.pk, evaluation_list=evaluation_list).delete()


SUBJECT_FIELD = {SubjectKind.HOUSEHOLD: "household", SubjectKind.CLAN: "clan", SubjectKind.CITIZEN: "citizen",
                 SubjectKind.UNIT: "hamlet"}


@transaction.atomic
def evaluation_list_recognise(
    *, evaluation_list: EvaluationList, by, decision_date: datetime.date, signer: str, signed_as: str = "head",
) -> Decision:
    """Recognise every passed subject of the list with one decision (set-based: one bulk insert), issued in
    the register of the recognising authority's body with the list annexed to it.

    Subjects already recognised for this title and year are left as they are. Needs the approver role
    of the recognising authority over the commune. Locks the list row and the register's counter row.
    """
    locked = EvaluationList.objects.select_for_update(of=("self",)).select_related("unit", "title_type").get(
        pk=evaluation_list.pk
    )
    title_type = locked.title_type
    today_authority = selectors.approval_authority(title_type=title_type, level=1, unit=locked.unit,
                                                   on=selectors.today())
    require_role(by, today_authority, [Role.APPROVER], action=_(
        "Chỉ cán bộ công nhận danh hiệu của “%(authority)s” được công nhận danh sách này.")
        % {"authority": today_authority})
    if locked.status != EvaluationList.Status.OPEN:
        raise Conflict(_("Danh sách đã được công nhận."), code="wrong_state")
    field = SUBJECT_FIELD[title_type.subject_kind]
    passed = locked.entries.filter(passed=True)
    if not passed.exists():
        raise DomainError(_("Danh sách chưa có đối tượng nào đạt."), field="entries")
    decision_date = _check_decision_date(decision_date, locked.year)
    authority = selectors.recognising_authority(title_type=title_type, level=1, unit=locked.unit, on=decision_date)
    require_role(by, authority.unit, [Role.APPROVER], action=_(
        "Chỉ cán bộ công nhận danh hiệu của “%(authority)s” được công nhận danh sách này.")
        % {"authority": authority.unit})
    subject_column = "hamlet_id" if field == "hamlet" else f"{field}_id"
    already = Recognition.objects.filter(
        title_type=title_type, year=locked.year, revoked_at__isnull=True,
        **{f"{'unit' if field == 'hamlet' else field}_id__in": passed.values(subject_column)},
    ).values_list("unit_id" if field == "hamlet" else f"{field}_id", flat=True)
    already = set(already)
    decision = _decision_create(
        title_type=title_type, authority=authority, year=locked.year, date=decision_date, signer=signer,
        signed_as=signed_as, level=None, count=passed.count() - len(already), by=by,
    )
    valid_from, valid_to = recognition_period(title_type, decision_date)
    rows = []
    for hamlet_id, subject_id in passed.values_list("hamlet_id", subject_column).iterator(chunk_size=5000):
        if subject_id in already:
            continue
        subject = {} if field == "hamlet" else {f"{field}_id": subject_id}
        rows.append(Recognition(
            title_type=title_type, decision=decision, subject_kind=title_type.subject_kind, unit_id=hamlet_id,
            year=locked.year, level=1, valid_from=valid_from, valid_to=valid_to,
            criteria_set_id=locked.criteria_set_id, **subject,
        ))
    Recognition.objects.bulk_create(rows, batch_size=2000)
    locked.status, locked.decision = EvaluationList.Status.RECOGNISED, decision
    locked.save(update_fields=["status", "decision"])
    return decision


# --- Excel import jobs -----------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, evaluation_list: EvaluationList, by, upload) -> ImportJob:
    """Store an uploaded workbook and queue its dry run. The file is checked (size, zip structure)
    before anything is stored. Needs the officer role over the commune. Locks the list row."""
    from . import imports, tasks

    evaluation_list = _locked_open_list(evaluation_list, by)
    if imports.importer_for(evaluation_list.title_type) is None:
        raise DomainError(_("Chưa hỗ trợ nhập Excel cho danh hiệu này."), field="file")
    imports.check_workbook_file(upload)
    job = ImportJob(evaluation_list=evaluation_list, original_name=(upload.name or "")[:255], size=upload.size,
                    created_by=by)
    job.file.save("danh-sach.xlsx", upload, save=False)
    job.save()
    transaction.on_commit(lambda: tasks.run_import_job.delay(job.pk))
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """Ask to write a checked workbook (all or nothing). Needs the officer role. Locks the job row."""
    from . import tasks

    job = ImportJob.objects.select_for_update(of=("self",)).select_related("evaluation_list__unit").get(pk=job.pk)
    _locked_open_list(job.evaluation_list, by)
    if job.status != ImportJob.Status.VALIDATED:
        raise Conflict(_("Chỉ ghi được tệp đã kiểm tra không có lỗi."), code="wrong_state")
    job.commit_requested = True
    job.status = ImportJob.Status.IMPORTING
    job.processed_rows = 0
    job.save(update_fields=["commit_requested", "status", "processed_rows"])
    transaction.on_commit(lambda: tasks.run_import_job.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """The background half of an import: a dry run (status invalid/validated) or, once confirmed, the
    write (status done). Idempotent: a finished job is left alone; a job whose worker died re-runs from
    scratch, because its write was one transaction and left nothing behind.

    Takes a row lock on the job only to claim it; the import itself runs in its own transaction.
    """
    from . import imports

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.INVALID, ImportJob.Status.VALIDATED):
            return job
        if not job.commit_requested:
            job.status = ImportJob.Status.CHECKING
            job.save(update_fields=["status"])
    cache.set(imports.progress_key(job.pk), 0, timeout=3600)

    def progress(rows: int) -> None:
        # The write's own transaction hides DB writes from the page until commit: progress goes to the cache.
        cache.set(imports.progress_key(job.pk), rows, timeout=3600)

    try:
        outcome = imports.run(job, progress=progress)
    except DomainError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.INVALID, message=exc.message, finished_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job.pk)
    except Exception:
        # Nothing was written (one transaction); say so on the job, and let the worker log the error.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=_("Lỗi hệ thống khi xử lý tệp; dữ liệu chưa được ghi."),
            finished_at=timezone.now(),
        )
        raise
    fields = {
        "total_rows": outcome.total_rows, "processed_rows": outcome.total_rows, "new_rows": outcome.new_rows,
        "updated_rows": outcome.updated_rows, "error_count": outcome.error_count, "errors": outcome.errors,
        "preview": outcome.preview, "finished_at": timezone.now(), "message": outcome.message,
    }
    if outcome.error_count:
        fields["status"] = ImportJob.Status.INVALID
    elif job.commit_requested:
        fields["status"] = ImportJob.Status.DONE
    else:
        fields["status"] = ImportJob.Status.VALIDATED
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    return ImportJob.objects.get(pk=job.pk)
