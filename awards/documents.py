"""The award documents in the state format (core.documents): tờ trình, báo cáo thành tích, biên bản,
quyết định, and the certificate with its QR code.

Rendering is done on demand (the first download queues a task; with eager Celery it is immediate) and
the file is kept; a service that changes a document's content clears the stored file.
"""

from __future__ import annotations

import io

import segno
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from core.documents import SignatureBlock, StateDocument
from core.documents.renderer import build_html, render_html
from units.models import Level
from units.selectors import unit_ancestors

from . import conf, selectors
from .models import AgendaItem, Award, Decision, Nomination, Occasion, ReviewSession

SYMBOLS = {"cover": "TTr", "report": "BC", "minutes": "BB", "decision": "QĐ"}


def _place(unit) -> str:
    """The place printed before the date: the province's name (without "Tỉnh"), as the seeds print it."""
    for candidate in [unit, *reversed(unit_ancestors(unit))]:
        if candidate.level == Level.PROVINCE:
            return candidate.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    return unit.name


def _p(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in (text or "").splitlines() if line.strip())


def _occasion_text(nomination: Nomination) -> str:
    if nomination.occasion == Occasion.YEARLY:
        return f"năm {nomination.year}"
    return str(Occasion(nomination.occasion).label).lower()


def cover_document(nomination: Nomination) -> StateDocument:
    """Tờ trình: the body holding the nomination asks for the award."""
    body = nomination.body
    text = (
        f"<p>Căn cứ Luật Thi đua, khen thưởng năm 2022; căn cứ kết quả phong trào thi đua “Cả nước thi đua xây dựng "
        f"xã hội học tập, đẩy mạnh học tập suốt đời” {escape(_occasion_text(nomination))},</p>"
        f"<p>{escape(body.name)} kính trình xét, tặng <strong>{escape(nomination.form.name)}</strong> cho "
        f"<strong>{escape(nomination.subject_name)}</strong> (đơn vị đề nghị: {escape(nomination.proposer_unit.name)}) "
        f"đã có thành tích xuất sắc trong phong trào.</p>"
        f"<p>(Có báo cáo thành tích và biên bản họp Hội đồng Thi đua - Khen thưởng kèm theo.)</p>"
    )
    return StateDocument(
        issuing_body=body.name, number=f"{nomination.pk}/TTr-TĐKT", place=_place(body), date=None,
        type_label="TỜ TRÌNH", title=f"Về việc đề nghị tặng {nomination.form.name}", body_html=text,
        recipients=("Như trên", "Lưu: VT, TĐKT"), signature=SignatureBlock(signer_title="Thủ trưởng cơ quan"),
    )


def report_document(nomination: Nomination) -> StateDocument:
    """Báo cáo thành tích: the summary, the titles held and the linked reports."""
    parts = [_p(nomination.achievement_summary)]
    runs = selectors.consecutive_title_years(nomination)
    if runs:
        rows = "".join(f"<tr><td>{escape(t)}</td><td>{n}</td></tr>" for t, n in runs.items())
        parts.append(f"<h3>Danh hiệu đã đạt</h3><table><thead><tr><th>Danh hiệu</th><th>Số năm liên tục</th></tr>"
                     f"</thead><tbody>{rows}</tbody></table>")
    reports = list(nomination.reports.select_related("unit"))
    if reports:
        items = "".join(f"<li>Báo cáo năm {r.year} của {escape(r.unit.name)}</li>" for r in reports)
        parts.append(f"<h3>Báo cáo số liệu kèm theo</h3><ul>{items}</ul>")
    return StateDocument(
        issuing_body=nomination.proposer_unit.name, number=f"{nomination.pk}/BC",
        place=_place(nomination.proposer_unit),
        date=None, type_label="BÁO CÁO", title=f"Thành tích đề nghị tặng {nomination.form.name} — "
        f"{nomination.subject_name}", body_html="".join(parts), recipients=("Hội đồng TĐKT", "Lưu: VT"),
        signature=SignatureBlock(signer_title="Thủ trưởng đơn vị"),
    )


def minutes_document(session: ReviewSession) -> StateDocument:
    """Biên bản: attendance, recusals (counted, not named against a choice), results per nomination."""
    council = session.council
    items: list[AgendaItem] = list(selectors.session_items(session))
    rows = "".join(
        f"<tr><td>{i.order}</td><td>{escape(i.nomination.subject_name)}</td><td>{escape(i.nomination.form.name)}</td>"
        f"<td>{i.votes_cast}</td><td>{i.yes_count}</td><td>{i.no_count}</td><td>{i.abstain_count}</td>"
        f"<td>{i.recused}</td><td>{escape(i.get_outcome_display())}</td></tr>"
        for i in items
    )
    mode = "bỏ phiếu kín" if all(i.secret for i in items) else "biểu quyết"
    body = (
        f"<p>Hôm nay, ngày {session.held_on:%d/%m/%Y}, tại {escape(session.location or council.body.name)}, "
        f"{escape(council.name)} họp xét đề nghị khen thưởng.</p>"
        f"<p>Thành viên có mặt: {session.present_count}/{session.members_total}. Hình thức: {mode}.</p>"
        f"<table><thead><tr><th>TT</th><th>Đối tượng</th><th>Hình thức</th><th>Phiếu thu về</th><th>Đồng ý</th>"
        f"<th>Không đồng ý</th><th>Không ý kiến</th><th>Không tham gia</th><th>Kết quả</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return StateDocument(
        issuing_body=council.name, parent_body=council.body.name, number=f"{session.pk}/BB-HĐTĐKT",
        place=_place(council.body), date=session.held_on, type_label="BIÊN BẢN",
        title=f"Họp {council.name} — {session.title}", body_html=body, recipients=("Lưu: VT, TĐKT",),
        signature=SignatureBlock(signer_title="Thư ký Hội đồng"),
    )


