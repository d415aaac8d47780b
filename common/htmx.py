"""One place that decides between a whole page and an HTMX fragment.

``django_htmx.middleware.HtmxMiddleware`` sets ``request.htmx``; a boosted request wants
the whole page, any other HTMX request the fragment it swaps in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """An HTMX request that swaps in part of the page (not a boosted full page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted


def render_page_or_fragment(
    request: HttpRequest,
    *,
    page: str,
    fragment: str,
    context: Mapping[str, Any],
    status: int = 200,
    invalid: bool = False,
) -> HttpResponse:
    """``fragment`` for an HTMX swap, else ``page`` (which includes the fragment).

    ``invalid``: the request's input was refused. The fragment then answers 400 (htmx swaps
    it in with the errors next to the fields); the whole page answers 200, as a browser
    showing a form again expects."""
    fragment_wanted = wants_fragment(request)
    if invalid and fragment_wanted:
        status = 400
    return render(request, fragment if fragment_wanted else page, dict(context), status=status)


def redirect_page(request: HttpRequest, url: str) -> HttpResponse:
    """Go to ``url``: a redirect for a plain request, ``HX-Redirect`` for an HTMX one (the
    whole page changes, so HTMX loads it again instead of swapping a fragment)."""
    if wants_fragment(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)
