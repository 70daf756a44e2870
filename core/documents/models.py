"""The register of state acts (sổ đăng ký văn bản đi) and what each act's PDF is made from.

Every plan, report, tờ trình, minutes, decision and certificate the portal produces is a Document,
issued by an IssuingBody (an agency: UBND xã/tỉnh, Sở GD&ĐT, Hội đồng TĐKT — never a territory) and
numbered from a RegisterCounter per (body, kind, calendar year), as Nghị định 30/2020/NĐ-CP, Điều 15 and
Phụ lục III have it: "05/QĐ-UBND". See docs/adr/0009-document-register.md.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DocumentKind(models.TextChoices):
    PLAN = "plan", _("Kế hoạch")
    REPORT = "report", _("Báo cáo")
    SUBMISSION = "submission", _("Tờ trình")
    ACHIEVEMENT_REPORT = "achievement_report", _("Báo cáo thành tích")
    MINUTES = "minutes", _("Biên bản")
    AWARD_DECISION = "award_decision", _("Quyết định khen thưởng")
    TITLE_DECISION = "title_decision", _("Quyết định công nhận danh hiệu")
    CERTIFICATE = "certificate", _("Bằng khen, giấy khen, giấy chứng nhận")
    LETTER = "letter", _("Công văn")


# Viết tắt tên loại văn bản, NĐ 30/2020 Phụ lục III. A certificate is numbered in the deciding body's
# award register (sổ khen thưởng) and prints its number alone: it has no type symbol of its own.
KIND_CODES = {
    DocumentKind.PLAN: "KH",
    DocumentKind.REPORT: "BC",
    DocumentKind.SUBMISSION: "TTr",
    DocumentKind.ACHIEVEMENT_REPORT: "BC",
    DocumentKind.MINUTES: "BB",
    DocumentKind.AWARD_DECISION: "QĐ",
    DocumentKind.TITLE_DECISION: "QĐ",
    DocumentKind.CERTIFICATE: "",
    DocumentKind.LETTER: "",
}

# Tên loại printed under the header.
KIND_TYPE_LABELS = {
    DocumentKind.PLAN: "KẾ HOẠCH",
    DocumentKind.REPORT: "BÁO CÁO",
    DocumentKind.SUBMISSION: "TỜ TRÌNH",
    DocumentKind.ACHIEVEMENT_REPORT: "BÁO CÁO THÀNH TÍCH",
    DocumentKind.MINUTES: "BIÊN BẢN",
    DocumentKind.AWARD_DECISION: "QUYẾT ĐỊNH",
    DocumentKind.TITLE_DECISION: "QUYẾT ĐỊNH",
    DocumentKind.CERTIFICATE: "",
    DocumentKind.LETTER: "",
}


def kind_code(kind: str) -> str:
    return KIND_CODES[DocumentKind(kind)]


def format_number(*, seq: int, kind: str, abbreviation: str) -> str:
    """'05/QĐ-UBND': the sequence zero-padded below 10, '/', the kind's code, '-', the body's abbreviation
    (NĐ 30/2020, Điều 8 khoản 3 and Phụ lục III). A công văn has no type code: "05/UBND". A certificate
    prints its number in the award register alone."""
    seq_text = f"{seq:02d}"
    code = kind_code(kind)
    if kind == DocumentKind.CERTIFICATE:
        return seq_text
    if not code:
        return f"{seq_text}/{abbreviation}" if abbreviation else seq_text
    return f"{seq_text}/{code}-{abbreviation}" if abbreviation else f"{seq_text}/{code}"


class IssuingBody(models.Model):
    """An agency that issues acts in its own name, with the header lines the decree prints for it."""

    class Kind(models.TextChoices):
        PEOPLE_COMMITTEE = "people_committee", _("Ủy ban nhân dân")
        AGENCY = "agency", _("Cơ quan, đơn vị")
        COUNCIL = "council", _("Hội đồng Thi đua – Khen thưởng")
        ENTERPRISE = "enterprise", _("Doanh nghiệp")
        OTHER = "other", _("Khác")

    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="issuing_bodies"
    )
    kind = models.CharField(_("loại cơ quan"), max_length=20, choices=Kind.choices, default=Kind.PEOPLE_COMMITTEE)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    header_lines = models.JSONField(
        _("dòng tên cơ quan"), default=list, blank=True,
        help_text=_("Các dòng chữ in hoa như thể thức in, ví dụ: ỦY BAN NHÂN DÂN / TỈNH HÀ TĨNH."),
    )
    parent_header_lines = models.JSONField(_("dòng tên cơ quan chủ quản"), default=list, blank=True)
    abbreviation = models.CharField(_("chữ viết tắt"), max_length=30, help_text=_("Ví dụ: UBND, SGDĐT, HĐTĐKT"))
    place_name = models.CharField(_("địa danh"), max_length=100)
    head_title = models.CharField(_("chức danh người đứng đầu"), max_length=100, blank=True)
    deputy_title = models.CharField(_("chức danh cấp phó"), max_length=100, blank=True)
    collective = models.BooleanField(
        _("cơ quan tập thể"), default=False, help_text=_("Tập thể lãnh đạo ký “TM.” (Ủy ban, Hội đồng).")
    )
    head_name = models.CharField(_("họ tên người đứng đầu"), max_length=200, blank=True)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cơ quan ban hành")
        verbose_name_plural = _("cơ quan ban hành")
        ordering = ["unit__path", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"], name="issuing_body_unique_per_unit_kind",
                violation_error_message=_("Đơn vị này đã có cơ quan ban hành cùng loại."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def principal_name(self) -> str:
        """What 'TM.' applies to: the collective body without its territory ('Ủy ban nhân dân')."""
        return (self.header_lines[0] if self.header_lines else self.name).capitalize()


def document_pdf_path(instance: Document, filename: str) -> str:
    return f"documents/{instance.year}/{instance.kind}/{instance.pk or 'new'}-{instance.content_hash[:12]}.pdf"


class Document(models.Model):
    """One state act in the register: its number, signer, subject and rendered PDF."""

    class Status(models.TextChoices):
        # A draft has no number yet (seq null): plans are previewed as "DỰ THẢO" before they are issued.
        DRAFT = "draft", _("Dự thảo")
        ISSUED = "issued", _("Đã ban hành")
        ANNULLED = "annulled", _("Đã hủy bỏ")

    class RenderStatus(models.TextChoices):
        NONE = "none", _("Chưa tạo")
        QUEUED = "queued", _("Đang chờ tạo")
        RENDERING = "rendering", _("Đang tạo")
        READY = "ready", _("Đã tạo")
        FAILED = "failed", _("Lỗi khi tạo")

    kind = models.CharField(_("loại văn bản"), max_length=30, choices=DocumentKind.choices)
    issuer = models.ForeignKey(
        IssuingBody, verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT, related_name="documents"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    seq = models.PositiveIntegerField(_("số thứ tự"), null=True, blank=True)
    number = models.CharField(_("số, ký hiệu"), max_length=80, blank=True)
    # An act issued outside the portal (the seeds' real plans, 151/KH-UBND): registered with the number
    # it was printed with, not taken from the register, which keeps counting on its own.
    external = models.BooleanField(_("số ngoài sổ"), default=False)
    date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    title = models.CharField(_("trích yếu"), max_length=500)
    capacity = models.CharField(_("thẩm quyền ký"), max_length=5, blank=True)
    principal = models.CharField(_("ký thay cho"), max_length=200, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=200, blank=True)
    recipients = models.JSONField(_("nơi nhận"), default=list, blank=True)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    render_status = models.CharField(
        _("trạng thái tệp"), max_length=10, choices=RenderStatus.choices, default=RenderStatus.NONE
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    pdf = models.FileField(_("tệp PDF"), upload_to=document_pdf_path, blank=True, max_length=255)
    page_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    render_error = models.CharField(max_length=500, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["render_status", "rendered_at", "render_error", "page_count"])

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        ordering = ["-year", "issuer_id", "kind", "-seq", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="document_subject_idx"),
            models.Index(fields=["number"], name="document_number_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "kind", "year", "seq"], condition=Q(seq__isnull=False),
                name="document_number_unique_in_register",
                violation_error_message=_("Số này đã được cấp trong sổ đăng ký."),
            ),
            # One live act per subject and kind: issuing twice returns the first (idempotent services).
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"], condition=Q(status__in=["draft", "issued"]),
                name="document_one_live_per_subject",
                violation_error_message=_("Đối tượng này đã có văn bản cùng loại."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('(chưa cấp số)')} — {self.title}"

    @property
    def kind_code(self) -> str:
        return kind_code(self.kind)

    @property
    def type_label(self) -> str:
        return KIND_TYPE_LABELS[DocumentKind(self.kind)]

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def pdf_ready(self) -> bool:
        return self.render_status == self.RenderStatus.READY and bool(self.pdf)


def register_of(kind: str) -> str:
    """The register a kind of act is numbered in. Acts of one type share one register whatever the portal
    calls them: an award decision and a title decision of the same UBND are both "…/QĐ-UBND", so they must
    not both be "01/QĐ-UBND" in one year; the yearly report and a báo cáo thành tích share the "BC" register."""
    return REGISTERS.get(DocumentKind(kind), str(kind))


REGISTERS = {
    DocumentKind.AWARD_DECISION: "decision",
    DocumentKind.TITLE_DECISION: "decision",
    DocumentKind.REPORT: "report",
    DocumentKind.ACHIEVEMENT_REPORT: "report",
}


class RegisterCounter(models.Model):
    """The last number given in one register (issuing body, register, calendar year); locked to take the next.
    `kind` holds the register's key (register_of): one per type of act, shared by the kinds of that type."""

    issuer = models.ForeignKey(IssuingBody, on_delete=models.CASCADE, related_name="counters")
    kind = models.CharField(_("sổ"), max_length=30)
    year = models.PositiveSmallIntegerField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sổ đăng ký văn bản")
        verbose_name_plural = _("sổ đăng ký văn bản")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kind", "year"], name="register_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} / {self.kind} / {self.year}: {self.last_seq}"


class LegalBasis(models.Model):
    """A 'Căn cứ …' line as printed, with the kinds of act that cite it and when it applies."""

    slug = models.SlugField(_("mã"), max_length=80, unique=True)
    text = models.TextField(_("nội dung căn cứ"))
    tags = models.JSONField(_("nhãn"), default=list, blank=True, help_text=_("Ví dụ: award_decision, title_decision"))
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)
    active = models.BooleanField(_("đang dùng"), default=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.text[:80]

    def applies_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)
