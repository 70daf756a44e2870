"""Pages of the register: a document's status (polled while its PDF renders), its PDF, and the legal
bases an administrator keeps up to date. A GET never queues a render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import files
from core.errors import DomainError
from core.views import domain_action, refuse, scoped_object_or_404

from . import selectors, services
from .api.views import pdf_filename
from .forms import LegalBasisForm
from .models import LegalBasis

NOT_FOUND = "Không tìm thấy văn bản hoặc bạn không có quyền xem."


def _document(request, pk):
    return scoped_object_or_404(selectors.documents_visible_to(request.user), pk, _(NOT_FOUND))


@login_required
def document_list(request):
    documents = selectors.documents_visible_to(request.user).order_by("-year", "-date", "-pk")
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(request, "register/list.html", {"page": page})


@login_required
def document_detail(request, pk: int):
    document = _document(request, pk)
    return render(request, "register/detail.html", {
        "document": document, "status_url": reverse("document-pdf-status", args=[document.pk]),
    })


@login_required
@require_http_methods(["GET"])
def document_pdf(request, pk: int):
    document = _document(request, pk)
    if document.pdf_ready:
        return files.serve(document.pdf, filename=pdf_filename(document))
    messages.info(request, _("Tệp PDF chưa sẵn sàng; xem trạng thái bên dưới."))
    return redirect(reverse("documents:detail", args=[document.pk]) + "#pdf")


@login_required
@require_POST
def document_render(request, pk: int):
    document = _document(request, pk)
    return domain_action(
        request, lambda: services.document_request_render(document=document, force=document.render_status == "failed"),
        success=None, then=reverse("documents:detail", args=[document.pk]) + "#pdf",
    )


def subject_pdf_page(request, *, document, current: bool, heading: str, back: str, filename: str):
    """How a page hands out the act of one of its objects (a nomination's tờ trình, a session's minutes, a
    decision, a certificate): the PDF of the current content (attachment, nosniff, through core.files), or
    a status page (202) with a POST button to the same URL. A GET never records or queues anything: the
    POST does (crawlers, prefetching and reloads must not number acts or load the workers)."""
    if current:
        return files.serve(document.pdf, filename=filename)
    if document is None:
        status = "none"
    elif document.render_status == document.RenderStatus.READY:
        status = "stale"  # a file of an earlier content: not served as if it were this one
    else:
        status = document.render_status
    return render(request, "register/pending.html", {
        "document": document, "status": status, "heading": heading, "back": back,
        "status_url": reverse("document-pdf-status", args=[document.pk]) if document is not None else "",
    }, status=202)


def _require_admin(request) -> None:
    # `is_staff` only opens the admin's door; editing the legal bases takes the model permissions the Django
    # admin asks for, so this page gives no one more than the admin would.
    if not request.user.has_perms(["documents.add_legalbasis", "documents.change_legalbasis"]):
        raise DjangoPermissionDenied(_("Chỉ quản trị hệ thống mới sửa được căn cứ pháp lý."))


@login_required
@require_http_methods(["GET", "POST"])
def legal_bases(request, pk: int | None = None):
    """The 'Căn cứ …' lines: list, add, change (history in the Django admin as well)."""
    _require_admin(request)
    basis = scoped_object_or_404(LegalBasis.objects.all(), pk, _("Không tìm thấy căn cứ.")) if pk is not None else None
    form = LegalBasisForm(request.POST or None, instance=basis)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_basis_save(basis=basis, fields=form.cleaned_data, by=request.user)
        except DomainError as exc:
            refuse(request, exc, form=form)
        else:
            messages.success(request, _("Đã lưu căn cứ pháp lý."))
            return redirect("documents:legal_bases")
    return render(request, "register/legal_bases.html", {
        "bases": LegalBasis.objects.order_by("order", "slug"), "form": form, "basis": basis,
    }, status=400 if request.method == "POST" else 200)
