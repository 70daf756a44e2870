"""The page "Trao đổi số liệu" (/reports/exchange/): download a unit's data value set as CSV or xlsx; upload one,
see what it would change (the dry run), then confirm. The work is reports/exchange.py's.

Between the preview and the confirmation the uploaded file waits in private storage (core.files.PrivateStorage,
a random name) with its name in the session, beside the report versions the preview saw: a report changed in
between is a conflict at confirmation, never overwritten silently. One file waits per session; a new upload or
the confirmation removes it.
"""

from __future__ import annotations

import datetime
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import files
from core.params import MAX_ID, get_year, parse_int
from units.models import Unit
from units.selectors import scope_roots, valid_on, visible_units

from . import exchange
from .api.exchange import XLSX, export_filename

SESSION_KEY = "reports_exchange_pending"
MAX_ROOT_CHILDREN = 400  # a province's communes fit in the unit list; the whole country does not


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp số liệu (.csv hoặc .xlsx)"))


def _year(request) -> int:
    year = get_year(request.GET) or get_year(request.POST)
    return year if year is not None else timezone.localdate().year


def _unit_choices(user, year: int) -> list[Unit]:
    """The user's top units and, when few, their children valid in the year: what the unit list offers."""
    day = min(datetime.date(year, 12, 31), timezone.localdate())
    roots = list(scope_roots(user).filter(valid_on(day)).order_by("path")[:MAX_ROOT_CHILDREN])
    children = list(Unit.objects.filter(parent__in=roots).filter(valid_on(day)).order_by("path")[
        :MAX_ROOT_CHILDREN + 1]) if len(roots) <= 5 else []
    if len(children) > MAX_ROOT_CHILDREN:
        children = []
    return sorted(roots + children, key=lambda u: u.path)


def _unit(request, raw) -> Unit | None:
    unit_id = parse_int(raw, field="unit", minimum=1, maximum=MAX_ID)
    if unit_id is None:
        return None
    unit = visible_units(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404(_("Không tìm thấy đơn vị hoặc bạn không có quyền xem."))
    return unit


def _drop_pending(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending and pending.get("name"):
        default_storage.delete(pending["name"])


def _page(request, **context):
    year = context.pop("year", None) or _year(request)
    unit = context.pop("unit", None)
    return render(request, "reports/exchange.html", {
        "year": year, "unit": unit, "units": _unit_choices(request.user, year),
        "form": context.pop("form", None) or UploadForm(), "columns": exchange.COLUMNS, **context})


@login_required
@require_http_methods(["GET", "POST"])
def exchange_page(request):
    """GET: choose a unit and year to download, or a file to upload. POST: the dry run and its preview."""
    if request.method == "GET":
        return _page(request, unit=_unit(request, request.GET.get("unit")))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    upload = form.cleaned_data["file"]
    _drop_pending(request)
    try:
        result = exchange.import_file(upload, user=request.user, dry_run=True)
    except exchange.FileError as exc:
        form.add_error("file", exc.message)
        return _page(request, form=form)
    context = {"result": result, "summary": exchange.summary(result), "filename": files.display_name(upload.name)}
    if result.ok:
        upload.seek(0)
        ext = files.extension_of(upload.name)
        name = default_storage.save(f"exchange/cho-xac-nhan.{ext}", upload)
        token = secrets.token_urlsafe(16)
        request.session[SESSION_KEY] = {"token": token, "name": name, "filename": context["filename"],
                                        "versions": result.versions}
        context["token"] = token
    return _page(request, **context)


@login_required
@require_POST
def exchange_confirm(request):
    """Write the previewed file: the same checks again, inside one transaction, against the versions previewed."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(str(request.POST.get("token", "")), pending["token"]):
        messages.error(request, _("Không còn tệp chờ xác nhận (đã ghi hoặc đã hết phiên). Hãy tải tệp lên lại."))
        return redirect("reports:exchange")
    try:
        with default_storage.open(pending["name"], "rb") as fh:
            data = fh.read()
    except OSError:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("Không còn tệp chờ xác nhận (đã ghi hoặc đã hết phiên). Hãy tải tệp lên lại."))
        return redirect("reports:exchange")
    _drop_pending(request)
    upload = ContentFile(data, name=pending["filename"])
    try:
        result = exchange.import_file(upload, user=request.user, dry_run=False,
                                      expected_versions=pending.get("versions") or {})
    except exchange.FileError as exc:
        messages.error(request, exc.message)
        return redirect("reports:exchange")
    if not result.ok:
        return _page(request, result=result, summary=exchange.summary(result), filename=pending["filename"])
    totals = exchange.summary(result)
    messages.success(request, _(
        "Đã ghi số liệu của tệp “%(name)s”: thêm %(created)s, sửa %(updated)s, giữ nguyên %(unchanged)s giá trị; "
        "lập mới %(reports)s báo cáo.") % {"name": pending["filename"], "created": totals["created"],
                                          "updated": totals["updated"], "unchanged": totals["unchanged"],
                                          "reports": totals["reports_created"]})
    return redirect("reports:exchange")


@login_required
@require_GET
def exchange_export(request, fmt: str):
    unit = _unit(request, request.GET.get("unit"))
    if unit is None:
        raise Http404(_("Cần chọn đơn vị."))
    year = _year(request)
    rows = exchange.export_rows(request.user, unit, year)
    if fmt == "csv":
        response = HttpResponse(exchange.to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exchange.to_xlsx(rows), content_type=XLSX)
    response["Content-Disposition"] = files.content_disposition(export_filename(unit, year, fmt))
    response["Cache-Control"] = "private, no-store"
    return response
