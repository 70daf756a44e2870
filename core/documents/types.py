"""What a state document is made of, whatever its type (plan, report, minutes, decision, certificate).

The renderer knows nothing of plans or reports: each app turns its model into a StateDocument and the
layouts of Nghị định 30/2020/NĐ-CP (Phụ lục I and III) do the rest. Every field is plain text, escaped
when printed, except the few named `*_html`/`articles`, which are sanitised by the renderer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class Layout:
    """Which of the decree's layouts prints a document (StateDocument.kind).

    PLAN, REPORT and LETTER share the administrative layout (a letter has no tên loại, a "V/v" line and
    "Kính gửi:"; a tờ trình is a REPORT-like act with "Kính gửi:"); DECISION adds the authority line, the
    căn cứ and the articles; MINUTES has its own body and two signatures; CERTIFICATE is not an
    administrative act at all: a landscape Bằng khen/Giấy khen."""

    LETTER = "letter"
    PLAN = "plan"
    REPORT = "report"
    SUBMISSION = "submission"
    DECISION = "decision"
    MINUTES = "minutes"
    CERTIFICATE = "certificate"

    ALL = (LETTER, PLAN, REPORT, SUBMISSION, DECISION, MINUTES, CERTIFICATE)


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

    @classmethod
    def for_capacity(cls, *, capacity: str = "", principal: str = "", collective: str = "", signer_title: str = "",
                     signer_name: str = "") -> SignatureBlock:
        """The block as NĐ 30/2020, Điều 13 and Phụ lục I print it, from the Document's fields:
        "TM. ỦY BAN NHÂN DÂN" (a collective body), then "KT. CHỦ TỊCH" (a deputy signs for the head), then
        the signer's own title ("PHÓ CHỦ TỊCH") and name. `collective` is the collective body a TM. line
        names when a deputy signs for its head (TM. ỦY BAN NHÂN DÂN over KT. CHỦ TỊCH)."""
        lines = []
        capacity = capacity.strip()
        if collective:
            lines.append(f"{CapacityMark.ON_BEHALF_OF_COLLECTIVE} {collective.upper()}")
        if capacity and principal and not (capacity == CapacityMark.ON_BEHALF_OF_COLLECTIVE and collective):
            lines.append(f"{capacity} {principal.upper()}")
        return cls(authority_lines=tuple(lines), signer_title=signer_title, signer_name=signer_name)


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
class Tally:
    """The count of one vote in a council's session (aggregates only: never who voted what)."""

    eligible: int  # members whose votes count towards the threshold (present or all, by the rule)
    cast: int
    yes: int
    no: int
    abstain: int
    threshold: str  # as printed: "từ 90% trở lên tổng số thành viên Hội đồng"
    outcome: str  # "Thông qua", "Không thông qua", "Không đủ số thành viên có mặt"
    secret: bool = True


@dataclass(frozen=True)
class MinutesItem:
    """One nomination (or matter) on a session's agenda: what was voted on, who stood aside, the result."""

    title: str  # "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh cho Hộ gia đình ông Nguyễn Văn Học"
    recusals: tuple[str, ...] = ()  # "Trần Thị Hoa (lý do: người thân)": declared, hence named
    tally: Tally | None = None
    note: str = ""


@dataclass(frozen=True)
class Minutes:
    """What a biên bản of a council session records (NĐ 30/2020 Phụ lục III, mẫu biên bản)."""

    opened: str  # "Vào lúc 08 giờ 00 phút, ngày 10 tháng 01 năm 2025"
    location: str
    chair: str  # "Ông Lê Văn A, Chủ tịch Hội đồng"
    secretary: str
    present: tuple[str, ...] = ()  # "Nguyễn Văn B, Ủy viên"
    absent: tuple[str, ...] = ()
    members_total: int = 0
    agenda: str = ""  # "Xét đề nghị khen thưởng ..."
    items: tuple[MinutesItem, ...] = ()
    conclusions: tuple[str, ...] = ()
    closed: str = ""  # "Cuộc họp kết thúc vào lúc ... giờ ..., cùng ngày."
    chair_signature: SignatureBlock = field(default_factory=SignatureBlock)
    secretary_signature: SignatureBlock = field(default_factory=SignatureBlock)


@dataclass(frozen=True)
class Certificate:
    """A Bằng khen / Giấy khen: its own landscape design, not an administrative letter."""

    authority_lines: tuple[str, ...]  # ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH",) printed above "TẶNG"
    form_title: str  # "BẰNG KHEN" / "GIẤY KHEN"
    recipient: str
    achievement: str  # "Đã có thành tích xuất sắc trong ..."
    recipient_detail: str = ""  # the unit a person or household belongs to
    decision_ref: str = ""  # "Quyết định số 05/QĐ-UBND ngày 15/01/2025"
    register_number: str = ""  # "Số sổ vàng: 03" / "Số: 03/GK": the award register's number
    verify_url: str = ""  # printed as a QR code with its address
    verify_code: str = ""


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
    # --- The decree's layouts beyond the plan (all optional: a plan or report built as before renders as before).
    kind: str = Layout.PLAN  # one of Layout.ALL
    # The issuing body as the decree wraps it, one line each ("ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH"), and the
    # managing body above it ("UBND TỈNH HÀ TĨNH"). Empty: `issuing_body`/`parent_body` wrapped by rule.
    issuer_lines: tuple[str, ...] = ()
    parent_issuer_lines: tuple[str, ...] = ()
    authority_line: str = ""  # decisions: "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", printed before the căn cứ
    legal_bases: tuple[str, ...] = ()  # "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" one per line
    considering: tuple[str, ...] = ()  # "Theo đề nghị của …": after the căn cứ, italic, the last ends with "."
    articles: tuple[str, ...] = ()  # HTML of Điều 1., Điều 2., …, the execution article last; numbered by the layout
    minutes: Minutes | None = None
    certificate: Certificate | None = None
