"""Factories for every test, in one place. Units get their materialised path through the service's
own rule (parent path + zero-padded id), so subtree queries behave as in production."""

import factory
from factory.django import DjangoModelFactory

from core.models import User
from units.models import Kind, Level, Membership, Unit, path_segment


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    code = factory.Sequence(lambda n: f"T{n:05d}")
    level = Level.PROVINCE
    kind = Kind.PROVINCE
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        unit = super()._create(model_class, *args, **kwargs)
        parent = unit.parent
        unit.path = (parent.path if parent else "") + path_segment(unit.pk)
        unit.depth = parent.depth + 1 if parent else 0
        Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
        return unit


def province(**kw) -> Unit:
    return UnitFactory(level=Level.PROVINCE, kind=Kind.PROVINCE, **kw)


def commune(parent: Unit, **kw) -> Unit:
    return UnitFactory(level=Level.COMMUNE, kind=Kind.COMMUNE, parent=parent, **kw)


def hamlet(parent: Unit, **kw) -> Unit:
    return UnitFactory(level=Level.HAMLET, kind=Kind.HAMLET, parent=parent, **kw)


def organisation(parent: Unit, kind=Kind.SCHOOL, **kw) -> Unit:
    return UnitFactory(level=Level.ORGANISATION, kind=kind, parent=parent, code="", **kw)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Cán bộ {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("mat-khau-thu")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = "officer"


def member(unit: Unit, role: str = "officer", **user_kw) -> User:
    """A user holding `role` over `unit`'s subtree."""
    user = UserFactory(**user_kw)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user
