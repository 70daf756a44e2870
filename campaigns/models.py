"""The national campaign, its phases and targets, and the plans that carry it out."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from units.models import Level, Unit

from .indicators import Indicator


class Campaign(models.Model):
    name = models.CharField(_("tên phong trào"), max_length=500)
    decision_number = models.CharField(_("số quyết định phát động"), max_length=50)
    decision_date = models.DateField(_("ngày quyết định"))
    start_year = models.PositiveSmallIntegerField(_("năm bắt đầu"))
    end_year = models.PositiveSmallIntegerField(_("năm kết thúc"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phong trào thi đua")
        verbose_name_plural = _("phong trào thi đua")
        constraints = [
            models.UniqueConstraint(fields=["decision_number"], name="campaign_decision_unique"),
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")), name="campaign_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    class Review(models.TextChoices):
        INTERIM = "interim", _("Sơ kết")
        FINAL = "final", _("Tổng kết")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("giai đoạn"))
    start_year = models.PositiveSmallIntegerField(_("từ năm"))
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    review = models.CharField(_("hình thức tổng kết"), max_length=10, choices=Review.choices)
    review_year = models.PositiveSmallIntegerField(_("năm sơ kết/tổng kết"))

    class Meta:
        verbose_name = _("giai đoạn")
        verbose_name_plural = _("giai đoạn")
        ordering = ["campaign", "number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="phase_number_unique")]

    def __str__(self) -> str:
        return f"{self.start_year}–{self.end_year}"


class Target(models.Model):
    """(indicator, scope unit, year, percentage): e.g. 70% of households in Bình Dương by 2025."""

    # Any indicator slug defined as data (definitions.IndicatorDefinition), the ten built-in ones included: no
    # choices here, so a new indicator needs no migration; the services check the slug.
    indicator = models.CharField(_("chỉ tiêu"), max_length=60)
    unit = models.ForeignKey(Unit, verbose_name=_("phạm vi"), on_delete=models.PROTECT, related_name="targets")
    # Set: the target applies only to the group's members (and their subtrees) inside `unit`'s subtree, e.g. the
    # mountainous communes of Hà Tĩnh (reports/targets.py holds the precedence).
    unit_group = models.ForeignKey(
        "definitions.UnitGroup", verbose_name=_("nhóm đơn vị"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="targets",
        help_text=_("Để trống: chỉ tiêu áp dụng cho cả phạm vi. Chọn nhóm: chỉ áp dụng cho các đơn vị của nhóm "
                    "trong phạm vi."),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    percentage = models.DecimalField(
        _("tỷ lệ (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="targets")
    # The plan that sets the target; national targets (QĐ 387, QĐ 677) come from no plan in the portal.
    plan = models.ForeignKey(
        "Plan", verbose_name=_("kế hoạch"), null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["unit", "year", "indicator"]
        indexes = [models.Index(fields=["unit", "year"], name="target_unit_year_idx")]
        # NULLs are distinct in a unique index: a general target (no group) and each group's target get a
        # constraint of their own.
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator", "unit", "year"], condition=models.Q(unit_group__isnull=True),
                name="target_unique_in_plan",
                violation_error_message=_("Kế hoạch đã có chỉ tiêu này cho năm này."),
            ),
            models.UniqueConstraint(
                fields=["plan", "indicator", "unit", "unit_group", "year"],
                condition=models.Q(unit_group__isnull=False), name="target_group_unique_in_plan",
                violation_error_message=_("Kế hoạch đã có chỉ tiêu này của nhóm đơn vị cho năm này."),
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], condition=models.Q(plan__isnull=True, unit_group__isnull=True),
                name="target_unique_without_plan",
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "unit_group", "year"],
                condition=models.Q(plan__isnull=True, unit_group__isnull=False),
                name="target_group_unique_without_plan",
            ),
        ]

    def __str__(self) -> str:
        group = f" — {self.unit_group}" if self.unit_group_id else ""
        return f"{self.get_indicator_display()}{group} {self.percentage}% ({self.year})"

    def get_indicator_display(self) -> str:
        """The indicator's name: from `indicator_name` when the selector annotated it (lists), else one query."""
        name = getattr(self, "indicator_name", None)
        if name is None:
            from definitions.models import IndicatorDefinition

            name = IndicatorDefinition.objects.filter(slug=self.indicator).values_list("name", flat=True).first()
        return str(name or self.indicator)

    def applies_until(self):
        """Targets on districts (abolished by the 2025 reform) stay in history but apply no longer."""
        if self.indicator == Indicator.DISTRICTS_LEARNING_DISTRICT or self.unit.level == Level.DISTRICT:
            return settings.ADMIN_REFORM_DATE - datetime.timedelta(days=1)
        return None


