from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, Level, Unit


class UnitContactForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["email", "phone"]


CHILD_KINDS = [
    (Kind.HAMLET, Kind.HAMLET.label),
    (Kind.RESIDENTIAL_GROUP, Kind.RESIDENTIAL_GROUP.label),
    (Kind.PEOPLES_COMMITTEE, Kind.PEOPLES_COMMITTEE.label),
    (Kind.DEPARTMENT, Kind.DEPARTMENT.label),
    (Kind.AGENCY, Kind.AGENCY.label),
    (Kind.SCHOOL, Kind.SCHOOL.label),
    (Kind.UNIVERSITY, Kind.UNIVERSITY.label),
    (Kind.ENTERPRISE, Kind.ENTERPRISE.label),
    (Kind.ASSOCIATION, Kind.ASSOCIATION.label),
    (Kind.LEARNING_CENTRE, Kind.LEARNING_CENTRE.label),
    (Kind.OTHER, Kind.OTHER.label),
]


class ChildUnitForm(forms.Form):
    name = forms.CharField(label=_("Tên đơn vị"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại"), choices=CHILD_KINDS)
    code = forms.CharField(label=_("Mã (nếu có)"), max_length=20, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)

    def level(self) -> str:
        kind = self.cleaned_data["kind"]
        return Level.HAMLET if kind in (Kind.HAMLET, Kind.RESIDENTIAL_GROUP) else Level.ORGANISATION
