"""Writes of the register: issuing bodies, numbering, rendering requests.

Every state act the portal makes goes through `document_issue` (numbered) or `document_register_external`
(printed elsewhere with its own number); the PDF is made in the background by
`core.documents.tasks.render_document`, queued on commit by `document_request_render`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.text import nfc
from units.models import Kind as UnitKind
from units.models import Level, Unit

from . import naming
from .models import Document, DocumentKind, IssuingBody, RegisterCounter, format_number, register_of

logger = logging.getLogger(__name__)

CAPACITIES = ("", "TM.", "KT.", "Q.", "TL.", "TUQ.")


# ---------------------------------------------------------------- issuing bodies

def _people_committee_defaults(territory: Unit) -> dict:
    if territory.level == Level.NATION:
        return {"name": "Chính phủ", "header_lines": ["CHÍNH PHỦ"], "parent_header_lines": [],
                "abbreviation": "CP", "place_name": "Hà Nội", "head_title": "Thủ tướng",
                "deputy_title": "Phó Thủ tướng", "collective": True}
    full = naming.territory_name(territory)
    return {
        "name": f"Ủy ban nhân dân {full[0].lower()}{full[1:]}",
        "header_lines": ["ỦY BAN NHÂN DÂN", naming.upper(full)],
        "parent_header_lines": [],
        "abbreviation": "UBND",
        "place_name": naming.place_name(territory),
        "head_title": "Chủ tịch",
        "deputy_title": "Phó Chủ tịch",
        "collective": True,
    }


def _council_defaults(territory: Unit) -> dict:
    full = naming.territory_name(territory)
    return {
        "name": f"Hội đồng Thi đua – Khen thưởng {full[0].lower()}{full[1:]}",
        "header_lines": ["HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG", naming.upper(full)],
        "parent_header_lines": [],
        "abbreviation": "HĐTĐKT",
        "place_name": naming.place_name(territory),
        "head_title": "Chủ tịch",
        "deputy_title": "Phó Chủ tịch",
        "collective": True,
    }


def _agency_defaults(unit: Unit) -> dict:
    territory = naming.managing_territory(unit)
    parent = unit.parent
    if parent is not None and parent.level == Level.ORGANISATION:
        # A faculty, a department of a university: its managing body is the organisation above it.
        parent_lines = naming.wrap(naming.upper(parent.name))
        own_lines = naming.wrap(naming.upper(unit.name))
    elif territory is not None and territory.level != Level.NATION:
        parent_lines = [f"UBND {naming.upper(naming.territory_name(territory))}"]
        own_lines = naming.agency_name_lines(unit.name, territory)
    else:
        parent_lines, own_lines = [], naming.wrap(naming.upper(unit.name))
    head, deputy = naming.HEAD_TITLES.get(unit.kind, naming.DEFAULT_HEAD_TITLES)
    kind = IssuingBody.Kind.ENTERPRISE if unit.kind == UnitKind.ENTERPRISE else IssuingBody.Kind.AGENCY
    if kind == IssuingBody.Kind.ENTERPRISE:
        parent_lines = []
    return {
        "kind": kind,
        "name": nfc(unit.name),
        "header_lines": own_lines,
        "parent_header_lines": parent_lines,
        "abbreviation": naming.abbreviate(naming.without_territory(unit.name, territory)),
        "place_name": naming.place_name(territory) if territory is not None else "",
        "head_title": head,
        "deputy_title": deputy,
        "collective": False,
    }


def issuing_body_for(unit: Unit, *, kind: str = IssuingBody.Kind.PEOPLE_COMMITTEE) -> IssuingBody:
    """The body that issues acts for `unit`, created with defaults derived from the unit when missing.

    kind="people_committee" on a territory → its UBND ("ỦY BAN NHÂN DÂN" / "TỈNH HÀ TĨNH"); on an
    organisation (Sở, school, enterprise…) → the organisation itself as an agency, its managing body's
    name above it; an organisation unit that *is* a People's Committee resolves to its territory's UBND.
    kind="council" → the territory's Hội đồng Thi đua – Khen thưởng. Race-safe (get_or_create on the
    unique (unit, kind))."""
    if unit.level == Level.ORGANISATION and unit.kind == UnitKind.PEOPLES_COMMITTEE and unit.parent_id:
        unit = naming.managing_territory(unit.parent) or unit
    if kind in (IssuingBody.Kind.PEOPLE_COMMITTEE, IssuingBody.Kind.COUNCIL) and not unit.is_administrative:
        if kind == IssuingBody.Kind.PEOPLE_COMMITTEE:
            defaults = _agency_defaults(unit)
            kind = defaults.pop("kind")
        else:
            territory = naming.managing_territory(unit) or unit
            return issuing_body_for(territory, kind=kind)
    elif kind == IssuingBody.Kind.COUNCIL:
        defaults = _council_defaults(unit)
    elif kind == IssuingBody.Kind.PEOPLE_COMMITTEE:
        if unit.level == Level.HAMLET:
            return issuing_body_for(unit.parent, kind=kind)
        defaults = _people_committee_defaults(unit)
    else:
        defaults = _agency_defaults(unit)
        defaults.pop("kind")
    existing = IssuingBody.objects.select_related("unit").filter(unit=unit, kind=kind).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return IssuingBody.objects.create(unit=unit, kind=kind, **defaults)
    except IntegrityError:  # created by a concurrent request between the read and the insert
        return IssuingBody.objects.select_related("unit").get(unit=unit, kind=kind)


# ---------------------------------------------------------------- numbering

def next_seq(*, issuer: IssuingBody, kind: str, year: int) -> int:
    """Take the next number of the register (issuer, kind, year). Locks the counter row (SELECT … FOR
    UPDATE) until the caller's transaction ends, so two issuers never get the same number and a
    rolled-back issue gives its number back. Must run inside transaction.atomic."""
    counter, _created = RegisterCounter.objects.get_or_create(issuer=issuer, kind=register_of(kind), year=year)
    counter = RegisterCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    return counter.last_seq


def _subject_key(subject) -> dict:
    if subject is None:
        return {"subject_type": None, "subject_id": None}
    return {"subject_type": ContentType.objects.get_for_model(subject, for_concrete_model=False),
            "subject_id": subject.pk}


def _live_document(kind: str, subject) -> Document | None:
    if subject is None:
        return None
    return (Document.objects.select_for_update().select_related("issuer")
            .filter(kind=kind, status__in=[Document.Status.DRAFT, Document.Status.ISSUED], **_subject_key(subject))
            .first())


def _validate(*, kind: str, issuer: IssuingBody, title: str, capacity: str) -> None:
    if kind not in DocumentKind.values:
        raise DomainError(_("Loại văn bản không hợp lệ."), field="kind")
    if not issuer.active:
        raise DomainError(_("Cơ quan “%(name)s” không còn ban hành văn bản.") % {"name": issuer.name}, field="issuer")
    if capacity not in CAPACITIES:
        raise DomainError(_("Thẩm quyền ký không hợp lệ."), field="capacity")
    if not nfc(title).strip():
        raise DomainError(_("Văn bản phải có trích yếu."), field="title")


def _signer_fields(*, capacity, principal, signer_title, signer_name, recipients) -> dict:
    return {"capacity": capacity, "principal": nfc(principal), "signer_title": nfc(signer_title),
            "signer_name": nfc(signer_name), "recipients": [nfc(r) for r in recipients if nfc(r).strip()]}


@transaction.atomic
def document_issue(*, kind: str, issuer: IssuingBody, subject, date: datetime.date, title: str,
                   capacity: str = "", principal: str = "", signer_title: str = "", signer_name: str = "",
                   recipients: Iterable[str] = (), by) -> Document:
    """Issue an act: take the next number of (issuer, kind, date.year) and record the Document.

    Idempotent per (kind, subject): when the subject already has an issued document of this kind, that
    document is returned unchanged; a draft of it (a plan's preview) is numbered and issued. Locks the
    subject's live document row and the register counter row. Queues the PDF on commit."""
    _validate(kind=kind, issuer=issuer, title=title, capacity=capacity)
    if date is None:
        raise DomainError(_("Văn bản ban hành phải có ngày ban hành."), field="date")
    existing = _live_document(kind, subject)
    if existing is not None and existing.status == Document.Status.ISSUED:
        return existing
    seq = next_seq(issuer=issuer, kind=kind, year=date.year)
    fields = {
        "issuer": issuer, "year": date.year, "seq": seq, "external": False,
        "number": format_number(seq=seq, kind=kind, abbreviation=issuer.abbreviation),
        "date": date, "title": nfc(title), "status": Document.Status.ISSUED,
        **_signer_fields(capacity=capacity, principal=principal, signer_title=signer_title,
                         signer_name=signer_name, recipients=recipients),
    }
    document = existing or Document(kind=kind, created_by=by, **_subject_key(subject))
    for name, value in fields.items():
        setattr(document, name, value)
    document.save()
    document_request_render(document=document)
    return document


@transaction.atomic
def document_register_external(*, kind: str, issuer: IssuingBody, subject, number: str, date: datetime.date,
                               title: str, capacity: str = "", principal: str = "", signer_title: str = "",
                               signer_name: str = "", recipients: Iterable[str] = (), by) -> Document:
    """Record an act issued outside the portal with the number it was printed with (151/KH-UBND):
    marked `external`, it takes nothing from the register. Idempotent per (kind, subject) like
    document_issue. Locks the subject's live document row."""
    _validate(kind=kind, issuer=issuer, title=title, capacity=capacity)
    number = nfc(number).strip()
    if not number:
        raise DomainError(_("Văn bản ngoài sổ phải có số, ký hiệu."), field="number")
    existing = _live_document(kind, subject)
    if existing is not None and existing.status == Document.Status.ISSUED:
        return existing
    document = existing or Document(kind=kind, created_by=by, **_subject_key(subject))
    fields = {
        "issuer": issuer, "year": date.year if date else datetime.date.today().year,  # noqa: DTZ011
        "seq": None, "number": number, "external": True, "date": date, "title": nfc(title),
        "status": Document.Status.ISSUED,
        **_signer_fields(capacity=capacity, principal=principal, signer_title=signer_title,
                         signer_name=signer_name, recipients=recipients),
    }
    for name, value in fields.items():
        setattr(document, name, value)
    document.save()
    document_request_render(document=document)
    return document


@transaction.atomic
def document_draft(*, kind: str, issuer: IssuingBody, subject, title: str, year: int, by=None,
                   date: datetime.date | None = None, capacity: str = "", principal: str = "",
                   signer_title: str = "", signer_name: str = "", recipients: Iterable[str] = ()) -> Document:
    """The unnumbered draft of a subject's act (previewed as 'DỰ THẢO'), created or brought up to date.
    An issued document of the subject is returned unchanged. Locks the subject's live document row."""
    _validate(kind=kind, issuer=issuer, title=title, capacity=capacity)
    existing = _live_document(kind, subject)
    if existing is not None and existing.status == Document.Status.ISSUED:
        return existing
    document = existing or Document(kind=kind, created_by=by, **_subject_key(subject))
    fields = {
        "issuer": issuer, "year": year, "seq": None, "number": "", "external": False, "date": date,
        "title": nfc(title), "status": Document.Status.DRAFT,
        **_signer_fields(capacity=capacity, principal=principal, signer_title=signer_title,
                         signer_name=signer_name, recipients=recipients),
    }
    changed = existing is None or any(getattr(document, k) != v for k, v in fields.items())
    if changed:
        for name, value in fields.items():
            setattr(document, name, value)
        document.save()
    return document


@transaction.atomic
def document_number_draft(*, document: Document, date: datetime.date, by=None) -> Document:
    """Issue a draft that has no subject to find it by (a report of a unit's year): number it in its
    issuer's register and queue its PDF. An issued document is returned unchanged. Locks the document
    row, then the counter row."""
    document = Document.objects.select_for_update().select_related("issuer").get(pk=document.pk)
    if document.status == Document.Status.ISSUED:
        return document
    if document.status != Document.Status.DRAFT:
        raise DomainError(_("Văn bản đã hủy bỏ không thể ban hành."), code="invalid_state")
    if date is None:
        raise DomainError(_("Văn bản ban hành phải có ngày ban hành."), field="date")
    _validate(kind=document.kind, issuer=document.issuer, title=document.title, capacity=document.capacity)
    seq = next_seq(issuer=document.issuer, kind=document.kind, year=date.year)
    document.seq, document.year, document.date = seq, date.year, date
    document.number = format_number(seq=seq, kind=document.kind, abbreviation=document.issuer.abbreviation)
    document.status = Document.Status.ISSUED
    document.save(update_fields=["seq", "year", "date", "number", "status"])
    document_request_render(document=document)
    return document


@transaction.atomic
def document_annul(*, document: Document, by) -> Document:
    """Mark an issued act annulled (its number stays used in the register). Locks the document row."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != Document.Status.ISSUED:
        raise DomainError(_("Chỉ hủy bỏ được văn bản đã ban hành."), code="invalid_state")
    document.status = Document.Status.ANNULLED
    document.save(update_fields=["status"])
    return document


def document_for(subject, *, kind: str) -> Document | None:
    """The live (draft or issued) document of `subject`, if any."""
    if subject is None or subject.pk is None:
        return None
    return (Document.objects.select_related("issuer", "issuer__unit")
            .filter(kind=kind, status__in=[Document.Status.DRAFT, Document.Status.ISSUED], **_subject_key(subject))
            .first())


# ---------------------------------------------------------------- legal bases

@transaction.atomic
def legal_basis_save(*, basis, fields: dict, by):
    """Create or change a 'Căn cứ …' line (administrators only; history kept by simple-history)."""
    from .models import LegalBasis

    if not (by and by.is_active and (by.is_superuser or by.is_staff)):
        from core.errors import PermissionDenied

        raise PermissionDenied(_("Chỉ quản trị hệ thống mới sửa được căn cứ pháp lý."), code="permission_denied")
    basis = basis if basis is not None else LegalBasis()
    for name, value in fields.items():
        setattr(basis, name, nfc(value) if isinstance(value, str) else value)
    if basis.valid_from and basis.valid_to and basis.valid_to < basis.valid_from:
        raise DomainError(_("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."), field="valid_to")
    if not basis.text.strip():
        raise DomainError(_("Cần nhập nội dung căn cứ."), field="text")
    basis._history_user = by
    basis.save()
    return basis


# ---------------------------------------------------------------- rendering

def document_request_render(*, document: Document, force: bool = False) -> None:
    """Queue the document's PDF: render_status=queued and `render_document(document_id)` on commit.

    A no-op when the stored PDF is of the current content (same content hash) or a render is already
    queued or running, unless `force`. Never call from a GET: GET shows the status, a POST queues."""
    from . import builders  # the builders need the models; the models never need the builders

    if not builders.has_builder(document.kind):
        return
    current = Document.objects.filter(pk=document.pk).values("render_status", "content_hash", "pdf").first()
    if current is None:
        return
    if not force:
        if current["render_status"] in (Document.RenderStatus.QUEUED, Document.RenderStatus.RENDERING):
            return
        if current["render_status"] == Document.RenderStatus.READY and current["pdf"]:
            try:
                fingerprint = builders.fingerprint(document)
            except Exception:  # a builder that fails now fails in the task too, where it is recorded
                logger.exception("Could not fingerprint document %s", document.pk)
                fingerprint = None
            if fingerprint == current["content_hash"]:
                return
    Document.objects.filter(pk=document.pk).update(render_status=Document.RenderStatus.QUEUED, render_error="")
    document.render_status = Document.RenderStatus.QUEUED
    document_id = document.pk

    def _queue() -> None:
        from .tasks import render_document

        render_document.delay(document_id)

    transaction.on_commit(_queue)


RENDER_ERROR_MAX = 500


def _render_failed(document_id: int, message: str) -> None:
    Document.objects.filter(pk=document_id).update(
        render_status=Document.RenderStatus.FAILED, render_error=message[:RENDER_ERROR_MAX]
    )


def document_render(*, document_id: int) -> str:
    """Render the document's PDF unless the stored one is of the current content (idempotent).

    Locks the document row while deciding (a second worker on the same id waits, then finds the PDF
    ready with the same hash and skips); renders outside any transaction (seconds to minutes, no lock
    held); stores the file under the row lock again. A failure is recorded in Vietnamese on the row
    and does not raise, so the status page can say what went wrong. Returns what happened."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from . import builders
    from .renderer import document_fingerprint, render_pdf

    with transaction.atomic():
        document = (Document.objects.select_for_update().select_related("issuer", "issuer__unit")
                    .filter(pk=document_id).first())
        if document is None:
            return "missing"
        if not builders.has_builder(document.kind):
            _render_failed(document_id, _("Chưa có mẫu in cho loại văn bản này."))
            return "failed"
        try:
            state = builders.state_document(document)
        except Exception as exc:  # the builder's data is broken: say so on the row
            logger.exception("Building document %s failed", document_id)
            _render_failed(document_id, _("Không lập được nội dung văn bản: %(error)s") % {"error": exc})
            return "failed"
        fingerprint = document_fingerprint(state)
        if (document.render_status == Document.RenderStatus.READY and document.pdf
                and document.content_hash == fingerprint):
            return "cached"
        Document.objects.filter(pk=document_id).update(render_status=Document.RenderStatus.RENDERING,
                                                       render_error="")
    try:
        rendered = render_pdf(state)
    except Exception as exc:
        logger.exception("Rendering document %s failed", document_id)
        _render_failed(document_id, _("Không tạo được tệp PDF: %(error)s") % {"error": exc})
        return "failed"
    with transaction.atomic():
        document = (Document.objects.select_for_update().select_related("issuer", "issuer__unit")
                    .filter(pk=document_id).first())
        if document is None:
            return "missing"
        try:
            changed = builders.fingerprint(document) != fingerprint
        except Exception:  # noqa: BLE001 - broken since: the next render records why
            changed = True
        if changed:  # edited while rendering: render the new content instead of storing a stale file
            Document.objects.filter(pk=document_id).update(render_status=Document.RenderStatus.NONE)
            document_request_render(document=document)
            return "requeued"
        old_name = document.pdf.name if document.pdf else ""
        document.content_hash = fingerprint
        document.pdf.save(f"{fingerprint[:12]}.pdf", ContentFile(rendered.data), save=False)
        document.page_count = rendered.page_count
        document.render_status = Document.RenderStatus.READY
        document.render_error = ""
        document.rendered_at = timezone.now()
        document.save(update_fields=["content_hash", "pdf", "page_count", "render_status", "render_error",
                                     "rendered_at"])
    if old_name and old_name != document.pdf.name:
        transaction.on_commit(lambda: document.pdf.storage.delete(old_name))
    return "rendered"
