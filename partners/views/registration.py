"""The IKM registration under /ikm/register/ (see partners/urls.py): its five steps saved
into the owner's draft, the review and the submission. Also what the my-IKM pages share
with it: where each step is, the progress bar, the location fields' context.

Every page needs an IKM owner (``ikm_owner_required``); registration pages are for owners
who have no IKM yet, others go to their IKM.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_errors
from common.typing import AuthenticatedHttpRequest

from ..forms.registration.capabilities import CapabilityFormSet
from ..forms.registration.catalogue import CatalogueChoices
from ..forms.registration.certificates import CertificationFormSet
from ..forms.registration.steps import ContactForm, IdentityForm, LocationForm
from ..models import Supplier
from ..permissions import ikm_owner_required
from ..selectors.registration import (
    REVIEW,
    STEP_BY_NUMBER,
    STEPS,
    draft_documents,
    draft_get,
    draft_missing_steps,
    draft_summary,
)
from ..selectors.suppliers import sentra_names
from ..services.registration import (
    DraftCertificate,
    DraftMissing,
    RegistrationRefused,
    draft_certifications_save,
    draft_step_save,
    registration_submit,
)

STEP_TEMPLATES = {
    1: "partners/partials/_register_identity.html",
    2: "partners/partials/_register_location.html",
    3: "partners/partials/_register_capabilities.html",
    4: "partners/partials/_register_certifications.html",
    5: "partners/partials/_register_contact.html",
}


def location_context(form: LocationForm | None) -> dict[str, Any]:
    """What the location fields need besides the form: map tiles and sentra names."""
    if form is None:
        return {}
    return {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "sentra_suggestions": sentra_names(regency=form.chosen_regency() or None),
    }


def has_ikm(user) -> bool:
    return Supplier.objects.filter(owner=user).exists()


def _without_ikm(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Registration pages are for owners who have no IKM yet; others go to their IKM."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if has_ikm(request.user):
            messages.info(request, _("Your IKM is already registered; you can edit it here."))
            return redirect("partners:my_ikm")
        return view(request, *args, **kwargs)

    return wrapper


# --- Registration -------------------------------------------------------------------------


def step_url(step: int) -> str:
    if step >= REVIEW:
        return reverse("partners:register_review")
    return reverse("partners:register_step", args=[step])


@require_GET
@ikm_owner_required
@_without_ikm
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start, or resume at the step reached."""
    draft = draft_get(owner=request.user)
    return redirect(step_url(draft.step if draft else 1))


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


def _step_form(request: AuthenticatedHttpRequest, step: int, draft) -> Any:
    """The form (or formset) of a step, bound on POST, else filled from the draft."""
    data = request.POST if request.method == "POST" else None
    saved = draft.data.get(STEP_BY_NUMBER[step].key) if draft else None
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
                "draft_documents": draft_documents(draft),
            },
        )
    user = request.user
    return ContactForm(
        data,
        initial=saved or {"contact_person": user.get_full_name(), "contact_email": user.email},
    )


def _save_step(request: AuthenticatedHttpRequest, step: int, form: Any) -> None:
    if step == 3:
        draft_step_save(owner=request.user, step=3, data=form.to_draft())
    elif step == 4:
        draft_certifications_save(
            owner=request.user,
            certificates=[
                DraftCertificate(
                    **row.service_kwargs(),
                    upload=row.cleaned_data.get("document") or None,
                    document=row.cleaned_data.get("existing_document") or "",
                )
                for row in form.kept_forms()
            ],
        )
    else:
        draft_step_save(owner=request.user, step=step, data=form.to_draft())


def progress(reached: int, current: int) -> list[dict[str, Any]]:
    return [
        {
            "number": step.number,
            "title": step.title,
            "url": step_url(step.number),
            "done": step.number < reached,
            "reachable": step.number <= reached,
            "current": step.number == current,
        }
        for step in STEPS
    ] + [
        {
            "number": REVIEW,
            "title": _("Review"),
            "url": step_url(REVIEW),
            "done": False,
            "reachable": reached >= REVIEW,
            "current": current == REVIEW,
        }
    ]


@require_http_methods(["GET", "POST"])
@ikm_owner_required
@_without_ikm
def register_step(request: AuthenticatedHttpRequest, step: int) -> HttpResponse:
    """One step of the registration. Saving keeps the data in the draft and moves on
    (``action``: ``next``, ``back`` or ``stop``); errors keep what was typed."""
    if step not in STEP_BY_NUMBER:
        raise Http404
    draft = draft_get(owner=request.user)
    reached = draft.step if draft else 1
    if step > reached:
        return redirect(step_url(reached))
    form = _step_form(request, step, draft)
    if request.method == "POST" and form.is_valid():
        try:
            _save_step(request, step, form)
        except ValidationError as error:
            if hasattr(form, "management_form"):  # a formset: say it above the rows
                form.non_form_errors().extend(error.messages)
            else:
                add_service_errors(form, error)
        else:
            action = request.POST.get("action", "next")
            if action == "stop":
                messages.success(
                    request,
                    _("Saved. Continue your registration whenever you are ready."),
                )
                return redirect("partners:my_ikm")
            return redirect(step_url(step - 1 if action == "back" and step > 1 else step + 1))
    return render(
        request,
        "partners/register_step.html",
        {
            "step": STEP_BY_NUMBER[step],
            "steps_total": len(STEPS),
            "progress": progress(reached, step),
            "form": form,
            "step_template": STEP_TEMPLATES[step],
            "draft": draft,
            **location_context(form if step == 2 else None),
        },
    )


def _review_context(request: AuthenticatedHttpRequest, draft, refusal=None) -> dict[str, Any]:
    return {
        "draft": draft,
        "summary": draft_summary(draft),
        "missing": draft_missing_steps(draft),
        "progress": progress(draft.step, REVIEW),
        "refusal": refusal,
        "refusal_url": step_url(refusal.step) if refusal else "",
    }


@require_GET
@ikm_owner_required
@_without_ikm
def register_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything entered, with links back to each step, and the Submit button."""
    draft = draft_get(owner=request.user)
    if draft is None:
        return redirect("partners:register")
    return render(request, "partners/register_review.html", _review_context(request, draft))


@require_POST
@ikm_owner_required
def register_submit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create the IKM from the draft (pending verification); a repeated submission finds no
    draft and lands on the IKM page."""
    try:
        supplier = registration_submit(owner=request.user)
    except DraftMissing:
        if has_ikm(request.user):
            messages.info(request, _("Your registration was already submitted."))
            return redirect("partners:my_ikm")
        return redirect("partners:register")
    except RegistrationRefused as refusal:
        draft = draft_get(owner=request.user)
        if draft is None or has_ikm(request.user):
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


urlpatterns = [
    path("register/", register, name="register"),
    path("register/step/<int:step>/", register_step, name="register_step"),
    path("register/review/", register_review, name="register_review"),
    path("register/submit/", register_submit, name="register_submit"),
]
