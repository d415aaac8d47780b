"""Staff workspace: the supplier directory, its map and export, and the supplier profile
(see matchmaking/workspace_urls.py; mounted under /staff/suppliers/)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from ..exports import Column, export_response
from ..filters.suppliers import SupplierFilterSet, regency_choices
from ..selectors.directory import (
    directory_rows,
    map_points,
    province_centres,
    supplier_list,
    supplier_profile,
)
from .access import is_htmx, paginate, query_without_page, staff_required

EXPORT_CHUNK = 2000


def _filterset(request: HttpRequest) -> SupplierFilterSet:
    return SupplierFilterSet(request.GET, request=request)


@require_GET
@staff_required
def supplier_list_view(request: HttpRequest) -> HttpResponse:
    """The directory: search and filters, one page of suppliers, export links."""
    filterset = _filterset(request)
    valid = filterset.is_valid()
    page_obj = paginate(request, supplier_list(suppliers=filterset.qs)) if valid else None
    query = query_without_page(request)
    context = {
        "filterset": filterset,
        "page_obj": page_obj,
        "rows": directory_rows(page_obj.object_list) if page_obj else [],
        "query": query,
        "filters_active": any(v for k, v in request.GET.items() if k != "page"),
    }
    if is_htmx(request):
        return render(
            request,
            "matchmaking/partials/_directory_body.html",
            context,
            status=200 if valid else 400,
        )
    return render(request, "matchmaking/supplier_list.html", context)


@require_GET
@staff_required
def supplier_regency_options(request: HttpRequest) -> HttpResponse:
    """The regency select's options for the chosen province (all when none)."""
    province = (request.GET.get("province") or "").strip()
    options = regency_choices(province if province.isdigit() else None)()
    return render(
        request, "matchmaking/partials/_directory_regency_options.html", {"options": options}
    )


@require_GET
@staff_required
def supplier_map(request: HttpRequest) -> HttpResponse:
    """The suppliers on a map, with the directory's filters; markers come from map.json."""
    filterset = _filterset(request)
    filterset.is_valid()
    query = query_without_page(request)
    data_url = reverse("workspace:supplier_map_data")
    context = {
        "filterset": filterset,
        "query": query,
        "data_url": f"{data_url}?{query}" if query else data_url,
        "detail_url": reverse("workspace:supplier_detail", args=[0]),
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "provinces": province_centres() if not settings.MAP_TILE_URL else [],
        "filters_active": any(v for k, v in request.GET.items() if k != "page"),
    }
    return render(request, "matchmaking/supplier_map.html", context)


@require_GET
@staff_required
@gzip_page
def supplier_map_data(request: HttpRequest) -> JsonResponse:
    """The filtered suppliers as a GeoJSON FeatureCollection of points: id, name, sentra."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors.get_json_data()}, status=400)
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {"name": name, "sentra": sentra},
        }
        for pk, name, sentra, lat, lon in map_points(suppliers=filterset.qs)
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "count": len(features),
            "detail_url": reverse("workspace:supplier_detail", args=[0]).replace("/0/", "/{id}/"),
            "features": features,
        }
    )


def _join(values) -> str:
    return ", ".join(values)


SUPPLIER_COLUMNS = [
    Column(_("legal name"), lambda r: r.supplier.legal_name),
    Column(_("NIB"), lambda r: r.supplier.nib),
    Column(_("legal form"), lambda r: r.supplier.get_legal_form_display()),
    Column(_("size class"), lambda r: r.supplier.get_size_class_display()),
    Column(_("number of workers"), lambda r: r.supplier.workers),
    Column(_("investment (Rp)"), lambda r: r.supplier.investment_idr),
    Column(_("regency/city code"), lambda r: r.supplier.regency_id),
    Column(_("regency/city"), lambda r: r.supplier.regency.name),
    Column(_("province"), lambda r: r.supplier.regency.province.name),
    Column(_("sentra (cluster)"), lambda r: r.supplier.sentra),
    Column(_("address"), lambda r: r.supplier.address),
    Column(_("latitude"), lambda r: r.supplier.latitude),
    Column(_("longitude"), lambda r: r.supplier.longitude),
    Column(_("component types"), lambda r: _join(r.component_types)),
    Column(_("processes"), lambda r: _join(r.processes)),
    Column(_("materials"), lambda r: _join(r.materials)),
    Column(_("certifications valid today"), lambda r: _join(r.certifications)),
    Column(
        _("free capacity per month"),
        lambda r: "; ".join(
            f"{c.component_type}: {c.free} / {c.capacity} {c.unit}" for c in r.capacities
        ),
    ),
    Column(_("verification status"), lambda r: r.supplier.get_verification_status_display()),
    Column(_("contact person"), lambda r: r.supplier.contact_person),
    Column(_("contact phone"), lambda r: r.supplier.contact_phone),
    Column(_("contact e-mail"), lambda r: r.supplier.contact_email),
]


def _export_rows(queryset):
    """Directory rows, prefetched chunk by chunk: memory and queries stay bounded."""
    for supplier in queryset.iterator(chunk_size=EXPORT_CHUNK):
        yield from directory_rows([supplier])


@require_GET
@staff_required
def supplier_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered directory as a spreadsheet (csv or xlsx)."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return HttpResponse(
            filterset.errors.as_text(), status=400, content_type="text/plain; charset=utf-8"
        )
    return export_response(
        rows=_export_rows(supplier_list(suppliers=filterset.qs)),
        columns=SUPPLIER_COLUMNS,
        fmt=fmt,
        filename="ikm-directory",
    )


@require_GET
@staff_required
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A supplier's profile: identity, location, capabilities, certificates, matches, near
    misses and partnerships."""
    return render(request, "matchmaking/supplier_detail.html", {"profile": supplier_profile(pk=pk)})


urlpatterns = [
    path("", supplier_list_view, name="supplier_list"),
    path("regencies/", supplier_regency_options, name="supplier_regency_options"),
    path("map/", supplier_map, name="supplier_map"),
    path("map.json", supplier_map_data, name="supplier_map_data"),
    path("export.<str:fmt>", supplier_export, name="supplier_export"),
    path("<int:pk>/", supplier_detail, name="supplier_detail"),
]
