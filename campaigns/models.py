"""The national campaign, its phases and targets. Plans (and the Target.plan link) come with them."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from units.models import Unit

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

    indicator = models.CharField(_("chỉ tiêu"), max_length=60, choices=Indicator.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("phạm vi"), on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    percentage = models.DecimalField(
        _("tỷ lệ (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="targets")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["unit", "year", "indicator"]
        indexes = [models.Index(fields=["unit", "year"], name="target_unit_year_idx")]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.percentage}% ({self.year})"
