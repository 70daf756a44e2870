from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.documents.sanitize import text_for_editing
from definitions.groups import groups_for_scope
from definitions.models import UnitGroup

from .models import Plan
from .selectors import administrative_scope, target_indicators
from .services import RICH_TEXT_FIELDS

RICH_TEXT_HELP = _("Mỗi dòng là một đoạn. Có thể dùng thẻ HTML đơn giản: <b>, <i>, <u>, <ul>, <ol>, <li>, <table>.")


class PlanForm(forms.ModelForm):
    """The draft's fields. It only validates input shape; the service validates the rules and saves."""

    issued_on = forms.DateField(
        label=_("Ngày ban hành"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "size": 10}),
    )
    parent = forms.ModelChoiceField(label=_("Kế hoạch cấp trên"), queryset=Plan.objects.none(), required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Plan
        fields = [
            "kind", "number", "parent_body", "issuing_body", "place", "issued_on", "title", "addressees",
            "parent", "parent_reference", *RICH_TEXT_FIELDS, "recipients",
            "signer_collective", "signer_capacity", "signer_principal", "signer_title", "signer_name",
        ]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 6, "cols": 90}) for name in RICH_TEXT_FIELDS},
            "title": forms.Textarea(attrs={"rows": 2, "cols": 90}),
            "addressees": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "recipients": forms.Textarea(attrs={"rows": 5, "cols": 60}),
        }

    def __init__(self, *args, parent_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent_choices is not None:
            self.fields["parent"].queryset = parent_choices
        self.fields["parent"].label_from_instance = lambda p: f"{p.number} — {p.unit.name} — {p.title[:80]}"
        for name in RICH_TEXT_FIELDS:
            self.fields[name].help_text = RICH_TEXT_HELP
            if self.instance.pk and not self.is_bound:
                self.initial[name] = text_for_editing(getattr(self.instance, name))
        if self.instance.pk:
            self.initial.setdefault("revision", self.instance.revision)

    HEADER = ("kind", "number", "parent_body", "issuing_body", "place", "issued_on", "title", "addressees",
              "parent", "parent_reference")
    CLOSING = ("recipients", "signer_collective", "signer_capacity", "signer_principal", "signer_title",
               "signer_name")

    def fieldsets(self) -> list[tuple[str, list]]:
        return [
            (_("Phần đầu văn bản"), [self[name] for name in self.HEADER]),
            (_("Nội dung (mỗi phần có thể để trống)"), [self[name] for name in RICH_TEXT_FIELDS]),
            (_("Nơi nhận và chữ ký"), [self[name] for name in self.CLOSING]),
        ]

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("revision", None)
        return data


class TargetForm(forms.Form):
    """A target of a draft plan: any indicator the portal defines, for the plan's whole area or for a unit group
    inside it (mountainous communes…). Shape only; the service checks the slug, the group and the ranges."""

    indicator = forms.ChoiceField(label=_("Chỉ tiêu"), choices=())
    unit_group = forms.ModelChoiceField(label=_("Nhóm đơn vị"), queryset=UnitGroup.objects.none(), required=False,
                                        empty_label=_("Cả địa bàn"))
    year = forms.IntegerField(label=_("Năm"), min_value=2023, max_value=2030)
    percentage = forms.DecimalField(label=_("Tỷ lệ (%)"), min_value=0, max_value=Decimal("999.99"),
                                    decimal_places=2)

    def __init__(self, *args, plan: Plan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        indicator = cast(forms.ChoiceField, self.fields["indicator"])
        indicator.choices = list(target_indicators().values_list("slug", "name"))
        indicator.error_messages["invalid_choice"] = _("Chỉ tiêu “%(value)s” không tồn tại hoặc đã ngừng sử dụng.")
        group = cast(forms.ModelChoiceField, self.fields["unit_group"])
        group.queryset = groups_for_scope(administrative_scope(plan.unit))
        group.error_messages["invalid_choice"] = _(
            "Nhóm đơn vị không tồn tại hoặc không dùng được ở phạm vi của kế hoạch.")
