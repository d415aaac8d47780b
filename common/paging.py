"""List paging shared by every app's views."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet | list, per_page: int | None = None) -> Page:
    """The requested page (``?page=``) of a list; out-of-range numbers give the last page."""
    paginator = Paginator(queryset, per_page or settings.WORKSPACE_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string without ``page``, for pagination and export links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
