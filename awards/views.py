"""Pages of awards: nominate, council sessions, voting, results, decisions, certificates, public verification.

Views parse input and call the services; every list starts from a scoped selector; an object outside
the user's scope is a 404 (its existence is not revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from units.models import Membership, Unit
from units.roles import Role
from units.selectors import can_act_on, scope_filter

from . import selectors, services, tasks
from .forms import (
    UNIT_CHOICES_LIMIT,
    AttachmentForm,
    BallotForm,
    DecisionForm,
    NominationForm,
    ReasonForm,
    ResubmitForm,
    SessionForm,
)
from .models import (
    Nomination,
    NominationStatus,
    Occasion,
    Recusal,
    ReviewSession,
    VoterRoll,
)

PAGE_SIZE = 50


def _refuse_or_message(request, exc: DomainError) -> None:
    if exc.code == "permission_denied" or exc.status == 403:
        raise DjangoPermissionDenied(exc.message) from exc
    messages.error(request, exc.message)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])


def _nomination(request, pk: int) -> Nomination:
    return get_object_or_404(selectors.visible_nominations(request.user), pk=pk)


def _session(request, pk: int) -> ReviewSession:
    return get_object_or_404(selectors.visible_sessions(request.user), pk=pk)


def _serve(request, file_field, queue, back: str):
    """Serve a rendered PDF; render it first (a task, queued after commit) if it is not there yet."""
    if not file_field:
        transaction.on_commit(queue)
        file_field.instance.refresh_from_db()
        file_field = getattr(file_field.instance, file_field.field.name)
    if not file_field:
        return render(request, "awards/rendering.html", {"back": back}, status=202)
    return FileResponse(file_field.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=file_field.name.rsplit("/", 1)[-1])


# --- Nominations ---------------------------------------------------------------------------------


@login_required
@require_GET
def nomination_list(request):
    nominations = selectors.visible_nominations(request.user)
    status, occasion = request.GET.get("status") or "", request.GET.get("occasion") or ""
    if status in NominationStatus.values:
        nominations = nominations.filter(status=status)
    if occasion in Occasion.values:
        nominations = nominations.filter(occasion=occasion)
    page = Paginator(nominations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "awards/nomination_list.html", {
        "page": page, "status": status, "occasion": occasion, "statuses": NominationStatus.choices,
        "occasions": Occasion.choices, "can_nominate": _proposer_units(request.user).exists(),
        "can_decide": selectors.awaiting_decision(request.user).exists(),
    })


def _proposer_units(user):
    """The units the user proposes for: where they hold the officer (or administrator) role themself."""
    ids = Membership.objects.filter(user=user, role__in=[Role.OFFICER, Role.ADMIN]).values("unit_id")
    return Unit.objects.filter(pk__in=ids).order_by("path")


def _subject_units(user):
    """Collectives the user may nominate (capped: a province officer picks among the first units by path)."""
    scoped = Unit.objects.filter(scope_filter(user, roles=[Role.OFFICER], unit_field="")).order_by("path")
    return Unit.objects.filter(pk__in=list(scoped.values_list("pk", flat=True)[:UNIT_CHOICES_LIMIT])).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def nomination_create(request):
    proposer_units = _proposer_units(request.user)
    if not proposer_units.exists():
        raise DjangoPermissionDenied(_("Chỉ cán bộ đơn vị được đề nghị khen thưởng."))
    form = NominationForm(request.POST or None, proposer_units=proposer_units,
                          subject_units=_subject_units(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            nomination = services.nomination_create(
                by=request.user, proposer_unit=data["proposer_unit"], form=data["form"], occasion=data["occasion"],
                year=data["year"], subject=data["subject"], achievement_summary=data["achievement_summary"],
            )
        except DomainError as exc:
            _refuse_or_message(request, exc)
        else:
            messages.success(request, _("Đã gửi đề nghị khen thưởng tới %(body)s.") % {"body": nomination.body.name})
            return redirect("awards:nomination_detail", pk=nomination.pk)
    return render(request, "awards/nomination_form.html", {"form": form})


@login_required
@require_GET
def nomination_detail(request, pk: int):
    nomination = _nomination(request, pk)
    user = request.user
    holds_it = can_act_on(user, nomination.body, [Role.COUNCIL_SECRETARY, Role.APPROVER])
    is_proposer = can_act_on(user, nomination.proposer_unit, [Role.OFFICER])
    items = nomination.agenda_items.select_related("session", "session__council").filter(
        session__status=ReviewSession.Status.CLOSED)
    return render(request, "awards/nomination_detail.html", {
        "nomination": nomination,
        "steps": nomination.steps.select_related("body", "to_body", "by"),
        "attachments": nomination.attachments.all(),
        "results": items,
        "title_runs": selectors.consecutive_title_years(nomination),
        "award": getattr(nomination, "award", None) if nomination.status == NominationStatus.AWARDED else None,
        "can_return": holds_it and nomination.status in (NominationStatus.SUBMITTED, NominationStatus.PASSED),
        "can_resubmit": is_proposer and nomination.status == NominationStatus.RETURNED,
        "can_attach": is_proposer and nomination.status in (NominationStatus.SUBMITTED, NominationStatus.RETURNED),
        "can_forward": (can_act_on(user, nomination.body, [Role.COUNCIL_SECRETARY])
                        and nomination.status == NominationStatus.PASSED
                        and selectors.deciding_power(nomination.body, nomination.form) is None),
        "return_form": ReasonForm(initial={"revision": nomination.revision}),
        "resubmit_form": ResubmitForm(initial={"revision": nomination.revision,
                                               "achievement_summary": nomination.achievement_summary}),
        "attachment_form": AttachmentForm(),
    })


@login_required
@require_POST
def nomination_return(request, pk: int):
    nomination = _nomination(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.nomination_return(nomination=nomination, by=request.user, reason=form.cleaned_data["reason"],
                                       revision=form.cleaned_data["revision"])
        except DomainError as exc:
            _refuse_or_message(request, exc)
        else:
            messages.success(request, _("Đã trả lại đề nghị cho đơn vị đề nghị."))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_resubmit(request, pk: int):
    nomination = _nomination(request, pk)
    form = ResubmitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.nomination_resubmit(nomination=nomination, by=request.user,
                                         achievement_summary=form.cleaned_data["achievement_summary"],
                                         revision=form.cleaned_data["revision"])
        except DomainError as exc:
            _refuse_or_message(request, exc)
        else:
            messages.success(request, _("Đã gửi lại đề nghị."))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_attach(request, pk: int):
    nomination = _nomination(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.attachment_add(nomination=nomination, by=request.user, uploaded_file=form.cleaned_data["file"])
        except DomainError as exc:
            _refuse_or_message(request, exc)
        else:
            messages.success(request, _("Đã thêm tệp vào hồ sơ."))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_forward(request, pk: int):
    nomination = _nomination(request, pk)
    try:
        services.nomination_forward(nomination=nomination, by=request.user)
    except DomainError as exc:
        _refuse_or_message(request, exc)
    else:
        messages.success(request, _("Đã trình đề nghị lên cấp trên."))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_GET
def nomination_document(request, pk: int, part: str):
    nomination = _nomination(request, pk)
    if part not in ("cover", "report"):
        raise Http404
    field = getattr(nomination, f"{part}_pdf")
    return _serve(request, field, lambda: tasks.render_nomination_document.delay(nomination.pk, part),
                  back=reverse("awards:nomination_detail", args=[nomination.pk]))


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    nomination = _nomination(request, pk)
    attachment = get_object_or_404(nomination.attachments, pk=attachment_pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# --- The council and its sessions ----------------------------------------------------------------


@login_required
@require_GET
def council_list(request):
    councils = selectors.visible_councils(request.user)
    sessions = selectors.visible_sessions(request.user)[:50]
    return render(request, "awards/council_list.html", {"councils": councils, "sessions": sessions})


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request, council_pk: int):
    council = get_object_or_404(selectors.visible_councils(request.user), pk=council_pk)
    if not can_act_on(request.user, council.body, [Role.COUNCIL_SECRETARY]):
        raise DjangoPermissionDenied(_("Chỉ thư ký Hội đồng “%(council)s” được thực hiện thao tác này.")
                                     % {"council": council.name})
    waiting = Nomination.objects.filter(body=council.body, status=NominationStatus.SUBMITTED).select_related(
        "form").order_by("created_at")
    form = SessionForm(request.POST or None, waiting=waiting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(council=council, title=data["title"], held_on=data["held_on"],
                                              location=data["location"], nominations=list(data["nominations"]),
                                              by=request.user)
        except DomainError as exc:
            _refuse_or_message(request, exc)
        else:
            messages.success(request, _("Đã lên lịch phiên họp."))
            return redirect("awards:session_detail", pk=session.pk)
    return render(request, "awards/session_form.html", {"form": form, "council": council})


@login_required
@require_GET
def session_detail(request, pk: int):
    session = _session(request, pk)
    council = session.council
    is_secretary = can_act_on(request.user, council.body, [Role.COUNCIL_SECRETARY])
    members = list(council.members.filter(active=True).select_related("user"))
    present = set(session.attendance.values_list("member_id", flat=True))
    seat = selectors.council_seat(council, request.user)
    return render(request, "awards/session_detail.html", {
        "session": session, "council": council, "items": selectors.session_items(session),
        "members": members, "present": present, "is_secretary": is_secretary, "seat": seat,
        "recusals": Recusal.objects.filter(session=session).select_related("member__user", "nomination"),
        "voted_count": VoterRoll.objects.filter(session=session).count(),
    })


def _session_action(request, pk: int, action, success: str):
    session = _session(request, pk)
    try:
        action(session)
    except DomainError as exc:
        _refuse_or_message(request, exc)
    else:
        messages.success(request, success)
    return redirect("awards:session_detail", pk=pk)


@login_required
@require_POST
def session_attendance(request, pk: int):
    def record(session):
        ids = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
        members = list(session.council.members.filter(pk__in=ids, active=True))
        services.session_record_attendance(session=session, members=members, by=request.user)

    return _session_action(request, pk, record, _("Đã ghi nhận thành viên có mặt."))


@login_required
@require_POST
def session_recuse(request, pk: int):
    def recuse(session):
        member = session.council.members.filter(pk=request.POST.get("member") or 0).first()
        nomination = session.items.filter(nomination_id=request.POST.get("nomination") or 0).first()
        if member is None or nomination is None:
            raise DomainError(_("Chọn thành viên và đề nghị."), field="member")
        services.recusal_record(session=session, nomination=nomination.nomination, member=member,
                                reason=request.POST.get("reason", ""), by=request.user)

    return _session_action(request, pk, recuse, _("Đã ghi nhận việc không tham gia biểu quyết."))


@login_required
@require_POST
def session_open(request, pk: int):
    return _session_action(request, pk, lambda s: services.session_open(session=s, by=request.user),
                           _("Đã mở bỏ phiếu."))


@login_required
@require_POST
def session_close(request, pk: int):
    return _session_action(request, pk, lambda s: services.session_close(session=s, by=request.user),
                           _("Đã kết thúc phiên họp và kiểm phiếu."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_vote(request, pk: int):
    """One member's ballot paper: one choice per agenda item, then nothing about it is shown back."""
    session = _session(request, pk)
    seat = selectors.council_seat(session.council, request.user)
    if seat is None or not seat.is_voting:
        raise DjangoPermissionDenied(_("Bạn không phải thành viên có quyền biểu quyết của hội đồng này."))
    if request.method == "POST":
        form = BallotForm(request.POST)
        item = session.items.filter(nomination_id=request.POST.get("nomination") or 0).first()
        if item is None:
            messages.error(request, _("Đề nghị không có trong chương trình phiên họp."))
        elif not form.is_valid():
            _form_errors(request, form)
        else:
            try:
                services.ballot_cast(session=session, nomination=item.nomination, by=request.user,
                                     choice=form.cleaned_data["choice"])
            except DomainError as exc:
                _refuse_or_message(request, exc)
            else:
                messages.success(request, _("Đã ghi nhận phiếu của bạn."))
        return redirect("awards:session_vote", pk=pk)
    voted = set(VoterRoll.objects.filter(session=session, member=seat).values_list("nomination_id", flat=True))
    recused = set(Recusal.objects.filter(session=session, member=seat).values_list("nomination_id", flat=True))
    return render(request, "awards/session_vote.html", {
        "session": session, "items": selectors.session_items(session), "voted": voted, "recused": recused,
        "form": BallotForm(),
        "present": session.attendance.filter(member=seat).exists(),
    })


