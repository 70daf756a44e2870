"""The recognition decision (quyết định công nhận) of a title, as a Document of the register.

Every approval, single or from a yearly list, is recorded as a titles.Decision and issued as a Document
of kind TITLE_DECISION by the recognising authority's IssuingBody (UBND phường Thành Sen, Sở GD&ĐT, a
school for its own staff), numbered in that body's register ("03/QĐ-UBND"). The builder below prints it
in the decree's decision layout: authority line, căn cứ, Điều 1 công nhận … (a list of more than a few
subjects is annexed), the validity, the execution article, nơi nhận and the signature.
"""

from __future__ import annotations

import datetime
import re
from html import escape

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext as _

from core.documents import builders
from core.documents import services as document_services
from core.documents.legal import legal_bases
from core.documents.models import Document, DocumentKind, IssuingBody
from core.documents.types import Annex, AnnexTable, Layout, StateDocument
from core.text import search_key

from .models import Decision, Recognition, SubjectKind

KIND = DocumentKind.TITLE_DECISION
# Up to this many subjects are named in Điều 1 itself; more go to the annexed list (danh sách kèm theo).
INLINE_SUBJECTS = 3

SIGNED_AS_HEAD, SIGNED_AS_DEPUTY = "head", "deputy"
SIGNED_AS_CHOICES = ((SIGNED_AS_HEAD, _("Người đứng đầu ký")), (SIGNED_AS_DEPUTY, _("Cấp phó ký thay (KT.)")))


def _dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def signature_fields(issuer: IssuingBody, signed_as: str) -> dict:
    """Capacity, principal and title as NĐ 30/2020, Điều 13 has them: a collective body's head signs
    "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"; a deputy signs "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" (under TM. for a collective
    body, which the register adds); an agency's head (Giám đốc, Hiệu trưởng) signs in their own name."""
    if signed_as == SIGNED_AS_DEPUTY:
        return {"capacity": "KT.", "principal": issuer.head_title, "signer_title": issuer.deputy_title}
    if issuer.collective:
        return {"capacity": "TM.", "principal": issuer.principal_name, "signer_title": issuer.head_title}
    return {"capacity": "", "principal": "", "signer_title": issuer.head_title}


def decision_title(decision: Decision, *, level: int | None, count: int) -> str:
    """Trích yếu: "Về việc công nhận danh hiệu “Gia đình học tập” năm 2025"."""
    title = decision.title_type
    level_text = f" mức độ {level}" if level and title.has_levels else ""
    return f"Về việc công nhận danh hiệu “{title.name}”{level_text} năm {decision.year}"


def issue_decision_document(*, decision: Decision, issuer: IssuingBody, signed_as: str, signer_name: str,
                            level: int | None, count: int, by) -> Document:
    """Issue the decision in `issuer`'s register (next number of the year of its date). Runs inside the
    approving service's transaction: a refusal later on gives the number back."""
    signer = signature_fields(issuer, signed_as)
    return document_services.document_issue(
        kind=KIND, issuer=issuer, subject=decision, date=decision.date,
        title=decision_title(decision, level=level, count=count), signer_name=signer_name,
        recipients=(_("Như Điều 3"), _("Lưu: VT")), by=by, **signer,
    )


def decision_document(decision: Decision) -> Document | None:
    return document_services.document_for(decision, kind=KIND)


def pdf_filename(document: Document) -> str:
    """"quyet-dinh-03-QD-UBND.pdf": the number in ASCII, safe in any file system."""
    ascii_number = "".join(c if c.isalnum() else "-" for c in search_key(document.number))
    return f"quyet-dinh-{ascii_number.strip('-') or document.pk}.pdf"


def documents_by_decision(decision_ids) -> dict[int, Document]:
    """The live decision document of each decision id, in one query (list pages)."""
    ct = ContentType.objects.get_for_model(Decision)
    rows = Document.objects.select_related("issuer").filter(
        kind=KIND, subject_type=ct, subject_id__in=list(decision_ids),
        status__in=[Document.Status.ISSUED, Document.Status.DRAFT])
    return {d.subject_id: d for d in rows}


