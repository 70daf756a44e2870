"""Yearly reports: reporting rounds, reports with their figures, the workflow log, and stored rollups.

Figures live in a normalised table (ReportFigure: report, indicator, numerator, denominator) because the
aggregation reads them set-based. `numerator` is the recognised count, `denominator` the total
(eligible) count, as in the statistics API.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.indicators import Indicator
from campaigns.models import Campaign
from definitions.models import CategoryOption, DataElement, PeriodKind, ReportForm, ReportFormVersion
from units.models import Kind, Level, Unit


class ReportingRound(models.Model):
    """Which units report for a campaign year, from when, and until when.

    A round applies to the units of `level` (and of one of `kinds`, if given) inside `scope_unit`'s subtree.
    A deeper scope overrides a shallower one: a province may close its communes' round earlier than the
    national default. Reports are due *before* `deadline` (the seeds say "trước ngày 20 tháng 11"), so the
    form locks at the start of that day.
    """

    campaign = models.ForeignKey(Campaign, verbose_name=_("phong trào"), on_delete=models.PROTECT,
                                 related_name="reporting_rounds")
    year = models.PositiveSmallIntegerField(_("năm báo cáo"))
    scope_unit = models.ForeignKey(Unit, verbose_name=_("phạm vi áp dụng"), on_delete=models.PROTECT,
                                   related_name="reporting_rounds")
    level = models.CharField(_("cấp đơn vị báo cáo"), max_length=20, choices=Level.choices)
    kinds = models.JSONField(_("loại đơn vị báo cáo"), default=list, blank=True,
                             help_text=_("Để trống: mọi loại đơn vị của cấp này."))
    indicators = models.JSONField(_("chỉ tiêu phải báo cáo"), default=list, blank=True,
                                  help_text=_("Để trống: mọi chỉ tiêu."))
    is_summary = models.BooleanField(
        _("báo cáo tổng hợp"), default=False,
        help_text=_("Báo cáo tổng hợp lấy số liệu từ các đơn vị cấp dưới, không cộng thêm vào thống kê."),
    )
    # Yearly reports are the statistics' facts; interim and final reviews are reports of their own.
    period_kind = models.CharField(_("kỳ báo cáo"), max_length=20, choices=PeriodKind.choices,
                                   default=PeriodKind.YEARLY)
    form = models.ForeignKey(ReportForm, verbose_name=_("biểu mẫu"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="rounds",
                             help_text=_("Để trống: biểu mẫu đang ban hành cho cấp, loại đơn vị và kỳ báo cáo này."))
    recipient = models.CharField(_("nơi nhận báo cáo"), max_length=255, blank=True)
    opens_on = models.DateField(_("ngày mở"))
    deadline = models.DateField(_("hạn gửi (trước ngày)"))

    class Meta:
        verbose_name = _("đợt báo cáo")
        verbose_name_plural = _("đợt báo cáo")
        ordering = ["year", "scope_unit__path", "level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "scope_unit", "level", "period_kind"],
                                    name="round_unique_scope_level_period"),
            models.CheckConstraint(condition=Q(deadline__gt=models.F("opens_on")), name="round_dates_ordered",
                                   violation_error_message=_("Hạn gửi phải sau ngày mở.")),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.get_level_display()} · {self.scope_unit}"

    def required_indicators(self, version: ReportFormVersion | None = None) -> list[str]:
        """The built-in figures a report of this round needs: those on its form version (`version`, else the
        round's default version), narrowed to `indicators` where the round names some."""
        from .form_versions import required_indicators, round_default_version

        version = version or round_default_version(self)
        if version is None:  # no published form applies: the rule from before forms were data
            return list(self.indicators) or [i for i in Indicator.values if i not in NON_REPORTED_INDICATORS]
        on_form = required_indicators(version)
        if self.indicators:
            return [i for i in self.indicators if i in on_form]
        return on_form

    def unit_filter(self, prefix: str = "") -> Q:
        """A Q over units that this round expects a report from (valid on the deadline)."""
        day = self.deadline
        q = Q(**{f"{prefix}level": self.level, f"{prefix}path__startswith": self.scope_unit.path})
        if self.kinds:
            q &= Q(**{f"{prefix}kind__in": self.kinds})
        q &= Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})
        q &= Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
        return q


# Computed by the portal, never typed in: on-time reports; districts (void after the reform).
NON_REPORTED_INDICATORS = frozenset({Indicator.REPORTS_ON_TIME, Indicator.DISTRICTS_LEARNING_DISTRICT})

# Organisations that send a yearly evaluation of their own (a faculty reports through its university).
REPORTING_ORGANISATION_KINDS = [Kind.DEPARTMENT, Kind.AGENCY, Kind.SCHOOL, Kind.UNIVERSITY, Kind.ENTERPRISE,
                                Kind.ASSOCIATION]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi")
    RETURNED = "returned", _("Bị trả lại")
    ACCEPTED = "accepted", _("Đã tiếp nhận")


