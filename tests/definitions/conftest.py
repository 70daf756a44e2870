"""Who edits definitions: a superuser, the nation's administrator, a province's administrator (its own
definitions), and people who may not (an officer, another province's administrator)."""

import pytest

from definitions import services
from definitions.models import Category
from tests import factories as f
from units.models import Kind, Level
from units.roles import Role


@pytest.fixture
def root(db):
    return f.UserFactory(username="quantri", is_superuser=True, is_staff=True)


@pytest.fixture
def nation(db):
    return f.UnitFactory(level=Level.NATION, kind=Kind.NATION, name="Cả nước", code="VN")


@pytest.fixture
def people(tree, nation):
    return {
        "nation_admin": f.member(nation, Role.ADMIN, username="qt-quocgia"),
        "p1_admin": f.member(tree["p1"], Role.ADMIN, username="qt-tinh1"),
        "p2_admin": f.member(tree["p2"], Role.ADMIN, username="qt-tinh2"),
        "c1_officer": f.member(tree["c1"], Role.OFFICER, username="canbo-xa1"),
        "c3_officer": f.member(tree["c3"], Role.OFFICER, username="canbo-xa3"),
    }


@pytest.fixture
def sex(db):
    return Category.objects.get(code="sex")


@pytest.fixture
def learners(root, sex):
    """A national element with a breakdown by sex, not bound to any figure."""
    return services.element_create(by=root, code="nguoi_hoc", name="Số người tham gia học tập", category=sex,
                                   unit_of_measure="người")


@pytest.fixture
def adults(root, sex):
    return services.element_create(by=root, code="nguoi_truong_thanh", name="Số người trưởng thành", category=sex,
                                   unit_of_measure="người")


def state(*models) -> dict:
    """Every row of the definitions models (and their count), to assert a refusal changed nothing."""
    from definitions import models as m

    chosen = models or (m.Category, m.CategoryOption, m.DataElement, m.IndicatorDefinition, m.ReportForm,
                        m.ReportFormVersion, m.FormSection, m.FormField, m.ValidationRule)
    return {model.__name__: sorted(map(repr, model.objects.values())) for model in chosen}

