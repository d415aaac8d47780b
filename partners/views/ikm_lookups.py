"""The small HTMX lookups of the IKM forms under /ikm/lookup/ (see partners/urls.py): KBLI
search, regencies of a province, sentra names, component types, size class."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from common.forms import RupiahField
from components.models import Regency

from ..forms.registration.catalogue import component_type_choices
from ..permissions import ikm_owner_required
from ..selectors.suppliers import kbli_search as kbli_results
from ..selectors.suppliers import sentra_names
from ..sizing import size_class


@require_GET
@ikm_owner_required
def kbli_search(request: HttpRequest) -> HttpResponse:
    """KBLI codes matching ``q``, to add to the chosen list."""
    q = request.GET.get("kbli_q", request.GET.get("q", "")).strip()[:100]
    return render(
        request,
        "partners/partials/_kbli_results.html",
        {"results": kbli_results(q=q), "q": q},
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
        {"names": sentra_names(regency=regency or None)},
    )


@require_GET
@ikm_owner_required
def component_options(request: HttpRequest) -> HttpResponse:
    """Component types matching ``q`` (by name, code or category), keeping the one chosen."""
    q = ""
    keep = []
    for key in request.GET:
        value = request.GET[key]  # the last value, as items() gives it
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
    path("lookup/kbli/", kbli_search, name="ikm_kbli_search"),
    path("lookup/regencies/", regency_options, name="ikm_regency_options"),
    path("lookup/sentra/", sentra_options, name="ikm_sentra_options"),
    path("lookup/components/", component_options, name="ikm_component_options"),
    path("lookup/size-class/", size_class_preview, name="ikm_size_class"),
]
