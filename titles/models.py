"""Learning titles: types, versioned criteria, self-assessments, decisions and recognitions.

A title type is data (loaded from titles/criteria/*.json); so is every criteria set, which is
versioned and immutable once published. An evaluation (self-assessment) records the criteria set it
used; a recognition is granted by a decision (number, date, signer) and may be revoked.
Households, clans, hamlets and citizens are recognised in bulk from yearly lists (EvaluationList).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.indicators import Indicator
from units.models import Citizen, Clan, Household, Level, Unit


class SubjectKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    HOUSEHOLD = "household", _("Hộ gia đình")
    CLAN = "clan", _("Dòng họ")
    UNIT = "unit", _("Đơn vị")


class TitleType(models.Model):
    slug = models.SlugField(_("mã danh hiệu"), max_length=60, unique=True)
    name = models.CharField(_("tên danh hiệu"), max_length=200)
    subject_kind = models.CharField(_("đối tượng"), max_length=20, choices=SubjectKind.choices)
    # For unit subjects: the level of unit that may hold the title (hamlet, commune, organisation...).
    unit_level = models.CharField(_("cấp đơn vị được xét"), max_length=20, choices=Level.choices, blank=True)
    # Which kinds of unit at unit_level may hold the title (Đơn vị học tập: agencies, schools, enterprises...,
    # never a learning centre, which belongs to its commune); empty: every kind at unit_level.
    unit_kinds = models.JSONField(_("loại đơn vị được xét"), default=list, blank=True)
    max_level = models.PositiveSmallIntegerField(_("số mức độ"), default=1)
    validity_months = models.PositiveSmallIntegerField(_("thời hạn công nhận (tháng)"))
    # A level above 1 only after holding the level below, unrevoked, for this many months (TT 25/2023: 12).
    higher_level_after_months = models.PositiveSmallIntegerField(
        _("xét mức độ cao hơn sau (tháng)"), null=True, blank=True,
        help_text=_("Trống: không xét mức độ cao hơn theo thời gian giữ mức độ thấp hơn."))
    # Yearly titles are evaluated every year; a multi-year recognition is not evaluated again at the same
    # level while it is in force (only a higher level may be sought).
    reevaluate_while_valid = models.BooleanField(
        _("được đánh giá lại khi công nhận còn hiệu lực"), default=True)
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)
    indicator = models.CharField(_("chỉ tiêu thống kê"), max_length=60, choices=Indicator.choices, blank=True)
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loại danh hiệu")
        verbose_name_plural = _("loại danh hiệu")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_levels(self) -> bool:
        return self.max_level > 1


class ApprovalRule(models.Model):
    """Who recognises a title (and level) for which subjects, over a period: configuration with history.

    The most specific rule in force on the day wins (titles.selectors.recognising_authority): one for the
    level beats "any level"; one naming the subject's unit level or its managing level beats one that does not.
    """

    class Issuer(models.TextChoices):
        # The People's Committee of the unit at authority_level; its chairman decides.
        PEOPLE_COMMITTEE = "people_committee", _("Ủy ban nhân dân (Chủ tịch quyết định)")
        # The agency named `authority_name` under the unit at authority_level (Sở Giáo dục và Đào tạo); its head.
        AGENCY = "agency", _("Cơ quan chuyên môn (thủ trưởng quyết định)")
        # The subject's own agency: its head recognises its staff (Công dân học tập of a school's teachers).
        OWN_AGENCY = "own_agency", _("Cơ quan, đơn vị của đối tượng (thủ trưởng quyết định)")

    title_type = models.ForeignKey(TitleType, on_delete=models.CASCADE, related_name="approval_rules")
    level = models.PositiveSmallIntegerField(_("mức độ"), null=True, blank=True, help_text=_("Trống: mọi mức độ."))
    # The unit the subject is or belongs to (a household's hamlet, a citizen's hamlet or agency) ...
    subject_unit_level = models.CharField(_("cấp của đơn vị đối tượng"), max_length=20, choices=Level.choices,
                                          blank=True, help_text=_("Trống: mọi cấp."))
    # ... and the level that manages that unit: the two regimes of Đơn vị học tập (a commune's school, a
    # province's agency) differ by it.
    subject_parent_level = models.CharField(_("cấp quản lý đơn vị đối tượng"), max_length=20,
                                            choices=Level.choices, blank=True, help_text=_("Trống: mọi cấp."))
    authority_level = models.CharField(_("cấp công nhận"), max_length=20, choices=Level.choices)
    issuer = models.CharField(_("cơ quan ban hành quyết định"), max_length=20, choices=Issuer.choices,
                              default=Issuer.PEOPLE_COMMITTEE)
    authority_name = models.CharField(_("cơ quan công nhận"), max_length=200, blank=True)
    legal_basis = models.CharField(_("căn cứ thẩm quyền"), max_length=300, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True,
                            help_text=_("Ví dụ: “(cần kiểm chứng)” khi chưa đối chiếu văn bản gốc."))
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thẩm quyền công nhận")
        verbose_name_plural = _("thẩm quyền công nhận")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="approval_rule_period",
                violation_error_message=_("Ngày “áp dụng đến” phải sau ngày “áp dụng từ”."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title_type} → {self.get_authority_level_display()}"

    def in_force(self, on) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or self.valid_to >= on)


class CriteriaSet(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        PUBLISHED = "published", _("Đã ban hành")

    title_type = models.ForeignKey(TitleType, on_delete=models.PROTECT, related_name="criteria_sets")
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    name = models.CharField(_("tên bộ tiêu chí"), max_length=300)
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("ngày ban hành"), null=True, blank=True)

    class Meta:
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = _("bộ tiêu chí")
        ordering = ["title_type__order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["title_type", "version"], name="criteria_set_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Criterion(models.Model):
    class Kind(models.TextChoices):
        PASS_FAIL = "pass_fail", _("Đạt/Không đạt")
        POINTS = "points", _("Chấm điểm")

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    group = models.CharField(_("nhóm tiêu chí"), max_length=300)
    code = models.CharField(_("mã"), max_length=20)
    text = models.TextField(_("nội dung"))
    kind = models.CharField(_("hình thức"), max_length=20, choices=Kind.choices, default=Kind.PASS_FAIL)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=6, decimal_places=2, null=True, blank=True)
    # The levels (mức độ) the criterion applies to, e.g. [1, 2], or [2] for a level-2-only criterion.
    levels = models.JSONField(_("áp dụng cho mức độ"), default=list)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["criteria_set", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="criterion_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:80]}"

    def applies_to(self, level: int) -> bool:
        return not self.levels or level in self.levels


class LevelThreshold(models.Model):
    """What a level needs beyond every applicable pass/fail criterion: a minimum of points."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="thresholds")
    level = models.PositiveSmallIntegerField(_("mức độ"))
    min_points = models.DecimalField(_("điểm tối thiểu"), max_digits=6, decimal_places=2, default=0)
    description = models.CharField(_("mô tả"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ngưỡng đạt")
        verbose_name_plural = _("ngưỡng đạt")
        ordering = ["criteria_set", "level"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "level"], name="threshold_level_unique")]

    def __str__(self) -> str:
        return f"{self.criteria_set} · {self.level}"


