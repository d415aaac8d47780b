"""Small helpers every app's views share: HTMX detection and list paging.

They sit in the bottom app so that partners' and matchmaking's views can both use them."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


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
