"""A plan as a state document: what core.documents renders."""

from __future__ import annotations

from django.utils import translation

from core.documents import SignatureBlock, StateDocument

from .models import CapacityMark, Plan

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def signature_block(plan: Plan) -> SignatureBlock:
    """'TM. ỦY BAN NHÂN DÂN' / 'KT. CHỦ TỊCH' / 'PHÓ CHỦ TỊCH' / name (NĐ 30/2020, Điều 13)."""
    lines = []
    if plan.signer_collective:
        lines.append(f"{CapacityMark.ON_BEHALF_OF_COLLECTIVE} {plan.signer_collective.upper()}")
    if plan.signer_capacity == CapacityMark.ON_BEHALF_OF_COLLECTIVE:
        if plan.signer_principal and not plan.signer_collective:
            lines.append(f"{CapacityMark.ON_BEHALF_OF_COLLECTIVE} {plan.signer_principal.upper()}")
    elif plan.signer_capacity:
        lines.append(f"{plan.signer_capacity} {plan.signer_principal.upper()}")
    return SignatureBlock(authority_lines=tuple(lines), signer_title=plan.signer_title, signer_name=plan.signer_name)


def plan_body_html(plan: Plan) -> str:
    """Introduction, the sections present numbered I., II., … as the seeds print them, then the closing."""
    parts = [plan.introduction]
    for index, (_name, heading, html) in enumerate(plan.sections()):
        numeral = ROMAN[index] if index < len(ROMAN) else str(index + 1)
        parts.append(f"<h3>{numeral}. {heading.upper()}</h3>{html}")
    parts.append(plan.closing)
    return "".join(p for p in parts if p)


def plan_document_for(document) -> StateDocument:
    """The register's builder: the plan a Document of kind plan/letter documents, as a StateDocument
    (the register then prints its own number, date and issuer's header)."""
    return plan_document(document.subject)


def plan_document(plan: Plan) -> StateDocument:
    with translation.override("vi"):  # a state document is Vietnamese whatever the reader's language
        return _plan_document(plan)


def _plan_document(plan: Plan) -> StateDocument:
    return StateDocument(
        issuing_body=plan.issuing_body,
        parent_body=plan.parent_body,
        number=plan.number or "      /",
        place=plan.place,
        date=plan.issued_on,
        type_label=plan.type_label,
        title=plan.title,
        subject=plan.title if not plan.type_label else "",
        addressees=_lines(plan.addressees),
        body_html=plan_body_html(plan),
        recipients=_lines(plan.recipients),
        signature=signature_block(plan),
        watermark="" if plan.is_issued else "DỰ THẢO",
    )
