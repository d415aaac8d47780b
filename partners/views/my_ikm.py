"""The owner's IKM under /ikm/ (see partners/urls.py): its page (or, before it is
registered, where the registration stands) and the edits of its profile, capabilities and
certificates.

Every page needs an IKM owner (``ikm_owner_required``); what an owner can reach is looked
up through ``owner=request.user``, so another owner's rows answer 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.forms import add_service_errors
from common.typing import AuthenticatedHttpRequest

from ..forms.registration.capabilities import CapabilityForm
from ..forms.registration.certificates import CertificationForm
from ..forms.registration.steps import ContactForm, IdentityForm, LocationForm
from ..models import Supplier
from ..permissions import ikm_owner_required
from ..selectors.registration import CONTACT_FIELDS, IDENTITY_FIELDS, LOCATION_FIELDS, draft_get
from ..selectors.suppliers import my_supplier, owned_capability, owned_certificate
from ..services.suppliers import (
    capability_remove,
    capability_set,
    capability_update,
    certificate_add,
    certificate_remove,
    certificate_update,
    supplier_update,
)
from ..services.verification import REVERIFYING_MESSAGE
from .registration import location_context, progress, step_url


def supplier_fields(
    *,
    identity: dict[str, Any],
    location: dict[str, Any],
    contact: dict[str, Any],
) -> dict[str, Any]:
    """The ``supplier_update`` data of the edit form's cleaned values."""
    fields = {name: identity[name] for name in IDENTITY_FIELDS}
    fields |= {name: location[name] for name in LOCATION_FIELDS}
    fields |= {name: contact[name] for name in CONTACT_FIELDS}
    return fields


def _supplier_or_404(request: AuthenticatedHttpRequest) -> Supplier:
    supplier = my_supplier(owner=request.user)
    if supplier is None:
        raise Http404
    return supplier


@require_GET
@ikm_owner_required
def my_ikm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The owner's IKM with its status, capabilities and certificates — or, before it is
    registered, where the registration stands."""
    supplier = my_supplier(owner=request.user)
    if supplier is None:
        draft = draft_get(owner=request.user)
        return render(
            request,
            "partners/ikm_start.html",
            {
                "draft": draft,
                "progress": progress(draft.step, 0) if draft else None,
                "resume_url": step_url(draft.step) if draft else reverse("partners:register"),
            },
        )
    return render(
        request,
        "partners/ikm_detail.html",
        {"supplier": supplier, "today": timezone.localdate()},
    )


def _edit_initial(supplier: Supplier) -> tuple[dict, dict, dict]:
    regency = supplier.regency
    at_centre = (supplier.latitude, supplier.longitude) == (regency.latitude, regency.longitude)
    identity = {
        "legal_name": supplier.legal_name,
        "nib": supplier.nib,
        "legal_form": supplier.legal_form,
        "kbli_codes": [code.code for code in supplier.kbli_codes.all()],
        "workers": supplier.workers,
        "investment_idr": supplier.investment_idr,
    }
    location = {
        "province": regency.province_id,
        "regency": regency.pk,
        "sentra": supplier.sentra,
        "address": supplier.address,
        "latitude": None if at_centre else supplier.latitude,
        "longitude": None if at_centre else supplier.longitude,
    }
    contact = {
        "contact_person": supplier.contact_person,
        "contact_phone": supplier.contact_phone,
        "contact_email": supplier.contact_email,
    }
    return identity, location, contact


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def ikm_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Edit identity, location and contact of the owner's IKM."""
    supplier = _supplier_or_404(request)
    identity_initial, location_initial, contact_initial = _edit_initial(supplier)
    data = request.POST if request.method == "POST" else None
    identity = IdentityForm(data, initial=identity_initial, supplier=supplier)
    location = LocationForm(data, initial=location_initial)
    contact = ContactForm(data, initial=contact_initial)
    forms = [identity, location, contact]
    valid = [form.is_valid() for form in forms] if data is not None else [False]  # every form
    if all(valid):
        was_verified = supplier.is_verified
        try:
            supplier_update(
                supplier=supplier,
                data=supplier_fields(
                    identity=identity.cleaned_data,
                    location=location.cleaned_data,
                    contact=contact.cleaned_data,
                ),
                kbli_codes=identity.cleaned_data["kbli_codes"],
            )
        except ValidationError as error:
            add_service_errors(forms, error)
        else:
            messages.success(request, _("Your IKM's details are saved."))
            if was_verified and not supplier.is_verified:
                messages.warning(request, REVERIFYING_MESSAGE)
            return redirect("partners:my_ikm")
    return render(
        request,
        "partners/ikm_edit.html",
        {
            "supplier": supplier,
            "identity": identity,
            "location": location,
            "contact": contact,
            **location_context(location),
        },
    )


