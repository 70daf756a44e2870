from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
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


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the page for people, and for API clients (the token
    endpoint) JSON with a Vietnamese `detail`, as every API error is (API.md)."""
    if request.path.startswith("/api/"):
        message = gettext(
            "Bạn đã nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 30 phút hoặc liên hệ quản trị đơn vị."
        )
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    return render(request, "registration/locked_out.html", status=429)


# A constant body the size of a one-row statistics page, encoded once at import.
BENCH_FIXED_BODY = (
    b'{"count":1,"next":null,"previous":null,"results":[{"unit":{"id":1,"code":"42","name":"T\\u1ec9nh H\\u00e0 '
    b'T\\u0129nh","level":"province"},"year":2025,"indicator":"households_learning_family","numerator":286512,'
    b'"denominator":402112,"percentage":71.25,"target":70.0,"on_track":true}]}'
)


def bench_fixed_json(request):
    """Load tests only (URL exists when settings.BENCH_ENDPOINTS is on): the same middleware stack as every
    page, then a fixed JSON body with no database, no auth and no serializer — the floor the API is measured
    against (benchmarks/bench_load.py)."""
    return HttpResponse(BENCH_FIXED_BODY, content_type="application/json")
