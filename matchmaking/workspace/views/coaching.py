"""Staff workspace: the coaching view (*pembinaan*), whom to train or certify next (see
matchmaking/workspace/urls.py; mounted under /staff/coaching/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.htmx import render_page_or_fragment
from common.paging import paginate, query_without_page
from partners.permissions import staff_required

from ..exports import Column, export_response
from ..filters.suppliers import CoachingFilterSet
from ..selectors.coaching import coaching, coaching_export_rows

VIEWS = ("lack", "sentra")


@require_GET
@staff_required
def coaching_view(request: HttpRequest) -> HttpResponse:
    """Near misses grouped by what they lack (or by sentra); ``?lack=<key>`` lists every IKM
    of one lack, paginated."""
    filterset = CoachingFilterSet(request.GET, request=request)
    valid = filterset.is_valid()
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "lack"
    result = coaching(near_misses=filterset.qs) if valid else None
    lack_key = request.GET.get("lack", "")
    group = result.group(lack_key) if result and lack_key else None
    params = request.GET.copy()
    for name in ("view", "lack", "page"):
        params.pop(name, None)
    context = {
        "filterset": filterset,
        "result": result,
        "view": view,
        "lack_key": lack_key,
        "group": group,
        "page_obj": paginate(request, group.supplier_list()) if group else None,
        "query": query_without_page(request),
        "filter_query": params.urlencode(),
        "filters_active": any(params.values()),
    }
    return render_page_or_fragment(
        request,
        page="matchmaking/coaching.html",
        fragment="matchmaking/partials/_coaching_body.html",
        context=context,
        invalid=not valid,
    )


COACHING_COLUMNS = [
    Column(_("what it lacks"), lambda r: r.lack),
    Column(_("IKM"), lambda r: r.supplier.name),
    Column(_("NIB"), lambda r: r.supplier.nib),
    Column(_("sentra (cluster)"), lambda r: r.supplier.sentra),
    Column(_("regency/city"), lambda r: r.supplier.regency),
    Column(_("province"), lambda r: r.supplier.province),
    Column(_("free capacity per month"), lambda r: r.supplier.free_capacity),
    Column(_("demand"), lambda r: r.demand.title),
    Column(_("manufacturer"), lambda r: r.demand.manufacturer),
    Column(_("quantity per month"), lambda r: r.demand.quantity),
    Column(_("unit"), lambda r: r.demand.unit),
]


@require_GET
@staff_required
def coaching_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The coaching list (filtered; one lack with ``?lack=``) as csv or xlsx: one row per
    IKM, demand and lack."""
    filterset = CoachingFilterSet(request.GET, request=request)
    if not filterset.is_valid():
        return HttpResponse(
            filterset.errors.as_text(), status=400, content_type="text/plain; charset=utf-8"
        )
    result = coaching(near_misses=filterset.qs)
    return export_response(
        rows=coaching_export_rows(result, request.GET.get("lack", "")),
        columns=COACHING_COLUMNS,
        fmt=fmt,
        filename="ikm-coaching",
    )


urlpatterns = [
    path("", coaching_view, name="coaching"),
    path("export.<str:fmt>", coaching_export, name="coaching_export"),
]
