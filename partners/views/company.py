"""Partners: company pages (see partners/urls.py), under /company/.

A manufacturer representative registers their company (pending until ministry staff verify
it), keeps its profile and plants current and posts component demands: save as draft,
publish, edit, close, cancel. Every object is looked up through the user's memberships, so
another company's demand or plant is a 404, whatever its id.

Double submission of a new demand is caught with a token in the form, recorded in the
session in the same transaction as the demand (see ``partners.views.company_session``): a repeated POST
leads to the demand the first one created. Publishing, closing and cancelling are state
moves, which a repeat cannot make twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_errors
from common.htmx import render_page_or_fragment
from common.paging import paginate, query_without_page
from common.typing import AuthenticatedHttpRequest
from components.models import ComponentType

from ..choices import DemandStatus
from ..forms.company import (
    CompanyChoiceForm,
    DemandForm,
    DemandStatusForm,
    ManufacturerForm,
    PlantForm,
)
from ..models import Demand, Manufacturer, Plant
from ..permissions import manufacturer_member_required
from ..selectors.demands import company_demand_counts, company_demand_list, member_demand
from ..selectors.manufacturers import (
    company_detail,
    company_plants,
    component_type_choices,
    member_plant,
    regency_choices,
)
from ..services import demands as demand_services
from ..services import manufacturers as manufacturer_services
from ..services.verification import REVERIFYING_MESSAGE
from .company_session import (
    SESSION_COMPANY,
    company_choose,
    lock_member,
    membership,
    submission_record,
    submission_token,
    submitted_demand_id,
)


def _company_or_register(request: AuthenticatedHttpRequest) -> Manufacturer | HttpResponse:
    """The company the user acts for, or a redirect to the registration form if they have
    no company yet."""
    company = membership(request).company
    if company is None:
        messages.info(request, _("Register your company first."))
        return redirect("partners:company")
    return company


def _demand_or_404(request: AuthenticatedHttpRequest, pk: int) -> Demand:
    try:
        return member_demand(user=request.user, pk=pk)
    except Demand.DoesNotExist:
        raise Http404(_("No such demand.")) from None


def _plant_or_404(request: AuthenticatedHttpRequest, pk: int) -> Plant:
    try:
        return member_plant(user=request.user, pk=pk)
    except Plant.DoesNotExist:
        raise Http404(_("No such plant.")) from None


# --- Company -------------------------------------------------------------------------------


@manufacturer_member_required
@require_http_methods(["GET", "POST"])
def company(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The company profile with its plants; the registration form for a representative
    who has no company yet."""
    member = membership(request)
    if member.company is None:
        return _company_register(request)
    if request.method == "POST":
        # The registration form sent again (a double click, or back and resend).
        messages.info(request, _("Your company is already registered."))
        return redirect("partners:company")
    profile = company_detail(company=member.company)
    context = {
        "company": profile,
        "plants": list(company_plants(company=profile)),
        "counts": company_demand_counts(company=profile),
        "choice_form": (
            CompanyChoiceForm(companies=member.companies, initial={"company": profile.pk})
            if len(member.companies) > 1
            else None
        ),
    }
    return render(request, "partners/company_detail.html", context)


