"""What a state document is made of, whatever its type (plan, report, minutes, decision, certificate).

The renderer knows nothing of plans or reports: each app turns its model into a StateDocument and the
one layout of Nghị định 30/2020/NĐ-CP does the rest.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class CapacityMark:
    """Thể thức ký: the marks written before the authority a signer signs for (NĐ 30/2020, Điều 8)."""

    ON_BEHALF_OF_COLLECTIVE = "TM."  # thay mặt: for a collective body (Ủy ban, Ban Thường vụ)
    DEPUTY = "KT."  # ký thay: a deputy signs for the head
    ACTING = "Q."  # quyền: an acting head
    BY_ORDER = "TL."  # thừa lệnh
    BY_AUTHORISATION = "TUQ."  # thừa ủy quyền

    ALL = (ON_BEHALF_OF_COLLECTIVE, DEPUTY, ACTING, BY_ORDER, BY_AUTHORISATION)


@dataclass(frozen=True)
class SignatureBlock:
    """Bottom right: authority lines ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), the signer's title, name."""

    authority_lines: tuple[str, ...] = ()
    signer_title: str = ""
    signer_name: str = ""


@dataclass(frozen=True)
class AnnexTable:
    """A long table (lists of units, targets, results): plain text cells, escaped when printed.

    Given as data rather than HTML so that the renderer can split a 200-page table into parts that it
    lays out one at a time (WeasyPrint keeps every laid-out page in memory until the PDF is written)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] = ()  # percentages of the text width, one per column; empty = equal


@dataclass(frozen=True)
class Annex:
    """A phụ lục printed after the signature, on a new page: free HTML, a table, or both."""

    title: str
    body_html: str = ""
    table: AnnexTable | None = None


@dataclass(frozen=True)
class StateDocument:
    """Everything printed on a state document. `body_html` may come from users: it is sanitised again
    by the renderer, and the renderer fetches nothing but the project's own static files."""

    issuing_body: str
    number: str  # "151/KH-UBND"; printed as "Số: 151/KH-UBND"
    place: str  # "Bình Dương"
    date: datetime.date | None  # None prints "ngày ... tháng ... năm ..." for a draft without a date
    type_label: str  # "KẾ HOẠCH", "BÁO CÁO", "QUYẾT ĐỊNH", ...; empty for a letter (công văn)
    title: str
    body_html: str
    parent_body: str = ""  # cơ quan chủ quản, printed above the issuing body
    subject: str = ""  # a letter's "V/v ..." under its number
    addressees: tuple[str, ...] = ()  # a letter's "Kính gửi:"
    recipients: tuple[str, ...] = ()  # "Nơi nhận:"
    signature: SignatureBlock = field(default_factory=SignatureBlock)
    annexes: tuple[Annex, ...] = ()
    watermark: str = ""  # e.g. "DỰ THẢO" on drafts