class Evaluation(models.Model):
    """A unit's self-assessment for a title, a year and a sought level, against one criteria set."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang lập")
        SUBMITTED = "submitted", _("Đã gửi, chờ thẩm định")
        RETURNED = "returned", _("Trả lại để bổ sung")
        APPROVED = "approved", _("Đã công nhận")
        REJECTED = "rejected", _("Không công nhận")

    title_type = models.ForeignKey(TitleType, on_delete=models.PROTECT, related_name="evaluations")
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="evaluations")
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="title_evaluations")
    year = models.PositiveSmallIntegerField(_("năm"))
    level_sought = models.PositiveSmallIntegerField(_("mức độ đề nghị"), default=1)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every write: a form posted from a stale page is refused (409), never overwrites.
    revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("ngày gửi"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("ngày thẩm định"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField(_("ý kiến thẩm định"), blank=True)

    class Meta:
        verbose_name = _("hồ sơ tự đánh giá")
        verbose_name_plural = _("hồ sơ tự đánh giá")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["title_type", "unit", "year"], condition=~Q(status="rejected"),
                name="evaluation_one_open_per_year",
                violation_error_message=_("Đơn vị đã có hồ sơ tự đánh giá danh hiệu này trong năm."),
            ),
        ]
        indexes = [models.Index(fields=["status", "year"], name="evaluation_status_year_idx")]

    def __str__(self) -> str:
        return f"{self.title_type} · {self.unit} · {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class CriterionResult(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("đạt"), null=True, blank=True)
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=2, null=True, blank=True)
    explanation = models.TextField(_("giải trình"), blank=True)

    class Meta:
        verbose_name = _("kết quả tiêu chí")
        verbose_name_plural = _("kết quả tiêu chí")
        ordering = ["criterion__order", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="result_unique")]

    def __str__(self) -> str:
        return f"{self.evaluation_id} · {self.criterion_id}"


class Evidence(models.Model):
    result = models.ForeignKey(CriterionResult, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("tệp minh chứng"), upload_to="titles/evidence/%Y/%m/")
    name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """A signed decision (quyết định) recognising one or many subjects."""

    title_type = models.ForeignKey(TitleType, on_delete=models.PROTECT, related_name="decisions")
    authority = models.ForeignKey(Unit, verbose_name=_("cấp công nhận"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("số quyết định"), max_length=50)
    date = models.DateField(_("ngày quyết định"))
    signer = models.CharField(_("người ký"), max_length=200)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    # The act the recognising authority applied (its ApprovalRule's): the decision's own "Căn cứ".
    legal_basis = models.CharField(_("căn cứ công nhận"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("năm"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quyết định công nhận")
        verbose_name_plural = _("quyết định công nhận")
        ordering = ["-date", "number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.date:%d/%m/%Y})"


def _one_live(field: str, kind: str) -> models.UniqueConstraint:
    # One achievement, one recognition: at most one unrevoked recognition per subject, title and year.
    return models.UniqueConstraint(
        fields=["title_type", field, "year"],
        condition=Q(revoked_at__isnull=True, subject_kind=kind),
        name=f"recognition_one_live_{kind}",
        violation_error_message=_("Đối tượng đã được công nhận danh hiệu này trong năm."),
    )


class Recognition(models.Model):
    title_type = models.ForeignKey(TitleType, on_delete=models.PROTECT, related_name="recognitions")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="recognitions")
    subject_kind = models.CharField(_("đối tượng"), max_length=20, choices=SubjectKind.choices)
    # The unit the subject belongs to (a household's hamlet) or is (a school): what scoping uses.
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="recognitions")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clan = models.ForeignKey(Clan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    level = models.PositiveSmallIntegerField(_("mức độ"), default=1)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"))
    criteria_set = models.ForeignKey(CriteriaSet, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evaluation = models.OneToOneField(
        Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="recognition"
    )
    revoked_at = models.DateTimeField(_("ngày thu hồi"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_reason = models.TextField(_("lý do thu hồi"), blank=True)
    # The act that revoked it ("Quyết định số 07/QĐ-UBND ngày 02/3/2026"): the recognition says by which act.
    revoked_act = models.CharField(_("văn bản thu hồi"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("công nhận danh hiệu")
        verbose_name_plural = _("công nhận danh hiệu")
        ordering = ["-year", "id"]
        constraints = [
            _one_live("unit", SubjectKind.UNIT),
            _one_live("household", SubjectKind.HOUSEHOLD),
            _one_live("clan", SubjectKind.CLAN),
            _one_live("citizen", SubjectKind.CITIZEN),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="recognition_validity"),
        ]
        indexes = [
            models.Index(fields=["title_type", "year"], name="recognition_title_year_idx"),
            models.Index(fields=["unit", "year"], name="recognition_unit_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title_type} · {self.subject_name} · {self.year}"

    @property
    def subject(self):
        return {SubjectKind.HOUSEHOLD: self.household, SubjectKind.CLAN: self.clan,
                SubjectKind.CITIZEN: self.citizen}.get(self.subject_kind, self.unit)

    @property
    def subject_name(self) -> str:
        subject = self.subject
        if isinstance(subject, Household):
            return subject.head_name
        if isinstance(subject, Citizen):
            return subject.full_name
        return getattr(subject, "name", "")


class EvaluationList(models.Model):
    """A commune's yearly list of households (or clans, hamlets, citizens) evaluated for a title."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang lập")
        RECOGNISED = "recognised", _("Đã công nhận")

    unit = models.ForeignKey(Unit, verbose_name=_("xã/phường"), on_delete=models.PROTECT, related_name="+")
    title_type = models.ForeignKey(TitleType, on_delete=models.PROTECT, related_name="lists")
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.OPEN)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("danh sách bình xét")
        verbose_name_plural = _("danh sách bình xét")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "title_type", "year"], name="evaluation_list_unique")]

    def __str__(self) -> str:
        return f"{self.title_type} · {self.unit} · {self.year}"