def _company_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ManufacturerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = manufacturer_services.manufacturer_register(
                user=request.user,
                data=form.service_data(),
                sectors=form.cleaned_data["sectors"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "already_member":
                return redirect("partners:company")
            add_service_errors(form, error)
        else:
            request.session[SESSION_COMPANY] = created.pk
            messages.success(
                request,
                _(
                    "%(name)s is registered. Ministry staff will verify it; meanwhile you can "
                    "add plants and prepare demands."
                )
                % {"name": created.name},
            )
            return redirect("partners:company")
    return render(request, "partners/company_register.html", {"form": form})


@manufacturer_member_required
@require_http_methods(["GET", "POST"])
def company_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    company = _company_or_register(request)
    if isinstance(company, HttpResponse):
        return company
    company = company_detail(company=company)
    form = ManufacturerForm(request.POST or None, initial=ManufacturerForm.initial_for(company))
    if request.method == "POST" and form.is_valid():
        was_verified = company.is_verified
        try:
            manufacturer_services.manufacturer_update(
                manufacturer=company,
                data=form.service_data(),
                sectors=form.cleaned_data["sectors"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The company profile is saved."))
            if was_verified and not company.is_verified:
                messages.warning(request, REVERIFYING_MESSAGE)
            return redirect("partners:company")
    return render(request, "partners/company_form.html", {"form": form, "company": company})


@manufacturer_member_required
@require_POST
def company_switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Act for another of the user's companies."""
    member = membership(request)
    form = CompanyChoiceForm(request.POST, companies=member.companies)
    if not form.is_valid() or not company_choose(request, company_id=form.cleaned_data["company"]):
        raise Http404(_("No such company."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("partners:company")
    return redirect(target)


# --- Plants --------------------------------------------------------------------------------


def _plant_form_page(
    request: AuthenticatedHttpRequest, *, company: Manufacturer, plant: Plant | None
) -> HttpResponse:
    initial = PlantForm.initial_for(plant) if plant else {}
    form = PlantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if plant is None:
                saved = manufacturer_services.plant_create(
                    manufacturer=company, data=form.service_data()
                )
            else:
                saved = manufacturer_services.plant_update(plant=plant, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Plant %(name)s is saved.") % {"name": saved.name})
            return redirect(f"{reverse('partners:company')}#plants")
    return render(
        request, "partners/plant_form.html", {"form": form, "company": company, "plant": plant}
    )


@manufacturer_member_required
@require_http_methods(["GET", "POST"])
def plant_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    company = _company_or_register(request)
    if isinstance(company, HttpResponse):
        return company
    return _plant_form_page(request, company=company, plant=None)


@manufacturer_member_required
@require_http_methods(["GET", "POST"])
def plant_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plant = _plant_or_404(request, pk)
    return _plant_form_page(request, company=plant.manufacturer, plant=plant)


@manufacturer_member_required
@require_POST
def plant_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plant = _plant_or_404(request, pk)
    try:
        manufacturer_services.plant_delete(plant=plant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Plant %(name)s is removed.") % {"name": plant.name})
    return redirect(f"{reverse('partners:company')}#plants")


@manufacturer_member_required
@require_GET
def plant_regency_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The regency ``<option>``s of a province, for the plant form's dependent select."""
    province = request.GET.get("province", "")[:2]
    return render(
        request,
        "partners/partials/_plant_regency_options.html",
        {"options": regency_choices(province=province or None), "grouped": not province},
    )


# --- Demands -------------------------------------------------------------------------------


@manufacturer_member_required
@require_GET
def demand_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The company's demands with a tab per status and its count."""
    company = _company_or_register(request)
    if isinstance(company, HttpResponse):
        return company
    status_form = DemandStatusForm(request.GET)
    status = status_form.cleaned_data["status"] if status_form.is_valid() else ""
    page_obj = paginate(request, company_demand_list(company=company, status=status or None))
    counts = company_demand_counts(company=company)
    tabs = [("", _("All"), counts["all"])] + [
        (value, label, counts[value]) for value, label in DemandStatus.choices
    ]
    context = {
        "company": company,
        "tabs": tabs,
        "status": status,
        "page_obj": page_obj,
        "query": query_without_page(request),
    }
    return render_page_or_fragment(
        request,
        page="partners/demand_list.html",
        fragment="partners/partials/_demand_list_results.html",
        context=context,
    )


@manufacturer_member_required
@require_GET
def demand_component_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The component type ``<option>``s matching a search, for the demand form; the chosen
    type stays in the list."""
    groups = component_type_choices(q=request.GET.get("q", "")[:100])
    selected = request.GET.get("component_type", "")
    listed = {str(pk) for _group, types in groups for pk, _label in types}
    if selected.isdigit() and selected not in listed:
        # Keep the chosen type selectable even when the search no longer finds it.
        chosen = ComponentType.objects.filter(pk=selected).first()
        if chosen is not None:
            groups = [(_("Chosen"), [(chosen.pk, chosen.name)]), *groups]
    return render(
        request,
        "partners/partials/_demand_component_options.html",
        {"groups": groups, "selected": selected},
    )


def _created_or_error(
    request: AuthenticatedHttpRequest, *, company: Manufacturer, form: DemandForm
) -> Demand | HttpResponse | None:
    """Save the new demand (and publish it if asked) unless this form was already sent.
    Returns the demand, a redirect for a repeated submission, or None with the service's
    errors on the form."""
    token = form.cleaned_data["submission"]
    publish = "publish" in request.POST
    try:
        with transaction.atomic():
            if token:
                lock_member(user=request.user)
                done = submitted_demand_id(request, token=token)
                if done is not None:
                    messages.info(request, _("This demand was already saved."))
                    return redirect("partners:demand_detail", pk=done)
            demand = demand_services.demand_create(manufacturer=company, **form.service_kwargs())
            if publish:
                demand_services.demand_publish(demand=demand)
            if token:
                submission_record(request, token=token, demand_id=demand.pk)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    return demand


@manufacturer_member_required
@require_http_methods(["GET", "POST"])
def demand_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Post a demand: save it as a draft, or publish it at once."""
    company = _company_or_register(request)
    if isinstance(company, HttpResponse):
        return company
    if request.method == "POST":
        form = DemandForm(request.POST, request.FILES, company=company)
        if form.is_valid():
            outcome = _created_or_error(request, company=company, form=form)
            if isinstance(outcome, HttpResponse):
                return outcome
            if outcome is not None:
                messages.success(
                    request,
                    _("The demand is published.")
                    if outcome.status == DemandStatus.OPEN
                    else _("The demand is saved as a draft."),
                )
                return redirect("partners:demand_detail", pk=outcome.pk)
    else:
        form = DemandForm(
            company=company, initial={"submission": submission_token(), "unit": "pcs"}
        )
    return _demand_form_page(request, form=form, company=company, demand=None)


def _demand_form_page(
    request: AuthenticatedHttpRequest,
    *,
    form: DemandForm,
    company: Manufacturer,
    demand: Demand | None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "company": company,
        "demand": demand,
        "has_plants": form.plants.exists(),
        "file_lost": bool(request.FILES) and form.is_bound and bool(form.errors),
    }
    return render(request, "partners/demand_form.html", context)


@manufacturer_member_required
@require_GET
def demand_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    demand = _demand_or_404(request, pk)
    return render(request, "partners/demand_detail.html", {"demand": demand})


@manufacturer_member_required
@require_http_methods(["GET", "POST"])
def demand_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    demand = _demand_or_404(request, pk)
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.OPEN):
        messages.warning(
            request,
            _("A %(status)s demand can no longer be edited.")
            % {"status": demand.get_status_display()},
        )
        return redirect("partners:demand_detail", pk=demand.pk)
    company = demand.manufacturer
    initial = DemandForm.initial_for(demand)
    if request.method == "POST":
        form = DemandForm(request.POST, request.FILES, company=company, initial=initial)
        if form.is_valid():
            try:
                demand_services.demand_update(demand=demand, **form.service_kwargs())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The demand is saved."))
                return redirect("partners:demand_detail", pk=demand.pk)
    else:
        form = DemandForm(company=company, initial=initial)
    return _demand_form_page(request, form=form, company=company, demand=demand)


def _demand_move(
    request: AuthenticatedHttpRequest, pk: int, *, move, target: str, done: str, already: str
) -> HttpResponse:
    demand = _demand_or_404(request, pk)
    if demand.status == target:
        # A repeated click: the first one already did it.
        messages.info(request, already)
        return redirect("partners:demand_detail", pk=demand.pk)
    try:
        move(demand=demand)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("partners:demand_detail", pk=demand.pk)


@manufacturer_member_required
@require_POST
def demand_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _demand_move(
        request,
        pk,
        move=demand_services.demand_publish,
        target=DemandStatus.OPEN,
        done=_("The demand is published."),
        already=_("The demand is already published."),
    )


@manufacturer_member_required
@require_POST
def demand_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _demand_move(
        request,
        pk,
        move=demand_services.demand_close,
        target=DemandStatus.CLOSED,
        done=_("The demand is closed."),
        already=_("The demand is already closed."),
    )


@manufacturer_member_required
@require_POST
def demand_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _demand_move(
        request,
        pk,
        move=demand_services.demand_cancel,
        target=DemandStatus.CANCELLED,
        done=_("The demand is cancelled."),
        already=_("The demand is already cancelled."),
    )


urlpatterns: list[URLPattern] = [
    path("", company, name="company"),
    path("edit/", company_edit, name="company_edit"),
    path("switch/", company_switch, name="company_switch"),
    path("plants/new/", plant_create, name="plant_create"),
    path("plants/regencies/", plant_regency_options, name="plant_regency_options"),
    path("plants/<int:pk>/edit/", plant_edit, name="plant_edit"),
    path("plants/<int:pk>/delete/", plant_delete, name="plant_delete"),
    path("demands/", demand_list, name="demand_list"),
    path("demands/new/", demand_create, name="demand_create"),
    path("demands/component-types/", demand_component_options, name="demand_component_options"),
    path("demands/<int:pk>/", demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", demand_edit, name="demand_edit"),
    path("demands/<int:pk>/publish/", demand_publish, name="demand_publish"),
    path("demands/<int:pk>/close/", demand_close, name="demand_close"),
    path("demands/<int:pk>/cancel/", demand_cancel, name="demand_cancel"),
]
