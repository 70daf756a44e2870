from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from core.params import BadParameter, unsafe_parameter

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_request(request: HttpRequest, message: str, *, field: str | None = None) -> HttpResponse:
    """The one 400 answer for malformed input: JSON with a Vietnamese `detail` on the API, a page elsewhere."""
    if request.path.startswith("/api/"):
        body: dict[str, Any] = {"detail": message, "code": "bad_parameter"}
        if field:
            body["errors"] = {field: [message]}
        return JsonResponse(body, status=400)
    return render(request, "core/bad_request.html", {"message": message}, status=400)


def _api_error_messages() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ."),
        403: _("Bạn không có quyền thực hiện thao tác này."),
        404: _("Không tìm thấy địa chỉ này trong API."),
        405: _("Phương thức không được hỗ trợ."),
        413: _("Yêu cầu quá lớn."),
    }


def _api_error_as_json(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The API speaks JSON even when Django answers before DRF does: a URL no route matches
    (`/api/v1/reports/1.5/`), a refused Host, a body over the size limit. Those come as Django's HTML pages;
    API clients (and the schema, which documents JSON errors) get the same answer as JSON."""
    if not request.path.startswith("/api/") or response.status_code < 400:
        return response
    if not response.get("Content-Type", "").startswith("text/html"):
        return response
    message = _api_error_messages().get(response.status_code, _("Lỗi máy chủ. Vui lòng thử lại sau."))
    converted = JsonResponse({"detail": message}, status=response.status_code)
    for header in ("Allow", "Retry-After", "Vary"):
        if header in response:
            converted[header] = response[header]
    return converted


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the person chose otherwise in the portal's language switcher.

    Django's own middleware follows the browser's Accept-Language, so an officer on an English-language
    computer would land in English, and API clients would get English `detail` messages, which the public
    contract promises in Vietnamese. Here pages follow only the language cookie, and the API is always
    Vietnamese.

    It is also the input guard (issue 11, point 4), here rather than in a middleware of its own because the
    refusal must be spoken in the language just chosen: a NUL byte or a lone surrogate in a query string or a
    form is refused with a 400 before any view runs (PostgreSQL cannot store NUL, UTF-8 cannot encode a
    surrogate: both used to end in a 500), and a BadParameter a view raises becomes the same 400.
    """

    # Django lets process_request answer; the stub of LocaleMiddleware's says it never does.
    def process_request(self, request: HttpRequest) -> HttpResponse | None:  # type: ignore[override]
        language: str = "vi"
        if not request.path.startswith("/api/"):
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = chosen if chosen and chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return self._refuse_unsafe_input(request)

    def _refuse_unsafe_input(self, request: HttpRequest) -> HttpResponse | None:
        sources: list[Any] = [request.GET]
        # API bodies are DRF's to parse (its fields refuse NUL and surrogates); pages read forms themselves.
        if (request.method == "POST" and not request.path.startswith("/api/")
                and request.content_type in FORM_TYPES):
            sources.append(request.POST)
        field = unsafe_parameter(*sources)
        if field is None:
            return None
        message = _("Tham số “%(field)s” chứa ký tự không hợp lệ.") % {"field": field}
        return bad_request(request, message, field=field)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        return _api_error_as_json(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadParameter):
            return bad_request(request, exception.message, field=exception.field)
        return None
