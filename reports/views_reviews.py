"""The page action of a review report (sơ kết, tổng kết): make its BÁO CÁO in the register and go to it.

The document's own page (core.documents: status while it renders, download, number) does the rest."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import domain_action, scoped_object_or_404

from . import reviews, selectors


@login_required
@require_POST
def review_document(request, pk: int):
    report = scoped_object_or_404(selectors.reports_visible(request.user), pk,
                                  _("Không tìm thấy báo cáo hoặc bạn không có quyền xem."))
    return domain_action(
        request,
        lambda: reviews.review_document_request(report=report, by=request.user, issue=bool(request.POST.get("issue"))),
        success=_("Đang tạo tệp PDF của báo cáo. Trang sẽ tự cập nhật khi tệp sẵn sàng."),
        then=lambda document: (reverse("documents:detail", args=[document.pk]) if document is not None
                               else reverse("reports:detail", args=[report.pk])))