class ListEntry(models.Model):
    evaluation_list = models.ForeignKey(EvaluationList, on_delete=models.CASCADE, related_name="entries")
    # The hamlet the subject lives in (or is, for Cộng đồng học tập cấp thôn).
    hamlet = models.ForeignKey(Unit, verbose_name=_("thôn/tổ dân phố"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clan = models.ForeignKey(Clan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey(Citizen, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("đạt"), default=False)
    review_date = models.DateField(_("ngày bình xét"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("dòng danh sách")
        verbose_name_plural = _("dòng danh sách")
        ordering = ["evaluation_list", "hamlet__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation_list", "household"], condition=Q(household__isnull=False),
                name="entry_household_once",
            ),
            models.UniqueConstraint(
                fields=["evaluation_list", "citizen"], condition=Q(citizen__isnull=False), name="entry_citizen_once"
            ),
            models.UniqueConstraint(
                fields=["evaluation_list", "clan"], condition=Q(clan__isnull=False), name="entry_clan_once"
            ),
            # A hamlet's own row (Cộng đồng học tập cấp thôn): the row with no other subject.
            models.UniqueConstraint(
                fields=["evaluation_list", "hamlet"],
                condition=Q(household__isnull=True, clan__isnull=True, citizen__isnull=True),
                name="entry_hamlet_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_list_id} · {self.pk}"


class ImportJob(models.Model):
    """An uploaded workbook going through dry run, then commit, in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ kiểm tra")
        CHECKING = "checking", _("Đang kiểm tra")
        INVALID = "invalid", _("Có lỗi, không ghi dữ liệu")
        VALIDATED = "validated", _("Kiểm tra xong, chờ xác nhận ghi")
        IMPORTING = "importing", _("Đang ghi dữ liệu")
        DONE = "done", _("Đã ghi dữ liệu")
        FAILED = "failed", _("Lỗi hệ thống")

    evaluation_list = models.ForeignKey(EvaluationList, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(upload_to="titles/imports/%Y/%m/")
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    commit_requested = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    new_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{"row": 5, "errors": ["Ngày bình xét: ..."]}, ...] (capped) and the first rows as previewed.
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt nhập Excel")
        verbose_name_plural = _("lượt nhập Excel")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.IMPORTING)
