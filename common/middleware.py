"""Refuse an oversized request body before anything reads it.

Django reads a multipart body while parsing ``request.POST``/``request.FILES`` (the CSRF
middleware is the first to do so) and only then can a form say the file is too large: a
200 MB upload was streamed to a temporary file before being refused. This middleware
looks at the declared ``Content-Length`` only and answers 413 with the connection closed,
so the worker never reads the body. A body sent without a length (chunked) is not read by
Django at all (it sees ``CONTENT_LENGTH`` 0), so the header is the whole story.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.REQUEST_MAX_BYTES
        length = declared_length(request)
        if length > limit:
            logger.warning(
                "Refused a %s request to %s: Content-Length %d over the %d-byte limit",
                request.method,
                request.path,
                length,
                limit,
            )
            body = render_to_string("413.html", {"limit_mb": limit // 1_048_576})
            response = HttpResponse(body, status=413)
            # Tell the server not to wait for (and drain) the unread body.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
