"""The demo's acts that no earlier step makes (load_demo, last): the province's yearly BÁO CÁO of 2025,
numbered in its register (…/BC-UBND), and the báo cáo thành tích of each demo nomination, so that the demo
shows every kind of the register — plan, report, tờ trình, báo cáo thành tích, minutes, award decision,
title decision, certificate. Through the services only; a second run finds them and changes nothing."""

from __future__ import annotations

from django.db import transaction

from core.models import User

from .models import Document, DocumentKind

REPORT_YEAR = 2025


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    from awards import documents as award_documents
    from awards.models import Nomination
    from reports.exports import report_document, report_document_request

    province = context["province"]
    head_office = User.objects.get(username="tinh.hatinh")  # the province's administrator issues its report
    report = report_document(province, REPORT_YEAR)
    if report is None or report.status != Document.Status.ISSUED:
        report = report_document_request(unit=province, year=REPORT_YEAR, by=head_office, issue=True)
    officer = User.objects.get(username="xa.thanhsen")
    for nomination in Nomination.objects.filter(proposer_unit__in=context["communes"].values()).order_by("pk"):
        award_documents.document_record(kind=DocumentKind.ACHIEVEMENT_REPORT, subject=nomination, by=officer)
    return {"report_document": report}