# --- printing ------------------------------------------------------------------------------------


def _authority_line(issuer: IssuingBody) -> str:
    """A collective body decides as itself ("ỦY BAN NHÂN DÂN PHƯỜNG THÀNH SEN"); an agency through its head
    ("GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH HÀ TĨNH")."""
    if issuer.collective:
        return issuer.name.upper()
    return f"{issuer.head_title} {issuer.name}".upper()


def _subject_row(recognition: Recognition) -> tuple[str, str, str]:
    """(name, code, place) of a recognised subject, as the annexed list prints them."""
    kind = recognition.subject_kind
    if kind == SubjectKind.HOUSEHOLD:
        household = recognition.household
        return _("Hộ ông/bà %(name)s") % {"name": household.head_name}, household.code, recognition.unit.name
    if kind == SubjectKind.CITIZEN:
        citizen = recognition.citizen
        born = f" ({citizen.birth_year})" if citizen.birth_year else ""
        return f"{citizen.full_name}{born}", "", recognition.unit.name
    if kind == SubjectKind.CLAN:
        return _("Dòng họ %(name)s") % {"name": recognition.clan.name}, "", recognition.unit.name
    parent = recognition.unit.parent
    return recognition.unit.name, recognition.unit.code or "", parent.name if parent else ""


# LegalBasis tags of the titles' own rules (core.documents seeds them): one of them is cited per decision.
TITLE_BASIS_TAGS = ("title:citizen", "title:family", "title:clan", "title:hamlet", "title:community", "title:unit")
_ACT_NUMBER = re.compile(r"\d+/(?:\d{4}/)?[A-ZĐ]+[A-Za-zĐđ]*-[A-ZĐ][A-Za-zĐđ]*")


def decision_legal_bases(decision: Decision, issuer: IssuingBody, day: datetime.date) -> tuple[str, ...]:
    """The căn cứ, from the LegalBasis rows an administrator keeps: the general ones of a title decision
    (the local government law only for a People's Committee), then the act the recognising authority
    applied (its rule's legal basis: QĐ 448/QĐ-KHVN for a commune's school, TT 24/2023 for a Sở's), found
    among the titles' rows by its number, or printed from the rule when no row carries it."""
    specific = set(legal_bases(*TITLE_BASIS_TAGS, on=day))
    committee = set(legal_bases("people_committee", on=day))
    general = [b for b in legal_bases("title_decision", on=day) if b not in specific
               and (issuer.kind == IssuingBody.Kind.PEOPLE_COMMITTEE or b not in committee)]
    act = decision.legal_basis or decision.title_type.legal_basis
    numbers = _ACT_NUMBER.findall(act)
    own = [b for b in legal_bases(*TITLE_BASIS_TAGS, on=day) if numbers and any(n in b for n in numbers)]
    if not own and act:
        own = [f"Căn cứ {act};"]
    return tuple(general + own)


SUBJECT_NOUNS = {SubjectKind.HOUSEHOLD: "hộ gia đình", SubjectKind.CITIZEN: "công dân",
                 SubjectKind.CLAN: "dòng họ", SubjectKind.UNIT: "đơn vị"}


def _considering(decision: Decision, recognitions: list[Recognition]) -> str:
    """"Xét …": the yearly list the commune sent, or the unit's self-assessment and its appraisal."""
    from .models import EvaluationList

    title = decision.title_type.name
    evaluation_list = EvaluationList.objects.filter(decision=decision).select_related("unit").first()
    if evaluation_list is not None:
        return (f"Xét danh sách bình xét danh hiệu “{title}” năm {decision.year} của "
                f"{evaluation_list.unit.name} và kết quả thẩm định.")
    if len(recognitions) == 1 and recognitions[0].evaluation_id:
        return (f"Xét hồ sơ tự đánh giá danh hiệu “{title}” năm {decision.year} của {recognitions[0].unit.name} "
                f"và kết quả thẩm định.")
    return f"Xét đề nghị công nhận danh hiệu “{title}” năm {decision.year} và kết quả thẩm định."


