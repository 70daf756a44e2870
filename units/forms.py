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


class RoleGrantForm(forms.Form):
    """Grant a role on the page's unit: the account by its user name or e-mail, the role among those offered."""

    account = forms.CharField(label=_("Tài khoản (tên đăng nhập hoặc thư điện tử)"), max_length=254)
    role = forms.ChoiceField(label=_("Vai trò"))
    reason = forms.CharField(label=_("Ghi chú (không bắt buộc)"), max_length=100, required=False)

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles

    def clean_account(self):
        from django.contrib.auth import get_user_model

        value = self.cleaned_data["account"].strip()
        accounts = get_user_model().objects
        users = list(accounts.filter(username__iexact=value)[:1]) or list(accounts.filter(email__iexact=value)[:2])
        if len(users) != 1:  # two accounts on one e-mail: ask for the user name
            raise forms.ValidationError(_("Không tìm thấy tài khoản “%(account)s”.") % {"account": value})
        return users[0]


class RoleRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=100)
