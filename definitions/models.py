"""Reporting definitions as data (docs/adr/0016-forms-and-indicators-as-data.md), after DHIS2's metadata.

- A *data element* is one figure a unit reports (households in the commune, recognised learning families…),
  with a value type, an aggregation rule and an optional *breakdown* (a category such as sex, whose options a
  value is entered for).
- An *indicator* is numerator ÷ denominator, each an expression over data elements (definitions/expressions.py),
  shown × `factor` with `decimals` places; the statistics API answers any active indicator's slug.
- A *report form* (per period kind: yearly, interim review, final review) has numbered *versions*; a version
  holds sections, fields (a data element, or a narrative text) and *validation rules*. A published version is
  frozen: changing a form means a new version; a report keeps the version it was opened with.
- A *unit group* (mountainous communes, disadvantaged areas…) lets a target apply to some units of a scope.

The ten indicators of the public API are *built-in*: their figures are stored per report as ReportFigure rows
(numerator, denominator) and the rollup fills them from the registries where no accepted report stands
(reports/facts.py). Their data elements carry that binding (`figure_indicator`, `figure_part`), so rules and
new indicators can use them like any element. Every model keeps its history (django-simple-history).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.indicators import Indicator
from units.models import Level, Unit

CODE_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_]*$", _("Mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng một chữ."))


def _code_field(label: Any, **kwargs: Any) -> models.CharField:
    return models.CharField(label, max_length=60, validators=[CODE_VALIDATOR], **kwargs)


def _owner_field() -> models.ForeignKey:
    # Empty: a national definition (Ministry); a province's own definitions belong to the province.
    return models.ForeignKey(Unit, verbose_name=_("đơn vị định nghĩa"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+",
                             help_text=_("Để trống: định nghĩa dùng chung cả nước."))


class Category(models.Model):
    """A breakdown: sex, ethnic group, area… Its options partition every value entered with it."""

    code = _code_field(_("mã"), unique=True)
    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    owner = _owner_field()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân tổ")
        verbose_name_plural = _("phân tổ")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CategoryOption(models.Model):
    category = models.ForeignKey(Category, verbose_name=_("phân tổ"), on_delete=models.PROTECT,
                                 related_name="options")
    code = _code_field(_("mã"))
    name = models.CharField(_("tên"), max_length=200)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nhóm phân tổ")
        verbose_name_plural = _("nhóm phân tổ")
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="category_option_unique_code")]

    def __str__(self) -> str:
        return f"{self.category.name}: {self.name}"


class ValueType(models.TextChoices):
    INTEGER = "integer", _("Số nguyên không âm")
    NUMBER = "number", _("Số không âm (có phần thập phân)")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Cộng dồn lên cấp trên")
    NONE = "none", _("Không cộng dồn (chỉ xem tại đơn vị)")


class FigurePart(models.TextChoices):
    NUMERATOR = "numerator", _("Số đạt")
    DENOMINATOR = "denominator", _("Tổng số")


class DataElement(models.Model):
    code = _code_field(_("mã"), unique=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=100, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    value_type = models.CharField(_("kiểu giá trị"), max_length=20, choices=ValueType.choices,
                                  default=ValueType.INTEGER)
    aggregation = models.CharField(_("cách tổng hợp"), max_length=20, choices=Aggregation.choices,
                                   default=Aggregation.SUM)
    category = models.ForeignKey(Category, verbose_name=_("phân tổ"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="data_elements",
                                 help_text=_("Nếu có: giá trị được nhập theo từng nhóm của phân tổ."))
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=50, blank=True)
    # Built-in elements: stored as the numerator or denominator of a built-in indicator's ReportFigure.
    figure_indicator = models.CharField(_("chỉ tiêu có sẵn"), max_length=60, choices=Indicator.choices, blank=True,
                                        editable=False)
    figure_part = models.CharField(_("phần của chỉ tiêu có sẵn"), max_length=20, choices=FigurePart.choices,
                                   blank=True, editable=False)
    # Computed by the portal (reports on time), never typed in: on no form.
    computed = models.BooleanField(_("do hệ thống tính"), default=False, editable=False)
    owner = _owner_field()
    is_active = models.BooleanField(_("đang dùng"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phần tử dữ liệu")
        verbose_name_plural = _("phần tử dữ liệu")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["figure_indicator", "figure_part"], condition=~Q(figure_indicator=""),
                                    name="element_one_per_figure_part"),
            models.CheckConstraint(condition=Q(figure_indicator="", figure_part="") |
                                   (~Q(figure_indicator="") & ~Q(figure_part="")), name="element_figure_binding_whole"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_builtin(self) -> bool:
        return bool(self.figure_indicator)


class Direction(models.TextChoices):
    HIGHER = "higher", _("Càng cao càng tốt")
    LOWER = "lower", _("Càng thấp càng tốt")


class IndicatorDefinition(models.Model):
    slug = models.CharField(_("mã chỉ tiêu"), max_length=60, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=100, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    numerator = models.TextField(_("tử số"), help_text=_("Biểu thức, ví dụ: #{ho_dat} hoặc #{nguoi_hoc.nu}."))
    numerator_label = models.CharField(_("tên tử số"), max_length=200, blank=True)
    denominator = models.TextField(_("mẫu số"), help_text=_("Biểu thức, ví dụ: #{tong_so_ho}."))
    denominator_label = models.CharField(_("tên mẫu số"), max_length=200, blank=True)
    factor = models.PositiveIntegerField(_("hệ số"), default=100, help_text=_("100: tỷ lệ phần trăm."))
    decimals = models.PositiveSmallIntegerField(_("số chữ số thập phân"), default=2,
                                                validators=[MaxValueValidator(4)])
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=50, default="%")
    direction = models.CharField(_("chiều tốt"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    # Computed by the portal's registry-aware rollup (the public API's ten slugs): the expressions document it.
    builtin = models.BooleanField(_("chỉ tiêu có sẵn"), default=False, editable=False)
    owner = _owner_field()
    is_active = models.BooleanField(_("đang dùng"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu thống kê")
        verbose_name_plural = _("chỉ tiêu thống kê")
        ordering = ["-builtin", "slug"]

    def __str__(self) -> str:
        return self.name


class PeriodKind(models.TextChoices):
    YEARLY = "yearly", _("Báo cáo hằng năm")
    INTERIM_REVIEW = "interim_review", _("Sơ kết giai đoạn")
    FINAL_REVIEW = "final_review", _("Tổng kết giai đoạn")


class ReportForm(models.Model):
    code = _code_field(_("mã biểu mẫu"), unique=True)
    name = models.CharField(_("tên biểu mẫu"), max_length=255)
    period_kind = models.CharField(_("kỳ báo cáo"), max_length=20, choices=PeriodKind.choices,
                                   default=PeriodKind.YEARLY)
    level = models.CharField(_("cấp đơn vị báo cáo"), max_length=20, choices=Level.choices)
    kinds = models.JSONField(_("loại đơn vị báo cáo"), default=list, blank=True,
                             help_text=_("Để trống: mọi loại đơn vị của cấp này."))
    is_summary = models.BooleanField(_("báo cáo tổng hợp"), default=False)
    description = models.TextField(_("mô tả"), blank=True)
    owner = _owner_field()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("biểu mẫu báo cáo")
        verbose_name_plural = _("biểu mẫu báo cáo")
        ordering = ["period_kind", "code"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    PUBLISHED = "published", _("Đã ban hành")
    RETIRED = "retired", _("Ngừng sử dụng")


class ReportFormVersion(models.Model):
    """One version of a form. Published: frozen (definitions.services refuses every change), used by reports of
    years from `first_year` (to `last_year`, if set) opened after publication."""

    form = models.ForeignKey(ReportForm, verbose_name=_("biểu mẫu"), on_delete=models.PROTECT,
                             related_name="versions")
    number = models.PositiveSmallIntegerField(_("phiên bản số"))
    title = models.CharField(_("tiêu đề văn bản"), max_length=255,
                             help_text=_("Tiêu đề in trên báo cáo, ví dụ: Kết quả xây dựng xã hội học tập năm"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    first_year = models.PositiveSmallIntegerField(_("áp dụng từ năm"))
    last_year = models.PositiveSmallIntegerField(_("áp dụng đến năm"), null=True, blank=True)
    # Review periods: the years the review covers (2023–2025 for the interim review).
    period_from = models.PositiveSmallIntegerField(_("giai đoạn từ năm"), null=True, blank=True)
    period_to = models.PositiveSmallIntegerField(_("giai đoạn đến năm"), null=True, blank=True)
    notes = models.TextField(_("ghi chú thay đổi"), blank=True)
    published_at = models.DateTimeField(_("ban hành lúc"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phiên bản biểu mẫu")
        verbose_name_plural = _("phiên bản biểu mẫu")
        ordering = ["form", "-number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="form_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.form.name} · v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT


class SectionKind(models.TextChoices):
    FIGURES = "figures", _("Số liệu")
    NARRATIVE = "narrative", _("Nội dung")


class FormSection(models.Model):
    version = models.ForeignKey(ReportFormVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    code = _code_field(_("mã mục"))
    title = models.CharField(_("tiêu đề mục"), max_length=255)
    kind = models.CharField(_("loại mục"), max_length=20, choices=SectionKind.choices, default=SectionKind.FIGURES)
    help_text = models.TextField(_("hướng dẫn"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mục của biểu mẫu")
        verbose_name_plural = _("mục của biểu mẫu")
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="form_section_unique_code")]

    def __str__(self) -> str:
        return self.title


class FormField(models.Model):
    """A data element to fill, or (in a narrative section) a text with its `narrative_code`."""

    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="fields")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    data_element = models.ForeignKey(DataElement, verbose_name=_("phần tử dữ liệu"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="form_fields")
    narrative_code = models.CharField(_("mã nội dung"), max_length=60, blank=True, validators=[CODE_VALIDATOR])
    label = models.CharField(_("nhãn"), max_length=255, blank=True, help_text=_("Để trống: tên phần tử dữ liệu."))
    help_text = models.TextField(_("hướng dẫn"), blank=True)
    required = models.BooleanField(_("bắt buộc"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trường của biểu mẫu")
        verbose_name_plural = _("trường của biểu mẫu")
        ordering = ["section", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(data_element__isnull=False) & Q(narrative_code="")) |
                          (Q(data_element__isnull=True) & ~Q(narrative_code="")),
                name="form_field_element_or_narrative",
                violation_error_message=_("Một trường là một phần tử dữ liệu hoặc một mục nội dung, không cả hai.")),
        ]

    def __str__(self) -> str:
        return self.label or (self.data_element.name if self.data_element else self.narrative_code)


class Operator(models.TextChoices):
    EQ = "==", _("bằng")
    NE = "!=", _("khác")
    LT = "<", _("nhỏ hơn")
    LE = "<=", _("nhỏ hơn hoặc bằng")
    GT = ">", _("lớn hơn")
    GE = ">=", _("lớn hơn hoặc bằng")


class Severity(models.TextChoices):
    BLOCKING = "blocking", _("Chặn gửi báo cáo")
    WARNING = "warning", _("Cảnh báo")


class ValidationRule(models.Model):
    """left <operator> right over the version's elements; a missing value counts as 0."""

    version = models.ForeignKey(ReportFormVersion, on_delete=models.CASCADE, related_name="rules")
    code = _code_field(_("mã quy tắc"))
    left = models.TextField(_("vế trái"))
    operator = models.CharField(_("phép so sánh"), max_length=2, choices=Operator.choices)
    right = models.TextField(_("vế phải"))
    message = models.CharField(_("thông báo khi vi phạm"), max_length=500)
    severity = models.CharField(_("mức độ"), max_length=20, choices=Severity.choices, default=Severity.BLOCKING)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quy tắc kiểm tra")
        verbose_name_plural = _("quy tắc kiểm tra")
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="validation_rule_unique_code")]

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"


class UnitGroup(models.Model):
    """Units that share a trait the tree does not say (mountainous communes, disadvantaged areas)."""

    code = _code_field(_("mã nhóm"), unique=True)
    name = models.CharField(_("tên nhóm"), max_length=255)
    description = models.TextField(_("mô tả"), blank=True)
    units = models.ManyToManyField(Unit, verbose_name=_("đơn vị"), related_name="groups", blank=True)
    owner = _owner_field()
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        verbose_name = _("nhóm đơn vị")
        verbose_name_plural = _("nhóm đơn vị")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
