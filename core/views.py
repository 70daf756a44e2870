from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.params import lookup_id
from core.todo import todo_for
from units.roles import Role

M = TypeVar("M", bound=Model)

# --- The page-side adapter: one way every page answers a refusal of the domain ----------------------------


def is_role_refusal(exc: DomainError) -> bool:
    return exc.status == 403 or exc.code == "permission_denied"


def refuse(request: HttpRequest, exc: DomainError, *, form: forms.BaseForm | None = None) -> None:
    """How a page answers a DomainError: a refusal of role on an object the user may see is the 403 page (the
    object's existence is no secret to them); anything else is a message on the page, and the error of the
    field the service named when `form` has it, so the user sees it where they typed."""
    if is_role_refusal(exc):
        raise DjangoPermissionDenied(exc.message) from exc
    if form is not None and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    messages.error(request, exc.message)


def domain_action(request: HttpRequest, action: Callable[[], Any], *, success: str | None,
                  then: str | Callable[[Any], str], failed: str | None = None) -> HttpResponseRedirect:
    """Run a write (`action`, a service call) for a POST and redirect: on success with `success` as a message
    to `then` (a URL, or a function of the action's result giving one); on a DomainError through `refuse` to
    `failed` (default: the page the user came from, `then` evaluated without a result)."""
    try:
        result = action()
    except DomainError as exc:
        refuse(request, exc)
        return redirect(failed if failed is not None else (then(None) if callable(then) else then))
    if success:
        messages.success(request, success)
    return redirect(then(result) if callable(then) else then)


def scoped_object_or_404(queryset: QuerySet[M], pk: object, message: str | Promise) -> M:
    """The object with `pk` among what the user may see (`queryset` comes from a scoped selector), else a 404
    with `message`: an object outside the scope and one that does not exist get the same answer (issue 11,
    point 6), so a 404 never confirms that a foreign draft exists."""
    number = lookup_id(pk)
    obj = queryset.filter(pk=number).first() if number is not None else None
    if obj is None:
        raise Http404(message)
    return obj


# What each role comes to the portal to do; the home page leads with it.
ROLE_TASKS: dict[str, Any] = {
    Role.OFFICER: _("Lập và gửi báo cáo hằng năm, tự đánh giá danh hiệu, đề nghị khen thưởng của đơn vị."),
    Role.REVIEWER: _("Theo dõi đơn vị cấp dưới gửi báo cáo đúng hạn; tiếp nhận hoặc trả lại báo cáo."),
    Role.APPROVER: _("Thẩm định hồ sơ tự đánh giá và ra quyết định công nhận danh hiệu học tập."),
    Role.COUNCIL_MEMBER: _("Xem xét hồ sơ đề nghị khen thưởng và bỏ phiếu tại phiên họp Hội đồng."),
    Role.COUNCIL_SECRETARY: _("Chuẩn bị phiên họp Hội đồng Thi đua - Khen thưởng, lập biên bản."),
    Role.VIEWER: _("Theo dõi kết quả thực hiện chỉ tiêu và số liệu thống kê."),
    Role.ADMIN: _("Quản lý đơn vị trực thuộc và phân quyền người dùng."),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # signed in (login_required)
    memberships = user.memberships.select_related("unit").order_by("unit__path", "role")
    today = timezone.localdate()
    cards = [
        {"membership": m, "task": ROLE_TASKS.get(m.role, ""),
         # A role on a unit the 2025 reform dissolved reads history only: say so where the role is named.
         "dissolved_on": m.unit.valid_to + datetime.timedelta(days=1)
         if m.unit.valid_to is not None and m.unit.valid_to < today else None}
        for m in memberships
    ]
    # The to-do list leads (issue 13.1); the roles and the area follow, the units dissolved in 2025 apart.
    todo = todo_for(user, today=today)
    return render(request, "core/home.html", {"cards": cards, "todo": todo, "roots": todo.current_units,
                                              "dissolved": todo.dissolved_units})


def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the process answers; the database is checked by a real query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def lockout(request: HttpRequest, original_response: object = None, credentials: object = None) -> HttpResponse:
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


def bench_fixed_json(request: HttpRequest) -> HttpResponse:
    """Load tests only (URL exists when settings.BENCH_ENDPOINTS is on): the same middleware stack as every
    page, then a fixed JSON body with no database, no auth and no serializer — the floor the API is measured
    against (benchmarks/bench_load.py)."""
    return HttpResponse(BENCH_FIXED_BODY, content_type="application/json")