class DocumentKind(models.TextChoices):
    """What a plan-like document is; its type symbol goes into the number ("151/KH-UBND")."""

    PLAN = "plan", _("Kế hoạch")
    LETTER = "letter", _("Công văn")


# Type label printed under the header, and type symbol of the number (NĐ 30/2020, Phụ lục III).
DOCUMENT_TYPE_LABELS = {DocumentKind.PLAN: "KẾ HOẠCH", DocumentKind.LETTER: ""}
DOCUMENT_TYPE_SYMBOLS = {DocumentKind.PLAN: "KH", DocumentKind.LETTER: ""}


class CapacityMark(models.TextChoices):
    NONE = "", _("Ký trực tiếp")
    ON_BEHALF_OF_COLLECTIVE = "TM.", _("TM. — thay mặt tập thể")
    DEPUTY = "KT.", _("KT. — ký thay người đứng đầu")
    ACTING = "Q.", _("Q. — quyền")
    BY_ORDER = "TL.", _("TL. — thừa lệnh")
    BY_AUTHORISATION = "TUQ.", _("TUQ. — thừa ủy quyền")


class PdfStatus(models.TextChoices):
    NONE = "none", _("Chưa tạo")
    QUEUED = "queued", _("Đang chờ tạo")
    RENDERING = "rendering", _("Đang tạo")
    READY = "ready", _("Đã tạo")
    FAILED = "failed", _("Lỗi khi tạo")


# The optional sections of a plan, in the order the seeds print them (I. … VII.).
PLAN_SECTIONS = (
    ("purposes", _("Mục đích, yêu cầu")),
    ("contents", _("Nội dung phong trào thi đua")),
    ("criteria", _("Tiêu chí thi đua và hình thức khen thưởng")),
    ("solutions", _("Giải pháp thực hiện")),
    ("schedule", _("Tiến độ thực hiện")),
    ("budget", _("Kinh phí thực hiện")),
    ("organisation", _("Tổ chức thực hiện")),
)


def plan_pdf_path(plan: "Plan", filename: str) -> str:
    return f"plans/{plan.pk}/{filename}"


