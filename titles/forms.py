from django import forms
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from .models import TitleType


class EvaluationStartForm(forms.Form):
    title_type = forms.ModelChoiceField(label=_("Danh hiệu"), queryset=TitleType.objects.none())
    unit = forms.ModelChoiceField(label=_("Đơn vị tự đánh giá"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("Năm đánh giá"), min_value=2023, max_value=2100)
    level_sought = forms.TypedChoiceField(label=_("Mức độ đề nghị"), coerce=int, choices=[(1, "1"), (2, "2")])

    def __init__(self, *args, title_types=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title_type"].queryset = title_types
        self.fields["unit"].queryset = units

    def clean(self):
        from .selectors import title_applies_to

        data = super().clean()
        title_type, unit = data.get("title_type"), data.get("unit")
        if title_type is not None and unit is not None and not title_applies_to(title_type, unit):
            raise forms.ValidationError(
                _("Danh hiệu “%(title)s” không áp dụng cho đơn vị “%(unit)s”.") % {"title": title_type, "unit": unit})
        return data


class DecisionForm(forms.Form):
    """The decision is numbered by the register of the recognising body: no number is typed here."""

    level = forms.TypedChoiceField(label=_("Mức độ công nhận"), coerce=int, choices=[(1, "1"), (2, "2")])
    decision_date = forms.DateField(label=_("Ngày quyết định (dd/mm/yyyy)"))
    signed_as = forms.ChoiceField(label=_("Thẩm quyền ký"), choices=[
        ("head", _("Người đứng đầu ký")), ("deputy", _("Cấp phó ký thay (KT.)"))], initial="head")
    signer = forms.CharField(label=_("Họ tên người ký"), max_length=200)


class ListDecisionForm(DecisionForm):
    level = None


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do / nội dung"), widget=forms.Textarea(attrs={"rows": 3}))


class RevokeForm(ReasonForm):
    act = forms.CharField(label=_("Văn bản thu hồi (số, ngày)"), max_length=200,
                          help_text=_("Ví dụ: Quyết định số 07/QĐ-UBND ngày 02/3/2026"))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Tệp minh chứng (PDF, JPG, PNG, DOCX, XLSX)"))


class ListOpenForm(forms.Form):
    title_type = forms.ModelChoiceField(label=_("Danh hiệu"), queryset=TitleType.objects.none())
    unit = forms.ModelChoiceField(label=_("Xã/phường"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("Năm"), min_value=2023, max_value=2100)

    def __init__(self, *args, title_types=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title_type"].queryset = title_types
        self.fields["unit"].queryset = units


class WorkbookForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx) theo mẫu"))


class EntryForm(forms.Form):
    passed = forms.BooleanField(label=_("Đạt"), required=False)
    review_date = forms.DateField(label=_("Ngày bình xét"), required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)


class HouseholdForm(forms.Form):
    code = forms.CharField(label=_("Mã hộ"), max_length=40)
    head_name = forms.CharField(label=_("Chủ hộ"), max_length=200)
    address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)


class ClanForm(forms.Form):
    name = forms.CharField(label=_("Tên dòng họ"), max_length=200)


class CitizenForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    birth_year = forms.IntegerField(label=_("Năm sinh"), min_value=1900, max_value=2100, required=False)
    household_code = forms.CharField(label=_("Mã hộ (nếu thuộc một hộ trong sổ)"), max_length=40, required=False)
    workplace = forms.CharField(label=_("Nơi làm việc"), max_length=255, required=False)


REGISTRY_FORMS = {"households": HouseholdForm, "clans": ClanForm, "citizens": CitizenForm}


def registry_form(kind: str, *args, hamlets=None, **kwargs) -> forms.Form:
    """The form of a registry row; with `hamlets`, a new row's hamlet is chosen among them."""
    form = REGISTRY_FORMS[kind](*args, **kwargs)
    if hamlets is not None:
        form.fields = {"hamlet": forms.ModelChoiceField(label=_("Thôn/Tổ dân phố"), queryset=hamlets),
                       **form.fields}
    return form
