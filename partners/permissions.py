"""Who may open which page: ministry staff, an IKM owner, a manufacturer's member.

Anonymous visitors are sent to the login page; signed-in users without the role get 403 —
the same answer whether or not the object exists, so direct URLs reveal nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]


def role_required(test: Callable[[Any], bool]) -> Callable[[View], View]:
    """A view decorator admitting signed-in users for whom ``test(user)`` holds."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_staff(user) -> bool:
    return bool(user.is_staff)


staff_required = role_required(is_staff)


def _remembered(user, key: str, compute: Callable[[], bool]) -> bool:
    """A role answer kept on the user object, so the decorator, the view and the navbar of
    one request ask the database once (``request.user`` lives for one request)."""
    cache = user.__dict__.setdefault("_jembatan_roles", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def is_ikm_owner(user) -> bool:
    """Signed up as an IKM owner (registration may still be a draft) or owns an IKM."""
    from .choices import AccountType

    return _remembered(
        user,
        "ikm_owner",
        lambda: user.account_type == AccountType.IKM_OWNER or user.suppliers.exists(),
    )


def is_manufacturer_member(user) -> bool:
    """Signed up as a manufacturer representative or is a member of a manufacturer."""
    from .choices import AccountType

    return _remembered(
        user,
        "manufacturer_member",
        lambda: user.account_type == AccountType.MANUFACTURER or user.manufacturers.exists(),
    )


ikm_owner_required = role_required(is_ikm_owner)
manufacturer_member_required = role_required(is_manufacturer_member)
