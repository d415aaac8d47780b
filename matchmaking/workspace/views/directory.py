"""Staff workspace: the supplier directory, its map and export, and the supplier profile
(see matchmaking/workspace/urls.py; mounted under /staff/suppliers/)."""

from __future__ import annotations

import gzip
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.htmx import render_page_or_fragment
from common.paging import paginate, query_without_page
from partners.choices import LegalForm, SizeClass, VerificationStatus
from partners.permissions import staff_required
from partners.selectors.history import organisation_history

from ..exports import Column, export_response
from ..filters.suppliers import SupplierFilterSet, regency_choices
from ..selectors.directory import (
    directory_rows,
    export_rows,
    map_points,
    province_centres,
    supplier_list,
    supplier_profile,
)

GZIP_MIN_BYTES = 1024


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
    return render_page_or_fragment(
        request,
        page="matchmaking/supplier_list.html",
        fragment="matchmaking/partials/_directory_body.html",
        context=context,
        invalid=not valid,
    )


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


def _compact_json(request: HttpRequest, data: dict) -> HttpResponse:
    """JSON without spaces, gzip-compressed (fast level) when the client accepts it: the
    50,000-point collection is some 8 MB raw and 1 MB compressed."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    response = HttpResponse(content_type="application/json")
    patch_vary_headers(response, ("Accept-Encoding",))
    if len(body) > GZIP_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, compresslevel=1, mtime=0)
        response["Content-Encoding"] = "gzip"
    response.content = body
    return response


@require_GET
@staff_required
def supplier_map_data(request: HttpRequest) -> HttpResponse:
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
    return _compact_json(
        request,
        {
            "type": "FeatureCollection",
            "count": len(features),
            "detail_url": reverse("workspace:supplier_detail", args=[0]).replace("/0/", "/{id}/"),
            "features": features,
        },
    )


def _join(values) -> str:
    return ", ".join(values)


LEGAL_FORMS = dict(LegalForm.choices)
SIZE_CLASSES = dict(SizeClass.choices)
VERIFICATION = dict(VerificationStatus.choices)

SUPPLIER_COLUMNS = [
    Column(_("legal name"), lambda r: r["legal_name"]),
    Column(_("NIB"), lambda r: r["nib"]),
    Column(_("legal form"), lambda r: LEGAL_FORMS.get(r["legal_form"], r["legal_form"])),
    Column(_("size class"), lambda r: SIZE_CLASSES.get(r["size_class"], r["size_class"])),
    Column(_("number of workers"), lambda r: r["workers"]),
    Column(_("investment (Rp)"), lambda r: r["investment_idr"]),
    Column(_("regency/city code"), lambda r: r["regency_id"]),
    Column(_("regency/city"), lambda r: r["regency__name"]),
    Column(_("province"), lambda r: r["regency__province__name"]),
    Column(_("sentra (cluster)"), lambda r: r["sentra"]),
    Column(_("address"), lambda r: r["address"]),
    Column(_("latitude"), lambda r: r["latitude"]),
    Column(_("longitude"), lambda r: r["longitude"]),
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
    Column(
        _("verification status"),
        lambda r: VERIFICATION.get(r["verification_status"], r["verification_status"]),
    ),
    Column(_("contact person"), lambda r: r["contact_person"]),
    Column(_("contact phone"), lambda r: r["contact_phone"]),
    Column(_("contact e-mail"), lambda r: r["contact_email"]),
]


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
        rows=export_rows(suppliers=filterset.qs),
        columns=SUPPLIER_COLUMNS,
        fmt=fmt,
        filename="ikm-directory",
    )


@require_GET
@staff_required
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A supplier's profile: identity, location, capabilities, certificates, matches, near
    misses, partnerships and the audit trail of its changes."""
    profile = supplier_profile(pk=pk)
    return render(
        request,
        "matchmaking/supplier_detail.html",
        {"profile": profile, "history": organisation_history(profile.supplier)},
    )


urlpatterns = [
    path("", supplier_list_view, name="supplier_list"),
    path("regencies/", supplier_regency_options, name="supplier_regency_options"),
    path("map/", supplier_map, name="supplier_map"),
    path("map.json", supplier_map_data, name="supplier_map_data"),
    path("export.<str:fmt>", supplier_export, name="supplier_export"),
    path("<int:pk>/", supplier_detail, name="supplier_detail"),
]
