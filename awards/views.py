"""Pages of awards: nominate, council sessions, voting, results, decisions, certificates, public verification.

Views parse input and call the services; every list starts from a scoped selector; an object outside
the user's scope is a 404 (its existence is not revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import files
from core.documents.models import DocumentKind
from core.errors import DomainError
from core.params import get_id, parse_ids
from core.views import domain_action, refuse, scoped_object_or_404
from units.models import Unit
from units.roles import Role
from units.selectors import can_act_on, scope_filter, units_held

from . import documents, selectors, services
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
    Outcome,
    Recusal,
    Review,
    ReviewSession,
    VoterRoll,
)

PAGE_SIZE = 50


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])


def _nomination(request, pk: int) -> Nomination:
    return scoped_object_or_404(selectors.visible_nominations(request.user), pk,
                                _("Không tìm thấy đề nghị khen thưởng hoặc bạn không có quyền xem."))


def _session(request, pk: int) -> ReviewSession:
    return scoped_object_or_404(selectors.visible_sessions(request.user), pk,
                                _("Không tìm thấy phiên họp hoặc bạn không có quyền xem."))


def _document_page(request, *, kind: str, subject, heading: str, name: str, back: str):
    """An award act from the register (issue 12): GET serves the PDF of its current content or shows where
    it stands with a POST button; the POST records the act if it predates the register and queues its
    render. A GET never queues (it used to). Scoped by the caller: the subject was found in scope."""
    from core.documents import services as register
    from core.documents.api.views import pdf_filename
    from core.documents.views import subject_pdf_page

    if request.method == "POST":
        return domain_action(request, lambda: documents.document_request(kind=kind, subject=subject, by=request.user),
                             success=None, then=request.path)
    document = register.document_for(subject, kind=kind)
    current = documents.document_is_current(document)
    return subject_pdf_page(request, document=document, current=current, heading=heading, back=back,
                            filename=f"{name}-{pdf_filename(document)}" if current else "")


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
    return units_held(user, [Role.OFFICER])


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
            refuse(request, exc)
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
        # A session that closed without quorum decided nothing: its minutes are not part of the dossier.
        "minutes": [i for i in items if i.outcome != Outcome.NO_QUORUM],
        "title_runs": selectors.consecutive_title_years(nomination),
        "award": getattr(nomination, "award", None) if nomination.status == NominationStatus.AWARDED else None,
        "can_return": holds_it and nomination.status in (NominationStatus.SUBMITTED, NominationStatus.PASSED),
        "can_resubmit": is_proposer and nomination.status == NominationStatus.RETURNED,
        "can_attach": is_proposer and nomination.status in (NominationStatus.SUBMITTED, NominationStatus.RETURNED),
        "can_appraise": (can_act_on(user, nomination.body, [Role.APPROVER])
                         and nomination.status == NominationStatus.SUBMITTED
                         and getattr(selectors.deciding_power(nomination.body, nomination.form), "review",
                                     Review.COUNCIL) != Review.COUNCIL),
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
        return domain_action(
            request, lambda: services.nomination_return(nomination=nomination, by=request.user,
                                                        reason=form.cleaned_data["reason"],
                                                        revision=form.cleaned_data["revision"]),
            success=_("Đã trả lại đề nghị cho đơn vị đề nghị."), then=reverse("awards:nomination_detail", args=[pk]))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_resubmit(request, pk: int):
    nomination = _nomination(request, pk)
    form = ResubmitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        return domain_action(
            request, lambda: services.nomination_resubmit(nomination=nomination, by=request.user,
                                                          achievement_summary=form.cleaned_data["achievement_summary"],
                                                          revision=form.cleaned_data["revision"]),
            success=_("Đã gửi lại đề nghị."), then=reverse("awards:nomination_detail", args=[pk]))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_attach(request, pk: int):
    nomination = _nomination(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        return domain_action(
            request, lambda: services.attachment_add(nomination=nomination, by=request.user,
                                                     uploaded_file=form.cleaned_data["file"]),
            success=_("Đã thêm tệp vào hồ sơ."), then=reverse("awards:nomination_detail", args=[pk]))
    return redirect("awards:nomination_detail", pk=pk)


@login_required
@require_POST
def nomination_appraise(request, pk: int):
    """The approver of the deciding body records the dossier examined/appraised (forms with no council vote)."""
    nomination = _nomination(request, pk)
    return domain_action(
        request, lambda: services.nomination_appraise(nomination=nomination, by=request.user,
                                                      note=request.POST.get("note", "")),
        success=_("Đã ghi nhận kết quả thẩm định; đề nghị chờ quyết định khen thưởng."),
        then=reverse("awards:nomination_detail", args=[pk]))


@login_required
@require_POST
def nomination_forward(request, pk: int):
    nomination = _nomination(request, pk)
    return domain_action(request, lambda: services.nomination_forward(nomination=nomination, by=request.user),
                         success=_("Đã trình đề nghị lên cấp trên."),
                         then=reverse("awards:nomination_detail", args=[pk]))


NOMINATION_PARTS = {"cover": (DocumentKind.SUBMISSION, "to-trinh", _lazy("Tờ trình đề nghị khen thưởng")),
                    "report": (DocumentKind.ACHIEVEMENT_REPORT, "bao-cao-thanh-tich", _lazy("Báo cáo thành tích"))}


@login_required
@require_http_methods(["GET", "POST"])
def nomination_document(request, pk: int, part: str):
    nomination = _nomination(request, pk)
    if part not in NOMINATION_PARTS:
        raise Http404
    kind, name, heading = NOMINATION_PARTS[part]
    return _document_page(request, kind=kind, subject=nomination, heading=str(heading), name=name,
                          back=reverse("awards:nomination_detail", args=[nomination.pk]))


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    nomination = _nomination(request, pk)
    attachment = scoped_object_or_404(nomination.attachments.all(), attachment_pk, _("Không tìm thấy tệp."))
    # Attachment, the type checked at upload, nosniff, no-store: one way for every upload (core/files.py).
    return files.serve(attachment.file, filename=attachment.name)


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
    council = scoped_object_or_404(selectors.visible_councils(request.user), council_pk,
                                   _("Không tìm thấy hội đồng hoặc bạn không có quyền xem."))
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
            refuse(request, exc)
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
    # Only seats standing on their role: a seat whose membership was revoked is no longer a member (11.2).
    members = list(council.members.filter(pk__in=selectors.seated_member_ids(council)).select_related("user"))
    present = set(session.attendance.values_list("member_id", flat=True))
    seat = selectors.council_seat(council, request.user)
    return render(request, "awards/session_detail.html", {
        "session": session, "council": council, "items": selectors.session_items(session),
        "members": members, "present": present, "is_secretary": is_secretary, "seat": seat,
        "recusals": Recusal.objects.filter(session=session).select_related("member__user", "nomination"),
        "voted_count": VoterRoll.objects.filter(session=session, voted=True).count(),
        "has_minutes": session.status == ReviewSession.Status.CLOSED and _voted_on_something(session),
    })


def _session_action(request, pk: int, action, success: str):
    session = _session(request, pk)
    return domain_action(request, lambda: action(session), success=success,
                         then=reverse("awards:session_detail", args=[pk]))


@login_required
@require_POST
def session_attendance(request, pk: int):
    ids = parse_ids(request.POST.getlist("present"), field="present")  # a malformed id is a 400, not a 500
    chair_id = get_id(request.POST, "chair") if request.POST.get("chair") else None

    def record(session):
        members = list(session.council.members.filter(pk__in=ids, active=True))
        chair = session.council.members.filter(pk=chair_id).first() if chair_id else None
        if chair_id and chair is None:
            raise DomainError(_("Chủ tọa phải là thành viên có mặt tại phiên họp."), field="chair")
        services.session_record_attendance(session=session, members=members, by=request.user, chair=chair)

    return _session_action(request, pk, record, _("Đã ghi nhận thành viên có mặt."))


@login_required
@require_POST
def session_recuse(request, pk: int):
    member_id, nomination_id = get_id(request.POST, "member"), get_id(request.POST, "nomination")

    def recuse(session):
        member = session.council.members.filter(pk=member_id).first() if member_id else None
        nomination = session.items.filter(nomination_id=nomination_id).first() if nomination_id else None
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
        nomination_id = get_id(request.POST, "nomination")
        item = session.items.filter(nomination_id=nomination_id).first() if nomination_id else None
        if item is None:
            messages.error(request, _("Đề nghị không có trong chương trình phiên họp."))
        elif not form.is_valid():
            _form_errors(request, form)
        else:
            try:
                services.ballot_cast(session=session, nomination=item.nomination, by=request.user,
                                     choice=form.cleaned_data["choice"])
            except DomainError as exc:
                refuse(request, exc)
            else:
                messages.success(request, _("Đã ghi nhận phiếu của bạn."))
        return redirect("awards:session_vote", pk=pk)
    voted = set(VoterRoll.objects.filter(session=session, member=seat, voted=True)
                .values_list("nomination_id", flat=True))
    recused = set(Recusal.objects.filter(session=session, member=seat).values_list("nomination_id", flat=True))
    return render(request, "awards/session_vote.html", {
        "session": session, "items": selectors.session_items(session), "voted": voted, "recused": recused,
        "form": BallotForm(),
        "present": session.attendance.filter(member=seat).exists(),
    })


def _voted_on_something(session: ReviewSession) -> bool:
    return session.items.filter(outcome__in=[Outcome.PASSED, Outcome.NOT_PASSED]).exists()


@login_required
@require_http_methods(["GET", "POST"])
def session_minutes(request, pk: int):
    session = _session(request, pk)
    # A session that voted on nothing (closed without quorum) has no minutes to serve (issue 12.6).
    if session.status != ReviewSession.Status.CLOSED or not _voted_on_something(session):
        raise Http404
    return _document_page(request, kind=DocumentKind.MINUTES, subject=session, heading=_("Biên bản họp Hội đồng"),
                          name="bien-ban", back=reverse("awards:session_detail", args=[session.pk]))


# --- Decisions and certificates ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request):
    passed = selectors.awaiting_decision(request.user)
    preselected = parse_ids(request.GET.getlist("n"), field="n")
    form = DecisionForm(request.POST or None, passed=passed, initial={"nominations": preselected})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["nominations"])
        try:
            decision = services.decision_issue(
                body=chosen[0].body, nominations=chosen, number=data["number"], date=data["date"],
                signer_name=data["signer_name"], signer_title=data["signer_title"], by=request.user,
            )
        except DomainError as exc:
            refuse(request, exc)
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
    decision = scoped_object_or_404(selectors.visible_decisions(request.user), pk, _("Không tìm thấy quyết định."))
    awards = decision.awards.select_related("form").filter(
        Q(pk__in=selectors.visible_awards(request.user).values("pk")))
    return render(request, "awards/decision_detail.html", {
        "decision": decision, "awards": awards,
        "can_annul": can_act_on(request.user, decision.body, [Role.APPROVER]),
    })


@login_required
@require_POST
def award_annul(request, pk: int):
    award = scoped_object_or_404(selectors.visible_awards(request.user), pk,
                                 _("Không tìm thấy khen thưởng hoặc bạn không có quyền xem."))
    return domain_action(
        request, lambda: services.award_annul(award=award, by=request.user, reason=request.POST.get("reason", "")),
        success=_("Đã hủy bỏ khen thưởng của “%(name)s”.") % {"name": award.recipient_name},
        then=reverse("awards:decision_detail", args=[award.decision_id]))


@login_required
@require_http_methods(["GET", "POST"])
def decision_pdf(request, pk: int):
    decision = scoped_object_or_404(selectors.visible_decisions(request.user), pk, _("Không tìm thấy quyết định."))
    return _document_page(request, kind=DocumentKind.AWARD_DECISION, subject=decision,
                          heading=_("Quyết định khen thưởng"), name="quyet-dinh",
                          back=reverse("awards:decision_detail", args=[decision.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request, pk: int):
    award = scoped_object_or_404(selectors.visible_awards(request.user), pk, _("Không tìm thấy khen thưởng."))
    return _document_page(request, kind=DocumentKind.CERTIFICATE, subject=award, heading=award.form.name,
                          name="bang-khen", back=reverse("awards:decision_detail", args=[award.decision_id]))


@never_cache
@require_GET
def verify(request, code: str):
    """Public, no login: the recipient, the form, the deciding authority, the decision's number and date, and
    whether (when, why) it was annulled — nothing else. An award never "expires"."""
    award = selectors.verify_award(code)
    if award is None:
        return render(request, "awards/verify.html", {"award": None}, status=404)
    return render(request, "awards/verify.html", {"award": award})