def build_title_decision(document: Document) -> StateDocument:
    decision: Decision = document.subject
    issuer = document.issuer
    title = decision.title_type
    recognitions = list(
        decision.recognitions.select_related("unit", "unit__parent", "household", "clan", "citizen")
        .order_by("unit__name", "id")
    )
    day = document.date or decision.date
    levels = sorted({r.level for r in recognitions})
    level_text = f" mức độ {levels[0]}" if title.has_levels and len(levels) == 1 else ""
    noun = SUBJECT_NOUNS.get(decision.title_type.subject_kind, "đối tượng")
    rows = [_subject_row(r) for r in recognitions]
    annexes: tuple[Annex, ...] = ()
    if len(rows) > INLINE_SUBJECTS:
        article1 = (f"<p>Công nhận danh hiệu “{escape(title.name)}”{level_text} năm {decision.year} đối với "
                    f"{len(rows)} {noun} (có danh sách kèm theo).</p>")
        annex_title = (f"DANH SÁCH {noun.upper()} ĐƯỢC CÔNG NHẬN DANH HIỆU “{title.name.upper()}” NĂM {decision.year}"
                       f"\n(Kèm theo Quyết định số {document.number or '      '} ngày {_dmy(day)} của "
                       f"{issuer.name})")
        annexes = (Annex(title=annex_title, table=AnnexTable(
            columns=("TT", "Tên", "Mã", "Thuộc"),
            rows=tuple((str(i), name, code, place) for i, (name, code, place) in enumerate(rows, 1)),
            widths=(7, 41, 25, 27),  # a household code (18073-14147-001) does not wrap: room for it
        )),)
    else:
        named = "; ".join(escape(f"{name} ({place})" if place else name) for name, _code, place in rows)
        article1 = (f"<p>Công nhận danh hiệu “{escape(title.name)}”{level_text} năm {decision.year} đối với: "
                    f"{named}.</p>")
    validity = ""
    if recognitions:
        first = recognitions[0]
        validity = (f"<p>Thời hạn công nhận: từ ngày {_dmy(first.valid_from)} đến hết ngày {_dmy(first.valid_to)}."
                    f"</p>")
    article2 = validity or "<p>Danh hiệu được ghi nhận trong hồ sơ thi đua của đối tượng.</p>"
    office = _("Văn phòng") if issuer.kind == IssuingBody.Kind.PEOPLE_COMMITTEE else _("Bộ phận văn thư")
    article3 = (f"<p>Quyết định này có hiệu lực kể từ ngày ký. {office} {escape(issuer.name)}, các cơ quan, đơn vị "
                f"có liên quan và các {noun} có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.</p>")
    bases = decision_legal_bases(decision, issuer, day)
    considering = (_considering(decision, recognitions),)
    return StateDocument(
        kind=Layout.DECISION, issuing_body=issuer.name, number=document.number, place=issuer.place_name,
        date=day, type_label="QUYẾT ĐỊNH", title=document.title, body_html="",
        authority_line=_authority_line(issuer), legal_bases=bases, considering=considering,
        articles=(article1, article2, article3), recipients=tuple(document.recipients), annexes=annexes,
    )


def decision_readers(user) -> Q:
    """Who may read a title decision beyond the issuer's subtree: whoever sees one of its recognitions
    (a school reads the Sở's decision about itself; a hamlet officer the commune's list decision)."""
    from . import selectors

    ct = ContentType.objects.get_for_model(Decision)
    return Q(subject_type=ct, subject_id__in=selectors.visible_recognitions(user).values("decision_id"))


def register() -> None:
    builders.register_builder(KIND, build_title_decision, readers=decision_readers)
