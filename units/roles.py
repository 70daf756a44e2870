"""Roles a membership gives on a unit's subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Cán bộ đơn vị")
    REVIEWER = "reviewer", _("Cán bộ duyệt báo cáo")
    APPROVER = "approver", _("Cán bộ công nhận danh hiệu")
    COUNCIL_MEMBER = "council_member", _("Thành viên Hội đồng TĐKT")
    COUNCIL_SECRETARY = "council_secretary", _("Thư ký Hội đồng TĐKT")
    VIEWER = "viewer", _("Người xem")
    ADMIN = "admin", _("Quản trị đơn vị")


# Which roles may do what. An administrator of a unit may do everything within its subtree.
READ_ROLES = frozenset(Role.values)