class Plan(models.Model):
    """A document a body issues to carry the campaign out: a plan (kế hoạch) or a letter (công văn).

    Draft → issued. An issued plan is immutable; a correction is a new version (`supersedes`).
    `parent` is the plan it implements when that plan is in the portal, `parent_reference` when not.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        ISSUED = "issued", _("Đã ban hành")

    campaign = models.ForeignKey(Campaign, verbose_name=_("phong trào"), on_delete=models.PROTECT, related_name="plans")
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị ban hành"), on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField(_("loại văn bản"), max_length=10, choices=DocumentKind.choices, default=DocumentKind.PLAN)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    number = models.CharField(
        _("số, ký hiệu"), max_length=60, blank=True,
        help_text=_("Để trống: số được cấp từ sổ đăng ký văn bản khi ban hành. Chỉ nhập số (ví dụ: 151/KH-UBND) "
                    "cho văn bản đã ban hành ngoài hệ thống."),
    )
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=255)
    parent_body = models.CharField(_("cơ quan chủ quản"), max_length=255, blank=True)
    place = models.CharField(_("địa danh"), max_length=100)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    title = models.CharField(_("trích yếu"), max_length=500)
    addressees = models.TextField(_("kính gửi"), blank=True, help_text=_("Mỗi dòng một nơi (công văn)."))

    introduction = models.TextField(_("căn cứ, mở đầu"), blank=True)
    purposes = models.TextField(_("mục đích, yêu cầu"), blank=True)
    contents = models.TextField(_("nội dung"), blank=True)
    criteria = models.TextField(_("tiêu chí thi đua và hình thức khen thưởng"), blank=True)
    solutions = models.TextField(_("giải pháp thực hiện"), blank=True)
    schedule = models.TextField(_("tiến độ thực hiện"), blank=True)
    budget = models.TextField(_("kinh phí thực hiện"), blank=True)
    organisation = models.TextField(_("tổ chức thực hiện"), blank=True)
    closing = models.TextField(_("kết thúc"), blank=True)

    recipients = models.TextField(_("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận."))
    signer_collective = models.CharField(
        _("thay mặt tập thể (TM.)"), max_length=200, blank=True, help_text=_("Ví dụ: Ủy ban nhân dân")
    )
    signer_capacity = models.CharField(
        _("thẩm quyền ký"), max_length=5, choices=CapacityMark.choices, blank=True, default=CapacityMark.NONE
    )
    signer_principal = models.CharField(
        _("ký thay/thừa lệnh cho"), max_length=200, blank=True, help_text=_("Ví dụ: Chủ tịch, Giám đốc")
    )
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=200, blank=True)

    parent = models.ForeignKey(
        "self", verbose_name=_("kế hoạch cấp trên"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    parent_reference = models.CharField(
        _("văn bản cấp trên (ngoài cổng)"), max_length=500, blank=True,
        help_text=_("Ví dụ: Kế hoạch số 808/KH-BGDĐT ngày 03/7/2024 của Bộ GD&ĐT"),
    )
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("thay thế văn bản"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="correction",
    )
    # Optimistic lock: each write bumps it; a form or PATCH carrying an older value gets 409.
    revision = models.PositiveIntegerField(_("lần sửa"), default=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    # The PDF lives in the document register (core.documents.Document, subject = this plan): one
    # pipeline for every state act; the pdf_* properties below read it.

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["unit", "status"], name="plan_unit_status_idx"),
            models.Index(fields=["number"], name="plan_number_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="issued") | models.Q(issued_on__isnull=False),
                name="plan_issued_has_date",
                violation_error_message=_("Kế hoạch đã ban hành phải có ngày ban hành."),
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="plan_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('(chưa có số)')} — {self.title}"

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def type_label(self) -> str:
        return DOCUMENT_TYPE_LABELS[DocumentKind(self.kind)]

    # --- the PDF, from the plan's Document in the register (read only; services write it) ---

    @property
    def document(self):
        from core.documents.services import document_for

        return document_for(self, kind=self.kind)

    def _document_value(self, name: str, default=None):
        document = self.document
        return getattr(document, name) if document is not None else default

    @property
    def pdf_file(self):
        document = self.document
        return document.pdf if document is not None else None

    @property
    def pdf_status(self) -> str:
        return self._document_value("render_status", PdfStatus.NONE)

    @property
    def pdf_fingerprint(self) -> str:
        return self._document_value("content_hash", "")

    @property
    def pdf_pages(self) -> int | None:
        return self._document_value("page_count")

    @property
    def pdf_error(self) -> str:
        return self._document_value("render_error", "")

    @property
    def pdf_rendered_at(self):
        return self._document_value("rendered_at")

    def sections(self) -> list[tuple[str, str, str]]:
        """(field, heading, html) of the sections this plan has, in print order."""
        return [(name, str(label), getattr(self, name)) for name, label in PLAN_SECTIONS if getattr(self, name)]
