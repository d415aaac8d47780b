"""IKM self-service pages under /ikm/ (see partners/urls.py): the multi-step registration
with its draft, the owner's IKM page and its edits, and the small HTMX lookups the forms use
(KBLI search, regencies of a province, sentra names, component types, size class).

Every page needs an IKM owner (``ikm_owner_required``); what an owner can reach is looked
up through ``owner=request.user``, so another owner's rows answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import RupiahField
from components.models import Regency

from .. import registration as reg
from ..forms.registration import (
    CapabilityForm,
    CapabilityFormSet,
    CatalogueChoices,
    CertificationForm,
    CertificationFormSet,
    ContactForm,
    IdentityForm,
    LocationForm,
    component_type_choices,
)
from ..models import Supplier
from ..permissions import ikm_owner_required
from ..services import capability_set, supplier_update
from ..sizing import size_class

STEP_TEMPLATES = {
    1: "partners/partials/_register_identity.html",
    2: "partners/partials/_register_location.html",
    3: "partners/partials/_register_capabilities.html",
    4: "partners/partials/_register_certifications.html",
    5: "partners/partials/_register_contact.html",
}


def _location_context(form: LocationForm | None) -> dict[str, Any]:
    """What the location fields need besides the form: map tiles and sentra names."""
    if form is None:
        return {}
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "sentra_suggestions": reg.sentra_names(regency=form.chosen_regency() or None),
    }


def _has_ikm(user) -> bool:
    return Supplier.objects.filter(owner=user).exists()


def _without_ikm(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Registration pages are for owners who have no IKM yet; others go to their IKM."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _has_ikm(request.user):
            messages.info(request, _("Your IKM is already registered; you can edit it here."))
            return redirect("partners:my_ikm")
        return view(request, *args, **kwargs)

    return wrapper


def _apply_errors(error: ValidationError, forms: list[Form]) -> None:
    """Put a service's ValidationError on the form that has each field (else the first)."""
    error_dict = getattr(error, "error_dict", None) or {None: error.error_list}
    for field, errors in error_dict.items():
        target = next((form for form in forms if field in form.fields), forms[0])
        target.add_error(field if field in target.fields else None, errors)


# --- Registration -------------------------------------------------------------------------


def _step_url(step: int) -> str:
    if step >= reg.REVIEW:
        return reverse("partners:register_review")
    return reverse("partners:register_step", args=[step])


@require_GET
@ikm_owner_required
@_without_ikm
def register(request: HttpRequest) -> HttpResponse:
    """Start, or resume at the step reached."""
    draft = reg.draft_get(owner=request.user)
    return redirect(_step_url(draft.step if draft else 1))


def _certificate_initial(draft) -> list[dict[str, Any]]:
    rows = draft.data.get("certifications", []) if draft else []
    return [
        {
            "certification": row.get("certification"),
            "number": row.get("number"),
            "issued_on": row.get("issued_on"),
            "valid_until": row.get("valid_until"),
            "existing_document": row.get("document") or "",
        }
        for row in rows
    ]


def _step_form(request: HttpRequest, step: int, draft) -> Any:
    """The form (or formset) of a step, bound on POST, else filled from the draft."""
    data = request.POST if request.method == "POST" else None
    saved = draft.data.get(reg.STEP_BY_NUMBER[step].key) if draft else None
    if step == 1:
        return IdentityForm(data, initial=saved or {})
    if step == 2:
        return LocationForm(data, initial=saved or {})
    if step == 3:
        return CapabilityFormSet(
            data,
            initial=saved or [],
            prefix="capabilities",
            form_kwargs={"catalogue": CatalogueChoices()},
        )
    if step == 4:
        return CertificationFormSet(
            data,
            request.FILES if data is not None else None,
            initial=_certificate_initial(draft),
            prefix="certifications",
            form_kwargs={
                "catalogue": CatalogueChoices(),
                "draft_documents": reg.draft_documents(draft),
            },
        )
    user = request.user
    return ContactForm(
        data,
        initial=saved or {"contact_person": user.get_full_name(), "contact_email": user.email},
    )


