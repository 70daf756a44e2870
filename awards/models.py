"""Award nominations, the emulation council (Hội đồng Thi đua - Khen thưởng), its sessions and votes,
decisions (Quyết định khen thưởng) and certificates.

Secret ballots: who voted (VoterRoll) and what was voted (Ballot) are stored apart with nothing that
joins them — no reference, no timestamp, no ordered key, no insert order. See
docs/adr/0004-secret-ballot.md for the reasoning, and tests/awards/test_secrecy.py for the guard.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from units.models import Citizen, Clan, Household, Unit

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Occasion(models.TextChoices):
    YEARLY = "yearly", _("Hằng năm")
    INTERIM = "interim", _("Sơ kết giai đoạn 2023–2025")
    FINAL = "final", _("Tổng kết giai đoạn 2023–2030")


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("Tập thể")
    HOUSEHOLD = "household", _("Hộ gia đình")
    CLAN = "clan", _("Dòng họ")
    CITIZEN = "citizen", _("Cá nhân")


class Authority(models.TextChoices):
    """Who decides, as Luật Thi đua, khen thưởng 2022 Chương IV names them (Điều 78–80; cần kiểm chứng số điều
    78–79). The provincial chairman and the ministers give Bằng khen; Giấy khen is given by the heads of
    agencies with legal personality, commune chairmen and enterprise heads (Điều 80), never by the province."""

    PRIME_MINISTER = "prime_minister", _("Thủ tướng Chính phủ")
    MINISTER = "minister", _("Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan thuộc Chính phủ")
    CENTRAL_ORG = "central_org", _("Người đứng đầu cơ quan, tổ chức ở trung ương")
    PROVINCE_CHAIR = "province_chair", _("Chủ tịch Ủy ban nhân dân cấp tỉnh")
    AGENCY_HEAD = "agency_head", _("Thủ trưởng cơ quan, đơn vị có tư cách pháp nhân")
    COMMUNE_CHAIR = "commune_chair", _("Chủ tịch Ủy ban nhân dân cấp xã")
    ENTERPRISE_HEAD = "enterprise_head", _("Tổng giám đốc, Giám đốc doanh nghiệp, hợp tác xã")


class Review(models.TextChoices):
    """How a nomination is examined before its authority decides."""

    COUNCIL = "council", _("Hội đồng Thi đua - Khen thưởng xét, bỏ phiếu")
    HEAD = "head", _("Thủ trưởng xét hồ sơ, không bỏ phiếu")
    APPRAISAL = "appraisal", _("Cơ quan thẩm định hồ sơ, không bỏ phiếu")


class AwardForm(models.Model):
    """A form of commendation (Bằng khen Thủ tướng, Bằng khen của Chủ tịch UBND tỉnh, Giấy khen…): data, not
    code, editable in admin with history. Which authorities may give it is `authorities`; who actually decides
    for a given body is a DecidingPower row."""

    slug = models.SlugField(_("mã hình thức"), max_length=60, unique=True)
    name = models.CharField(_("hình thức khen thưởng"), max_length=200)
    certificate_title = models.CharField(_("tiêu đề trên bằng/giấy"), max_length=100)
    # Higher rank, higher form: used only to order lists, never to decide who may grant it.
    rank = models.PositiveSmallIntegerField(_("thứ bậc"), default=0)
    authorities = models.JSONField(
        _("thẩm quyền được tặng"), default=list, blank=True,
        help_text=_("Danh sách mã thẩm quyền (Authority) được quyết định tặng hình thức này, theo Luật Thi đua, "
                    "khen thưởng 2022 Chương IV. Trống: không giới hạn."),
    )
    legal_basis = models.CharField(
        _("căn cứ pháp lý"), max_length=255, blank=True,
        help_text=_("Điều, khoản quy định hình thức và thẩm quyền; ghi “(cần kiểm chứng)” khi chưa đối chiếu văn bản."),
    )
    legal_threshold_percent = models.DecimalField(
        _("tỷ lệ đồng ý tối thiểu do pháp luật quy định (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Chỉ đặt khi văn bản pháp luật quy định tỷ lệ phiếu riêng (ví dụ danh hiệu Chiến sĩ thi đua); "
                    "trống: theo quy chế của Hội đồng."),
    )
    active = models.BooleanField(_("đang áp dụng"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hình thức khen thưởng")
        verbose_name_plural = _("hình thức khen thưởng")
        ordering = ["-rank", "slug"]

    def __str__(self) -> str:
        return self.name


class DecidingPower(models.Model):
    """Which body's head decides a form (configuration per body), and how nominations are examined there.

    A nomination is routed to the nearest body at or above its proposer holding a power for its form — not
    to the nearest council — and is examined as `review` says: by that body's council only where it is
    configured (the law requires a council vote for some forms), by the head on the dossier, or by an
    appraising agency (the Prime Minister's Bằng khen: appraised by the Ministry of Home Affairs, decided by
    the Prime Minister, no council vote)."""

    body = models.ForeignKey(Unit, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="award_powers")
    form = models.ForeignKey(AwardForm, verbose_name=_("hình thức"), on_delete=models.CASCADE, related_name="powers")
    authority = models.CharField(_("người có thẩm quyền"), max_length=20, choices=Authority.choices, blank=True,
                                 help_text=_("Phải là một thẩm quyền mà hình thức cho phép."))
    review = models.CharField(_("cách xét"), max_length=10, choices=Review.choices, default=Review.COUNCIL)
    appraiser_name = models.CharField(_("cơ quan thẩm định"), max_length=255, blank=True,
                                      help_text=_("Ví dụ: Bộ Nội vụ (Bằng khen của Thủ tướng Chính phủ)."))
    authority_name = models.CharField(
        _("cơ quan ban hành quyết định"), max_length=255, blank=True,
        help_text=_("Ví dụ: Ủy ban nhân dân tỉnh Hà Tĩnh. Trống: tên đơn vị."),
    )
    signer_title = models.CharField(_("chức danh người ký"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thẩm quyền quyết định khen thưởng")
        verbose_name_plural = _("thẩm quyền quyết định khen thưởng")
        constraints = [models.UniqueConstraint(fields=["body", "form"], name="deciding_power_unique")]

    def __str__(self) -> str:
        return f"{self.body} · {self.form}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        allowed = self.form.authorities if self.form_id else []
        if allowed and self.authority not in allowed:
            raise ValidationError({"authority": _("“%(form)s” không do “%(who)s” quyết định tặng.")
                                   % {"form": self.form.name,
                                      "who": Authority(self.authority).label if self.authority else "—"}})


class Council(models.Model):
    """The emulation and commendation council of a body: one per body."""

    body = models.OneToOneField(Unit, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="council")
    name = models.CharField(_("tên hội đồng"), max_length=255)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Hội đồng Thi đua - Khen thưởng")
        verbose_name_plural = _("Hội đồng Thi đua - Khen thưởng")

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chủ tịch Hội đồng")
        VICE_CHAIR = "vice_chair", _("Phó Chủ tịch Hội đồng")
        MEMBER = "member", _("Ủy viên")
        SECRETARY = "secretary", _("Thư ký")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_seats")
    role = models.CharField(_("chức danh"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    is_voting = models.BooleanField(_("có quyền biểu quyết"), default=True)
    active = models.BooleanField(_("đang là thành viên"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thành viên hội đồng")
        verbose_name_plural = _("thành viên hội đồng")
        ordering = ["council", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["council", "user"], name="council_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ThresholdBase(models.TextChoices):
    MEMBERS = "members", _("Tổng số thành viên hội đồng")
    PRESENT = "present", _("Số thành viên có mặt")


class VotingRule(models.Model):
    """Quorum, threshold and secrecy of a council's vote, for one form (or, with no form, the default)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="rules")
    form = models.ForeignKey(
        AwardForm, verbose_name=_("hình thức"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Trống: áp dụng cho mọi hình thức chưa có quy định riêng."),
    )
    quorum_percent = models.DecimalField(
        _("tỷ lệ có mặt tối thiểu (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    threshold_percent = models.DecimalField(
        _("tỷ lệ đồng ý (%)"), max_digits=5, decimal_places=2, validators=PERCENT_VALIDATORS
    )
    threshold_base = models.CharField(_("tính trên"), max_length=10, choices=ThresholdBase.choices)
    threshold_inclusive = models.BooleanField(
        _("tính cả trường hợp bằng ngưỡng"), default=True,
        help_text=_("Chọn: “từ … trở lên” (≥); bỏ chọn: “trên …” (>)."),
    )
    secret_ballot = models.BooleanField(_("bỏ phiếu kín"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quy định biểu quyết")
        verbose_name_plural = _("quy định biểu quyết")
        constraints = [
            models.UniqueConstraint(fields=["council", "form"], condition=Q(form__isnull=False),
                                    name="voting_rule_one_per_form"),
            models.UniqueConstraint(fields=["council"], condition=Q(form__isnull=True),
                                    name="voting_rule_one_default"),
            models.CheckConstraint(condition=Q(quorum_percent__gte=0, quorum_percent__lte=100),
                                   name="voting_rule_quorum_percent"),
            models.CheckConstraint(condition=Q(threshold_percent__gte=0, threshold_percent__lte=100),
                                   name="voting_rule_threshold_percent"),
        ]

    def __str__(self) -> str:
        sign = "≥" if self.threshold_inclusive else ">"
        return f"{self.council} · {self.form or '*'} · {sign}{self.threshold_percent}%"


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Chờ Hội đồng xét")
    IN_REVIEW = "in_review", _("Đang xét tại phiên họp")
    PASSED = "passed", _("Hội đồng đã thông qua, chờ quyết định")
    RETURNED = "returned", _("Trả lại để bổ sung")
    NOT_PASSED = "not_passed", _("Không được thông qua")
    AWARDED = "awarded", _("Đã khen thưởng")
    WITHDRAWN = "withdrawn", _("Đã rút")


# A nomination in one of these no longer stands for its achievement: the subject may be nominated again.
CLOSED_WITHOUT_AWARD = (NominationStatus.NOT_PASSED, NominationStatus.WITHDRAWN)


def _one_achievement(model: str, field: str, kind: str, *, live_only: bool) -> models.UniqueConstraint:
    condition = Q(subject_kind=kind)
    if live_only:
        condition &= ~Q(status__in=CLOSED_WITHOUT_AWARD)
    return models.UniqueConstraint(
        fields=[field, "occasion", "year"], condition=condition, name=f"{model}_one_per_achievement_{kind}",
        violation_error_message=_(
            "Đối tượng đã được đề nghị hoặc khen thưởng cho thành tích này (cùng dịp, cùng năm)."),
    )


class Nomination(models.Model):
    """Đề nghị khen thưởng: a subject, a form, an occasion and year (the achievement), and the body whose
    council holds it now (`body`: the proposer's nearest body with a council, then the bodies above)."""

    form = models.ForeignKey(AwardForm, verbose_name=_("hình thức đề nghị"), on_delete=models.PROTECT,
                             related_name="nominations")
    occasion = models.CharField(_("dịp khen thưởng"), max_length=10, choices=Occasion.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    subject_kind = models.CharField(_("đối tượng"), max_length=20, choices=SubjectKind.choices)
    # The subject unit (collective) or the unit the subject belongs to: what subject scoping uses.
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("hộ gia đình"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    clan = models.ForeignKey(Clan, verbose_name=_("dòng họ"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    citizen = models.ForeignKey(Citizen, verbose_name=_("cá nhân"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    subject_name = models.CharField(_("tên đối tượng"), max_length=255)
    proposer_unit = models.ForeignKey(Unit, verbose_name=_("đơn vị đề nghị"), on_delete=models.PROTECT,
                                      related_name="award_nominations")
    body = models.ForeignKey(Unit, verbose_name=_("cấp đang xét"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=20, choices=NominationStatus.choices,
                              default=NominationStatus.SUBMITTED)
    achievement_summary = models.TextField(_("tóm tắt thành tích"))
    # Optional links to the evidence the portal already holds.
    recognitions = models.ManyToManyField("titles.Recognition", verbose_name=_("danh hiệu đã đạt"), blank=True,
                                          related_name="+")
    reports = models.ManyToManyField("reports.Report", verbose_name=_("báo cáo số liệu"), blank=True, related_name="+")
    return_reason = models.TextField(_("lý do trả lại"), blank=True)
    cover_pdf = models.FileField(_("tờ trình"), upload_to="awards/dossiers/%Y/", blank=True)
    report_pdf = models.FileField(_("báo cáo thành tích"), upload_to="awards/dossiers/%Y/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every write: a form posted from a stale page is refused (409), never overwrites.
    revision = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(excluded_fields=["cover_pdf", "report_pdf"])

    class Meta:
        verbose_name = _("đề nghị khen thưởng")
        verbose_name_plural = _("đề nghị khen thưởng")
        ordering = ["-created_at", "-id"]
        constraints = [
            _one_achievement("nomination", "unit", SubjectKind.UNIT, live_only=True),
            _one_achievement("nomination", "household", SubjectKind.HOUSEHOLD, live_only=True),
            _one_achievement("nomination", "clan", SubjectKind.CLAN, live_only=True),
            _one_achievement("nomination", "citizen", SubjectKind.CITIZEN, live_only=True),
            models.CheckConstraint(
                condition=(Q(subject_kind=SubjectKind.UNIT, household__isnull=True, clan__isnull=True,
                             citizen__isnull=True)
                           | Q(subject_kind=SubjectKind.HOUSEHOLD, household__isnull=False, clan__isnull=True,
                               citizen__isnull=True)
                           | Q(subject_kind=SubjectKind.CLAN, clan__isnull=False, household__isnull=True,
                               citizen__isnull=True)
                           | Q(subject_kind=SubjectKind.CITIZEN, citizen__isnull=False, household__isnull=True,
                               clan__isnull=True)),
                name="nomination_subject_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["body", "status"], name="nomination_body_status_idx"),
            models.Index(fields=["occasion", "year"], name="nomination_occasion_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.form} · {self.subject_name} · {self.year}"


class NominationStep(models.Model):
    """The routing log: submitted, forwarded up, returned with reasons, passed, decided."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Gửi đề nghị")
        RESUBMITTED = "resubmitted", _("Gửi lại sau bổ sung")
        SCHEDULED = "scheduled", _("Đưa vào phiên họp")
        PASSED = "passed", _("Hội đồng thông qua")
        NOT_PASSED = "not_passed", _("Hội đồng không thông qua")
        NO_QUORUM = "no_quorum", _("Phiên họp không đủ số thành viên")
        FORWARDED = "forwarded", _("Trình cấp trên")
        APPRAISED = "appraised", _("Thẩm định hồ sơ")
        RETURNED = "returned", _("Trả lại")
        AWARDED = "awarded", _("Quyết định khen thưởng")

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    body = models.ForeignKey(Unit, verbose_name=_("cấp"), on_delete=models.PROTECT, related_name="+")
    to_body = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("ghi chú"), blank=True)
    # The aggregate vote result that travels with a forwarded dossier (never an individual ballot).
    vote_result = models.JSONField(_("kết quả biểu quyết"), default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bước xử lý đề nghị")
        verbose_name_plural = _("bước xử lý đề nghị")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.nomination_id}"


class NominationAttachment(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("tệp"), upload_to="awards/attachments/%Y/%m/")
    name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp hồ sơ")
        verbose_name_plural = _("tệp hồ sơ")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class ReviewSession(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Đã lên lịch")
        OPEN = "open", _("Đang bỏ phiếu")
        CLOSED = "closed", _("Đã kết thúc")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("tên phiên họp"), max_length=255)
    held_on = models.DateField(_("ngày họp"))
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    # Frozen when voting opens: the quorum and "of all members" thresholds count these.
    members_total = models.PositiveSmallIntegerField(_("tổng số thành viên"), default=0)
    present_count = models.PositiveSmallIntegerField(_("số thành viên có mặt"), default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    minutes_pdf = models.FileField(_("biên bản"), upload_to="awards/minutes/%Y/", blank=True)
    # Who chaired (chủ tọa) — recorded with the attendance: the present chair, else the vice-chair the
    # chair delegated, else the member the secretary names; the minutes print and have them sign.
    chair = models.ForeignKey("CouncilMember", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("chủ tọa"))

    class Meta:
        verbose_name = _("phiên họp hội đồng")
        verbose_name_plural = _("phiên họp hội đồng")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class SessionAttendance(models.Model):
    """A member recorded present by the secretary."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("thành viên có mặt")
        verbose_name_plural = _("thành viên có mặt")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.member_id}"


class Outcome(models.TextChoices):
    PENDING = "pending", _("Chưa có kết quả")
    PASSED = "passed", _("Thông qua")
    NOT_PASSED = "not_passed", _("Không thông qua")
    NO_QUORUM = "no_quorum", _("Không đủ số thành viên có mặt")


class AgendaItem(models.Model):
    """A nomination on a session's agenda, with the rule frozen when voting opens and the aggregate result."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="items")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=0)
    secret = models.BooleanField(_("bỏ phiếu kín"), default=True)
    quorum_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    threshold_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    threshold_base = models.CharField(max_length=10, choices=ThresholdBase.choices, blank=True)
    threshold_inclusive = models.BooleanField(default=True)
    recused = models.PositiveSmallIntegerField(_("số thành viên không tham gia"), default=0)
    eligible = models.PositiveSmallIntegerField(_("số phiếu làm căn cứ"), default=0)
    votes_cast = models.PositiveSmallIntegerField(_("số phiếu thu về"), default=0)
    yes_count = models.PositiveSmallIntegerField(_("đồng ý"), default=0)
    no_count = models.PositiveSmallIntegerField(_("không đồng ý"), default=0)
    abstain_count = models.PositiveSmallIntegerField(_("không có ý kiến"), default=0)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        verbose_name = _("nội dung phiên họp")
        verbose_name_plural = _("nội dung phiên họp")
        ordering = ["session", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "nomination"], name="agenda_item_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.nomination_id}"

    def result_summary(self) -> dict:
        """What travels with a forwarded dossier and what the API may show: aggregates only."""
        return {
            "session": self.session_id, "members_total": self.session.members_total,
            "present": self.session.present_count, "recused": self.recused, "eligible": self.eligible,
            "votes_cast": self.votes_cast, "yes": self.yes_count, "no": self.no_count,
            "abstain": self.abstain_count, "threshold_percent": str(self.threshold_percent),
            "threshold_base": self.threshold_base, "threshold_inclusive": self.threshold_inclusive,
            "secret": self.secret, "outcome": self.outcome,
        }


class Recusal(models.Model):
    """A member who declared a conflict of interest and takes no part in the vote on one nomination."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="recusals")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("lý do"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("không tham gia biểu quyết")
        verbose_name_plural = _("không tham gia biểu quyết")
        constraints = [models.UniqueConstraint(fields=["session", "nomination", "member"], name="recusal_unique")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.nomination_id}"


class Choice(models.TextChoices):
    YES = "yes", _("Đồng ý")
    NO = "no", _("Không đồng ý")
    ABSTAIN = "abstain", _("Không có ý kiến")


class VoterRoll(models.Model):
    """The roll of an agenda item, fixed when voting opens: who MAY vote (a row per present, voting,
    non-recused member holding the seat's role then), and THAT they voted — never how (that is Ballot,
    unlinkable). Rows are written in one shuffled batch at opening and carry no time: `voted` flips in place."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="voter_roll")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    voted = models.BooleanField(_("đã bỏ phiếu"), default=False)

    class Meta:
        verbose_name = _("danh sách đã bỏ phiếu")
        verbose_name_plural = _("danh sách đã bỏ phiếu")
        constraints = [models.UniqueConstraint(fields=["session", "nomination", "member"], name="voter_roll_once")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.nomination_id}"


class SealedBallot(models.Model):
    """A ballot slot of a secret agenda item while its session is open: one per roll row, allocated in a
    shuffled batch when voting opens, each an HMAC seal of "empty" or of a choice under a key kept outside
    the database. Every vote re-seals every slot of the item (fresh nonces), so the slot a vote landed in
    cannot be told from the others. Unsealed into shuffled Ballot rows, then deleted, when the session closes.
    `key_id` names the key (conf.key_id) so that a rotation does not strand an open session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    key_id = models.CharField(max_length=16, default="")
    nonce = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)

    def __str__(self) -> str:
        return str(self.pk)


class Ballot(models.Model):
    """The content of one secret ballot. Deliberately nothing else: no member, no voter roll, no
    timestamp, a random UUID key, rows written in one shuffled batch at close. Not in admin, history
    or API."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="+")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)

    def __str__(self) -> str:
        return str(self.pk)


class OpenVote(models.Model):
    """A vote in a council configured for open voting: the member-choice link is kept, by design."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="open_votes")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("biểu quyết"), max_length=10, choices=Choice.choices)

    class Meta:
        verbose_name = _("biểu quyết công khai")
        verbose_name_plural = _("biểu quyết công khai")
        constraints = [models.UniqueConstraint(fields=["session", "nomination", "member"], name="open_vote_once")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.nomination_id} · {self.choice}"


class Decision(models.Model):
    """Quyết định khen thưởng: number, date and signer; it grants one form to one or several subjects."""

    body = models.ForeignKey(Unit, verbose_name=_("cơ quan quyết định"), on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(AwardForm, verbose_name=_("hình thức"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("số quyết định"), max_length=50)
    date = models.DateField(_("ngày quyết định"))
    signer_name = models.CharField(_("người ký"), max_length=200)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200)
    authority_name = models.CharField(_("cơ quan ban hành"), max_length=255)
    pdf = models.FileField(_("quyết định"), upload_to="awards/decisions/%Y/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        verbose_name = _("quyết định khen thưởng")
        verbose_name_plural = _("quyết định khen thưởng")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="award_decision_number_unique",
                                    violation_error_message=_("Số quyết định đã được dùng ở cơ quan này.")),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.date:%d/%m/%Y})"


class Award(models.Model):
    """One granted award: the achievement it rewards (subject, occasion, year) is rewarded once."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="awards")
    nomination = models.OneToOneField(Nomination, on_delete=models.PROTECT, related_name="award")
    form = models.ForeignKey(AwardForm, on_delete=models.PROTECT, related_name="+")
    occasion = models.CharField(_("dịp khen thưởng"), max_length=10, choices=Occasion.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    subject_kind = models.CharField(_("đối tượng"), max_length=20, choices=SubjectKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clan = models.ForeignKey(Clan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient_name = models.CharField(_("người/tập thể được khen"), max_length=255)
    # Random and unguessable (secrets.token_urlsafe): the key of the public verification page.
    verification_code = models.CharField(_("mã xác thực"), max_length=40, unique=True)
    certificate_pdf = models.FileField(_("bằng/giấy khen"), upload_to="awards/certificates/%Y/", blank=True)
    # Luật Thi đua, khen thưởng 2022, Chương VII: a decision is annulled (hủy bỏ) for false declarations,
    # forged dossiers, unlawful review… An award never "expires"; it is annulled, with the reason kept.
    annulled_on = models.DateField(_("ngày hủy bỏ"), null=True, blank=True)
    annulment_reason = models.TextField(_("lý do hủy bỏ"), blank=True)
    annulled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    history = HistoricalRecords(excluded_fields=["certificate_pdf", "verification_code"])

    class Meta:
        verbose_name = _("khen thưởng")
        verbose_name_plural = _("khen thưởng")
        ordering = ["decision", "id"]
        constraints = [
            _one_achievement("award", "unit", SubjectKind.UNIT, live_only=False),
            _one_achievement("award", "household", SubjectKind.HOUSEHOLD, live_only=False),
            _one_achievement("award", "clan", SubjectKind.CLAN, live_only=False),
            _one_achievement("award", "citizen", SubjectKind.CITIZEN, live_only=False),
        ]

    def __str__(self) -> str:
        return f"{self.form} · {self.recipient_name}"
