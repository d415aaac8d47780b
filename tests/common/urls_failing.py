"""The site's URLs plus a view that fails, for the 500 page test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from matchmaking.urls import urlpatterns as site_urlpatterns


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


urlpatterns = [path("failing/", failing_view), *site_urlpatterns]
