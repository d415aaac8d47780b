"""Partners: the staff verification queue under /staff/verification/ (namespace
``workspace``, see partners/staff_urls.py): organisations waiting for the ministry's
verification with what they submitted, and the decision on one of them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from common.forms import add_service_errors
from common.htmx import redirect_page, render_page_or_fragment
from common.paging import paginate, query_without_page
from common.typing import AuthenticatedHttpRequest

from ..choices import OrganisationKind
from ..forms.verification import VerificationDecisionForm, VerificationFilterForm
from ..models import Manufacturer, Supplier
from ..permissions import staff_required
from ..selectors import verification as selectors
from ..selectors.history import organisation_history
from ..services import verification as services


@require_GET
@staff_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    """Pending IKM and manufacturers, oldest first, filtered by kind, status, province and
    name; with HTMX only the results."""
    form = VerificationFilterForm(request.GET)
    page = paginate(request, selectors.verification_queue(**form.filters()))
    context = {
        "form": form,
        "page_obj": page,
        "items": selectors.verification_items(page.object_list),
        "query": query_without_page(request),
    }
    return render_page_or_fragment(
        request,
        page="partners/verification_queue.html",
        fragment="partners/partials/_verification_results.html",
        context=context,
        invalid=bool(form.errors),
    )


def _organisation(kind: str, pk: int) -> Supplier | Manufacturer:
    try:
        return selectors.organisation_for_verification(kind=kind, pk=pk)
    except (Supplier.DoesNotExist, Manufacturer.DoesNotExist) as error:
        raise Http404 from error


@require_http_methods(["GET", "POST"])
@staff_required
def verification_detail(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """One organisation's submitted data and documents, with the verify / reject / suspend
    actions open from its status. A decision goes back to the queue; a refused one comes
    back with its error and the reason typed (with HTMX only the decision panel, 400)."""
    if kind not in OrganisationKind.values:
        raise Http404
    organisation = _organisation(kind, pk)
    form = VerificationDecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organisation_verification_decide(
                    organisation=organisation,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, services.done_message(organisation, form.cleaned_data["decision"])
                )
                return redirect_page(request, reverse("workspace:verification_queue"))
        return render_page_or_fragment(
            request,
            page="partners/verification_detail.html",
            fragment="partners/partials/_verification_decision.html",
            context=_detail_context(kind, organisation, form),
            invalid=True,
        )
    return render(
        request, "partners/verification_detail.html", _detail_context(kind, organisation, form)
    )


def _detail_context(kind: str, organisation, form: VerificationDecisionForm) -> dict:
    return {
        "kind": OrganisationKind(kind),
        "organisation": organisation,
        "name": organisation.display_name,
        "form": form,
        "decisions": services.decisions_open(organisation),
        "history": organisation_history(organisation),
    }


urlpatterns: list[URLPattern] = [
    path("", verification_queue, name="verification_queue"),
    path("<slug:kind>/<int:pk>/", verification_detail, name="verification_detail"),
]
