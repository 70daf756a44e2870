from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the person chose otherwise in the portal's language switcher.

    Django's own middleware follows the browser's Accept-Language, so an officer on an English-language
    computer would land in English, and API clients would get English `detail` messages, which the public
    contract promises in Vietnamese. Here pages follow only the language cookie, and the API is always
    Vietnamese.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            language = "vi"
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
