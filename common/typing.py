"""Types for annotations only.

``AuthenticatedHttpRequest`` is the request of a view behind ``login_required`` (or another
decorator that lets only signed-in users through): its ``user`` is the project's user model,
never ``AnonymousUser``. ``_User`` is django-stubs' alias that its mypy plugin resolves to
``settings.AUTH_USER_MODEL``, so ``common`` names the user model without importing the app
that defines it. Annotate only views that really are behind such a decorator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import _User


class AuthenticatedHttpRequest(HttpRequest):
    """An ``HttpRequest`` whose user is signed in (for annotations; never instantiated)."""

    user: _User
