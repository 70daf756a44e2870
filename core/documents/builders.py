"""What each kind of Document is printed from: apps register a builder per kind in AppConfig.ready().

A builder turns a Document (and the subject it documents) into a StateDocument; the register then
fills in what the register owns — number, date, signature, issuer's header — so that no builder can
print a number other than the one in the register.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.db.models import Q
from django.utils import translation

from .renderer import document_fingerprint
from .types import SignatureBlock, StateDocument

Builder = Callable[..., StateDocument]
Readers = Callable[..., Q]

_BUILDERS: dict[str, Builder] = {}
# Extra reading rights on a kind's documents beyond the issuer's subtree (e.g. a commune reads the
# province's decision about its own nomination): user -> Q over Document.
_READERS: dict[str, Readers] = {}

DRAFT_NUMBER = "      /"  # a draft prints "Số:       /KH-…" left blank for the văn thư


def register_builder(kind: str, fn: Builder, *, readers: Readers | None = None) -> None:
    """Register `fn(document) -> StateDocument` for `kind` (last registration wins: reloads in tests)."""
    _BUILDERS[str(kind)] = fn
    if readers is not None:
        _READERS[str(kind)] = readers


def has_builder(kind: str) -> bool:
    return str(kind) in _BUILDERS


def get_builder(kind: str) -> Builder:
    return _BUILDERS[str(kind)]


def reader_filters(user) -> Q | None:
    """The union of the registered extra reading rights, or None when no kind has any."""
    q = None
    for kind, readers in _READERS.items():
        part = Q(kind=kind) & readers(user)
        q = part if q is None else q | part
    return q


# Who an act speaks for decides the lines above the signer's title (NĐ 30/2020/NĐ-CP, Điều 13 and
# Phụ lục I, mục II.8 — "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
# "KT. BỘ TRƯỞNG / THỨ TRƯỞNG"), and that is a property of the kind of act, not of the body alone:
# - HEAD_POWER: the head decides in their own name (Luật Thi đua, khen thưởng 2022: the Chairman of the
#   People's Committee awards the Bằng khen/Giấy khen, not the committee as a collective), so never "TM.";
#   a deputy signs "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", the head "CHỦ TỊCH" alone.
# - UNSIGNED_FOR: the minutes are signed by the session's chair and secretary as persons (no capacity).
# - every other kind of a collective body (plan, report, tờ trình, title decision…) is the collective's act:
#   "TM. <BODY>" on top, then "KT. CHỦ TỊCH" when a deputy signs.
HEAD_POWER_KINDS = frozenset({"award_decision", "certificate"})
UNSIGNED_FOR_KINDS = frozenset({"minutes"})


def authority_lines(document) -> tuple[str, ...]:
    """The capacity lines above the signer's title, by the kind of act (see HEAD_POWER_KINDS above);
    TL./TUQ. sign for the head without "TM."."""
    issuer = document.issuer
    kind = str(document.kind)
    capacity = document.capacity or ""
    principal = (document.principal or "").upper()
    if kind in UNSIGNED_FOR_KINDS:
        return ()
    if kind in HEAD_POWER_KINDS:
        if capacity in ("", "TM."):  # "TM." is the collective's form: the head signs their own act alone
            return ()
        head = principal if principal and principal != issuer.principal_name.upper() else ""
        return (f"{capacity} {head or (issuer.head_title or '').upper()}".strip(),)
    lines = []
    if capacity == "TM.":
        lines.append(f"TM. {principal or issuer.principal_name.upper()}")
    else:
        if issuer.collective and capacity in ("", "KT.", "Q."):
            lines.append(f"TM. {issuer.principal_name.upper()}")
        if capacity:
            lines.append(f"{capacity} {principal or (issuer.head_title or '').upper()}".strip())
    return tuple(lines)


def signature_for(document) -> SignatureBlock:
    return SignatureBlock(authority_lines=authority_lines(document), signer_title=document.signer_title,
                          signer_name=document.signer_name)


def _field_names() -> set[str]:
    return {f.name for f in dataclasses.fields(StateDocument)}


def state_document(document) -> StateDocument:
    """The builder's StateDocument with the register's number and date, and the signature and header
    from the Document and its issuing body where the builder left them empty."""
    with translation.override("vi"):
        built = get_builder(document.kind)(document)
    names = _field_names()
    changes: dict = {"number": document.number or built.number or DRAFT_NUMBER}
    if document.date is not None:
        changes["date"] = document.date
    # The signer comes from the register unless the builder laid out a signature of its own (a plan
    # keeps the "TM. …" its officer chose).
    if built.signature == SignatureBlock() and (document.signer_name or document.signer_title or document.capacity):
        changes["signature"] = signature_for(document)
    issuer = document.issuer
    if not built.place and issuer.place_name:
        changes["place"] = issuer.place_name
    # The decree's header lines, from the issuing body, unless the builder printed a header of its own
    # (a plan whose officer wrote another name keeps it, wrapped by the layout's rule).
    own_header = built.issuing_body and built.issuing_body.strip().lower() != issuer.name.strip().lower()
    if "issuer_lines" in names and not getattr(built, "issuer_lines", ()) and not own_header:
        changes["issuer_lines"] = tuple(issuer.header_lines)
        if "parent_issuer_lines" in names and not getattr(built, "parent_issuer_lines", ()):
            changes["parent_issuer_lines"] = tuple(issuer.parent_header_lines)
    if document.status == "draft" and not built.watermark:
        changes["watermark"] = "DỰ THẢO"
    return dataclasses.replace(built, **changes)


def fingerprint(document) -> str:
    return document_fingerprint(state_document(document))
