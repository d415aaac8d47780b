"""HTML pages of the web shell: the public home page and where a login lands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from matchmaking.selectors import headline_counts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"counts": headline_counts()})


@login_required
def after_login(request: HttpRequest) -> HttpResponse:
    """The landing page by role: ministry staff start on their dashboard, others at home."""
    return redirect("workspace:dashboard" if request.user.is_staff else "home")
