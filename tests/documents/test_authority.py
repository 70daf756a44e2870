"""The capacity lines above a signature depend on whose act it is (NĐ 30/2020/NĐ-CP, Điều 13; Phụ lục I):
the collective's acts carry "TM. ỦY BAN NHÂN DÂN" (then "KT. CHỦ TỊCH" when a deputy signs); the head's own
acts (award decisions, certificates: Luật Thi đua, khen thưởng 2022) never do; minutes carry none."""

import pytest

from core.documents import builders
from core.documents.models import Document, IssuingBody

UBND = IssuingBody(name="Ủy ban nhân dân tỉnh Hà Tĩnh", header_lines=["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH"],
                   abbreviation="UBND", head_title="Chủ tịch", deputy_title="Phó Chủ tịch", collective=True)
SO = IssuingBody(name="Sở Giáo dục và Đào tạo", header_lines=["SỞ GIÁO DỤC VÀ ĐÀO TẠO"], abbreviation="SGDĐT",
                 head_title="Giám đốc", deputy_title="Phó Giám đốc", collective=False)


def lines(kind, issuer=UBND, capacity="", principal=""):
    return builders.authority_lines(Document(kind=kind, issuer=issuer, capacity=capacity, principal=principal))


@pytest.mark.parametrize("kind", ["award_decision", "certificate"])
def test_the_heads_own_acts_never_carry_tm(kind):
    # Before: ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH") — the collective's form on the Chairman's decision.
    assert lines(kind, capacity="KT.", principal="Chủ tịch") == ("KT. CHỦ TỊCH",)
    assert lines(kind, capacity="KT.") == ("KT. CHỦ TỊCH",)
    assert lines(kind) == ()  # the Chairman signs "CHỦ TỊCH" alone
    assert lines(kind, capacity="TM.", principal="Ủy ban nhân dân") == ()
    assert lines(kind, SO, capacity="KT.", principal="Giám đốc") == ("KT. GIÁM ĐỐC",)


@pytest.mark.parametrize("kind", ["title_decision", "plan", "report", "submission", "achievement_report"])
def test_a_collective_bodys_acts_carry_tm_then_kt(kind):
    assert lines(kind, capacity="KT.", principal="Chủ tịch") == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")
    assert lines(kind, capacity="TM.", principal="Ủy ban nhân dân") == ("TM. ỦY BAN NHÂN DÂN",)
    assert lines(kind) == ("TM. ỦY BAN NHÂN DÂN",)
    assert lines(kind, SO, capacity="KT.", principal="Giám đốc") == ("KT. GIÁM ĐỐC",)
    assert lines(kind, SO) == ()
    assert lines(kind, capacity="TL.", principal="Chủ tịch") == ("TL. CHỦ TỊCH",)


def test_minutes_are_signed_by_persons_without_capacity():
    assert lines("minutes") == () and lines("minutes", capacity="KT.", principal="Chủ tịch") == ()
