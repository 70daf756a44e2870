"""The page-side adapter (core.views): one way every page answers a refusal of the domain."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.test import RequestFactory

from core.errors import Conflict, DomainError, PermissionDenied
from core.views import domain_action, refuse, scoped_object_or_404
from units.models import Unit


@pytest.fixture
def request_():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


class TitleForm(forms.Form):
    title = forms.CharField()


def test_a_role_refusal_is_the_403_page_and_no_message(request_):
    with pytest.raises(DjangoPermissionDenied, match="Chỉ thư ký"):
        refuse(request_, PermissionDenied("Chỉ thư ký được làm.", code="permission_denied"))
    assert not list(get_messages(request_))


def test_any_other_refusal_is_a_message_and_the_error_of_the_named_field(request_):
    form = TitleForm({"title": "x"})
    form.is_valid()
    refuse(request_, DomainError("Tiêu đề đã có.", field="title"), form=form)
    assert [str(m) for m in get_messages(request_)] == ["Tiêu đề đã có."]
    assert form.errors["title"] == ["Tiêu đề đã có."]


def test_domain_action_redirects_with_the_success_message_or_the_refusal(request_):
    done = domain_action(request_, lambda: 7, success="Đã lưu.", then=lambda result: f"/x/{result}/")
    assert (done.status_code, done["Location"]) == (302, "/x/7/")

    def stale():
        raise Conflict("Đã bị người khác sửa.")

    refused = domain_action(request_, stale, success="Đã lưu.", then="/ok/", failed="/back/")
    assert (refused.status_code, refused["Location"]) == (302, "/back/")
    assert [str(m) for m in get_messages(request_)] == ["Đã lưu.", "Đã bị người khác sửa."]


@pytest.mark.django_db
def test_scoped_object_or_404_is_one_answer_for_absent_foreign_and_malformed(tree):
    scoped = Unit.objects.filter(pk=tree["c1"].pk)
    assert scoped_object_or_404(scoped, tree["c1"].pk, "Không tìm thấy.") == tree["c1"]
    for pk in (tree["c2"].pk, 10**6, "abc", 10**30):
        with pytest.raises(Http404, match="Không tìm thấy."):
            scoped_object_or_404(scoped, pk, "Không tìm thấy.")
