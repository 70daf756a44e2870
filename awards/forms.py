"""Page forms of awards: they parse input; the services decide."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.params import lookup_id
from units.models import Citizen, Clan, Household, Unit

from .models import AwardForm, Choice, Occasion, SubjectKind

UNIT_CHOICES_LIMIT = 1000


class NominationForm(forms.Form):
    proposer_unit = forms.ModelChoiceField(label=_("Đơn vị đề nghị"), queryset=Unit.objects.none())
    form = forms.ModelChoiceField(label=_("Hình thức khen thưởng"), queryset=AwardForm.objects.filter(active=True))
    occasion = forms.ChoiceField(label=_("Dịp khen thưởng"), choices=Occasion.choices)
    year = forms.IntegerField(label=_("Năm"), min_value=2023, max_value=2100)
    subject_kind = forms.ChoiceField(label=_("Đối tượng"), choices=SubjectKind.choices)
    subject_unit = forms.ModelChoiceField(label=_("Tập thể được đề nghị"), queryset=Unit.objects.none(),
                                          required=False)
    household_code = forms.CharField(label=_("Mã hộ gia đình"), max_length=40, required=False)
    clan_name = forms.CharField(label=_("Tên dòng họ"), max_length=200, required=False)
    citizen_id = forms.IntegerField(label=_("Mã công dân (số)"), required=False)
    achievement_summary = forms.CharField(label=_("Tóm tắt thành tích"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, proposer_units, subject_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposer_unit"].queryset = proposer_units
        self.fields["subject_unit"].queryset = subject_units

    def clean(self):
        data = super().clean()
        proposer = data.get("proposer_unit")
        kind = data.get("subject_kind")
        if proposer is None or not kind:
            return data
        data["subject"] = self._subject(kind, proposer)
        return data

    def _subject(self, kind: str, proposer: Unit):
        """Look the subject up inside the proposer's subtree; what is not there does not exist for this form."""
        subtree = {"unit__path__startswith": proposer.path}
        if kind == SubjectKind.UNIT:
            unit = self.cleaned_data.get("subject_unit")
            if unit is None:
                self.add_error("subject_unit", _("Chọn tập thể được đề nghị."))
            return unit
        if kind == SubjectKind.HOUSEHOLD:
            code = (self.cleaned_data.get("household_code") or "").strip()
            found = Household.objects.filter(code=code, **subtree).select_related("unit").first() if code else None
            if found is None:
                self.add_error("household_code", _("Không tìm thấy hộ gia đình có mã này trong đơn vị."))
            return found
        if kind == SubjectKind.CLAN:
            name = (self.cleaned_data.get("clan_name") or "").strip()
            found = Clan.objects.filter(name=name, **subtree).select_related("unit").first() if name else None
            if found is None:
                self.add_error("clan_name", _("Không tìm thấy dòng họ có tên này trong đơn vị."))
            return found
        pk = self.cleaned_data.get("citizen_id")
        found = Citizen.objects.filter(pk=pk, **subtree).select_related("unit").first() if pk else None
        if found is None:
            self.add_error("citizen_id", _("Không tìm thấy công dân có mã này trong đơn vị."))
        return found


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResubmitForm(forms.Form):
    achievement_summary = forms.CharField(label=_("Tóm tắt thành tích"), widget=forms.Textarea(attrs={"rows": 6}))
    revision = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Tệp minh chứng"))


_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]+")


class NominationsField(forms.ModelMultipleChoiceField):
    """Checkboxes of nomination ids. Django looks them up with `pk__in`, which (unlike `pk=`) hands an id no
    column can hold (a forged "99999999999999999999") to the database driver: OverflowError, a 500. An integer
    outside the id range is simply not one of the choices; anything else keeps Django's own checks."""

    def _check_values(self, value):
        for item in value if isinstance(value, (list, tuple)) else ():
            text = str(item).strip()
            if _SIGNED_DIGITS.fullmatch(text) and lookup_id(text) is None:
                shown = text if len(text) <= 20 else text[:20] + "…"
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": shown})
        return super()._check_values(value)


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Tên phiên họp"), max_length=255)
    held_on = forms.DateField(label=_("Ngày họp (dd/mm/yyyy)"))
    location = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)
    nominations = NominationsField(label=_("Chương trình: các đề nghị"), queryset=None,
                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, waiting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominations"].queryset = waiting


class BallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("Biểu quyết"), choices=Choice.choices, widget=forms.RadioSelect)


class DecisionForm(forms.Form):
    number = forms.CharField(
        label=_("Số quyết định"), max_length=50, required=False,
        help_text=_("Để trống: số được lấy tự động từ sổ đăng ký văn bản của cơ quan. Chỉ nhập khi quyết định đã "
                    "được ký và vào sổ trên giấy."))
    date = forms.DateField(label=_("Ngày quyết định (dd/mm/yyyy)"))
    signer_name = forms.CharField(label=_("Người ký"), max_length=200)
    signer_title = forms.CharField(label=_("Chức vụ người ký"), max_length=200, required=False)
    nominations = NominationsField(label=_("Các đề nghị được khen thưởng"), queryset=None,
                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, passed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominations"].queryset = passed
