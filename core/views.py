from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from units import selectors as unit_selectors
from units.roles import Role

# What each role comes to the portal to do; the home page leads with it.
ROLE_TASKS = {
    Role.OFFICER: _("Lập và gửi báo cáo hằng năm, tự đánh giá danh hiệu, đề nghị khen thưởng của đơn vị."),
    Role.REVIEWER: _("Theo dõi đơn vị cấp dưới gửi báo cáo đúng hạn; tiếp nhận hoặc trả lại báo cáo."),
    Role.APPROVER: _("Thẩm định hồ sơ tự đánh giá và ra quyết định công nhận danh hiệu học tập."),
    Role.COUNCIL_MEMBER: _("Xem xét hồ sơ đề nghị khen thưởng và bỏ phiếu tại phiên họp Hội đồng."),
    Role.COUNCIL_SECRETARY: _("Chuẩn bị phiên họp Hội đồng Thi đua - Khen thưởng, lập biên bản."),
    Role.VIEWER: _("Theo dõi kết quả thực hiện chỉ tiêu và số liệu thống kê."),
    Role.ADMIN: _("Quản lý đơn vị trực thuộc và phân quyền người dùng."),
}


@login_required
def home(request):
    memberships = request.user.memberships.select_related("unit").order_by("unit__path", "role")
    cards = [
        {"membership": m, "task": ROLE_TASKS.get(m.role, "")} for m in memberships
    ]
    roots = unit_selectors.scope_roots(request.user).annotate(n_children=Count("children")).order_by("name")[:20]
    return render(request, "core/home.html", {"cards": cards, "roots": roots})


def healthz(request):
    """For the load balancer: the process answers; the database is checked by a real query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
