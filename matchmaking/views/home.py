"""HTML pages of the web shell."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from matchmaking.selectors import headline_counts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"counts": headline_counts()})
