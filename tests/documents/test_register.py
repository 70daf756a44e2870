"""The register of state acts: numbers per issuing body, kind and calendar year (NĐ 30/2020, Điều 15
and Phụ lục III), issuing bodies derived from units, idempotent issuing, legal bases as data."""

import datetime

import pytest

from core.documents import services
from core.documents.legal import legal_bases
from core.documents.models import (
    Document,
    DocumentKind,
    IssuingBody,
    LegalBasis,
    RegisterCounter,
    format_number,
    register_of,
)
from core.errors import DomainError
from tests.factories import UnitFactory, UserFactory, organisation, province
from units.models import Kind, Level

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = D(2026, 3, 2)


@pytest.fixture
def hatinh():
    return province(name="Tỉnh Hà Tĩnh", code="42")


@pytest.fixture
def ubnd(hatinh):
    return services.issuing_body_for(hatinh)


def issue(issuer, subject=None, *, kind=DocumentKind.AWARD_DECISION, date=MARCH, title="Về việc khen thưởng"):
    return services.document_issue(kind=kind, issuer=issuer, subject=subject, date=date, title=title,
                                   by=UserFactory())


# ---------------------------------------------------------------- issuing bodies

def test_province_people_committee_is_the_agency_not_the_territory(hatinh):
    body = services.issuing_body_for(hatinh)
    assert body.name == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert body.header_lines == ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH"]
    assert body.parent_header_lines == []
    assert (body.abbreviation, body.place_name, body.head_title, body.deputy_title) == (
        "UBND", "Hà Tĩnh", "Chủ tịch", "Phó Chủ tịch")
    assert body.collective is True and body.kind == IssuingBody.Kind.PEOPLE_COMMITTEE


def test_a_ward_prints_its_own_name_as_place(hatinh):
    ward = UnitFactory(level=Level.COMMUNE, kind=Kind.WARD, parent=hatinh, name="Phường Thành Sen")
    body = services.issuing_body_for(ward)
    assert body.header_lines == ["ỦY BAN NHÂN DÂN", "PHƯỜNG THÀNH SEN"]
    assert body.place_name == "Thành Sen"


def test_a_department_is_an_agency_under_its_people_committee(hatinh):
    sogd = organisation(hatinh, kind=Kind.DEPARTMENT, name="Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh")
    body = services.issuing_body_for(sogd)
    assert body.kind == IssuingBody.Kind.AGENCY
    assert body.parent_header_lines == ["UBND TỈNH HÀ TĨNH"]
    assert body.header_lines == ["SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert (body.abbreviation, body.head_title, body.place_name, body.collective) == (
        "SGDĐT", "Giám đốc", "Hà Tĩnh", False)


def test_the_council_of_a_province(hatinh):
    body = services.issuing_body_for(hatinh, kind="council")
    assert body.header_lines == ["HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG", "TỈNH HÀ TĨNH"]
    assert body.abbreviation == "HĐTĐKT"


def test_the_peoples_committee_organisation_unit_resolves_to_its_territory(hatinh, ubnd):
    organisation_ubnd = organisation(hatinh, kind=Kind.PEOPLES_COMMITTEE, name="Ủy ban nhân dân tỉnh Hà Tĩnh")
    assert services.issuing_body_for(organisation_ubnd) == ubnd


def test_issuing_body_for_is_get_or_create(hatinh, ubnd):
    ubnd.head_name = "Nguyễn Văn A"
    ubnd.save()
    again = services.issuing_body_for(hatinh)
    assert again.pk == ubnd.pk and again.head_name == "Nguyễn Văn A"
    assert IssuingBody.objects.filter(unit=hatinh).count() == 1


# ---------------------------------------------------------------- numbers

