"""Pages of titles: self-assessment, approval, recognitions, yearly lists and Excel imports.

Views are thin: they read through selectors (scoped) and write through services; a DomainError
becomes a message (or a 403 page for a refusal of role), never a half-done change.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import files
from core.documents import services as document_services
from core.errors import DomainError
from core.params import MAX_ID, get_id, get_int, get_year
from core.views import domain_action, refuse
from units import services as unit_services
from units.models import Level
from units.roles import Role
from units.selectors import can_act_on, units_held

from . import documents as title_documents
from . import imports, selectors, services
from .forms import (
    DecisionForm,
    EntryForm,
    EvaluationStartForm,
    EvidenceForm,
    ListDecisionForm,
    ListOpenForm,
    ReasonForm,
    RevokeForm,
    WorkbookForm,
    registry_form,
)
from .models import Criterion, CriterionResult, Evaluation, Evidence, ImportJob, ListEntry, SubjectKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])


def _my_units(user, roles, levels=None):
    """Units the user holds one of `roles` on directly: what start/open forms offer."""
    qs = units_held(user, roles)
    if levels:
        qs = qs.filter(level__in=levels)
    return qs.order_by("name")


@login_required
def home(request):
    user = request.user
    today = selectors.today()
    evaluations = selectors.visible_evaluations(user)[:50]
    queue = selectors.approval_queue(user)[:50]
    start_form = _start_form(user, initial={"year": today.year, "level_sought": 1})
    return render(request, "titles/home.html", {
        "evaluations": evaluations, "queue": queue, "start_form": start_form,
        "title_types": selectors.title_types(),
    })


def _start_form(user, data=None, **kwargs) -> EvaluationStartForm:
    """Only the titles that apply to one of the officer's units, and only units some title applies to:
    a university is never offered "Cộng đồng học tập cấp thôn" (the service refuses the pair anyway)."""
    today = selectors.today()
    units = list(_my_units(user, [Role.OFFICER]))
    return EvaluationStartForm(data, title_types=selectors.unit_title_types_for(units, today),
                               units=selectors.units_with_titles(units, today), **kwargs)


@login_required
@require_POST
def evaluation_new(request):
    form = _start_form(request.user, request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("titles:home")
    try:
        evaluation = services.evaluation_start(by=request.user, **form.cleaned_data)
    except DomainError as exc:
        refuse(request, exc)
        return redirect("titles:home")
    messages.success(request, _("Đã tạo hồ sơ tự đánh giá. Hãy đánh giá từng tiêu chí."))
    return redirect("titles:evaluation", pk=evaluation.pk)


def _visible_evaluation(request, pk: int) -> Evaluation:
    evaluation = selectors.evaluation_detail(request.user, pk)
    if evaluation is None:
        raise Http404(_("Không tìm thấy hồ sơ hoặc bạn không có quyền xem."))
    return evaluation


@login_required
def evaluation_detail(request, pk: int):
    evaluation = _visible_evaluation(request, pk)
    user = request.user
    results = list(evaluation.results.all())
    by_criterion = {r.criterion_id: r for r in results}
    levels = range(1, evaluation.title_type.max_level + 1)
    met = {level: services.level_met(evaluation.criteria_set, by_criterion, level) for level in levels}
    can_edit = evaluation.is_editable and can_act_on(user, evaluation.unit, [Role.OFFICER])
    can_review = False
    authority = None
    if evaluation.status == Evaluation.Status.SUBMITTED:
        try:
            authority = selectors.recognising_authority(
                title_type=evaluation.title_type, level=evaluation.level_sought, unit=evaluation.unit,
                on=selectors.today())
            can_review = can_act_on(user, authority.unit, [Role.APPROVER])
        except DomainError:
            authority = None
    history = list(selectors.subject_history(user, unit=evaluation.unit).filter(title_type=evaluation.title_type))
    decision_docs = title_documents.documents_by_decision({h.decision_id for h in history})
    for h in history:
        h.decision_document = decision_docs.get(h.decision_id)
    return render(request, "titles/evaluation_detail.html", {
        "evaluation": evaluation, "results": results, "met": met, "can_edit": can_edit,
        "can_review": can_review, "authority": authority, "history": history,
        "streak": selectors.consecutive_years([r.year for r in history]),
        "decision_form": DecisionForm(initial={"level": evaluation.level_sought, "decision_date": selectors.today()}),
        "reason_form": ReasonForm(), "evidence_form": EvidenceForm(),
        "pass_fail": Criterion.Kind.PASS_FAIL,
        "evidence_max_mb": settings.TITLES_EVIDENCE_MAX_BYTES // (1024 * 1024),
    })


def _posted_results(request, evaluation: Evaluation) -> dict[int, dict]:
    results = {}
    for result in evaluation.results.all():
        criterion = result.criterion
        key = criterion.pk
        explanation = request.POST.get(f"explanation_{key}", "")
        if criterion.kind == Criterion.Kind.PASS_FAIL:
            raw = request.POST.get(f"passed_{key}", "")
            results[key] = {"passed": {"1": True, "0": False}.get(raw), "explanation": explanation}
        else:
            results[key] = {"points": request.POST.get(f"points_{key}", ""), "explanation": explanation}
    return results


@login_required
@require_POST
def evaluation_save(request, pk: int):
    evaluation = _visible_evaluation(request, pk)
    version = get_int(request.POST, "criteria_set_version", minimum=0, maximum=MAX_ID)
    revision = get_int(request.POST, "revision", minimum=0, maximum=MAX_ID)
    level_sought = get_int(request.POST, "level_sought", minimum=0, maximum=MAX_ID)
    try:
        evaluation = services.evaluation_save_results(
            evaluation=evaluation, by=request.user, criteria_set_version=version, revision=revision,
            results=_posted_results(request, evaluation), level_sought=level_sought,
        )
        if request.POST.get("action") == "submit":
            services.evaluation_submit(evaluation=evaluation, by=request.user, criteria_set_version=version,
                                       revision=evaluation.revision)
            messages.success(request, _("Đã gửi hồ sơ tự đánh giá để thẩm định."))
        else:
            messages.success(request, _("Đã lưu kết quả tự đánh giá."))
    except DomainError as exc:
        refuse(request, exc)
    return redirect("titles:evaluation", pk=pk)


@login_required
@require_POST
def evidence_upload(request, pk: int, result_pk: int):
    evaluation = _visible_evaluation(request, pk)
    result = CriterionResult.objects.filter(pk=result_pk, evaluation=evaluation).select_related("evaluation").first()
    form = EvidenceForm(request.POST, request.FILES)
    if result is None:
        raise Http404
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("titles:evaluation", pk=pk)
    upload = form.cleaned_data["file"]
    return domain_action(request, lambda: services.evidence_add(result=result, by=request.user, upload=upload),
                         success=_("Đã tải lên minh chứng."), then=reverse("titles:evaluation", args=[pk]))


@login_required
@require_GET
def evidence_download(request, pk: int, evidence_pk: int):
    """Evidence is personal data of a unit: served only to those who may see the evaluation."""
    evaluation = _visible_evaluation(request, pk)
    evidence = Evidence.objects.filter(pk=evidence_pk, result__evaluation=evaluation).first()
    if evidence is None:
        raise Http404
    # One way to serve an upload: attachment, server-chosen type, nosniff, no-store (core/files.py).
    return files.serve(evidence.file, filename=evidence.name)


@login_required
@require_POST
def evaluation_review(request, pk: int):
    evaluation = _visible_evaluation(request, pk)
    action = request.POST.get("action")
    try:
        if action == "approve":
            form = DecisionForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect("titles:evaluation", pk=pk)
            services.evaluation_approve(
                evaluation=evaluation, by=request.user,
                criteria_set_version=get_int(request.POST, "criteria_set_version", minimum=0, maximum=MAX_ID),
                **form.cleaned_data,
            )
            messages.success(request, _("Đã công nhận danh hiệu."))
        elif action in ("return", "reject"):
            reason = request.POST.get("reason", "")
            if action == "return":
                services.evaluation_return(evaluation=evaluation, by=request.user, comment=reason)
                messages.success(request, _("Đã trả lại hồ sơ để bổ sung."))
            else:
                services.evaluation_reject(evaluation=evaluation, by=request.user, reason=reason)
                messages.success(request, _("Đã ghi nhận không công nhận danh hiệu."))
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except DomainError as exc:
        refuse(request, exc)
    return redirect("titles:evaluation", pk=pk)


@login_required
def recognition_list(request):
    qs = selectors.visible_recognitions(request.user)
    title = request.GET.get("title") or ""
    year = get_year(request.GET)
    if title:
        qs = qs.filter(title_type__slug=title)
    if year is not None:
        qs = qs.filter(year=year)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "titles/recognition_list.html", {
        "page": page, "title_types": selectors.title_types(), "title": title, "year": "" if year is None else year,
    })


@login_required
def recognition_detail(request, pk: int):
    recognition = selectors.visible_recognitions(request.user).filter(pk=pk).first()
    if recognition is None:
        raise Http404(_("Không tìm thấy quyết định công nhận hoặc bạn không có quyền xem."))
    if recognition.subject_kind == SubjectKind.HOUSEHOLD:
        history = selectors.subject_history(request.user, household=recognition.household)
    else:
        history = selectors.subject_history(request.user, unit=recognition.unit)
    history = history.filter(title_type=recognition.title_type)
    if request.method == "POST":
        try:
            services.recognition_revoke(recognition=recognition, by=request.user, reason=request.POST.get("reason", ""),
                                        act=request.POST.get("act", ""))
            messages.success(request, _("Đã thu hồi công nhận."))
        except DomainError as exc:
            refuse(request, exc)
        return redirect("titles:recognition", pk=pk)
    return render(request, "titles/recognition_detail.html", {
        "recognition": recognition, "history": history, "reason_form": RevokeForm(),
        "decision_document": title_documents.decision_document(recognition.decision),
        "can_revoke": recognition.revoked_at is None
        and can_act_on(request.user, recognition.decision.authority, [Role.APPROVER]),
        "streak": selectors.consecutive_years([r.year for r in history if r.revoked_at is None]),
    })


@login_required
def decision_pdf(request, pk: int):
    """The recognition decision's PDF, for whoever may see one of its recognitions (or the deciding body).

    GET serves the PDF when it is ready and otherwise shows its state (202); only a POST asks for it to be
    made: a page never queues work from a GET."""
    decision = selectors.visible_decision(request.user, pk)
    document = title_documents.decision_document(decision) if decision is not None else None
    if document is None:
        raise Http404(_("Không tìm thấy quyết định hoặc bạn không có quyền xem."))
    if request.method == "POST":
        document_services.document_request_render(
            document=document, force=document.render_status == document.RenderStatus.FAILED)
        messages.success(request, _("Đang tạo tệp PDF của quyết định; vui lòng tải lại trang sau ít phút."))
        return redirect("titles:decision_pdf", pk=pk)
    if document.pdf_ready:
        return files.serve(document.pdf, filename=title_documents.pdf_filename(document))
    return render(request, "titles/decision_pdf.html", {"decision": decision, "document": document}, status=202)


# --- yearly lists -----------------------------------------------------------------------------------


def _list_title_types():
    return selectors.title_types(selectors.today()).filter(imports.list_title_filter())


@login_required
def list_index(request):
    lists = selectors.visible_lists(request.user)
    form = ListOpenForm(title_types=_list_title_types(), units=_my_units(request.user, [Role.OFFICER], [Level.COMMUNE]),
                        initial={"year": selectors.today().year})
    page = Paginator(lists, 50).get_page(request.GET.get("page"))
    return render(request, "titles/list_index.html", {"page": page, "form": form})


@login_required
@require_POST
def list_open(request):
    form = ListOpenForm(request.POST, title_types=_list_title_types(),
                        units=_my_units(request.user, [Role.OFFICER], [Level.COMMUNE]))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("titles:lists")
    try:
        evaluation_list = services.evaluation_list_open(
            commune=form.cleaned_data["unit"], title_type=form.cleaned_data["title_type"],
            year=form.cleaned_data["year"], by=request.user)
    except DomainError as exc:
        refuse(request, exc)
        return redirect("titles:lists")
    return redirect("titles:list", pk=evaluation_list.pk)


def _visible_list(request, pk: int):
    evaluation_list = selectors.visible_lists(request.user).filter(pk=pk).first()
    if evaluation_list is None:
        raise Http404(_("Không tìm thấy danh sách hoặc bạn không có quyền xem."))
    return evaluation_list


@login_required
def list_detail(request, pk: int):
    evaluation_list = _visible_list(request, pk)
    user = request.user
    page = Paginator(selectors.list_entries(evaluation_list), 100).get_page(request.GET.get("page"))
    is_open = evaluation_list.status == evaluation_list.Status.OPEN
    can_edit = is_open and can_act_on(user, evaluation_list.unit, [Role.OFFICER])
    can_recognise = False
    if is_open:
        try:
            authority = selectors.approval_authority(title_type=evaluation_list.title_type, level=1,
                                                     unit=evaluation_list.unit, on=selectors.today())
            can_recognise = can_act_on(user, authority, [Role.APPROVER])
        except DomainError:
            pass
    return render(request, "titles/list_detail.html", {
        "list": evaluation_list, "page": page, "can_edit": can_edit, "can_recognise": can_recognise,
        "decision_document": title_documents.decision_document(evaluation_list.decision)
        if evaluation_list.decision_id else None,
        "upload_form": WorkbookForm(), "decision_form": ListDecisionForm(initial={"decision_date": selectors.today()}),
        "jobs": evaluation_list.imports.order_by("-created_at")[:10],
    })


@login_required
@require_GET
def list_template(request, pk: int):
    evaluation_list = _visible_list(request, pk)
    response = HttpResponse(imports.template_workbook(evaluation_list.title_type), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-danh-sach.xlsx"'
    return response


@login_required
@require_GET
def list_export(request, pk: int):
    evaluation_list = _visible_list(request, pk)
    response = HttpResponse(imports.export_list(evaluation_list), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="danh-sach-{evaluation_list.year}.xlsx"'
    return response


@login_required
@require_POST
def list_upload(request, pk: int):
    evaluation_list = _visible_list(request, pk)
    form = WorkbookForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("titles:list", pk=pk)
    try:
        job = services.import_job_create(evaluation_list=evaluation_list, by=request.user,
                                         upload=form.cleaned_data["file"])
    except DomainError as exc:
        refuse(request, exc)
        return redirect("titles:list", pk=pk)
    return redirect("titles:import", pk=job.pk)


@login_required
@require_POST
def list_entry_edit(request, pk: int, entry_pk: int):
    evaluation_list = _visible_list(request, pk)
    entry = ListEntry.objects.filter(pk=entry_pk, evaluation_list=evaluation_list).select_related(
        "evaluation_list").first()
    if entry is None:
        raise Http404
    try:
        if request.POST.get("action") == "delete":
            services.list_entry_delete(entry=entry, by=request.user)
        else:
            form = EntryForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
                return redirect("titles:list", pk=pk)
            services.list_entry_update(entry=entry, by=request.user, **form.cleaned_data)
        messages.success(request, _("Đã lưu."))
    except DomainError as exc:
        refuse(request, exc)
    return redirect(f"{reverse('titles:list', args=[pk])}?page={request.POST.get('page', 1)}")


@login_required
@require_POST
def list_recognise(request, pk: int):
    evaluation_list = _visible_list(request, pk)
    form = ListDecisionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("titles:list", pk=pk)
    return domain_action(
        request, lambda: services.evaluation_list_recognise(evaluation_list=evaluation_list, by=request.user,
                                                            **form.cleaned_data),
        success=_("Đã công nhận các đối tượng đạt trong danh sách bằng một quyết định."),
        then=reverse("titles:list", args=[pk]))


def _visible_job(request, pk: int) -> ImportJob:
    job = selectors.visible_import_jobs(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404(_("Không tìm thấy lượt nhập hoặc bạn không có quyền xem."))
    return job


def _job_state(job: ImportJob) -> dict:
    processed = job.processed_rows
    if job.is_running:
        processed = cache.get(imports.progress_key(job.pk), processed)
    return {
        "status": job.status, "status_display": job.get_status_display(), "running": job.is_running,
        "total_rows": job.total_rows, "processed_rows": processed, "error_count": job.error_count,
        "new_rows": job.new_rows, "updated_rows": job.updated_rows, "message": job.message,
    }


@login_required
def import_detail(request, pk: int):
    job = _visible_job(request, pk)
    if request.method == "POST":
        try:
            services.import_job_confirm(job=job, by=request.user)
            messages.success(request, _("Đang ghi dữ liệu; có thể rời trang và quay lại sau."))
        except DomainError as exc:
            refuse(request, exc)
        return redirect("titles:import", pk=pk)
    return render(request, "titles/import_detail.html", {
        "job": job, "state": _job_state(job), "list": job.evaluation_list,
        "columns": imports.importer_for(job.evaluation_list.title_type).columns(),
        "can_confirm": job.status == ImportJob.Status.VALIDATED
        and can_act_on(request.user, job.evaluation_list.unit, [Role.OFFICER]),
    })


@login_required
@require_GET
def import_status(request, pk: int):
    return JsonResponse(_job_state(_visible_job(request, pk)))


# --- registries: households, clans, citizens ---------------------------------------------------------

REGISTRY_TITLES = {"households": gettext_lazy("Sổ hộ gia đình"), "clans": gettext_lazy("Sổ dòng họ"),
                   "citizens": gettext_lazy("Sổ công dân")}
REGISTRY_CREATE = {"households": unit_services.household_create, "clans": unit_services.clan_create,
                   "citizens": unit_services.citizen_create}
REGISTRY_UPDATE = {"households": ("household", unit_services.household_update),
                   "clans": ("clan", unit_services.clan_update), "citizens": ("citizen", unit_services.citizen_update)}


def _registry_kind(kind: str) -> str:
    if kind not in selectors.REGISTRIES:
        raise Http404
    return kind


@login_required
@require_GET
def registry_list(request, kind: str):
    kind = _registry_kind(kind)
    hamlet = get_id(request.GET, "hamlet")
    query = (request.GET.get("q") or "").strip()
    rows = selectors.visible_registry(request.user, kind, hamlet_id=hamlet, query=query)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "titles/registry_list.html", {
        "kind": kind, "heading": REGISTRY_TITLES[kind], "page": page, "query": query,
        "hamlet": "" if hamlet is None else str(hamlet),
        "rows": [(row, can_act_on(request.user, row.unit, [Role.OFFICER])) for row in page],
        "hamlets": selectors.officer_hamlets(request.user), "kinds": REGISTRY_TITLES,
    })


def _registry_saved(request, kind: str):
    messages.success(request, _("Đã lưu."))
    return redirect("titles:registry", kind=kind)


@login_required
def registry_new(request, kind: str):
    kind = _registry_kind(kind)
    hamlets = selectors.officer_hamlets(request.user)
    form = registry_form(kind, request.POST or None, hamlets=hamlets)
    if request.method == "POST" and form.is_valid():
        try:
            REGISTRY_CREATE[kind](by=request.user, **form.cleaned_data)
            return _registry_saved(request, kind)
        except DomainError as exc:
            refuse(request, exc)
    elif request.method == "POST":
        _form_errors(request, form)
    return render(request, "titles/registry_form.html", {"kind": kind, "heading": REGISTRY_TITLES[kind],
                                                         "form": form, "row": None})


def _registry_initial(kind: str, row) -> dict:
    if kind == "households":
        return {"code": row.code, "head_name": row.head_name, "address": row.address}
    if kind == "clans":
        return {"name": row.name}
    return {"full_name": row.full_name, "birth_year": row.birth_year, "workplace": row.workplace,
            "household_code": row.household.code if row.household else ""}


@login_required
def registry_edit(request, kind: str, pk: int):
    kind = _registry_kind(kind)
    row = selectors.visible_registry(request.user, kind).filter(pk=pk).first()
    if row is None:
        raise Http404(_("Không tìm thấy bản ghi hoặc bạn không có quyền xem."))
    form = registry_form(kind, request.POST or None, initial=_registry_initial(kind, row))
    if request.method == "POST" and form.is_valid():
        argument, update = REGISTRY_UPDATE[kind]
        try:
            update(**{argument: row}, by=request.user, version=request.POST.get("version"), **form.cleaned_data)
            return _registry_saved(request, kind)
        except DomainError as exc:
            refuse(request, exc)
            if exc.code == "stale":  # show what is stored now, not the form built on older values
                return redirect("titles:registry_edit", kind=kind, pk=pk)
    elif request.method == "POST":
        _form_errors(request, form)
    return render(request, "titles/registry_form.html", {
        "kind": kind, "heading": REGISTRY_TITLES[kind], "form": form, "row": row,
        "version": request.POST.get("version") or unit_services.registry_version(row),
        "can_edit": can_act_on(request.user, row.unit, [Role.OFFICER]),
    })
