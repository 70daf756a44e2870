"""The demo step of campaigns: the five seed documents in their real places, idempotent."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.conf import settings

from campaigns import demo
from campaigns.demo_data import PLANS, sections
from campaigns.models import Plan, Target
from core.models import User
from tests import factories as f
from units.models import Unit

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
LEGACY_END = datetime.date(2025, 6, 30)


@pytest.fixture
def real_places(db, campaign):
    """The few real units the demo hangs its plans on, keyed as the loader keys them."""
    nation = f.UnitFactory(name="Việt Nam", level="nation", kind="quoc_gia", code="VN", source_key="nation:vn")
    for key, name, code, valid_to in [
        ("old:tinhbinhduong", "Tỉnh Bình Dương", "74", LEGACY_END),
        ("old:tinhbacgiang", "Tỉnh Bắc Giang", "24", LEGACY_END),
        ("old:tinhdongnai", "Tỉnh Đồng Nai", "75", LEGACY_END),
        ("old:tinhtravinh", "Tỉnh Trà Vinh", "84", LEGACY_END),
        ("both:tinhhatinh", "Tỉnh Hà Tĩnh", "42", None),
    ]:
        f.UnitFactory(name=name, code=code, parent=nation, source_key=key, valid_to=valid_to)
    User.objects.create_superuser("admin", "admin@example.test", "x")
    return nation


def load_twice_counts(django_capture_on_commit_callbacks):
    counts = []
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=False):
            demo.load({}, [])
        counts.append((Plan.objects.count(), Target.objects.count(), Unit.objects.count(), User.objects.count(),
                       list(Plan.objects.order_by("pk").values_list("pk", "revision", "status"))))
    return counts


def test_demo_loads_the_seed_plans_where_they_belong_and_a_second_run_changes_nothing(
    real_places, django_capture_on_commit_callbacks
):
    first, second = load_twice_counts(django_capture_on_commit_callbacks)
    assert first == second

    issued = Plan.objects.filter(status="issued")
    assert issued.count() == 6
    assert Plan.objects.filter(status="draft").count() == 1  # the Hà Tĩnh draft to edit

    province_plan = Plan.objects.get(number="151/KH-UBND", unit__parent__source_key="old:tinhbinhduong")
    letter = Plan.objects.get(number="09/CV-HKH")
    assert letter.parent == province_plan and letter.kind == "letter"
    assert (province_plan.issued_on, letter.issued_on) == (datetime.date(2024, 1, 15), datetime.date(2024, 2, 2))
    assert province_plan.issuing_body == "Ủy ban nhân dân tỉnh Bình Dương"
    # The seeds were issued on paper: registered with their printed numbers, marked external, taking
    # nothing from the register; the Hà Tĩnh draft has no number until it is issued.
    registered = province_plan.document
    assert (registered.number, registered.external, registered.seq, registered.status) == (
        "151/KH-UBND", True, None, "issued")
    assert letter.document.number == "09/CV-HKH" and letter.document.kind == "letter"
    assert Plan.objects.get(status="draft").number == ""

    # Organisations made under a legacy province end when it ends.
    for name in ("Hội Khuyến học tỉnh Bình Dương", "Sở Khoa học và Công nghệ tỉnh Bắc Giang",
                 "Thanh tra tỉnh Đồng Nai", "Ủy ban nhân dân tỉnh Trà Vinh"):
        assert Unit.objects.get(name=name).valid_to == LEGACY_END

    binh_duong = {(t.indicator, t.year): float(t.percentage) for t in letter.targets.all()}
    assert binh_duong == {
        ("households_learning_family", 2025): 70, ("hamlets_learning_community", 2025): 65,
        ("units_learning_unit", 2025): 80, ("workers_learning_citizen", 2025): 40,
        ("officials_learning_citizen", 2025): 60, ("learning_centres_using_it", 2025): 70,
        ("communes_learning_community", 2025): 90, ("districts_learning_district", 2025): 25,
    }
    assert set(letter.targets.values_list("unit__source_key", flat=True)) == {"old:tinhbinhduong"}
    assert letter.targets.get(indicator="districts_learning_district").applies_until() == LEGACY_END

    national = Target.objects.filter(plan=None, unit=real_places)
    assert {(t.indicator, t.year, float(t.percentage)) for t in national} == {
        ("households_learning_family", 2025, 70), ("clans_learning_clan", 2025, 65),
        ("hamlets_learning_community", 2025, 65), ("units_learning_unit", 2025, 80),
        ("workers_learning_citizen", 2025, 40), ("officials_learning_citizen", 2025, 60),
        ("workers_learning_citizen", 2030, 60), ("officials_learning_citizen", 2030, 80),
    }


def _words(text: str) -> str:
    """Text reduced to its words: markup, list marks and layout differ between the seed and the plan."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(re.sub(r"[-+*#–]", " ", text).split())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the project")
@pytest.mark.parametrize("spec", PLANS, ids=[p["key"] for p in PLANS])
def test_every_paragraph_of_a_demo_plan_is_in_its_seed(spec):
    seed_number = {"hatinh": "000", "bacgiang": "001", "binhduong": "002", "dongnai": "003", "travinh": "004"}
    seed = next(SEEDS.glob(f"{seed_number[spec['key'].split('_')[0]]}_*.txt")).read_text(encoding="utf-8")
    seed_words = _words(seed)
    paragraphs = [p for html_text in sections(spec["key"]).values() for p in re.findall(r"<p>(.*?)</p>", html_text)]
    assert paragraphs
    for paragraph in paragraphs:
        assert _words(paragraph) in seed_words, paragraph[:120]
