"""Language selection: Bahasa Indonesia unless the user chose English.

Django's ``LocaleMiddleware`` follows the browser's Accept-Language, which on ministry
laptops is often English. Jembatan's UI language is Indonesian by default; the user's
explicit choice (the language switch, stored in the language cookie) is the only thing
that changes it.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        # override, not activate: the thread's previous language comes back afterwards, so
        # one request's choice never leaks into the next piece of work on the same thread.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            patch_vary_headers(response, ("Cookie",))
            response.headers.setdefault("Content-Language", translation.get_language())
        return response
