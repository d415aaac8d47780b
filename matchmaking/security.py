"""Middleware guarding signed-in sessions (issue #10).

- ``StaffIdleTimeoutMiddleware``: a staff session without a request for
  ``STAFF_IDLE_TIMEOUT_MINUTES`` is logged out; the login page says why.
- ``StaffTwoFactorMiddleware``: a staff user whose session has not passed the second factor
  reaches only the two-factor pages, logout and the language switch; everything else (the
  workspace, the self-service pages, the API by session, the admin) sends them to the code
  page, or to enrolment when they have no device and ``STAFF_2FA`` is ``required``.
- ``PrivateNoStoreMiddleware``: every response to a signed-in user carries
  ``Cache-Control: private, no-store``, so no browser, proxy or back button keeps personal
  data. Static files never get here (WhiteNoise or the development server answers them
  before the middleware stack)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from partners.services import two_factor

LAST_SEEN_SESSION_KEY = "jembatan_staff_last_seen"
#: Whether the staff account had an enrolled device when this session logged in (used in
#: the optional mode only, so that staff who never enrolled cost no query per request).
ENROLLED_SESSION_KEY = "jembatan_staff_enrolled"
#: The idle clock is written to the session at most this often (seconds).
LAST_SEEN_RESOLUTION = 60

#: Pages an unverified staff user may open (namespaced URL names).
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "partners:two_factor_verify",
        "partners:two_factor_setup",
        "logout",
        "admin:logout",
        "set_language",
        "healthz",
    }
)


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """Start the idle clock and note the enrolment at every staff login (connected in
    ``MatchmakingConfig.ready``)."""
    if request is None or not hasattr(request, "session") or not two_factor.needs_two_factor(user):
        return
    request.session[LAST_SEEN_SESSION_KEY] = int(time.time())
    request.session[ENROLLED_SESSION_KEY] = two_factor.has_confirmed_device(user)


def _enrolled(request: HttpRequest) -> bool:
    if two_factor.two_factor_required():
        return two_factor.has_confirmed_device(request.user)
    enrolled = request.session.get(ENROLLED_SESSION_KEY)
    if enrolled is None:
        enrolled = request.session[ENROLLED_SESSION_KEY] = two_factor.has_confirmed_device(
            request.user
        )
    return bool(enrolled)


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and two_factor.needs_two_factor(user))


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
        now = int(time.time())
        # Only sessions signed in before the view: a login in this request starts the clock
        # in ``on_user_logged_in``; an API call authenticated by its token has no session.
        staff_session = bool(limit) and _is_staff(request)
        if staff_session:
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if isinstance(last_seen, int) and now - last_seen > limit:
                logout(request)
                messages.warning(
                    request,
                    _(
                        "You were logged out after %(minutes)d minutes without activity. "
                        "Please log in again."
                    )
                    % {"minutes": settings.STAFF_IDLE_TIMEOUT_MINUTES},
                )
                return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if staff_session and request.user.is_authenticated:
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_SESSION_KEY] = now
        return response


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_staff(request) and not request.user.is_verified():  # type: ignore[union-attr]
            target = self._second_step(request)
            if target is not None:
                return target
        return self.get_response(request)

    def _second_step(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None  # the 404 page shows nothing
        if match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if _enrolled(request):
            name = "partners:two_factor_verify"
        elif two_factor.two_factor_required():
            name = "partners:two_factor_setup"
        else:
            return None
        next_path = request.get_full_path() if request.method == "GET" else ""
        url = reverse(name)
        if next_path:
            url = f"{url}?{urlencode({'next': next_path})}"
        response = HttpResponseRedirect(url)
        if getattr(request, "htmx", False):
            response["HX-Redirect"] = url
        return response


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        response = self.get_response(request)
        user = getattr(request, "user", None)  # a login or logout may have changed it
        if signed_in or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
