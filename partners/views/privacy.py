"""Privacy pages (see partners/urls.py and partners/staff_urls.py).

For an IKM owner or a manufacturer's member, under /privacy/ (namespace ``partners``):
what is stored about their organisation and who sees it, the download of everything
(ZIP with the documents, or JSON), and the deletion request.

For ministry staff, under /staff/privacy-requests/ (namespace ``workspace``): the
deletion requests, and on each one the decision — confirm (the organisation is
anonymised) or refuse with a note the organisation reads on its privacy page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.forms import BootstrapFormMixin, add_service_errors
from common.htmx import redirect_page, render_page_or_fragment, wants_fragment
from common.paging import paginate, query_without_page
from common.typing import AuthenticatedHttpRequest

from ..choices import DeletionStatus, OrganisationKind
from ..models import DeletionRequest
from ..permissions import is_ikm_owner, is_manufacturer_member, role_required, staff_required
from ..privacy.deletion import (
    deletion_request_confirm,
    deletion_request_create,
    deletion_request_get,
    deletion_request_list,
    deletion_request_refuse,
)
from ..privacy.export import export_filename, organisation_export_json, organisation_export_zip
from ..privacy.summary import organisation_get, organisations_of, stored_summary

KINDS = f"(?P<kind>{'|'.join(OrganisationKind.values)})"


def is_party(user) -> bool:
    """An IKM owner or a manufacturer's member (the people who own data here)."""
    return is_ikm_owner(user) or is_manufacturer_member(user)


party_required = role_required(is_party)
party_or_staff_required = role_required(lambda user: user.is_staff or is_party(user))


# --- forms ----------------------------------------------------------------------------------


class DeletionRequestForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Ministry staff read it when they decide."),
    )
    understood = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my organisation's data will be erased and that I will no "
            "longer be able to log in."
        ),
        error_messages={
            "required": gettext_lazy("Tick this box to confirm that you want the deletion.")
        },
    )


class DecisionForm(BootstrapFormMixin, forms.Form):
    CONFIRM, REFUSE = "confirm", "refuse"

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (CONFIRM, gettext_lazy("Confirm: anonymise the organisation")),
            (REFUSE, gettext_lazy("Refuse")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose to confirm or to refuse.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when you refuse: the organisation sees it."),
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *DeletionStatus.choices],
        required=False,
    )


# --- the owner's pages ----------------------------------------------------------------------


@party_required
def privacy_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    summaries = [
        stored_summary(organisation=organisation) for organisation in organisations_of(request.user)
    ]
    return render(
        request, "partners/privacy.html", {"summaries": summaries, "person": request.user}
    )


@party_or_staff_required
def privacy_export(
    request: AuthenticatedHttpRequest, kind: str, pk: int, fmt: str
) -> HttpResponseBase:
    """Everything stored about the organisation: a ZIP with the JSON and the documents, or
    the JSON alone. Only its owner or members, and staff; anyone else gets 404."""
    organisation = organisation_get(user=request.user, kind=kind, pk=pk)
    if organisation is None:
        raise Http404
    response: HttpResponse | FileResponse
    if fmt == "json":
        response = HttpResponse(
            organisation_export_json(organisation=organisation),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{export_filename(organisation, "json")}"'
        )
    else:
        response = FileResponse(
            organisation_export_zip(organisation=organisation),
            as_attachment=True,
            filename=export_filename(organisation, "zip"),
            content_type="application/zip",
        )
    response["Cache-Control"] = "no-store, private"
    return response


@party_required
def privacy_delete_request(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    organisation = organisation_get(user=request.user, kind=kind, pk=pk, staff_sees_all=False)
    if organisation is None:
        raise Http404
    summary = stored_summary(organisation=organisation)
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deletion_request_create(
                organisation=organisation, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            if summary.pending_request is None:
                summary = stored_summary(organisation=organisation)
            if summary.pending_request is not None:
                # a double click or another member was first: nothing to add
                messages.info(request, _("Your deletion request is waiting for ministry staff."))
                return redirect("partners:privacy")
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your deletion request was sent. Ministry staff will decide on it; this "
                    "page shows their answer."
                ),
            )
            return redirect("partners:privacy")
    return render(
        request,
        "partners/deletion_request.html",
        {"summary": summary, "organisation": organisation, "form": form},
    )


# --- staff ----------------------------------------------------------------------------------


@staff_required
def privacy_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = DeletionStatus.PENDING
    form = StatusFilterForm(data)
    status = form.cleaned_data["status"] if form.is_valid() else DeletionStatus.PENDING
    page_obj = paginate(request, deletion_request_list(status=status or None))
    context = {
        "form": form,
        "status": status,
        "statuses": DeletionStatus.choices,
        "page_obj": page_obj,
        "requests": page_obj.object_list,
        "query": query_without_page(request),
    }
    return render_page_or_fragment(
        request,
        page="partners/privacy_requests.html",
        fragment="partners/partials/_privacy_requests_results.html",
        context=context,
    )


def _request_or_404(pk: int) -> DeletionRequest:
    deletion_request = deletion_request_get(pk=pk)
    if deletion_request is None:
        raise Http404
    return deletion_request


def _detail_context(deletion_request: DeletionRequest, form: DecisionForm) -> dict[str, Any]:
    organisation = deletion_request.organisation
    return {
        "deletion_request": deletion_request,
        "organisation": organisation,
        "summary": stored_summary(organisation=organisation),
        "form": form,
    }


@staff_required
def privacy_request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deletion_request = _request_or_404(pk)
    return render(
        request, "partners/privacy_request.html", _detail_context(deletion_request, DecisionForm())
    )


@staff_required
@require_POST
def privacy_request_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deletion_request = _request_or_404(pk)
    form = DecisionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == DecisionForm.CONFIRM:
                deletion_request_confirm(
                    deletion_request=deletion_request,
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
                done = _("Confirmed: the organisation has been anonymised.")
            else:
                deletion_request_refuse(
                    deletion_request=deletion_request,
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
                done = _("Refused: the organisation sees your note on its privacy page.")
        except ValidationError as error:
            add_service_errors(form, error, rename={"decision_note": "note"})
            if getattr(error, "code", None) == "already_decided":
                status = 409  # someone decided first: the fragment shows their decision
        else:
            messages.success(request, done)
            # the whole page changes (names, contacts): an HTMX request loads it again
            return redirect_page(request, reverse("workspace:privacy_request_detail", args=[pk]))
    context = _detail_context(_request_or_404(pk), form)
    if not wants_fragment(request):
        status = 200
    return render_page_or_fragment(
        request,
        page="partners/privacy_request.html",
        fragment="partners/partials/_privacy_decision.html",
        context=context,
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("", privacy_page, name="privacy"),
    re_path(
        rf"^{KINDS}/(?P<pk>[0-9]+)/export\.(?P<fmt>zip|json)$",
        privacy_export,
        name="privacy_export",
    ),
    re_path(
        rf"^{KINDS}/(?P<pk>[0-9]+)/delete/$",
        privacy_delete_request,
        name="privacy_delete_request",
    ),
]
staff_urlpatterns: list[URLPattern] = [
    path("", privacy_requests, name="privacy_requests"),
    path("<int:pk>/", privacy_request_detail, name="privacy_request_detail"),
    path("<int:pk>/decide/", privacy_request_decide, name="privacy_request_decide"),
]
