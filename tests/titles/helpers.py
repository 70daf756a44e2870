"""Small builders the title tests share."""

import datetime
import io
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from titles import services
from titles.models import Criterion, Evaluation


def answer_all(evaluation: Evaluation, *, passed: bool = True) -> dict:
    results = {}
    for criterion in evaluation.criteria_set.criteria.all():
        if criterion.kind == Criterion.Kind.PASS_FAIL:
            results[criterion.pk] = {"passed": passed, "explanation": "Có minh chứng kèm theo."}
        else:
            results[criterion.pk] = {"points": str(criterion.max_points if passed else 0), "explanation": ""}
    return results


def submitted_evaluation(title_type, unit, officer, year, level=1) -> Evaluation:
    evaluation = services.evaluation_start(title_type=title_type, unit=unit, year=year, level_sought=level, by=officer)
    evaluation = services.evaluation_save_results(
        evaluation=evaluation, by=officer, criteria_set_version=evaluation.criteria_set.version,
        revision=evaluation.revision, results=answer_all(evaluation),
    )
    return services.evaluation_submit(
        evaluation=evaluation, by=officer, criteria_set_version=evaluation.criteria_set.version,
        revision=evaluation.revision,
    )


def decision_day(year: int) -> datetime.date:
    return datetime.date(year + 1, 1, 15) if year + 1 <= datetime.date.today().year else datetime.date.today()


def approve(evaluation, approver, level=1, *, day=None, signed_as="head"):
    """Approve as the page does; the decision's number comes from the recognising body's register."""
    return services.evaluation_approve(
        evaluation=evaluation, by=approver, criteria_set_version=evaluation.criteria_set.version, level=level,
        decision_date=day or decision_day(evaluation.year), signer="Nguyễn Văn Ký", signed_as=signed_as,
    )


def workbook_bytes(rows, columns) -> bytes:
    """An .xlsx made by openpyxl (inline strings, styled dates); test_xlsx covers Excel's shared strings."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="danh-sach.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def rewritten(content: bytes, part: str, change, extra: dict[str, bytes] | None = None) -> bytes:
    """The same .xlsx with one part changed by `change(bytes) -> bytes`, and `extra` parts added."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info, change(data) if info.filename == part else data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target.getvalue()


def with_doctype(content: bytes) -> bytes:
    """The same workbook whose sheet declares an entity, the way an XML bomb starts."""
    return rewritten(content, "xl/worksheets/sheet1.xml",
                     lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]><worksheet', 1))