def _capability_page(
    request: AuthenticatedHttpRequest, supplier: Supplier, form: CapabilityForm, capability=None
):
    return render(
        request,
        "partners/ikm_capability_form.html",
        {"supplier": supplier, "form": form, "capability": capability},
    )


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def capability_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    supplier = _supplier_or_404(request)
    form = CapabilityForm(request.POST if request.method == "POST" else None, supplier=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            capability_set(supplier=supplier, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The capability is added."))
            return redirect("partners:my_ikm")
    return _capability_page(request, supplier, form)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def capability_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    capability = owned_capability(owner=request.user, pk=pk)
    if capability is None:
        raise Http404
    initial = {
        "component_type": capability.component_type_id,
        "processes": [p.pk for p in capability.processes.all()],
        "materials": [m.pk for m in capability.materials.all()],
        "monthly_capacity": capability.monthly_capacity.normalize(),
        "capacity_unit": capability.capacity_unit,
        "minimum_order": (
            capability.minimum_order.normalize() if capability.minimum_order is not None else None
        ),
        "lead_time_days": capability.lead_time_days,
    }
    form = CapabilityForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        supplier=capability.supplier,
        capability_pk=capability.pk,
    )
    if request.method == "POST" and form.is_valid():
        try:
            capability_update(capability=capability, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The capability is saved."))
            return redirect("partners:my_ikm")
    return _capability_page(request, capability.supplier, form, capability)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def capability_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    capability = owned_capability(owner=request.user, pk=pk)
    if capability is None:
        raise Http404
    if request.method == "POST":
        try:
            capability_remove(capability=capability)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The capability is removed."))
        return redirect("partners:my_ikm")
    return render(
        request,
        "partners/ikm_confirm_delete.html",
        {
            "title": _("Remove this capability?"),
            "what": capability.component_type.name,
            "action_url": reverse("partners:capability_delete", args=[capability.pk]),
        },
    )


def _certification_page(request, supplier, form, held=None):
    return render(
        request,
        "partners/ikm_certification_form.html",
        {"supplier": supplier, "form": form, "held": held},
    )


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def certification_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    supplier = _supplier_or_404(request)
    post = request.method == "POST"
    form = CertificationForm(request.POST if post else None, request.FILES if post else None)
    if post and form.is_valid():
        try:
            certificate_add(
                supplier=supplier, **form.service_kwargs(), document=form.cleaned_data["document"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The certificate is added."))
            return redirect("partners:my_ikm")
    return _certification_page(request, supplier, form)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def certification_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    held = owned_certificate(owner=request.user, pk=pk)
    if held is None:
        raise Http404
    post = request.method == "POST"
    form = CertificationForm(
        request.POST if post else None,
        request.FILES if post else None,
        initial={
            "certification": held.certification_id,
            "number": held.number,
            "issued_on": held.issued_on,
            "valid_until": held.valid_until,
        },
        has_document=bool(held.document),
    )
    if post and form.is_valid():
        try:
            certificate_update(
                held=held, **form.service_kwargs(), document=form.cleaned_data["document"] or None
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The certificate is saved."))
            return redirect("partners:my_ikm")
    return _certification_page(request, held.supplier, form, held)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def certification_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    held = owned_certificate(owner=request.user, pk=pk)
    if held is None:
        raise Http404
    if request.method == "POST":
        certificate_remove(held=held)
        messages.success(request, _("The certificate is removed."))
        return redirect("partners:my_ikm")
    return render(
        request,
        "partners/ikm_confirm_delete.html",
        {
            "title": _("Remove this certificate?"),
            "what": f"{held.certification.name} · {held.number}",
            "action_url": reverse("partners:certification_delete", args=[held.pk]),
        },
    )


urlpatterns = [
    path("", my_ikm, name="my_ikm"),
    path("edit/", ikm_edit, name="ikm_edit"),
    path("capabilities/add/", capability_add, name="capability_add"),
    path("capabilities/<int:pk>/edit/", capability_edit, name="capability_edit"),
    path("capabilities/<int:pk>/delete/", capability_delete, name="capability_delete"),
    path("certifications/add/", certification_add, name="certification_add"),
    path("certifications/<int:pk>/edit/", certification_edit, name="certification_edit"),
    path("certifications/<int:pk>/delete/", certification_delete, name="certification_delete"),
]