# Statuses in which the unit's officer may still change the report.
EDITABLE_STATUSES = frozenset({ReportStatus.DRAFT, ReportStatus.RETURNED})
RECEIVED_STATUSES = frozenset({ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.ACCEPTED})

NARRATIVE_FIELDS = ("results", "limitations", "proposals")


class Report(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị báo cáo"), on_delete=models.PROTECT,
                             related_name="reports")
    year = models.PositiveSmallIntegerField(_("năm"))
    round = models.ForeignKey(ReportingRound, verbose_name=_("đợt báo cáo"), on_delete=models.PROTECT,
                              related_name="reports")
    period_kind = models.CharField(_("kỳ báo cáo"), max_length=20, choices=PeriodKind.choices,
                                   default=PeriodKind.YEARLY)
    # The form version the report was opened with, kept for good: a later version changes no open report.
    form_version = models.ForeignKey(ReportFormVersion, verbose_name=_("phiên bản biểu mẫu"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("trạng thái"), max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)
    # Optimistic lock: every write checks the version the writer read and increments it.
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    is_summary = models.BooleanField(_("báo cáo tổng hợp"), default=False)
    results = models.TextField(_("kết quả đạt được"), blank=True)
    limitations = models.TextField(_("hạn chế, tồn tại"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    # Narrative sections of the form beyond the three columns above (causes, lessons…): {narrative_code: text}.
    narratives = models.JSONField(_("nội dung khác"), default=dict, blank=True)
    review_comments = models.JSONField(_("ý kiến của cấp trên"), default=dict, blank=True)
    first_submitted_at = models.DateTimeField(_("gửi lần đầu lúc"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    on_time = models.BooleanField(_("đúng hạn"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("báo cáo hằng năm")
        verbose_name_plural = _("báo cáo hằng năm")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "period_kind"],
                                               name="report_one_per_unit_year_period")]
        indexes = [models.Index(fields=["year", "status"], name="report_year_status_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def required_indicators(self) -> list[str]:
        """The built-in figures this report needs: those of the form version it was opened with."""
        return self.round.required_indicators(self.form_version)


class ReportFigure(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="figures")
    indicator = models.CharField(_("chỉ tiêu"), max_length=60, choices=Indicator.choices)
    numerator = models.PositiveIntegerField(_("số đạt danh hiệu"), default=0)
    denominator = models.PositiveIntegerField(_("tổng số"), default=0)

    class Meta:
        verbose_name = _("số liệu báo cáo")
        verbose_name_plural = _("số liệu báo cáo")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="figure_one_per_indicator"),
            models.CheckConstraint(condition=Q(numerator__lte=models.F("denominator")),
                                   name="figure_recognised_le_total",
                                   violation_error_message=_("Số đạt danh hiệu không được lớn hơn tổng số.")),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.numerator}/{self.denominator}"


class ReportValue(models.Model):
    """A data element's value in a report (elements defined as data; the built-in ones live in ReportFigure).

    With a breakdown, one row per category option (`option`); without one, a single row with no option."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    data_element = models.ForeignKey(DataElement, verbose_name=_("phần tử dữ liệu"), on_delete=models.PROTECT,
                                     related_name="+")
    option = models.ForeignKey(CategoryOption, verbose_name=_("nhóm phân tổ"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("giá trị"), max_digits=20, decimal_places=4)

    class Meta:
        verbose_name = _("giá trị báo cáo")
        verbose_name_plural = _("giá trị báo cáo")
        constraints = [
            models.UniqueConstraint(fields=["report", "data_element", "option"], name="value_one_per_option"),
            models.UniqueConstraint(fields=["report", "data_element"], condition=Q(option__isnull=True),
                                    name="value_one_without_option"),
            models.CheckConstraint(condition=Q(value__gte=0), name="value_not_negative",
                                   violation_error_message=_("Giá trị không được âm.")),
        ]

    def __str__(self) -> str:
        return f"{self.data_element_id}.{self.option_id}: {self.value}"


class ReportTransition(models.Model):
    """One step of the workflow, kept forever: who, when, from, to, and what they said."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("từ trạng thái"), max_length=20, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=20, choices=ReportStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    comment = models.TextField(_("ý kiến"), blank=True)
    field_comments = models.JSONField(_("ý kiến theo mục"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lịch sử xử lý báo cáo")
        verbose_name_plural = _("lịch sử xử lý báo cáo")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report} {self.from_status}→{self.to_status}"


class DeadlineExtension(models.Model):
    """The level above lets one unit send its report late, until `new_deadline` (exclusive)."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="report_extensions")
    year = models.PositiveSmallIntegerField(_("năm"))
    new_deadline = models.DateField(_("hạn mới (trước ngày)"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gia hạn báo cáo")
        verbose_name_plural = _("gia hạn báo cáo")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["unit", "year"], name="extension_unit_year_idx")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.year} → {self.new_deadline}"


class ExtensionRequestStatus(models.TextChoices):
    PENDING = "pending", _("Chờ cấp trên xem xét")
    GRANTED = "granted", _("Đã được gia hạn")
    REFUSED = "refused", _("Không được gia hạn")


class ExtensionRequest(models.Model):
    """A unit asks the level above for more time (reason, new date); the reviewer grants or refuses it.

    Kept apart from DeadlineExtension on purpose: an extension is what moves the deadline (every reader of
    deadlines counts only those), a request is a question that may be refused. A grant creates the extension
    and links it here.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="extension_requests")
    year = models.PositiveSmallIntegerField(_("năm"))
    new_deadline = models.DateField(_("hạn đề nghị (trước ngày)"))
    reason = models.TextField(_("lý do đề nghị"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người đề nghị"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("đề nghị lúc"), auto_now_add=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=ExtensionRequestStatus.choices,
                              default=ExtensionRequestStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người quyết định"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decision_reason = models.TextField(_("lý do của cấp trên"), blank=True)
    extension = models.OneToOneField(DeadlineExtension, verbose_name=_("gia hạn đã cấp"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="request")

    class Meta:
        verbose_name = _("đề nghị gia hạn báo cáo")
        verbose_name_plural = _("đề nghị gia hạn báo cáo")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open question per unit and year: a second click must not queue a second request.
            models.UniqueConstraint(fields=["unit", "year"], condition=Q(status="pending"),
                                    name="extension_request_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.year} → {self.new_deadline} ({self.status})"


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    # No unit id or original name in the path: the storage (core.files.PrivateStorage) replaces the name with a
    # random token, and the folder says only the year. The original name is kept in `name`.
    return f"reports/attachments/{instance.report.year}/{filename}"


class ReportAttachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("tệp đính kèm"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class StatRollup(models.Model):
    """Accepted base reports summed over a unit's subtree, per year and indicator (rebuilt, never edited)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="stat_rollups")
    year = models.PositiveSmallIntegerField(_("năm"))
    # A slug of definitions.IndicatorDefinition: the built-in ten, or one defined as data.
    indicator = models.CharField(_("chỉ tiêu"), max_length=60)
    # Set on the rows of a breakdown (`/stats/?by=sex`); the indicator's own row has none.
    option = models.ForeignKey(CategoryOption, verbose_name=_("nhóm phân tổ"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    numerator = models.BigIntegerField(_("số đạt"))
    denominator = models.BigIntegerField(_("tổng số"))
    percentage = models.DecimalField(_("tỷ lệ (%)"), max_digits=7, decimal_places=2, null=True)
    target = models.DecimalField(_("chỉ tiêu (%)"), max_digits=5, decimal_places=2, null=True)
    on_track = models.BooleanField(_("đạt chỉ tiêu"), null=True)
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "indicator"], condition=Q(option__isnull=True),
                                    name="rollup_one_per_unit_year_indicator"),
            models.UniqueConstraint(fields=["unit", "year", "indicator", "option"],
                                    condition=Q(option__isnull=False), name="rollup_one_per_option"),
        ]
        indexes = [models.Index(fields=["year", "indicator"], name="rollup_year_indicator_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.indicator}: {self.numerator}/{self.denominator}"


class ValueRollup(models.Model):
    """Accepted yearly base reports' values of data elements defined as data, summed over each unit's subtree.

    One row per (unit, year, element, option) plus the element's total (option empty) — rebuilt with the
    statistics rollup in the same transaction (reports/value_rollup.py), never edited."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    data_element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(CategoryOption, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("giá trị"), max_digits=24, decimal_places=4)
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("giá trị tổng hợp")
        verbose_name_plural = _("giá trị tổng hợp")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "data_element"], condition=Q(option__isnull=True),
                                    name="value_rollup_one_total"),
            models.UniqueConstraint(fields=["unit", "year", "data_element", "option"],
                                    condition=Q(option__isnull=False), name="value_rollup_one_per_option"),
        ]
        indexes = [models.Index(fields=["year", "data_element"], name="value_rollup_year_element_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.data_element_id}.{self.option_id}: {self.value}"


class StatsDirty(models.Model):
    """Units whose rollups must be recomputed; the debounced task drains them (survives a killed worker)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="stats_dirty_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.year}"


class ReminderDigest(models.Model):
    """One digest per user and day: the e-mail sent and the notice shown on the home page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_reminders")
    day = models.DateField(_("ngày"))
    subject = models.CharField(_("tiêu đề"), max_length=255)
    body = models.TextField(_("nội dung"))
    emailed = models.BooleanField(_("đã gửi thư"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nhắc hạn báo cáo")
        verbose_name_plural = _("nhắc hạn báo cáo")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_one_per_user_day")]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