def test_number_format_pads_below_ten_and_uses_kind_code_and_abbreviation():
    assert format_number(seq=5, kind=DocumentKind.AWARD_DECISION, abbreviation="UBND") == "05/QĐ-UBND"
    assert format_number(seq=12, kind=DocumentKind.PLAN, abbreviation="UBND") == "12/KH-UBND"
    assert format_number(seq=1, kind=DocumentKind.SUBMISSION, abbreviation="SGDĐT") == "01/TTr-SGDĐT"
    assert format_number(seq=3, kind=DocumentKind.MINUTES, abbreviation="HĐTĐKT") == "03/BB-HĐTĐKT"
    assert format_number(seq=7, kind=DocumentKind.REPORT, abbreviation="UBND") == "07/BC-UBND"


def test_numbers_are_consecutive_per_issuer_kind_and_year(hatinh, ubnd):
    council = services.issuing_body_for(hatinh, kind="council")
    first = issue(ubnd)
    second = issue(ubnd)
    plan = issue(ubnd, kind=DocumentKind.PLAN, title="Kế hoạch")
    other_body = issue(council)
    assert [first.number, second.number, plan.number, other_body.number] == [
        "01/QĐ-UBND", "02/QĐ-UBND", "01/KH-UBND", "01/QĐ-HĐTĐKT"]
    assert (first.seq, second.seq, first.year) == (1, 2, 2026)


def test_award_and_title_decisions_of_one_body_share_one_qd_register(ubnd, hatinh):
    # Both print "…/QĐ-UBND": two registers would give two different acts the same number.
    award = issue(ubnd, kind=DocumentKind.AWARD_DECISION, title="Khen thưởng")
    title = issue(ubnd, kind=DocumentKind.TITLE_DECISION, title="Công nhận")
    report = issue(ubnd, kind=DocumentKind.REPORT, title="Báo cáo")
    achievement = issue(ubnd, kind=DocumentKind.ACHIEVEMENT_REPORT, title="Báo cáo thành tích")
    assert [award.number, title.number] == ["01/QĐ-UBND", "02/QĐ-UBND"]
    assert [report.number, achievement.number] == ["01/BC-UBND", "02/BC-UBND"]


def test_register_restarts_at_one_each_calendar_year(ubnd):
    issue(ubnd, date=D(2025, 12, 31))
    last_of_2025 = issue(ubnd, date=D(2025, 12, 31))
    first_of_2026 = issue(ubnd, date=D(2026, 1, 1))
    assert last_of_2025.number == "02/QĐ-UBND"
    assert first_of_2026.number == "01/QĐ-UBND" and first_of_2026.year == 2026
    counter = RegisterCounter.objects.get(issuer=ubnd, kind=register_of(DocumentKind.AWARD_DECISION), year=2025)
    assert counter.last_seq == 2


def test_issue_is_idempotent_per_kind_and_subject(ubnd, hatinh):
    subject = hatinh  # any model instance can be the documented subject
    first = issue(ubnd, subject, title="Lần đầu")
    again = issue(ubnd, subject, title="Lần hai", date=D(2026, 5, 5))
    assert again.pk == first.pk and again.number == "01/QĐ-UBND" and again.title == "Lần đầu"
    assert Document.objects.count() == 1
    assert RegisterCounter.objects.get(issuer=ubnd).last_seq == 1  # no number was used up


def test_a_draft_is_numbered_when_issued(ubnd, hatinh):
    draft = services.document_draft(kind=DocumentKind.PLAN, issuer=ubnd, subject=hatinh, title="Kế hoạch", year=2026)
    assert draft.status == Document.Status.DRAFT and draft.seq is None and draft.number == ""
    issued = issue(ubnd, hatinh, kind=DocumentKind.PLAN, title="Kế hoạch")
    assert issued.pk == draft.pk and issued.number == "01/KH-UBND" and issued.status == Document.Status.ISSUED


def test_an_external_act_keeps_its_printed_number_and_takes_none_from_the_register(ubnd, hatinh):
    external = services.document_register_external(
        kind=DocumentKind.PLAN, issuer=ubnd, subject=hatinh, number="151/KH-UBND", date=D(2026, 2, 20),
        title="Kế hoạch", by=None)
    assert (external.number, external.external, external.seq) == ("151/KH-UBND", True, None)
    assert issue(ubnd, kind=DocumentKind.PLAN, title="Kế hoạch khác").number == "01/KH-UBND"