@login_required
@require_GET
def session_minutes(request, pk: int):
    session = _session(request, pk)
    if session.status != ReviewSession.Status.CLOSED:
        raise Http404
    return _serve(request, session.minutes_pdf, lambda: tasks.render_session_minutes.delay(session.pk),
                  back=reverse("awards:session_detail", args=[session.pk]))


# --- Decisions and certificates ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request):
    passed = selectors.awaiting_decision(request.user)
    form = DecisionForm(request.POST or None, passed=passed, initial={"nominations": request.GET.getlist("n")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["nominations"])
        try:
            decision = services.decision_issue(
                body=chosen[0].body, nominations=chosen, number=data["number"], date=data["date"],
                signer_name=data["signer_name"], signer_title=data["signer_title"], by=request.user,
            )
        except DomainError as exc:
            _refuse_or_message(request, exc)
        else:
            messages.success(request, _("Đã ban hành Quyết định số %(number)s.") % {"number": decision.number})
            return redirect("awards:decision_detail", pk=decision.pk)
    return render(request, "awards/decision_form.html", {"form": form, "passed": passed})


@login_required
@require_GET
def decision_list(request):
    page = Paginator(selectors.visible_decisions(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "awards/decision_list.html", {"page": page})


@login_required
@require_GET
def decision_detail(request, pk: int):
    decision = get_object_or_404(selectors.visible_decisions(request.user), pk=pk)
    awards = decision.awards.select_related("form").filter(
        Q(pk__in=selectors.visible_awards(request.user).values("pk")))
    return render(request, "awards/decision_detail.html", {"decision": decision, "awards": awards})


@login_required
@require_GET
def decision_pdf(request, pk: int):
    decision = get_object_or_404(selectors.visible_decisions(request.user), pk=pk)
    return _serve(request, decision.pdf, lambda: tasks.render_decision.delay(decision.pk),
                  back=reverse("awards:decision_detail", args=[decision.pk]))


@login_required
@require_GET
def certificate(request, pk: int):
    award = get_object_or_404(selectors.visible_awards(request.user), pk=pk)
    return _serve(request, award.certificate_pdf, lambda: tasks.render_certificate.delay(award.pk),
                  back=reverse("awards:decision_detail", args=[award.decision_id]))


@never_cache
@require_GET
def verify(request, code: str):
    """Public, no login: the recipient's name, the form, the decision number and date — nothing else."""
    award = selectors.verify_award(code)
    if award is None:
        return render(request, "awards/verify.html", {"award": None}, status=404)
    return render(request, "awards/verify.html", {"award": award})

