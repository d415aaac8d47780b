"""Partners: the staff verification queue under /staff/verification/ (namespace
``workspace``, see partners/staff_urls.py): organisations waiting for the ministry's
verification with what they submitted, and the decision on one of them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from common.htmx import wants_fragment
from common.paging import paginate, query_without_page

from .. import verification
from ..choices import OrganisationKind
from ..forms.accounts import VerificationDecisionForm, VerificationFilterForm, add_service_errors
from ..models import Manufacturer, Supplier
from ..permissions import staff_required


@require_GET
@staff_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    """Pending IKM and manufacturers, oldest first, filtered by kind, status, province and
    name; with HTMX only the results."""
    form = VerificationFilterForm(request.GET)
    page = paginate(request, verification.verification_queue(**form.filters()))
    context = {
        "form": form,
        "page_obj": page,
        "items": verification.verification_items(page.object_list),
        "query": query_without_page(request),
    }
    if wants_fragment(request):
        status = 400 if form.errors else 200
        return render(
            request, "partners/partials/_verification_results.html", context, status=status
        )
    return render(request, "partners/verification_queue.html", context)


def _organisation(kind: str, pk: int) -> Supplier | Manufacturer:
    try:
        return verification.organisation_for_verification(kind=kind, pk=pk)
    except (Supplier.DoesNotExist, Manufacturer.DoesNotExist) as error:
        raise Http404 from error


@require_http_methods(["GET", "POST"])
@staff_required
def verification_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
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
                verification.organisation_verification_decide(
                    organisation=organisation,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, verification.done_message(organisation, form.cleaned_data["decision"])
                )
                url = reverse("workspace:verification_queue")
                if wants_fragment(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
        if wants_fragment(request):
            return render(
                request,
                "partners/partials/_verification_decision.html",
                _detail_context(kind, organisation, form),
                status=400,
            )
    return render(
        request, "partners/verification_detail.html", _detail_context(kind, organisation, form)
    )


def _detail_context(kind: str, organisation, form: VerificationDecisionForm) -> dict:
    return {
        "kind": OrganisationKind(kind),
        "organisation": organisation,
        "name": verification.organisation_name(organisation),
        "form": form,
        "decisions": verification.decisions_open(organisation),
    }


urlpatterns: list[URLPattern] = [
    path("", verification_queue, name="verification_queue"),
    path("<slug:kind>/<int:pk>/", verification_detail, name="verification_detail"),
]
