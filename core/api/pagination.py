from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class StandardPagination(PageNumberPagination):
    """Page-number pagination that skips `COUNT(*)` when the first page is not full.

    Most scoped lists (a province's statistics, a commune's reports) fit on one page; their count is then the
    number of rows read, and the count query is saved. A full first page reads one row more than the page to
    learn whether a second page exists, and only then counts.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> list[Any] | None:
        page_size = self.get_page_size(request)
        first_page = request.query_params.get(self.page_query_param) in (None, "", "1")
        if not page_size or not first_page or not isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        rows = list(queryset[: page_size + 1])
        if len(rows) <= page_size:
            paginator = self.django_paginator_class(rows, page_size)  # a list: its count is len(rows)
        else:
            rows = rows[:page_size]
            paginator = self.django_paginator_class(queryset, page_size)  # counted when the links need it
        self.page = Page(rows, 1, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return rows
