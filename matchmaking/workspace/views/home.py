"""HTML pages of the web shell: the public home page and where a login lands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from partners.permissions import is_ikm_owner, is_manufacturer_member

from ..selectors.home import headline_counts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"counts": headline_counts()})


@login_required
def after_login(request: HttpRequest) -> HttpResponse:
    """The landing page by role: staff on their dashboard, an IKM owner on their IKM (which
    offers to start or resume the registration), a manufacturer's member on the company
    page; anyone else at home."""
    user = request.user
    if user.is_staff:
        return redirect("workspace:dashboard")
    if is_ikm_owner(user):
        return redirect("partners:my_ikm")
    if is_manufacturer_member(user):
        return redirect("partners:company")
    return redirect("home")
