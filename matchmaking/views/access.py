"""Who may open the staff workspace, and the paging every list page shares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Ministry staff only: anonymous visitors go to the login page, signed-in users who are
    not staff get 403 (they must not learn more by retrying)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (not a boosted full page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def paginate(request: HttpRequest, queryset: QuerySet | list, per_page: int | None = None) -> Page:
    """The requested page (``?page=``) of a list; out-of-range numbers give the last page."""
    paginator = Paginator(queryset, per_page or settings.WORKSPACE_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string without ``page``, for pagination and export links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