def _save_step(request: HttpRequest, step: int, form: Any) -> None:
    if step == 3:
        reg.draft_step_save(owner=request.user, step=3, data=form.to_draft())
    elif step == 4:
        reg.draft_certifications_save(
            owner=request.user,
            certificates=[
                reg.DraftCertificate(
                    **row.service_kwargs(),
                    upload=row.cleaned_data.get("document") or None,
                    document=row.cleaned_data.get("existing_document") or "",
                )
                for row in form.kept_forms()
            ],
        )
    else:
        reg.draft_step_save(owner=request.user, step=step, data=form.to_draft())


def _progress(reached: int, current: int) -> list[dict[str, Any]]:
    return [
        {
            "number": step.number,
            "title": step.title,
            "url": _step_url(step.number),
            "done": step.number < reached,
            "reachable": step.number <= reached,
            "current": step.number == current,
        }
        for step in reg.STEPS
    ] + [
        {
            "number": reg.REVIEW,
            "title": _("Review"),
            "url": _step_url(reg.REVIEW),
            "done": False,
            "reachable": reached >= reg.REVIEW,
            "current": current == reg.REVIEW,
        }
    ]


@require_http_methods(["GET", "POST"])
@ikm_owner_required
@_without_ikm
def register_step(request: HttpRequest, step: int) -> HttpResponse:
    """One step of the registration. Saving keeps the data in the draft and moves on
    (``action``: ``next``, ``back`` or ``stop``); errors keep what was typed."""
    if step not in reg.STEP_BY_NUMBER:
        raise Http404
    draft = reg.draft_get(owner=request.user)
    reached = draft.step if draft else 1
    if step > reached:
        return redirect(_step_url(reached))
    form = _step_form(request, step, draft)
    if request.method == "POST" and form.is_valid():
        try:
            _save_step(request, step, form)
        except ValidationError as error:
            if hasattr(form, "management_form"):  # a formset: say it above the rows
                form.non_form_errors().extend(error.messages)
            else:
                _apply_errors(error, [form])
        else:
            action = request.POST.get("action", "next")
            if action == "stop":
                messages.success(
                    request,
                    _("Saved. Continue your registration whenever you are ready."),
                )
                return redirect("partners:my_ikm")
            return redirect(_step_url(step - 1 if action == "back" and step > 1 else step + 1))
    return render(
        request,
        "partners/register_step.html",
        {
            "step": reg.STEP_BY_NUMBER[step],
            "steps_total": len(reg.STEPS),
            "progress": _progress(reached, step),
            "form": form,
            "step_template": STEP_TEMPLATES[step],
            "draft": draft,
            **_location_context(form if step == 2 else None),
        },
    )


def _review_context(request: HttpRequest, draft, refusal=None) -> dict[str, Any]:
    return {
        "draft": draft,
        "summary": reg.draft_summary(draft),
        "missing": reg.draft_missing_steps(draft),
        "progress": _progress(draft.step, reg.REVIEW),
        "refusal": refusal,
        "refusal_url": _step_url(refusal.step) if refusal else "",
    }


@require_GET
@ikm_owner_required
@_without_ikm
def register_review(request: HttpRequest) -> HttpResponse:
    """Everything entered, with links back to each step, and the Submit button."""
    draft = reg.draft_get(owner=request.user)
    if draft is None:
        return redirect("partners:register")
    return render(request, "partners/register_review.html", _review_context(request, draft))


@require_POST
@ikm_owner_required
def register_submit(request: HttpRequest) -> HttpResponse:
    """Create the IKM from the draft (pending verification); a repeated submission finds no
    draft and lands on the IKM page."""
    try:
        supplier = reg.registration_submit(owner=request.user)
    except reg.DraftMissing:
        if _has_ikm(request.user):
            messages.info(request, _("Your registration was already submitted."))
            return redirect("partners:my_ikm")
        return redirect("partners:register")
    except reg.RegistrationRefused as refusal:
        draft = reg.draft_get(owner=request.user)
        if draft is None or _has_ikm(request.user):
            messages.error(request, " ".join(refusal.messages))
            return redirect("partners:my_ikm")
        return render(
            request, "partners/register_review.html", _review_context(request, draft, refusal)
        )
    messages.success(
        request,
        _(
            "Thank you: %(name)s is registered. Ministry staff will check it; once it is "
            "verified it can be matched with manufacturers' demands."
        )
        % {"name": supplier.legal_name},
    )
    return redirect("partners:my_ikm")