def decision_document(decision: Decision) -> StateDocument:
    awards = list(decision.awards.all())
    rows = "".join(f"<tr><td>{n}</td><td>{escape(a.recipient_name)}</td></tr>" for n, a in enumerate(awards, 1))
    body = (
        f"<p>Căn cứ Luật Thi đua, khen thưởng năm 2022; xét đề nghị của Hội đồng Thi đua - Khen thưởng,</p>"
        f"<h3>QUYẾT ĐỊNH:</h3>"
        f"<p><strong>Điều 1.</strong> Tặng {escape(decision.form.name)} cho các tập thể, cá nhân có tên sau đây "
        f"đã có thành tích xuất sắc trong phong trào thi đua “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh học "
        f"tập suốt đời”:</p><table><thead><tr><th>TT</th><th>Tập thể, cá nhân</th></tr></thead><tbody>{rows}</tbody>"
        f"</table><p><strong>Điều 2.</strong> Quyết định này có hiệu lực kể từ ngày ký.</p>"
    )
    return StateDocument(
        issuing_body=decision.authority_name, number=decision.number, place=_place(decision.body), date=decision.date,
        type_label="QUYẾT ĐỊNH", title=f"Về việc tặng {decision.form.name}", body_html=body,
        recipients=("Như Điều 1", "Lưu: VT, TĐKT"),
        signature=SignatureBlock(signer_title=decision.signer_title, signer_name=decision.signer_name),
    )


def verify_url(award: Award) -> str:
    return conf.public_base_url() + reverse("award-verify", args=[award.verification_code])


def certificate_document(award: Award) -> StateDocument:
    decision = award.decision
    body = (
        f"<p>Tặng</p><h3>{escape(award.recipient_name)}</h3>"
        f"<p>Đã có thành tích xuất sắc trong phong trào thi đua “Cả nước thi đua xây dựng xã hội học tập, đẩy mạnh "
        f"học tập suốt đời” ({escape(str(Occasion(award.occasion).label).lower())}, năm {award.year}).</p>"
        f"<p>Quyết định số {escape(decision.number)} ngày {decision.date:%d/%m/%Y}.</p>"
        f"<p>Mã xác thực: {escape(award.verification_code)}</p>"
    )
    return StateDocument(
        issuing_body=decision.authority_name, number=decision.number, place=_place(decision.body), date=decision.date,
        type_label=award.form.certificate_title, title=award.form.name, body_html=body,
        signature=SignatureBlock(signer_title=decision.signer_title, signer_name=decision.signer_name),
    )


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (segno is pure Python; WeasyPrint draws inline SVG itself,
    so the renderer still fetches nothing)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@translation.override("vi")  # state documents are Vietnamese whatever the reader's language
def render_certificate_pdf(award: Award) -> bytes:
    html = build_html(certificate_document(award))
    qr = (f'<div class="verify-qr" style="margin-top:8mm;text-align:center">{qr_svg(verify_url(award))}'
          f'<div style="font-size:11pt">Quét mã để kiểm tra tính xác thực</div></div>')
    return render_html(html.replace("</body>", qr + "</body>", 1)).data


# --- Storing the files (called by the tasks) ---------------------------------------------------------


def _store(instance, field: str, data: bytes, name: str) -> None:
    getattr(instance, field).save(name, ContentFile(data), save=False)
    type(instance).objects.filter(pk=instance.pk).update(**{field: getattr(instance, field).name})


@transaction.atomic
@translation.override("vi")  # state documents are Vietnamese whatever the reader's language
def nomination_render(*, nomination_id: int, part: str) -> None:
    """Render the tờ trình ("cover") or the báo cáo thành tích ("report"); idempotent (kept once rendered)."""
    from core.documents import render_pdf

    nomination = Nomination.objects.select_related("form", "body", "proposer_unit").get(pk=nomination_id)
    field = f"{part}_pdf"
    if getattr(nomination, field):
        return
    document = cover_document(nomination) if part == "cover" else report_document(nomination)
    _store(nomination, field, render_pdf(document).data, f"de-nghi-{nomination.pk}-{part}.pdf")


@transaction.atomic
@translation.override("vi")  # state documents are Vietnamese whatever the reader's language
def session_render_minutes(*, session_id: int) -> None:
    from core.documents import render_pdf

    session = ReviewSession.objects.select_related("council", "council__body").get(pk=session_id)
    if session.minutes_pdf or session.status != ReviewSession.Status.CLOSED:
        return
    _store(session, "minutes_pdf", render_pdf(minutes_document(session)).data, f"bien-ban-{session.pk}.pdf")


@transaction.atomic
@translation.override("vi")  # state documents are Vietnamese whatever the reader's language
def decision_render(*, decision_id: int) -> None:
    from core.documents import render_pdf

    decision = Decision.objects.select_related("body", "form").get(pk=decision_id)
    if decision.pdf:
        return
    _store(decision, "pdf", render_pdf(decision_document(decision)).data, f"quyet-dinh-{decision.pk}.pdf")


@transaction.atomic
@translation.override("vi")  # state documents are Vietnamese whatever the reader's language
def award_render_certificate(*, award_id: int) -> None:
    award = Award.objects.select_related("decision", "decision__body", "form").get(pk=award_id)
    if award.certificate_pdf:
        return
    _store(award, "certificate_pdf", render_certificate_pdf(award), f"bang-khen-{award.pk}.pdf")
