"""Template context for every page: the navbar's unread-notification count and which
self-service menus a signed-in partner gets.

Add ``"partners.context_processors.notifications"`` to the template context processors.
Values are computed only when a template reads them (and once per request), so pages that
do not show the navbar, and staff pages, run no query for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .notifications import unread_count
from .permissions import is_ikm_owner, is_manufacturer_member


class _Once:
    """A value the template computes on first use (templates call callables)."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._done = False
        self._value: Any = None

    def __call__(self) -> Any:
        if not self._done:
            self._value = self._compute()
            self._done = True
        return self._value


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {}
    return {
        "notification_unread_count": _Once(lambda: unread_count(user=user)),
        "self_service_ikm": _Once(lambda: is_ikm_owner(user)),
        "self_service_manufacturer": _Once(lambda: is_manufacturer_member(user)),
    }
