"""Indicator slugs of the public API (../shared/API.md): extend, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Indicator(models.TextChoices):
    HOUSEHOLDS_LEARNING_FAMILY = "households_learning_family", _("Hộ gia đình đạt danh hiệu Gia đình học tập")
    CLANS_LEARNING_CLAN = "clans_learning_clan", _("Dòng họ đạt danh hiệu Dòng họ học tập")
    HAMLETS_LEARNING_COMMUNITY = "hamlets_learning_community", _("Thôn, tổ dân phố đạt danh hiệu Cộng đồng học tập")
    COMMUNES_LEARNING_COMMUNITY = "communes_learning_community", _("Xã, phường đạt danh hiệu Cộng đồng học tập cấp xã")
    UNITS_LEARNING_UNIT = "units_learning_unit", _("Cơ quan, đơn vị, trường học đạt danh hiệu Đơn vị học tập")
    CITIZENS_LEARNING_CITIZEN = "citizens_learning_citizen", _("Công dân đạt danh hiệu Công dân học tập")
    WORKERS_LEARNING_CITIZEN = "workers_learning_citizen", _(
        "Người lao động trong Gia đình học tập, Cộng đồng học tập đạt Công dân học tập"
    )
    OFFICIALS_LEARNING_CITIZEN = "officials_learning_citizen", _(
        "Cán bộ, công chức, viên chức trong Đơn vị học tập đạt Công dân học tập"
    )
    LEARNING_CENTRES_USING_IT = "learning_centres_using_it", _("Trung tâm học tập cộng đồng ứng dụng CNTT")
    REPORTS_ON_TIME = "reports_on_time", _("Báo cáo gửi đúng hạn")
    # Void after the 2025 reform (no districts), kept for the history of 2023–2025 targets.
    DISTRICTS_LEARNING_DISTRICT = "districts_learning_district", _("Huyện đạt mô hình Huyện học tập")
