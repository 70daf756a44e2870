"""Read-only pages of the definitions: "Chỉ tiêu và biểu mẫu" and one page per form version.

Editing is in the API and the admin (both through definitions.services); these pages let every signed-in user
read what a report asks for and how each indicator is computed, in words.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.params import lookup_id

from . import selectors
from .api.serializers import breakdowns_of, in_words
from .expressions import TOKEN


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    elements = list(selectors.data_elements(user))
    indicators = list(selectors.indicators(user))
    # Names for every element an expression may name (a visible indicator may name only visible elements).
    names = {e.code: e.name for e in elements}
    categories = {e.code: (e.category.code if e.category else None) for e in elements}
    options = selectors.option_names()
    rows: list[dict[str, Any]] = [{
        "indicator": indicator,
        "numerator": in_words(indicator.numerator, names, options),
        "denominator": in_words(indicator.denominator, names, options),
        "breakdowns": breakdowns_of(indicator, categories),
    } for indicator in indicators]
    return render(request, "definitions/index.html", {
        "indicators": rows, "elements": elements, "forms": list(selectors.report_forms(user)),
        "categories": list(selectors.categories(user)),
    })


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    number = lookup_id(pk)
    version = selectors.form_versions(request.user).filter(pk=number).first() if number else None
    if version is None:
        raise Http404(_("Không tìm thấy phiên bản biểu mẫu hoặc bạn không có quyền xem."))
    codes = {match.group(1) for rule in version.rules.all() for text in (rule.left, rule.right)
             for match in TOKEN.finditer(text)}
    names = selectors.element_names(codes)
    options = selectors.option_names()
    rules = [{"rule": rule, "left": in_words(rule.left, names, options), "right": in_words(rule.right, names, options)}
             for rule in version.rules.all()]
    others = version.form.versions.order_by("-number")
    return render(request, "definitions/version_detail.html",
                  {"version": version, "rules": rules, "others": others})