def test_refusals_say_why_in_vietnamese_and_change_nothing(ubnd):
    with pytest.raises(DomainError, match="Văn bản phải có trích yếu."):
        issue(ubnd, title="  ")
    with pytest.raises(DomainError, match="Thẩm quyền ký không hợp lệ."):
        services.document_issue(kind=DocumentKind.PLAN, issuer=ubnd, subject=None, date=D(2026, 1, 2),
                                title="KH", capacity="XX.", by=None)
    ubnd.active = False
    ubnd.save()
    with pytest.raises(DomainError, match="không còn ban hành văn bản"):
        issue(ubnd)
    assert Document.objects.count() == 0 and RegisterCounter.objects.count() == 0


def test_a_rolled_back_issue_gives_its_number_back(ubnd):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        issue(ubnd)
        raise RuntimeError
    assert issue(ubnd).number == "01/QĐ-UBND"


# ---------------------------------------------------------------- legal bases

def test_legal_bases_follow_the_decree_in_force_on_the_date():
    before = legal_bases("award_decision", on=D(2025, 3, 1))
    after = legal_bases("award_decision", on=D(2025, 9, 1))
    assert any("98/2023/NĐ-CP" in t for t in before) and not any("152/2025/NĐ-CP" in t for t in before)
    assert any("152/2025/NĐ-CP" in t for t in after) and not any("98/2023/NĐ-CP" in t for t in after)
    assert "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;" in after
    assert after[0].startswith("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025")


def test_legal_bases_are_data_an_administrator_changes():
    LegalBasis.objects.filter(slug="luat-tdkt-2022").update(active=False)
    LegalBasis.objects.create(slug="qd-tinh", text="Căn cứ Quyết định của tỉnh;", tags=["title_decision"], order=99)
    texts = legal_bases("title_decision", on=D(2026, 1, 1))
    assert texts[-1] == "Căn cứ Quyết định của tỉnh;"
    assert not any("Luật Thi đua" in t for t in texts)
    assert LegalBasis.history.filter(slug="qd-tinh").exists()


def test_unverified_bases_are_marked_not_invented():
    decree = LegalBasis.objects.get(slug="nd-152-2025")
    assert decree.text == "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ;"
    assert "(cần kiểm chứng)" in decree.note  # its full title was not checked: said, not invented
    assert "(cần kiểm chứng)" in LegalBasis.objects.get(slug="qd-677-2022").note
    assert "(cần kiểm chứng)" not in LegalBasis.objects.get(slug="qd-1315-2023").note


# ---------------------------------------------------------------- scoping

def test_documents_are_scoped_by_issuer_plus_what_a_kind_lets_read(hatinh, ubnd):
    from django.db.models import Q

    from core.documents import builders
    from core.documents.selectors import documents_visible_to
    from tests.factories import member

    nghean = province(name="Tỉnh Nghệ An", code="40")
    theirs = issue(services.issuing_body_for(nghean), title="Của Nghệ An")
    shared = issue(services.issuing_body_for(nghean), kind=DocumentKind.MINUTES, title="Biên bản chia sẻ")
    ours = issue(ubnd)
    officer = member(hatinh, "officer")
    saved = (dict(builders._BUILDERS), dict(builders._READERS))
    try:
        assert list(documents_visible_to(officer)) == [ours]
        # A kind's readers (the subject's reading rights) add rows beyond the issuer's subtree…
        builders.register_builder(DocumentKind.MINUTES, lambda d: None, readers=lambda u: Q(title="Biên bản chia sẻ"))
        assert set(documents_visible_to(officer)) == {ours, shared}
        # …and never narrow what a system administrator sees (an empty scope Q means "everything").
        admin = UserFactory(is_superuser=True)
        assert set(documents_visible_to(admin)) == {ours, shared, theirs}
    finally:
        builders._BUILDERS.clear()
        builders._BUILDERS.update(saved[0])
        builders._READERS.clear()
        builders._READERS.update(saved[1])
