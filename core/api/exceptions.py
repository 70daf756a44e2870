"""One handler: every API error is JSON with a Vietnamese `detail`."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        # get_object_or_404's message is English and names the model ("No Campaign matches the given query.");
        # DRF would pass it through. API code that wants a specific message raises NotFound itself.
        exc = NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError) and isinstance(response.data, (dict, list)):
        errors = response.data
        response.data = {"detail": _("Dữ liệu không hợp lệ."), "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    return response
