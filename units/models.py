"""The administrative hierarchy and the organisations under it, across the 2025 reform.

A unit is valid over [valid_from, valid_to] (either end open). Official codes are reused across eras
(province 24 was Bắc Giang, is now Bắc Ninh), so a code is unique only among units valid at one date;
the database enforces it for currently valid units, the services for any date.

`path` is a materialised path of zero-padded ids ("00000012/00000345/"): a subtree is one indexed
prefix query, `path LIKE '00000012/%'`, on either database.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.text import nfc, search_key

from .roles import Role

PATH_SEGMENT_WIDTH = 8


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_SEGMENT_WIDTH}d}/"


class Level(models.TextChoices):
    # The country is the one root: national plans, targets and statistics need a scope too.
    NATION = "nation", _("Cả nước")
    PROVINCE = "province", _("Tỉnh/Thành phố")
    DISTRICT = "district", _("Huyện/Quận/Thị xã")
    COMMUNE = "commune", _("Xã/Phường/Đặc khu")
    HAMLET = "hamlet", _("Thôn/Ấp/Khu phố/Tổ dân phố")
    ORGANISATION = "organisation", _("Cơ quan/Tổ chức")


class Kind(models.TextChoices):
    # Administrative kinds, as the official names write them.
    NATION = "quoc_gia", _("Quốc gia")
    PROVINCE = "tinh", _("Tỉnh")
    CENTRAL_CITY = "thanh_pho_tw", _("Thành phố trực thuộc trung ương")
    URBAN_DISTRICT = "quan", _("Quận")
    RURAL_DISTRICT = "huyen", _("Huyện")
    TOWN = "thi_xa", _("Thị xã")
    PROVINCIAL_CITY = "thanh_pho", _("Thành phố thuộc tỉnh")
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    TOWNSHIP = "thi_tran", _("Thị trấn")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")
    HAMLET = "thon", _("Thôn/Ấp/Bản")
    RESIDENTIAL_GROUP = "to_dan_pho", _("Khu phố/Tổ dân phố")
    # Organisations hang under the administrative unit that manages them.
    MINISTRY = "ministry", _("Bộ, cơ quan ngang bộ")
    PEOPLES_COMMITTEE = "ubnd", _("Ủy ban nhân dân")
    DEPARTMENT = "department", _("Sở/Ban/Ngành")
    AGENCY = "agency", _("Cơ quan")
    SCHOOL = "school", _("Trường học")
    UNIVERSITY = "university", _("Trường đại học/cao đẳng")
    ENTERPRISE = "enterprise", _("Doanh nghiệp")
    ASSOCIATION = "association", _("Hội/Đoàn thể")
    LEARNING_CENTRE = "learning_centre", _("Trung tâm học tập cộng đồng")
    OTHER = "other", _("Khác")


ORGANISATION_KINDS = frozenset(
    {
        Kind.MINISTRY,
        Kind.PEOPLES_COMMITTEE,
        Kind.DEPARTMENT,
        Kind.AGENCY,
        Kind.SCHOOL,
        Kind.UNIVERSITY,
        Kind.ENTERPRISE,
        Kind.ASSOCIATION,
        Kind.LEARNING_CENTRE,
        Kind.OTHER,
    }
)


class Unit(models.Model):
    code = models.CharField(_("mã"), max_length=20, blank=True, db_index=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=255, blank=True)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    level = models.CharField(_("cấp"), max_length=20, choices=Level.choices)
    kind = models.CharField(_("loại"), max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("đơn vị cấp trên"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    # A key from the source data set ("tinhhatinh_huyenkyanh_xakyxuan"): stable across loads, so the
    # loader can tell "already here" from "new" without relying on reused official codes.
    source_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)

    history = HistoricalRecords(excluded_fields=["search_name", "path", "depth"])

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL answer `path LIKE 'prefix%'` from the index.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "valid_from", "valid_to"], name="unit_level_validity_idx"),
            # "The communes of this province" (/stats/?level=commune, dashboards): level and path prefix from one
            # index; with the path index alone a generated province's subtree (a quarter of the tree) was
            # read in full (13 ms instead of 4).
            models.Index(fields=["level", "path"], name="unit_level_path_idx",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=Q(valid_to__isnull=True) & ~Q(code=""),
                name="unit_code_unique_among_current",
                violation_error_message=_("Mã đơn vị đã được dùng cho một đơn vị khác đang có hiệu lực."),
            ),
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="unit_source_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns, kept beside the name they come from so no writer can forget them;
        # bulk writers (the loader) call refresh_derived_fields() themselves.
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    def refresh_derived_fields(self) -> None:
        self.name = nfc(self.name)
        self.short_name = nfc(self.short_name)
        self.search_name = search_key(f"{self.name} {self.short_name}")[:255]

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )

    @property
    def is_administrative(self) -> bool:
        return self.level != Level.ORGANISATION


class Succession(models.Model):
    """One edge of lineage: `predecessor` became (part of) `successor` on `date`.

    A split predecessor has one edge per receiving successor, each `partial`; the one that keeps the
    predecessor's figures for trends is `primary`.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", _("Hợp nhất/Sáp nhập")
        SPLIT = "split", _("Chia tách")
        RENAME = "rename", _("Đổi tên")
        CONTINUE = "continue", _("Giữ nguyên")

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successions_out")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successions_in")
    kind = models.CharField(_("hình thức"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("ngày hiệu lực"))
    partial = models.BooleanField(_("một phần"), default=False)
    primary = models.BooleanField(_("đơn vị kế thừa chính"), default=True)

    class Meta:
        verbose_name = _("kế thừa đơn vị")
        verbose_name_plural = _("kế thừa đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique_pair"),
        ]
        indexes = [models.Index(fields=["successor", "date"], name="succession_successor_idx")]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Membership(models.Model):
    """A user's role on a unit; it reaches the unit's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


# --- Registries: minimal personal data (names, birth year, household, workplace; no ID numbers) ---


class Household(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name=_("thôn/tổ dân phố"), on_delete=models.PROTECT, related_name="households"
    )
    code = models.CharField(_("mã hộ"), max_length=40)
    head_name = models.CharField(_("chủ hộ"), max_length=200)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="household_code_unique_in_unit")]

    def __str__(self) -> str:
        return f"{self.code} · {self.head_name}"


class Clan(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("địa bàn"), on_delete=models.PROTECT, related_name="clans")
    name = models.CharField(_("tên dòng họ"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dòng họ")
        verbose_name_plural = _("dòng họ")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="clan_name_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


class Citizen(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("địa bàn"), on_delete=models.PROTECT, related_name="citizens")
    household = models.ForeignKey(
        Household, verbose_name=_("hộ gia đình"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="members",
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"), null=True, blank=True)
    workplace = models.CharField(_("nơi làm việc"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("công dân")
        verbose_name_plural = _("công dân")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="citizen_birth_year_plausible",
            )
        ]

    def __str__(self) -> str:
        return self.full_name
