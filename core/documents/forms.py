from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LegalBasis


class LegalBasisForm(forms.ModelForm):
    tags = forms.CharField(label=_("nhãn"), required=False,
                           help_text=_("Cách nhau bằng dấu phẩy, ví dụ: award_decision, title_decision"))

    class Meta:
        model = LegalBasis
        fields = ["slug", "text", "tags", "valid_from", "valid_to", "order", "active", "note"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}),
                   "valid_to": forms.DateInput(attrs={"type": "date"}),
                   "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self):
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]