# --- My IKM -------------------------------------------------------------------------------


def _supplier_or_404(request: HttpRequest) -> Supplier:
    supplier = reg.my_supplier(owner=request.user)
    if supplier is None:
        raise Http404
    return supplier


@require_GET
@ikm_owner_required
def my_ikm(request: HttpRequest) -> HttpResponse:
    """The owner's IKM with its status, capabilities and certificates — or, before it is
    registered, where the registration stands."""
    supplier = reg.my_supplier(owner=request.user)
    if supplier is None:
        draft = reg.draft_get(owner=request.user)
        return render(
            request,
            "partners/ikm_start.html",
            {
                "draft": draft,
                "progress": _progress(draft.step, 0) if draft else None,
                "resume_url": _step_url(draft.step) if draft else reverse("partners:register"),
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
def ikm_edit(request: HttpRequest) -> HttpResponse:
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
        try:
            supplier_update(
                supplier=supplier,
                data=reg.supplier_fields(
                    identity=identity.cleaned_data,
                    location=location.cleaned_data,
                    contact=contact.cleaned_data,
                ),
                kbli_codes=identity.cleaned_data["kbli_codes"],
            )
        except ValidationError as error:
            _apply_errors(error, forms)
        else:
            messages.success(request, _("Your IKM's details are saved."))
            return redirect("partners:my_ikm")
    return render(
        request,
        "partners/ikm_edit.html",
        {
            "supplier": supplier,
            "identity": identity,
            "location": location,
            "contact": contact,
            **_location_context(location),
        },
    )


def _capability_page(
    request: HttpRequest, supplier: Supplier, form: CapabilityForm, capability=None
):
    return render(
        request,
        "partners/ikm_capability_form.html",
        {"supplier": supplier, "form": form, "capability": capability},
    )


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def capability_add(request: HttpRequest) -> HttpResponse:
    supplier = _supplier_or_404(request)
    form = CapabilityForm(request.POST if request.method == "POST" else None, supplier=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            capability_set(supplier=supplier, **form.service_kwargs())
        except ValidationError as error:
            _apply_errors(error, [form])
        else:
            messages.success(request, _("The capability is added."))
            return redirect("partners:my_ikm")
    return _capability_page(request, supplier, form)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def capability_edit(request: HttpRequest, pk: int) -> HttpResponse:
    capability = reg.owned_capability(owner=request.user, pk=pk)
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
            reg.capability_update(capability=capability, **form.service_kwargs())
        except ValidationError as error:
            _apply_errors(error, [form])
        else:
            messages.success(request, _("The capability is saved."))
            return redirect("partners:my_ikm")
    return _capability_page(request, capability.supplier, form, capability)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def capability_delete(request: HttpRequest, pk: int) -> HttpResponse:
    capability = reg.owned_capability(owner=request.user, pk=pk)
    if capability is None:
        raise Http404
    if request.method == "POST":
        try:
            reg.capability_remove(capability=capability)
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
def certification_add(request: HttpRequest) -> HttpResponse:
    supplier = _supplier_or_404(request)
    post = request.method == "POST"
    form = CertificationForm(request.POST if post else None, request.FILES if post else None)
    if post and form.is_valid():
        try:
            reg.certificate_add(
                supplier=supplier, **form.service_kwargs(), document=form.cleaned_data["document"]
            )
        except ValidationError as error:
            _apply_errors(error, [form])
        else:
            messages.success(request, _("The certificate is added."))
            return redirect("partners:my_ikm")
    return _certification_page(request, supplier, form)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def certification_edit(request: HttpRequest, pk: int) -> HttpResponse:
    held = reg.owned_certificate(owner=request.user, pk=pk)
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
            reg.certificate_update(
                held=held, **form.service_kwargs(), document=form.cleaned_data["document"] or None
            )
        except ValidationError as error:
            _apply_errors(error, [form])
        else:
            messages.success(request, _("The certificate is saved."))
            return redirect("partners:my_ikm")
    return _certification_page(request, held.supplier, form, held)


@require_http_methods(["GET", "POST"])
@ikm_owner_required
def certification_delete(request: HttpRequest, pk: int) -> HttpResponse:
    held = reg.owned_certificate(owner=request.user, pk=pk)
    if held is None:
        raise Http404
    if request.method == "POST":
        reg.certificate_remove(held=held)
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


# --- Lookups (HTMX) -----------------------------------------------------------------------


@require_GET
@ikm_owner_required
def kbli_search(request: HttpRequest) -> HttpResponse:
    """KBLI codes matching ``q``, to add to the chosen list."""
    q = request.GET.get("kbli_q", request.GET.get("q", "")).strip()[:100]
    return render(
        request,
        "partners/partials/_kbli_results.html",
        {"results": reg.kbli_search(q=q), "q": q},
    )


@require_GET
@ikm_owner_required
def regency_options(request: HttpRequest) -> HttpResponse:
    """The regency select's options for the chosen province."""
    province = (request.GET.get("province") or "").strip()
    regencies = Regency.objects.filter(province_id=province) if province.isdigit() else []
    return render(
        request,
        "partners/partials/_regency_options.html",
        {"regencies": regencies, "selected": "", "province": province},
    )


@require_GET
@ikm_owner_required
def sentra_options(request: HttpRequest) -> HttpResponse:
    """Existing sentra names (those of the chosen regency first), for the datalist."""
    regency = (request.GET.get("regency") or "").strip()[:5]
    return render(
        request,
        "partners/partials/_register_sentra_options.html",
        {"names": reg.sentra_names(regency=regency or None)},
    )


@require_GET
@ikm_owner_required
def component_options(request: HttpRequest) -> HttpResponse:
    """Component types matching ``q`` (by name, code or category), keeping the one chosen."""
    q = ""
    keep = []
    for key, value in request.GET.items():
        if key.endswith("component_q"):
            q = value.strip()[:100]
        elif key.endswith("component_type") and value.isdigit():
            keep.append(value)
    return render(
        request,
        "partners/partials/_component_options.html",
        {"choices": component_type_choices(q=q, keep=keep), "selected": keep[0] if keep else ""},
    )


def _int(value: str | None) -> int | None:
    try:
        return int((value or "").replace(".", "").replace(",", "").replace(" ", "").strip())
    except ValueError:
        return None


def _rupiah(value: str | None) -> int | None:
    try:
        return RupiahField().to_python(value)
    except ValidationError:
        return None


@require_GET
@ikm_owner_required
def size_class_preview(request: HttpRequest) -> HttpResponse:
    """The size class for the workers and investment typed so far."""
    workers = _int(request.GET.get("workers"))
    investment = _rupiah(request.GET.get("investment_idr"))
    size = None
    if workers is not None and investment is not None and workers >= 0 and investment >= 0:
        size = size_class(workers=workers, investment_idr=investment)
    return render(
        request,
        "partners/partials/_register_size_class.html",
        {"size": size, "investment": investment},
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
    path("register/", register, name="register"),
    path("register/step/<int:step>/", register_step, name="register_step"),
    path("register/review/", register_review, name="register_review"),
    path("register/submit/", register_submit, name="register_submit"),
    path("lookup/kbli/", kbli_search, name="ikm_kbli_search"),
    path("lookup/regencies/", regency_options, name="ikm_regency_options"),
    path("lookup/sentra/", sentra_options, name="ikm_sentra_options"),
    path("lookup/components/", component_options, name="ikm_component_options"),
    path("lookup/size-class/", size_class_preview, name="ikm_size_class"),
]
